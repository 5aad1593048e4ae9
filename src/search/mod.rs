//! The search index: a tantivy index beside the database (`<db>.search/`), derived from it and
//! rebuilt from it whenever it is missing, stale or damaged. SQLite stays the only source of
//! truth. Changes reach the index through the `search_outbox` table (filled by triggers in the
//! same transaction as the change); any process can apply them, one writer at a time, and the
//! commit payload records how far it got, so a restart resumes there.
//!
//! Why tantivy and not SQLite FTS5: BM25 ranking in FTS5 costs time in proportion to the
//! matching rows, and common Vietnamese syllables match most of a million tickets (0.5–1.3 s
//! p95 measured here); tantivy ranks the top hits with block-max pruning in milliseconds.

pub mod service;

use crate::domain::search::{self, Part, QueryPlan};
use crate::store::{IndexDoc, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};

/// Bumped whenever the schema or the folding changes: an index of another version is rebuilt.
const INDEX_FORMAT: u32 = 4;
/// Beyond this many pending changes a full rebuild is quicker than applying them one by one.
const REBUILD_ABOVE: usize = 20_000;
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index {path}: {source}")]
    Index {
        path: PathBuf,
        source: tantivy::TantivyError,
    },
    #[error("search index {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index {0} is being written by another process; try again in a moment")]
    Busy(PathBuf),
}

/// Where the index of a database lives.
pub fn index_dir(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".search");
    db.with_file_name(name)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Payload {
    format: u32,
    db_id: String,
    outbox: i64,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    reference: Field,
    title: Field,
    symptom: Field,
    cause: Field,
    resolution: Field,
    prefix: Field,
    /// All four texts in one field, each repeated by its weight (BM25F by repetition): a
    /// query of whole words is then a plain intersection of terms, which tantivy answers
    /// with block-max pruning instead of scoring every match.
    body: Field,
    exact: Field,
    application: Field,
    category: Field,
    lang: Field,
    status: Field,
    /// "1" on past solutions (published articles, resolved or closed tickets): the usual
    /// filter as one term instead of a union of three.
    solution: Field,
    updated: Field,
    helped: Field,
}

/// The statuses of past solutions, sorted.
const SOLUTION_STATUSES: [&str; 3] = ["closed", "published", "resolved"];

/// How many times each text goes into `body`: title above symptom above resolution above cause.
const BODY_REPEATS: [usize; 4] = [4, 3, 2, 1];

/// Field weights: title above symptom above resolution above cause.
const WEIGHTS: [(usize, f32); 4] = [(0, 3.0), (1, 2.0), (2, 1.5), (3, 1.0)];

impl Fields {
    fn text(&self) -> [Field; 4] {
        [self.title, self.symptom, self.resolution, self.cause]
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let positions = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("folded")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let freqs = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("folded")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        reference: b.add_text_field("ref", STRING | STORED),
        title: b.add_text_field("title", positions.clone()),
        symptom: b.add_text_field("symptom", positions.clone()),
        cause: b.add_text_field("cause", positions.clone()),
        resolution: b.add_text_field("resolution", positions),
        prefix: b.add_text_field("prefix", freqs.clone()),
        body: b.add_text_field("body", freqs.clone()),
        exact: b.add_text_field("exact", freqs.clone()),
        application: b.add_text_field("application", STRING),
        category: b.add_text_field("category", STRING),
        lang: b.add_text_field("lang", STRING),
        status: b.add_text_field("status", STRING),
        // With frequencies like the text fields, so it can join a pruned intersection.
        solution: b.add_text_field("solution", freqs.clone()),
        updated: b.add_i64_field("updated", FAST | INDEXED),
        helped: b.add_u64_field("helped", FAST),
    };
    (b.build(), fields)
}

/// Restrict a search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `article` or `ticket`.
    pub kind: Option<String>,
    pub application: Option<String>,
    pub category: Option<String>,
    pub lang: Option<String>,
    /// Article status (`published`…) or ticket status (`resolved`…); several allowed.
    pub statuses: Vec<String>,
}

impl Filters {
    /// The default search scope, for every front end: past solutions — published articles
    /// and resolved or closed tickets.
    pub fn solutions() -> Filters {
        Filters {
            statuses: vec!["published".into(), "resolved".into(), "closed".into()],
            ..Filters::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: String,
    pub reference: String,
    pub score: f32,
    /// Found only by the one-typo fallback.
    pub fuzzy: bool,
}

/// What bringing the index up to date did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub applied: usize,
    pub rebuilt: bool,
    /// Another process held the writer; nothing was applied by this one.
    pub busy: bool,
}

pub struct SearchIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

fn analyzer() -> TextAnalyzer {
    // Text is folded and cut into tokens by `domain::search` before it gets here.
    TextAnalyzer::from(WhitespaceTokenizer::default())
}

impl SearchIndex {
    /// Open the index of the database at `db`, creating it (empty) if missing and replacing
    /// it if unreadable. Call [`SearchIndex::sync`] before searching.
    pub fn open(db: &Path) -> Result<SearchIndex, SearchError> {
        let path = index_dir(db);
        let (schema, fields) = schema();
        let io = |source| SearchError::Io {
            path: path.clone(),
            source,
        };
        let tv = |source| SearchError::Index {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&path).map_err(io)?;
        let index = match Index::open_in_dir(&path) {
            Ok(index) if index.schema() == schema => index,
            Ok(_) | Err(_) if path.join("meta.json").exists() => {
                // Damaged or from another version: start again from the database.
                std::fs::remove_dir_all(&path).map_err(io)?;
                std::fs::create_dir_all(&path).map_err(io)?;
                create_or_open(&path, schema).map_err(tv)?
            }
            _ => create_or_open(&path, schema).map_err(tv)?,
        };
        index.tokenizers().register("folded", analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tv)?;
        Ok(SearchIndex {
            path,
            index,
            reader,
            fields,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn payload(&self) -> Option<Payload> {
        let metas = self.index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }

    fn writer(&self) -> Result<Option<IndexWriter>, SearchError> {
        match self.index.writer_with_num_threads(1, WRITER_MEMORY) {
            Ok(w) => Ok(Some(w)),
            Err(tantivy::TantivyError::LockFailure(..)) => Ok(None),
            Err(source) => Err(SearchError::Index {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn tv(&self) -> impl Fn(tantivy::TantivyError) -> SearchError + '_ {
        |source| SearchError::Index {
            path: self.path.clone(),
            source,
        }
    }

    /// Bring the index up to date with the database: apply pending changes, or rebuild if
    /// the index is new, stale or far behind. Returns at once with `busy` if another process
    /// is writing the index (it will apply the same changes).
    pub fn sync(
        &mut self,
        store: &mut Store,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SyncReport, SearchError> {
        let db_id = store.db_id()?;
        let payload = self
            .payload()
            .filter(|p| p.format == INDEX_FORMAT && p.db_id == db_id);
        let last = store.outbox_last()?;
        if let Some(p) = &payload
            && p.outbox >= last
        {
            self.reader.reload().map_err(self.tv())?;
            return Ok(SyncReport::default());
        }
        let Some(mut writer) = self.writer()? else {
            self.reader.reload().map_err(self.tv())?;
            return Ok(SyncReport {
                busy: true,
                ..SyncReport::default()
            });
        };
        // Read the payload again now that this process holds the writer: another may have
        // committed in between.
        let payload = self
            .payload()
            .filter(|p| p.format == INDEX_FORMAT && p.db_id == db_id);
        let report = match payload {
            Some(p) if (last - p.outbox) as usize <= REBUILD_ABOVE => {
                let applied = self.apply_outbox(store, &mut writer, p.outbox, &db_id)?;
                SyncReport {
                    applied,
                    ..SyncReport::default()
                }
            }
            _ => {
                let applied = self.rebuild_with(store, &mut writer, &db_id, progress)?;
                SyncReport {
                    applied,
                    rebuilt: true,
                    busy: false,
                }
            }
        };
        drop(writer);
        self.reader.reload().map_err(self.tv())?;
        Ok(report)
    }

    /// Bring the index up to date, waiting (a few seconds at most) for another process that
    /// holds the writer, so a one-shot command sees its own and earlier changes.
    pub fn sync_wait(
        &mut self,
        store: &mut Store,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<SyncReport, SearchError> {
        let start = Instant::now();
        loop {
            let r = self.sync(store, progress)?;
            if !r.busy {
                return Ok(r);
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(SearchError::Busy(self.path.clone()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Throw the index away and build it again from the database.
    pub fn rebuild(
        &mut self,
        store: &mut Store,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<usize, SearchError> {
        let start = Instant::now();
        let mut writer = loop {
            if let Some(w) = self.writer()? {
                break w;
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(SearchError::Busy(self.path.clone()));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let db_id = store.db_id()?;
        let n = self.rebuild_with(store, &mut writer, &db_id, progress)?;
        drop(writer);
        self.reader.reload().map_err(self.tv())?;
        Ok(n)
    }

    fn rebuild_with(
        &self,
        store: &mut Store,
        writer: &mut IndexWriter,
        db_id: &str,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<usize, SearchError> {
        // Changes committed while we read are in the outbox after this point and will be
        // applied again on the next sync: applying a change twice is harmless.
        let last = store.outbox_last()?;
        let total = store.index_doc_count()?.max(0) as u64;
        writer.delete_all_documents().map_err(self.tv())?;
        let mut done = 0u64;
        let fields = self.fields;
        let mut failed = None;
        store.each_index_doc(|batch| {
            for d in &batch {
                if let Err(e) = writer.add_document(document(&fields, d)) {
                    failed = Some(e);
                }
            }
            done += batch.len() as u64;
            progress(done, total);
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(self.tv()(e));
        }
        self.commit(writer, db_id, last)?;
        store.outbox_prune(last)?;
        Ok(done as usize)
    }

    fn apply_outbox(
        &self,
        store: &mut Store,
        writer: &mut IndexWriter,
        from: i64,
        db_id: &str,
    ) -> Result<usize, SearchError> {
        let mut after = from;
        let mut applied = 0;
        loop {
            let entries = store.outbox_after(after, 5_000)?;
            let Some(last) = entries.last().map(|e| e.id) else {
                break;
            };
            let mut seen = HashSet::new();
            for e in &entries {
                if !seen.insert((e.kind.clone(), e.reference.clone())) {
                    continue;
                }
                let key = doc_key(&e.kind, &e.reference);
                writer.delete_term(Term::from_field_text(self.fields.key, &key));
                if let Some(doc) = store.index_doc(&e.kind, &e.reference)? {
                    writer
                        .add_document(document(&self.fields, &doc))
                        .map_err(self.tv())?;
                }
                applied += 1;
            }
            after = last;
        }
        self.commit(writer, db_id, after)?;
        store.outbox_prune(after)?;
        Ok(applied)
    }

    fn commit(
        &self,
        writer: &mut IndexWriter,
        db_id: &str,
        outbox: i64,
    ) -> Result<(), SearchError> {
        let payload = Payload {
            format: INDEX_FORMAT,
            db_id: db_id.to_string(),
            outbox,
        };
        let text = serde_json::to_string(&payload).unwrap_or_default();
        let mut prepared = writer.prepare_commit().map_err(self.tv())?;
        prepared.set_payload(&text);
        prepared.commit().map_err(self.tv())?;
        Ok(())
    }

    /// The best `limit` documents for a query, articles and tickets ranked together. Any plan
    /// is valid; an empty one finds nothing.
    pub fn search(
        &self,
        plan: &QueryPlan,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        // A single letter is too little to search for: it would rank the whole index.
        let too_little = plan
            .parts
            .iter()
            .all(|p| matches!(p, Part::Prefix(w) if w.chars().count() < search::PREFIX_MIN));
        if plan.is_empty() || too_little || limit == 0 {
            return Ok(Vec::new());
        }
        let query = self
            .build_fast(plan, filters)
            .unwrap_or_else(|| self.build(plan, filters, false));
        let mut hits = self.run(&query, limit, false, &plan.exact)?;
        // A tolerant second try when the exact words find little: words the index does not
        // know are replaced by their most common spelling one edit away (a spelling
        // correction against the index's own terms); only if that finds nothing either,
        // every word may carry one typo (slower: no pruning).
        if hits.len() < limit.min(3) {
            let mut seen: HashSet<String> = hits.iter().map(|h| h.reference.clone()).collect();
            let mut more = Vec::new();
            if let Some(corrected) = self.corrected(plan)? {
                let query = self
                    .build_fast(&corrected, filters)
                    .unwrap_or_else(|| self.build(&corrected, filters, false));
                more = self.run(&query, limit, true, &plan.exact)?;
            }
            if more.is_empty() {
                more = self.run(&self.build(plan, filters, true), limit, true, &plan.exact)?;
            }
            for h in more {
                if hits.len() < limit && seen.insert(h.reference.clone()) {
                    hits.push(h);
                }
            }
        }
        Ok(hits)
    }

    /// The plan with each word the index has never seen replaced by the most frequent term
    /// one edit away (deletion, transposition, substitution or insertion); `None` if no word
    /// needed or found a correction.
    pub fn corrected(&self, plan: &QueryPlan) -> Result<Option<QueryPlan>, SearchError> {
        let searcher = self.reader.searcher();
        let df = |field: Field, text: &str| -> Result<u64, SearchError> {
            searcher
                .doc_freq(&Term::from_field_text(field, text))
                .map_err(self.tv())
        };
        let best = |field: Field, word: &str| -> Result<Option<String>, SearchError> {
            let mut best: Option<(u64, String)> = None;
            for candidate in one_edit(word) {
                let n = df(field, &candidate)?;
                if n > 0 && best.as_ref().is_none_or(|(m, _)| n > *m) {
                    best = Some((n, candidate));
                }
            }
            Ok(best.map(|(_, w)| w))
        };
        let mut changed = false;
        let mut parts = Vec::with_capacity(plan.parts.len());
        for part in &plan.parts {
            let fixed = match part {
                Part::Word(w) if w.chars().count() >= 2 && df(self.fields.body, w)? == 0 => {
                    best(self.fields.body, w)?.map(Part::Word)
                }
                Part::Prefix(p) if p.chars().count() >= search::PREFIX_MIN => {
                    let cut: String = p.chars().take(search::PREFIX_MAX).collect();
                    if df(self.fields.prefix, &cut)? == 0 {
                        best(self.fields.prefix, &cut)?.map(Part::Prefix)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            changed |= fixed.is_some();
            parts.push(fixed.unwrap_or_else(|| part.clone()));
        }
        Ok(changed.then(|| QueryPlan {
            parts,
            exact: plan.exact.clone(),
        }))
    }

    /// Rank by how many of the plan's words a document has (at least half of them), for
    /// "more like this": possible duplicates, solutions for a ticket's description.
    pub fn search_any(
        &self,
        plan: &QueryPlan,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        if plan.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let strict = self.build(plan, filters, false);
        // The filters are the Must clauses that follow the plan's parts; the parts become
        // Should clauses with a minimum.
        let clauses = strict.clauses();
        let parts = plan.parts.len().min(clauses.len());
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut rest: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, (occur, q)) in clauses.iter().enumerate() {
            if i < parts && *occur == Occur::Must {
                words.push((Occur::Should, q.box_clone()));
            } else {
                rest.push((*occur, q.box_clone()));
            }
        }
        let minimum = words.len().div_ceil(2).clamp(1, 8);
        let any: Box<dyn Query> =
            Box::new(BooleanQuery::with_minimum_required_clauses(words, minimum));
        rest.push((Occur::Must, any));
        self.run(&BooleanQuery::new(rest), limit, false, &plan.exact)
    }

    /// Whole words and prefixes only, past solutions or no status filter: every clause a term
    /// that must match, so tantivy prunes with block-max scores. `None` for other queries.
    fn build_fast(&self, plan: &QueryPlan, filters: &Filters) -> Option<BooleanQuery> {
        let f = &self.fields;
        let term = |field: Field, s: &str| Term::from_field_text(field, s);
        let must = |field: Field, s: &str| -> (Occur, Box<dyn Query>) {
            (
                Occur::Must,
                Box::new(TermQuery::new(term(field, s), IndexRecordOption::WithFreqs)),
            )
        };
        let mut clauses = Vec::new();
        for part in &plan.parts {
            match part {
                Part::Word(w) => clauses.push(must(f.body, w)),
                Part::Prefix(p) if p.chars().count() >= search::PREFIX_MIN => {
                    let cut: String = p.chars().take(search::PREFIX_MAX).collect();
                    clauses.push(must(f.prefix, &cut));
                }
                Part::Prefix(_) => {}
                Part::Phrase(_) => return None,
            }
        }
        if filters.kind.is_some()
            || filters.application.is_some()
            || filters.category.is_some()
            || filters.lang.is_some()
        {
            return None;
        }
        let mut wanted: Vec<&str> = filters.statuses.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        if wanted == SOLUTION_STATUSES {
            clauses.push(must(f.solution, "1"));
        } else if !wanted.is_empty() {
            return None;
        }
        if clauses.is_empty() {
            return None;
        }
        Some(BooleanQuery::new(clauses))
    }

    fn build(&self, plan: &QueryPlan, filters: &Filters, fuzzy: bool) -> BooleanQuery {
        let f = &self.fields;
        let text = f.text();
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |field: Field, s: &str| Term::from_field_text(field, s);
        let across = |word: &str, fuzzy: bool| -> Box<dyn Query> {
            let clauses: Vec<(Occur, Box<dyn Query>)> = WEIGHTS
                .iter()
                .map(|&(i, w)| {
                    let q: Box<dyn Query> = if fuzzy && word.chars().count() >= 2 {
                        Box::new(FuzzyTermQuery::new(term(text[i], word), 1, true))
                    } else {
                        Box::new(TermQuery::new(
                            term(text[i], word),
                            IndexRecordOption::WithFreqs,
                        ))
                    };
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(q, w)) as Box<dyn Query>,
                    )
                })
                .collect();
            Box::new(BooleanQuery::new(clauses))
        };
        for part in &plan.parts {
            match part {
                Part::Word(w) => must.push((Occur::Must, across(w, fuzzy))),
                Part::Prefix(p) => {
                    let n = p.chars().count();
                    if n < search::PREFIX_MIN {
                        // One letter typed: too little to require; let it only rank.
                        must.push((Occur::Should, across(p, false)));
                        continue;
                    }
                    let cut: String = p.chars().take(search::PREFIX_MAX).collect();
                    let prefix: Box<dyn Query> = Box::new(TermQuery::new(
                        term(f.prefix, &cut),
                        IndexRecordOption::WithFreqs,
                    ));
                    // A whole word that equals the prefix ranks above words that only start so;
                    // in the tolerant pass the word may also be the whole word with one typo.
                    let whole = across(p, fuzzy && n >= 3);
                    let either: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(prefix, 0.5)) as Box<dyn Query>,
                        ),
                        (Occur::Should, whole),
                    ]));
                    must.push((Occur::Must, either));
                }
                Part::Phrase(chars) => {
                    let clauses: Vec<(Occur, Box<dyn Query>)> = WEIGHTS
                        .iter()
                        .map(|&(i, w)| {
                            let terms: Vec<Term> = chars.iter().map(|c| term(text[i], c)).collect();
                            let q: Box<dyn Query> = Box::new(PhraseQuery::new(terms));
                            (
                                Occur::Should,
                                Box::new(BoostQuery::new(q, w)) as Box<dyn Query>,
                            )
                        })
                        .collect();
                    must.push((Occur::Must, Box::new(BooleanQuery::new(clauses))));
                }
            }
        }
        let mut filter = |field: Field, value: &Option<String>| {
            if let Some(v) = value {
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term(field, v), IndexRecordOption::Basic)),
                ));
            }
        };
        filter(f.kind, &filters.kind);
        filter(f.application, &filters.application);
        filter(f.category, &filters.category);
        filter(f.lang, &filters.lang);
        let mut wanted: Vec<&str> = filters.statuses.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        if wanted == SOLUTION_STATUSES {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    term(f.solution, "1"),
                    IndexRecordOption::Basic,
                )),
            ));
        } else if !filters.statuses.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = filters
                .statuses
                .iter()
                .map(|s| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term(f.status, s), IndexRecordOption::Basic))
                            as Box<dyn Query>,
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        BooleanQuery::new(must)
    }

    fn run(
        &self,
        query: &BooleanQuery,
        limit: usize,
        fuzzy: bool,
        exact: &[String],
    ) -> Result<Vec<Hit>, SearchError> {
        let searcher = self.reader.searcher();
        // Plain BM25 top-k keeps tantivy's pruning; the small lift for recent and often-helpful
        // documents then reorders a few more than asked for: enough to order near-equals,
        // never enough to pull up something irrelevant.
        let wide = (limit * 3).max(30);
        let top: Vec<(f32, DocAddress)> = searcher
            .search(query, &TopDocs::with_limit(wide).order_by_score())
            .map_err(self.tv())?;
        let now = chrono::Utc::now().timestamp_millis();
        let mut lifted: Vec<(f32, DocAddress)> = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let segment = searcher.segment_reader(addr.segment_ord);
            let updated = segment
                .fast_fields()
                .i64("updated")
                .ok()
                .and_then(|c| c.first(addr.doc_id))
                .unwrap_or(now);
            let helped = segment
                .fast_fields()
                .u64("helped")
                .ok()
                .and_then(|c| c.first(addr.doc_id))
                .unwrap_or(0);
            let age_days = ((now - updated).max(0) as f32) / 86_400_000.0;
            let recency = (-age_days / 365.0).exp();
            // Words typed with their marks that the document has with the same marks.
            let same_marks = if exact.is_empty() {
                0
            } else {
                let index = segment
                    .inverted_index(self.fields.exact)
                    .map_err(self.tv())?;
                let mut n = 0;
                for e in exact {
                    let t = Term::from_field_text(self.fields.exact, e);
                    if let Some(mut postings) = index
                        .read_postings(&t, IndexRecordOption::Basic)
                        .map_err(|e| SearchError::Io {
                            path: self.path.clone(),
                            source: e,
                        })?
                    {
                        // A fresh posting list starts at its first document; seek only goes forward.
                        let at = postings.doc();
                        if at == addr.doc_id
                            || (at < addr.doc_id && postings.seek(addr.doc_id) == addr.doc_id)
                        {
                            n += 1;
                        }
                    }
                }
                n
            };
            let exact_share = if exact.is_empty() {
                0.0
            } else {
                same_marks as f32 / exact.len() as f32
            };
            let lift = (1.0 + 0.04 * recency)
                * (1.0 + 0.05 * (1.0 + helped as f32).ln())
                * (1.0 + 0.15 * exact_share);
            lifted.push((score * lift, addr));
        }
        lifted.sort_by(|a, b| b.0.total_cmp(&a.0));
        lifted.truncate(limit);
        let mut out = Vec::with_capacity(lifted.len());
        for (score, addr) in lifted {
            let doc: TantivyDocument = searcher.doc(addr).map_err(self.tv())?;
            let get = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            out.push(Hit {
                kind: get(self.fields.kind),
                reference: get(self.fields.reference),
                score,
                fuzzy,
            });
        }
        Ok(out)
    }
}

/// Every string one edit away from `word` over the letters and digits of folded text.
fn one_edit(word: &str) -> Vec<String> {
    const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let join = |v: &[char]| v.iter().collect::<String>();
    for i in 0..chars.len() {
        let mut v = chars.clone();
        v.remove(i);
        out.push(join(&v));
        if i + 1 < chars.len() {
            let mut v = chars.clone();
            v.swap(i, i + 1);
            out.push(join(&v));
        }
        for c in ALPHABET.chars() {
            if c != chars[i] {
                let mut v = chars.clone();
                v[i] = c;
                out.push(join(&v));
            }
        }
    }
    for i in 0..=chars.len() {
        for c in ALPHABET.chars() {
            let mut v = chars.clone();
            v.insert(i, c);
            out.push(join(&v));
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

fn create_or_open(path: &Path, schema: Schema) -> tantivy::Result<Index> {
    let dir = tantivy::directory::MmapDirectory::open(path)?;
    match Index::create(dir, schema.clone(), tantivy::IndexSettings::default()) {
        Ok(i) => Ok(i),
        // Another process created it a moment ago.
        Err(_) => Index::open_in_dir(path),
    }
}

fn doc_key(kind: &str, reference: &str) -> String {
    format!("{kind}:{reference}")
}

fn document(f: &Fields, d: &IndexDoc) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, doc_key(d.kind, &d.reference));
    doc.add_text(f.kind, d.kind);
    doc.add_text(f.reference, &d.reference);
    // The key is searchable too: people paste ticket keys and article refs.
    doc.add_text(
        f.title,
        format!(
            "{} {}",
            search::folded_text(&d.reference),
            search::folded_text(&d.title)
        ),
    );
    doc.add_text(f.symptom, search::folded_text(&d.symptom));
    doc.add_text(f.cause, search::folded_text(&d.cause));
    doc.add_text(f.resolution, search::folded_text(&d.resolution));
    let title = format!(
        "{} {}",
        search::folded_text(&d.reference),
        search::folded_text(&d.title)
    );
    let parts = [
        title,
        search::folded_text(&d.symptom),
        search::folded_text(&d.resolution),
        search::folded_text(&d.cause),
    ];
    let mut body = String::new();
    for (text, times) in parts.iter().zip(BODY_REPEATS) {
        for _ in 0..times {
            body.push_str(text);
            body.push(' ');
        }
    }
    doc.add_text(f.body, body);
    let all = format!(
        "{} {} {} {} {}",
        d.reference, d.title, d.symptom, d.cause, d.resolution
    );
    doc.add_text(f.prefix, search::prefixes(&all));
    doc.add_text(f.exact, search::exact_text(&all));
    if let Some(a) = &d.application {
        doc.add_text(f.application, a);
    }
    if let Some(c) = &d.category {
        doc.add_text(f.category, c);
    }
    if let Some(l) = &d.lang {
        doc.add_text(f.lang, l);
    }
    doc.add_text(f.status, &d.status);
    let solution = match d.kind {
        "article" => d.status == "published",
        _ => d.status == "resolved" || d.status == "closed",
    };
    if solution {
        doc.add_text(f.solution, "1");
    }
    doc.add_i64(f.updated, d.updated_at.timestamp_millis());
    doc.add_u64(f.helped, d.helped.max(0) as u64);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::domain::ticket::{Ctx, NewTicket};
    use proptest::prelude::*;

    /// A real index over resolved tickets with these titles (resolved: past solutions).
    fn resolved_index(titles: &[&str]) -> (tempfile::TempDir, SearchIndex) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let mut store = Store::create(&db).unwrap();
        let org = config::embedded().org;
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: chrono::Utc::now(),
            by: None,
        };
        for title in titles {
            let (t, _) = store
                .create_ticket(
                    &NewTicket {
                        title: (*title).into(),
                        ..NewTicket::default()
                    },
                    ctx,
                )
                .unwrap();
            store
                .change_ticket(
                    &t.key,
                    None,
                    crate::domain::ticket::Change::Resolve {
                        resolution: "đã xử lý".into(),
                    },
                    ctx,
                )
                .unwrap();
        }
        let mut index = SearchIndex::open(&db).unwrap();
        index.sync_wait(&mut store, &mut |_, _| {}).unwrap();
        (dir, index)
    }

    fn small_index() -> (tempfile::TempDir, SearchIndex) {
        resolved_index(&[
            "Không đăng nhập được TABMIS",
            "网络连接失败",
            "ORA-00054 resource busy",
            "Máy in không in được",
        ])
    }

    #[test]
    fn edits_cover_the_four_kinds_of_typo() {
        let e = one_edit("tabmis");
        for w in ["tabmi", "tambis", "tabnis", "tabmiss", "atabmis"] {
            assert!(e.contains(&w.to_string()), "{w}");
        }
        assert!(
            !e.contains(&"tabmis".to_string()),
            "no letter repeats side by side here"
        );
    }

    #[test]
    fn a_single_letter_finds_nothing_but_two_do() {
        let (_dir, index) = small_index();
        let f = Filters::default();
        assert!(index.search(&search::plan("m"), &f, 10).unwrap().is_empty());
        assert_eq!(index.search(&search::plan("ma"), &f, 10).unwrap().len(), 1);
        assert_eq!(
            index.search(&search::plan("网"), &f, 10).unwrap().len(),
            1,
            "one CJK character is a word"
        );
    }

    #[test]
    fn diacritics_typed_exactly_rank_first() {
        // The same letters once with and once without the marks.
        let (_dir, index) = resolved_index(&["Tài khoản bị khóa", "Tai khoan bi khoa"]);
        let org = config::embedded().org;
        let solutions = Filters::solutions();
        let hits = index
            .search(&search::plan("tài khoản bị khóa "), &solutions, 10)
            .unwrap();
        assert_eq!(hits.len(), 2, "both match without marks");
        assert_eq!(
            hits[0].reference,
            "HT-2026-000001".replace(
                "2026",
                &crate::domain::key::key_year(chrono::Utc::now(), org.time_zone).to_string()
            )
        );
        assert!(hits[0].score > hits[1].score);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test]
        fn any_string_is_a_valid_query(q in "\\PC{0,40}") {
            let (_dir, index) = small_index();
            let plan = search::plan(&q);
            prop_assert!(index.search(&plan, &Filters::default(), 10).is_ok());
            prop_assert!(index.search_any(&plan, &Filters::default(), 10).is_ok());
        }

        #[test]
        fn query_syntax_is_just_text(q in prop::collection::vec(prop::sample::select(vec![
            "\"", "*", "-", "NEAR(", ")", "AND", "OR", "NOT", "col:x", "^", "~2", "[", "]", "{", "}",
            "\\", "'", "%", "_", "đăng", "nhập", "网络", " ", "ORA-00054",
        ]), 0..12).prop_map(|v| v.concat())) {
            let (_dir, index) = small_index();
            prop_assert!(index.search(&search::plan(&q), &Filters::default(), 10).is_ok());
        }
    }
}
