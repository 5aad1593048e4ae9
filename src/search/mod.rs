//! The search index: a tantivy index beside the database (`<db>.search/`), derived from it and
//! rebuilt from it whenever it is missing, stale or damaged. SQLite stays the only source of
//! truth. Changes reach the index through the `search_outbox` table (filled by triggers in the
//! same transaction as the change); any process can apply them, one writer at a time, and the
//! commit payload records how far it got, so a restart resumes there.
//!
//! Why tantivy and not SQLite FTS5: BM25 ranking in FTS5 costs time in proportion to the
//! matching rows, and common Vietnamese syllables match most of a million tickets (0.5–1.3 s
//! p95 measured here); tantivy ranks the top hits with block-max pruning in milliseconds.

pub mod background;
pub mod service;

use crate::domain::query::{self, Synonyms, Understood};
use crate::domain::search::{self, Part, QueryPlan};
use crate::store::{IndexDoc, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader,
    TantivyDocument, Term,
};

/// Bumped whenever the schema or the folding changes: an index of another version is rebuilt.
/// 5: traditional Chinese folded to simplified, numbers without leading zeros, code pieces,
/// Chinese bigrams in `body`, the `sol` fast field.
const INDEX_FORMAT: u32 = 5;
/// Candidates of each tier that the lifts and the corrected-last rule may reorder; fetched
/// whatever the limit, so the order never depends on the limit.
pub const POOL: usize = 50;
/// A tolerant query leaves out terms found in more than this share of the documents and in
/// more than [`COMMON_MIN_DOCS`] (unless nothing else is left): they say little and cost the
/// most (issue 19's measurements at 1M documents: p95 90 ms → 15 ms). A term of a small
/// index costs nothing whatever its share, and dropping it there only loses ranking
/// (hard dev set, 70 articles: MRR 0.968 unpruned, 0.939 with the share alone). 5 % rather
/// than 10 %: at 1M demo documents a term of one of the ~20 ticket texts is in ~5 % of them,
/// and those lists made the tolerant tier's p50 11–15 ms on questions (now 3–6 ms;
/// `benches/README.md`).
const COMMON_SHARE: f64 = 0.05;
/// See [`COMMON_SHARE`].
const COMMON_MIN_DOCS: u64 = 1_000;
/// … and keeps at most this many terms, the rarest (hard dev set: 8 → MRR 0.952, 10 →
/// 0.958, 12 → 0.963, unlimited 0.968).
const MAX_TERMS: usize = 10;
/// … and, rarest first, only as many terms as fit in this many postings in all (the rarest
/// is always kept). The union's cost grows with the postings it walks: when every word of a
/// long question is common (`không`, `được`, `gửi`: each in 20–55 % of the 1M demo
/// documents), the filler words cost most of the time and add least to the score. Measured
/// at 1.05M documents (2 cores, under load): four slow questions 30–54 ms with ~1–2.5M
/// postings, 6–7 ms at ≤ 320k; over the hard dev queries (medians of 5) p95 7.1 ms with a
/// budget of 250k, 5.1 ms with 150k, 2.8 ms with 100k. 150k is 15 % of such an index: a
/// real desk's telling words are far rarer. A small index never reaches the budget, so the
/// evaluation sets rank as before (hard dev MRR 0.958, easy 0.995 either way).
const TOLERANT_POSTINGS: u64 = 150_000;
/// A query of more words than this is read as a sentence (a caller's whole question): it
/// goes straight to the tolerant tier, since a document holding every one of its words is
/// rare and looking for one is the slowest part of such a query (at 1.05M documents the
/// conjunction of an 18-word question took 9 of its 20 ms and found nothing).
const STRICT_MAX_PARTS: usize = 8;
/// The shortest correction that counts in the tolerant ranking.
const MIN_CORRECTED_CHARS: usize = 4;
/// How much a spelling correction counts against the word it corrects.
const CORRECTION_WEIGHT: f32 = 0.5;
/// Beyond this many pending changes a full rebuild is quicker than applying them one by one.
const REBUILD_ABOVE: usize = 20_000;
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// The most segments an index is left with after a write (issue 19: 163 → 721 segments in
/// ten minutes of small commits when nothing merged). The log merge policy keeps far fewer
/// (about eight per size level); beyond this bound the smallest are merged into one.
pub const MAX_SEGMENTS: usize = 24;
/// The file in the index folder where a process writing many documents says how far it got.
const PROGRESS_FILE: &str = "progress.json";

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
    /// 1 on past solutions, as a fast field: the collector checks it per candidate so a
    /// tolerant union keeps its block-max pruning.
    sol: Field,
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
        sol: b.add_u64_field("sol", FAST),
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
    /// The organisation's own groups, added to the shipped ones.
    own_synonyms: Vec<Vec<String>>,
    /// Shipped plus own, folded: built the first time a query needs them (opening the index
    /// to bring it up to date, as every write does, never does).
    synonyms: OnceLock<Synonyms>,
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
        let opened = match Index::open_in_dir(&path) {
            Ok(index) if index.schema() == schema => match open_reader(index) {
                Ok(pair) => Some(pair),
                // Another process may have merged and removed a segment between our reading
                // meta.json and opening it: look again before calling the index damaged.
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(50));
                    Index::open_in_dir(&path)
                        .ok()
                        .filter(|i| i.schema() == schema)
                        .and_then(|i| open_reader(i).ok())
                }
            },
            Ok(_) | Err(_) if path.join("meta.json").exists() => None,
            _ => open_reader(create_or_open(&path, schema.clone()).map_err(tv)?).ok(),
        };
        let (index, reader) = match opened {
            Some(pair) => pair,
            None => {
                // Damaged or from another version: start again from the database.
                std::fs::remove_dir_all(&path).map_err(io)?;
                std::fs::create_dir_all(&path).map_err(io)?;
                open_reader(create_or_open(&path, schema).map_err(tv)?).map_err(tv)?
            }
        };
        Ok(SearchIndex {
            path,
            index,
            reader,
            fields,
            own_synonyms: Vec::new(),
            synonyms: OnceLock::new(),
        })
    }

    /// The index folder (`<db>.search/`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many segments the last committed index has (readers search each one: the count
    /// must stay small, see [`MAX_SEGMENTS`]).
    pub fn segment_count(&self) -> Result<usize, SearchError> {
        Ok(self
            .index
            .searchable_segment_metas()
            .map_err(self.tv())?
            .len())
    }

    /// Whether bringing this index up to date means building it again from the whole
    /// database: its folder is gone or holds no committed index of this database and format,
    /// or it is too far behind. Reads only; never waits.
    pub fn needs_rebuild(&self, store: &mut Store) -> Result<bool, SearchError> {
        if !self.path.join("meta.json").exists() {
            return Ok(true);
        }
        let db_id = store.db_id()?;
        let Some(p) = self
            .payload()
            .filter(|p| p.format == INDEX_FORMAT && p.db_id == db_id)
        else {
            return Ok(true);
        };
        let last = store.outbox_last()?;
        Ok(last - p.outbox > REBUILD_ABOVE as i64)
    }

    /// Search the newest committed index from now on (another process may have committed);
    /// on failure (the folder deleted, a file damaged) the previous one stays in use.
    pub fn reload(&self) -> Result<(), SearchError> {
        self.reader.reload().map_err(self.tv())
    }

    fn payload(&self) -> Option<Payload> {
        let metas = self.index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }

    /// The index writer, or `None` while another process holds it. The writer works on an
    /// `Index` opened afresh: tantivy keeps the list of files it manages in memory from
    /// when an `Index` was opened and writes that list back whole, so a long-lived process
    /// writing from its first `Index` dropped the files other processes had added since, and
    /// those were never deleted. Opened under the writer's lock, the list is the current one.
    /// Segment files that no committed segment uses (left by older versions) are then swept.
    fn writer(&self) -> Result<Option<IndexWriter>, SearchError> {
        let fresh = Index::open_in_dir(&self.path).map_err(self.tv())?;
        fresh.tokenizers().register("folded", analyzer());
        match fresh.writer_with_num_threads(1, WRITER_MEMORY) {
            Ok(w) => {
                // Merges run in [`SearchIndex::finish`], before the writer is let go: a
                // policy's background merges would be cancelled when a short-lived writer
                // is dropped, and never run at all.
                w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
                self.sweep_orphans(w.index());
                Ok(Some(w))
            }
            Err(tantivy::TantivyError::LockFailure(..)) => Ok(None),
            Err(source) => Err(SearchError::Index {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Delete segment files (`<32 hex digits>.<ext>`, `<hex>.<opstamp>.del`) of no segment
    /// in the committed index. Called holding the writer, before it writes anything, so no
    /// segment of ours is in flight; a reader of an older commit keeps its mapped files.
    /// Best effort: a file that cannot be deleted is tried again next time.
    fn sweep_orphans(&self, index: &Index) {
        let Ok(metas) = index.load_metas() else {
            return;
        };
        let live: HashSet<String> = metas
            .segments
            .iter()
            .map(|m| m.id().uuid_string())
            .collect();
        let Ok(entries) = std::fs::read_dir(&self.path) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let stem = name.split('.').next().unwrap_or("");
            if stem.len() == 32
                && stem.bytes().all(|b| b.is_ascii_hexdigit())
                && !live.contains(stem)
            {
                let _ = std::fs::remove_file(entry.path());
            }
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
            // Search what was committed last; if even that cannot be read now (the folder
            // being replaced), the previous view stays.
            let _ = self.reader.reload();
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
        self.finish(writer)?;
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
        let r = self.sync_within(store, progress, Duration::from_secs(30))?;
        if r.busy {
            return Err(SearchError::Busy(self.path.clone()));
        }
        Ok(r)
    }

    /// Bring the index up to date, waiting at most `patience` for another process that holds
    /// the writer; then give up with `busy` set, the reader on the last committed index (what
    /// a search should use rather than wait for a long rebuild: see [`activity`] for how far
    /// that process got).
    pub fn sync_within(
        &mut self,
        store: &mut Store,
        progress: &mut dyn FnMut(u64, u64),
        patience: Duration,
    ) -> Result<SyncReport, SearchError> {
        let start = Instant::now();
        loop {
            let r = self.sync(store, progress)?;
            if !r.busy || start.elapsed() >= patience {
                return Ok(r);
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
        self.finish(writer)?;
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
        let note = ProgressNote::start(&self.path, total);
        store.each_index_doc(|batch| {
            for d in &batch {
                if let Err(e) = writer.add_document(document(&fields, d)) {
                    failed = Some(e);
                }
            }
            done += batch.len() as u64;
            note.update(done, total);
            progress(done, total);
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(self.tv()(e));
        }
        self.commit(writer, db_id, last)?;
        store.outbox_prune(last, REBUILD_ABOVE as i64)?;
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
        store.outbox_prune(after, REBUILD_ABOVE as i64)?;
        Ok(applied)
    }

    /// Merge segments with the writer still held, then let it go: the log merge policy's
    /// merges (segments of like size, eight at a time, repeated while any are due), then, if
    /// still more than [`MAX_SEGMENTS`] remain, the smallest merged into one. Merged segments
    /// are committed with the payload unchanged; readers see them at their next reload.
    fn finish(&self, mut writer: IndexWriter) -> Result<(), SearchError> {
        use tantivy::indexer::{LogMergePolicy, MergePolicy};
        let policy = LogMergePolicy::default();
        // Each round merges disjoint groups; a merged segment may complete a group of the
        // next size up. Bounded so a surprise in the policy cannot loop for ever.
        for _ in 0..16 {
            let metas = writer
                .index()
                .searchable_segment_metas()
                .map_err(self.tv())?;
            let candidates = policy.compute_merge_candidates(&metas);
            if candidates.is_empty() {
                break;
            }
            for c in candidates {
                writer.merge(&c.0).wait().map_err(self.tv())?;
            }
        }
        let mut metas = writer
            .index()
            .searchable_segment_metas()
            .map_err(self.tv())?;
        if metas.len() > MAX_SEGMENTS {
            metas.sort_by_key(|m| m.num_docs());
            let smallest: Vec<_> = metas
                .iter()
                .take(metas.len() - MAX_SEGMENTS + 1)
                .map(|m| m.id())
                .collect();
            writer.merge(&smallest).wait().map_err(self.tv())?;
        }
        writer.wait_merging_threads().map_err(self.tv())?;
        release_freed_memory();
        Ok(())
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

    /// The query as this index reads it: Telex/VNI words the vocabulary does not hold but
    /// whose decoding it does, code pieces, synonyms, Chinese bigrams (rules in
    /// [`crate::domain::query`]).
    pub fn understand(&self, plan: &QueryPlan) -> Understood {
        let searcher = self.reader.searcher();
        let body = self.fields.body;
        query::understand(
            plan,
            |w| {
                searcher
                    .doc_freq(&Term::from_field_text(body, w))
                    .is_ok_and(|n| n > 0)
            },
            self.synonyms(),
        )
    }

    fn synonyms(&self) -> &Synonyms {
        self.synonyms.get_or_init(|| {
            let mut s = Synonyms::shipped();
            s.extend(&self.own_synonyms);
            s
        })
    }

    /// The words to highlight in results: the query as understood, its spelling corrections
    /// and the synonyms it looked for (Chinese bigrams are highlighted as characters).
    pub fn highlighted(&self, plan: &QueryPlan) -> Result<QueryPlan, SearchError> {
        let u = self.understand(plan);
        let mut parts = u.plan.parts.clone();
        if let Some(c) = self.corrected(&u.plan)? {
            parts.extend(c.parts);
        }
        for t in u.terms.iter().filter(|t| !query::is_cjk_term(&t.term)) {
            parts.push(if t.prefix {
                Part::Prefix(t.term.clone())
            } else {
                Part::Word(t.term.clone())
            });
        }
        let mut seen = HashSet::new();
        parts.retain(|p| seen.insert(format!("{p:?}")));
        Ok(QueryPlan {
            parts,
            exact: plan.exact.clone(),
        })
    }

    /// Add the organisation's own synonym groups (its configuration's `[search] synonyms`) to
    /// the shipped ones.
    pub fn add_synonyms(&mut self, groups: &[Vec<String>]) {
        self.own_synonyms.extend_from_slice(groups);
        self.synonyms = OnceLock::new();
    }

    /// The best `limit` documents for a query, articles and tickets ranked together. Any plan
    /// is valid; an empty one finds nothing.
    ///
    /// One order, whatever the limit: first the documents that hold every word (BM25 with
    /// field weights, as before), then — when a word is unknown — those that hold every word
    /// with its spelling corrected (marked fuzzy), then the documents that hold most of the
    /// query, weighted by rarity (BM25 over the words, their synonyms, corrections and
    /// Chinese bigrams, with tantivy's block-max pruning). The small lifts (recency,
    /// helpfulness, marks typed exactly) and the rule that a corrected hit never ranks above
    /// an exact one covering as much of the query reorder only within the first [`POOL`]
    /// candidates of each tier.
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
        let searcher = self.reader.searcher();
        let understood = self.understand(plan);
        let strict = &understood.plan;
        let want = limit.max(POOL);
        let mut ranked: Vec<(f32, DocAddress, bool)> = Vec::new();
        let mut seen: HashSet<DocAddress> = HashSet::new();
        let mut take = |list: Vec<(f32, DocAddress)>,
                        fuzzy: &dyn Fn(usize) -> bool,
                        ranked: &mut Vec<(f32, DocAddress, bool)>| {
            for (i, (score, addr)) in list.into_iter().enumerate() {
                if seen.insert(addr) {
                    ranked.push((score, addr, fuzzy(i)));
                }
            }
        };
        // A sentence is asked for by most of its words: requiring all of them finds nothing
        // and costs the most (the conjunction walks the lists of its two rarest words).
        let sentence = strict.parts.len() > STRICT_MAX_PARTS;
        // 1. Every word as typed (decoded).
        if !strict.is_empty() && !sentence {
            let query = self
                .build_fast(strict, filters)
                .unwrap_or_else(|| self.build(strict, filters, false));
            let top = self.top(&searcher, &query, want, None)?;
            let top = self.lift(&searcher, top, &plan.exact)?;
            take(top, &|_| false, &mut ranked);
        }
        // 2. Every word, unknown words corrected to the index's spelling one edit away.
        let corrected = if ranked.is_empty() && !sentence {
            self.corrected(strict)?
        } else {
            None
        };
        if let Some(c) = &corrected {
            let query = self
                .build_fast(c, filters)
                .unwrap_or_else(|| self.build(c, filters, false));
            let top = self.top(&searcher, &query, want, None)?;
            let top = self.lift(&searcher, top, &plan.exact)?;
            take(top, &|_| true, &mut ranked);
        }
        // 3. Most of the query.
        if ranked.len() < limit {
            let mut terms = understood.terms.clone();
            let mut fixes: HashSet<(bool, String)> = HashSet::new();
            if let Some(c) = &corrected {
                for (i, (was, now)) in strict.parts.iter().zip(&c.parts).enumerate() {
                    let (text, prefix) = match now {
                        Part::Word(w) => (w, false),
                        Part::Prefix(p) => (p, true),
                        Part::Phrase(_) => continue,
                    };
                    // A short syllable one edit from another is mostly another word
                    // (`vay` → `may`): only longer corrections count here.
                    if was != now && text.chars().count() >= MIN_CORRECTED_CHARS {
                        fixes.insert((prefix, text.clone()));
                        terms.push(query::Should {
                            term: text.clone(),
                            prefix,
                            weight: CORRECTION_WEIGHT,
                            concept: i,
                        });
                    }
                }
            }
            let kept = self.prune(&searcher, terms)?;
            if !kept.is_empty() {
                let extra = ranked.len();
                let (query, solution_only) = self.build_tolerant(&kept, filters);
                let top = self.top(&searcher, &query, want + extra, solution_only.then_some(()))?;
                let top = self.lift(&searcher, top, &plan.exact)?;
                let (top, fuzzy) = self.corrected_last(&searcher, top, &kept, &fixes)?;
                take(
                    top,
                    &|i| fuzzy.get(i).copied().unwrap_or(false),
                    &mut ranked,
                );
            }
        }
        ranked.truncate(limit);
        self.hits(&searcher, ranked)
    }

    /// Hits with their kind and reference from the stored fields.
    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        ranked: Vec<(f32, DocAddress, bool)>,
    ) -> Result<Vec<Hit>, SearchError> {
        let mut out = Vec::with_capacity(ranked.len());
        for (score, addr, fuzzy) in ranked {
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

    /// The terms of a tolerant query worth asking for: those the index holds, without the
    /// ones found in more than [`COMMON_SHARE`] of the documents (unless nothing else is
    /// left), at most [`MAX_TERMS`] and [`TOLERANT_POSTINGS`], rarest first.
    fn prune(
        &self,
        searcher: &tantivy::Searcher,
        terms: Vec<query::Should>,
    ) -> Result<Vec<(query::Should, u64)>, SearchError> {
        let docs = searcher.num_docs().max(1);
        let mut with_df = Vec::with_capacity(terms.len());
        for t in terms {
            let field = if t.prefix {
                self.fields.prefix
            } else {
                self.fields.body
            };
            let text: String = if t.prefix {
                if t.term.chars().count() < search::PREFIX_MIN {
                    continue;
                }
                t.term.chars().take(search::PREFIX_MAX).collect()
            } else {
                t.term.clone()
            };
            let df = searcher
                .doc_freq(&Term::from_field_text(field, &text))
                .map_err(self.tv())?;
            if df > 0 {
                with_df.push((query::Should { term: text, ..t }, df));
            }
        }
        let common = |df: u64| df > COMMON_MIN_DOCS && df as f64 > docs as f64 * COMMON_SHARE;
        if with_df.iter().any(|(_, df)| !common(*df)) {
            with_df.retain(|(_, df)| !common(*df));
        }
        with_df.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.term.cmp(&b.0.term)));
        with_df.truncate(MAX_TERMS);
        let keep = within_postings(with_df.iter().map(|(_, df)| *df), TOLERANT_POSTINGS);
        with_df.truncate(keep);
        Ok(with_df)
    }

    /// A union of boosted term queries (block-max WAND applies) and whether the default
    /// scope (past solutions) is left to the collector; other filters become required
    /// clauses.
    fn build_tolerant(
        &self,
        terms: &[(query::Should, u64)],
        filters: &Filters,
    ) -> (BooleanQuery, bool) {
        let f = &self.fields;
        let union: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|(t, _)| {
                let field = if t.prefix { f.prefix } else { f.body };
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, &t.term),
                    IndexRecordOption::WithFreqs,
                ));
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(q, t.weight)) as Box<dyn Query>,
                )
            })
            .collect();
        let mut wanted: Vec<&str> = filters.statuses.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        let plain = filters.kind.is_none()
            && filters.application.is_none()
            && filters.category.is_none()
            && filters.lang.is_none();
        if plain && (wanted.is_empty() || wanted == SOLUTION_STATUSES) {
            return (BooleanQuery::new(union), !wanted.is_empty());
        }
        // Other filters: the same clauses as the strict query, the words as one union.
        let strict = self.build(&QueryPlan::default(), filters, false);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = strict
            .clauses()
            .iter()
            .map(|(o, q)| (*o, q.box_clone()))
            .collect();
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(union))));
        (BooleanQuery::new(clauses), false)
    }

    /// The best `k` documents by raw score (ties: lower address first), optionally only past
    /// solutions (checked per candidate, so the union keeps its pruning).
    fn top(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        k: usize,
        solution_only: Option<()>,
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        let mut top = searcher
            .search(
                query,
                &PrunedTop {
                    k,
                    solution_only: solution_only.is_some(),
                },
            )
            .map_err(self.tv())?;
        top.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        top.truncate(k);
        Ok(top)
    }

    /// The small lift for recent and often-helpful documents and for marks typed exactly,
    /// reordering the first [`POOL`] candidates only (the rest keep their raw order), so the
    /// order never depends on how many results are asked for.
    fn lift(
        &self,
        searcher: &tantivy::Searcher,
        top: Vec<(f32, DocAddress)>,
        exact: &[String],
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        let now = chrono::Utc::now().timestamp_millis();
        let mut lifted: Vec<(f32, DocAddress)> = Vec::with_capacity(top.len());
        // The columns of each segment, opened once (opening one costs more than reading it).
        type Columns = (
            Option<tantivy::columnar::Column<i64>>,
            Option<tantivy::columnar::Column<u64>>,
        );
        let mut columns: std::collections::HashMap<u32, Columns> = std::collections::HashMap::new();
        for (score, addr) in top {
            let (updated, helped) = columns.entry(addr.segment_ord).or_insert_with(|| {
                let fast = searcher.segment_reader(addr.segment_ord).fast_fields();
                (fast.i64("updated").ok(), fast.u64("helped").ok())
            });
            let updated = updated
                .as_ref()
                .and_then(|c| c.first(addr.doc_id))
                .unwrap_or(now);
            let helped = helped
                .as_ref()
                .and_then(|c| c.first(addr.doc_id))
                .unwrap_or(0);
            let age_days = ((now - updated).max(0) as f32) / 86_400_000.0;
            let recency = (-age_days / 365.0).exp();
            // Words typed with their marks that the document has with the same marks.
            let mut same_marks = 0;
            for e in exact {
                if self.has_term(searcher, addr, self.fields.exact, e)? {
                    same_marks += 1;
                }
            }
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
        let head = lifted.len().min(POOL);
        lifted[..head].sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(lifted)
    }

    /// Whether a document holds a term in a field.
    fn has_term(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        field: Field,
        text: &str,
    ) -> Result<bool, SearchError> {
        let segment = searcher.segment_reader(addr.segment_ord);
        let index = segment.inverted_index(field).map_err(self.tv())?;
        let t = Term::from_field_text(field, text);
        let postings = index
            .read_postings(&t, IndexRecordOption::Basic)
            .map_err(|e| SearchError::Io {
                path: self.path.clone(),
                source: e,
            })?;
        Ok(match postings {
            // A fresh posting list starts at its first document; seek only goes forward.
            Some(mut p) => {
                let at = p.doc();
                at == addr.doc_id || (at < addr.doc_id && p.seek(addr.doc_id) == addr.doc_id)
            }
            None => false,
        })
    }

    /// Within the first [`POOL`] tolerant candidates: which matched a part of the query only
    /// through a spelling correction (fuzzy), and each such hit moved just below the last
    /// exact hit that covers at least as many parts of the query. Returns the new order and
    /// the fuzzy flags in it.
    fn corrected_last(
        &self,
        searcher: &tantivy::Searcher,
        top: Vec<(f32, DocAddress)>,
        terms: &[(query::Should, u64)],
        fixes: &HashSet<(bool, String)>,
    ) -> Result<(Ranked, Vec<bool>), SearchError> {
        if fixes.is_empty() {
            let n = top.len();
            return Ok((top, vec![false; n]));
        }
        let head = top.len().min(POOL);
        let mut cover: Vec<(usize, bool)> = Vec::with_capacity(head);
        for (_, addr) in &top[..head] {
            let mut exact: HashSet<usize> = HashSet::new();
            let mut fixed: HashSet<usize> = HashSet::new();
            for (t, _) in terms {
                let field = if t.prefix {
                    self.fields.prefix
                } else {
                    self.fields.body
                };
                if self.has_term(searcher, *addr, field, &t.term)? {
                    if fixes.contains(&(t.prefix, t.term.clone())) {
                        fixed.insert(t.concept);
                    } else {
                        exact.insert(t.concept);
                    }
                }
            }
            let fuzzy = fixed.iter().any(|c| !exact.contains(c));
            let n = exact.union(&fixed).count();
            cover.push((n, fuzzy));
        }
        let mut order = corrected_last_order(&cover);
        order.extend(head..top.len());
        let fuzzy: Vec<bool> = order
            .iter()
            .map(|&i| cover.get(i).is_some_and(|c| c.1))
            .collect();
        let out = order.iter().map(|&i| top[i]).collect();
        Ok((out, fuzzy))
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
        let searcher = self.reader.searcher();
        let top = self.top(&searcher, &BooleanQuery::new(rest), limit.max(POOL), None)?;
        let mut top = self.lift(&searcher, top, &plan.exact)?;
        top.truncate(limit);
        self.hits(
            &searcher,
            top.into_iter().map(|(s, a)| (s, a, false)).collect(),
        )
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
}

/// The order of candidates given, for each, how many parts of the query it covers and
/// whether it matched some part only through a spelling correction: each such (fuzzy)
/// candidate moves just below the last exact candidate after it that covers at least as
/// many parts; everything else keeps its place.
fn corrected_last_order(cover: &[(usize, bool)]) -> Vec<usize> {
    let n = cover.len();
    let anchor: Vec<Option<usize>> = (0..n)
        .map(|i| {
            let (parts, fuzzy) = cover[i];
            if !fuzzy {
                return None;
            }
            (i + 1..n)
                .rev()
                .find(|&j| !cover[j].1 && cover[j].0 >= parts)
        })
        .collect();
    let mut order = Vec::with_capacity(n);
    for i in 0..n {
        if anchor[i].is_none() {
            order.push(i);
        }
        if !cover[i].1 {
            order.extend((0..n).filter(|&f| anchor[f] == Some(i)));
        }
    }
    order
}

/// Every string one edit away from `word` over the letters and digits of folded text.
/// Hand the heap memory freed by an index writer back to the system. Each write runs on
/// tantivy's own threads, which end with the writer; glibc gives threads malloc arenas of
/// their own and keeps what was freed there, so a console applying other processes' changes
/// grew from 8 to 48 MB of heap in 1,000 changes (`scripts/soak-index.py`) while using a
/// few MB. Trimming alone brought 5,000 changes to 19.5 MB of heap; with two arenas at most
/// ([`limit_malloc_arenas`]) it stays at 4.8 MB. Elsewhere (another allocator, another
/// system) nothing to do.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only walks glibc's own arenas under their
    // locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Call first thing in `main`, before any thread starts: at most two glibc malloc arenas
/// for the process (the default is eight per core). hotro's work is on one thread; the
/// index writer's short-lived threads would otherwise each keep an arena of freed memory
/// (see [`release_freed_memory`]). No effect with another allocator or system.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and only sets a glibc tunable; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// How many of the first terms (document frequencies, rarest first) fit in `budget` postings
/// together; at least one when there is one.
fn within_postings(dfs: impl Iterator<Item = u64>, budget: u64) -> usize {
    let mut total = 0u64;
    let mut n = 0;
    for df in dfs {
        total = total.saturating_add(df);
        if total > budget && n > 0 {
            break;
        }
        n += 1;
    }
    n
}

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

/// Candidates in rank order: raw or lifted score and where the document is.
type Ranked = Vec<(f32, DocAddress)>;

/// Top `k` by score with tantivy's block-max pruning (`for_each_pruning`, as `TopDocs` does),
/// optionally keeping only past solutions: a candidate that is not one never raises the
/// threshold, so the pruning stays exact.
struct PrunedTop {
    k: usize,
    solution_only: bool,
}

/// A min-heap entry: lower score first; on equal scores the higher doc id goes first.
#[derive(PartialEq)]
struct Entry(Score, DocId);

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed for a min-heap in `BinaryHeap` (a max-heap).
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

struct PrunedSegment {
    segment: u32,
    k: usize,
    heap: std::collections::BinaryHeap<Entry>,
}

impl PrunedSegment {
    fn push(&mut self, doc: DocId, score: Score) -> Score {
        if self.heap.len() < self.k {
            self.heap.push(Entry(score, doc));
        } else if self.heap.peek().is_some_and(|m| score > m.0) {
            self.heap.pop();
            self.heap.push(Entry(score, doc));
        }
        if self.heap.len() < self.k {
            Score::MIN
        } else {
            self.heap.peek().map(|m| m.0).unwrap_or(Score::MIN)
        }
    }
}

impl SegmentCollector for PrunedSegment {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.push(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        let segment = self.segment;
        self.heap
            .into_iter()
            .map(|Entry(s, d)| (s, DocAddress::new(segment, d)))
            .collect()
    }
}

impl Collector for PrunedTop {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = PrunedSegment;

    fn for_segment(&self, segment: u32, _reader: &SegmentReader) -> tantivy::Result<PrunedSegment> {
        Ok(PrunedSegment {
            segment,
            k: self.k,
            heap: std::collections::BinaryHeap::with_capacity(self.k + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.k);
        Ok(all)
    }

    fn collect_segment(
        &self,
        weight: &dyn tantivy::query::Weight,
        segment: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut top = self.for_segment(segment, reader)?;
        if self.k == 0 {
            return Ok(Vec::new());
        }
        let alive = reader.alive_bitset();
        let sol = if self.solution_only {
            Some(reader.fast_fields().u64("sol")?)
        } else {
            None
        };
        let mut threshold = Score::MIN;
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            let dead = alive.is_some_and(|a| a.is_deleted(doc));
            let other = sol.as_ref().is_some_and(|c| c.first(doc) != Some(1));
            if !dead && !other {
                threshold = top.push(doc, score);
            }
            threshold
        })?;
        Ok(top.harvest())
    }
}

/// Register the tokenizer and open a reader: opening the reader reads every segment's
/// headers, so a damaged file shows here.
fn open_reader(index: Index) -> tantivy::Result<(Index, IndexReader)> {
    index.tokenizers().register("folded", analyzer());
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok((index, reader))
}

/// How far a process writing many documents into an index has got, as it notes it in the
/// index folder for others ([`activity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// The writing process.
    pub pid: u32,
    /// Documents written so far.
    pub done: u64,
    /// Documents to write in all (0: not known).
    pub total: u64,
}

impl Activity {
    /// Progress in percent (0–100), `None` when the total is not known.
    pub fn percent(&self) -> Option<u8> {
        (self.total > 0).then(|| (self.done.min(self.total) * 100 / self.total) as u8)
    }
}

/// What another live process writing the index of the database at `db` has noted about its
/// progress; `None` when nobody is writing many documents (or the writer died: a note whose
/// process is gone is stale and removed).
pub fn activity(db: &Path) -> Option<Activity> {
    let file = index_dir(db).join(PROGRESS_FILE);
    let text = std::fs::read_to_string(&file).ok()?;
    let a: Activity = serde_json::from_str(&text).ok()?;
    if a.pid != std::process::id() && !Path::new(&format!("/proc/{}", a.pid)).exists() {
        let _ = std::fs::remove_file(&file);
        return None;
    }
    Some(a)
}

/// The progress note of a long write, removed when dropped (whatever way the write ends).
struct ProgressNote {
    file: PathBuf,
}

impl ProgressNote {
    fn start(dir: &Path, total: u64) -> ProgressNote {
        let note = ProgressNote {
            file: dir.join(PROGRESS_FILE),
        };
        note.update(0, total);
        note
    }

    /// Best effort: a note that cannot be written only leaves others without a percentage.
    fn update(&self, done: u64, total: u64) {
        let a = Activity {
            pid: std::process::id(),
            done,
            total,
        };
        let tmp = self.file.with_extension("tmp");
        if let Ok(text) = serde_json::to_string(&a)
            && std::fs::write(&tmp, text).is_ok()
        {
            let _ = std::fs::rename(&tmp, &self.file);
        }
    }
}

impl Drop for ProgressNote {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
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
    let title = format!(
        "{} {}",
        search::index_text(&d.reference),
        search::index_text(&d.title)
    );
    doc.add_text(f.title, &title);
    doc.add_text(f.symptom, search::index_text(&d.symptom));
    doc.add_text(f.cause, search::index_text(&d.cause));
    doc.add_text(f.resolution, search::index_text(&d.resolution));
    let texts = [&d.title, &d.symptom, &d.resolution, &d.cause];
    let parts = [
        title.clone(),
        search::index_text(&d.symptom),
        search::index_text(&d.resolution),
        search::index_text(&d.cause),
    ];
    let mut body = String::new();
    for ((text, original), times) in parts.iter().zip(texts).zip(BODY_REPEATS) {
        // Chinese bigrams count in `body` only (the positional fields keep single characters
        // for phrases).
        let bigrams = search::cjk_bigrams(original);
        for _ in 0..times {
            body.push_str(text);
            body.push(' ');
            body.push_str(&bigrams);
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
    doc.add_u64(f.sol, u64::from(solution));
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
        for title in titles {
            resolved_ticket(&mut store, title);
        }
        let mut index = SearchIndex::open(&db).unwrap();
        index.sync_wait(&mut store, &mut |_, _| {}).unwrap();
        (dir, index)
    }

    /// Create one ticket and resolve it (a past solution, so the default scope finds it).
    fn resolved_ticket(store: &mut Store, title: &str) -> String {
        let org = config::embedded().org;
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: chrono::Utc::now(),
            by: None,
        };
        let (t, _) = store
            .create_ticket(
                &NewTicket {
                    title: title.into(),
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
        t.key
    }

    fn refs(index: &SearchIndex, q: &str) -> Vec<String> {
        index
            .search(&search::plan(q), &Filters::solutions(), 500)
            .unwrap()
            .into_iter()
            .map(|h| h.reference)
            .collect()
    }

    /// Segment files on disk that no committed segment uses (what a writer that trusted
    /// another process's stale list of managed files left behind).
    fn orphans(dir: &Path) -> Vec<String> {
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
        let live: HashSet<String> = meta["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
            .collect();
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| {
                let stem = name.split('.').next().unwrap_or("");
                stem.len() == 32
                    && stem.bytes().all(|b| b.is_ascii_hexdigit())
                    && !live.contains(stem)
            })
            .collect()
    }

    /// Issue 19 follow-up: a long-lived process (the console) and short ones (each CLI
    /// command) take turns writing the index. Each used to write tantivy's list of managed
    /// files from what it read when it opened the index, dropping the other's files from the
    /// list, so their segment files were never deleted and piled up. Taking turns many times,
    /// no file outlives the segments in use.
    #[test]
    fn writers_taking_turns_leave_no_orphan_files() {
        let (dir, mut console) = resolved_index(&["máy in không in được"]);
        let db = dir.path().join("s.db");
        let mut store = Store::open(&db).unwrap();
        for i in 0..40 {
            resolved_ticket(&mut store, &format!("lỗi đăng nhập số{i}"));
            let r = if i % 2 == 0 {
                console.sync(&mut store, &mut |_, _| {}).unwrap()
            } else {
                // A command: opens the index, writes, exits.
                let mut command = SearchIndex::open(&db).unwrap();
                command.sync(&mut store, &mut |_, _| {}).unwrap()
            };
            assert!(!r.busy, "{r:?}");
        }
        console.sync(&mut store, &mut |_, _| {}).unwrap();
        assert_eq!(orphans(console.path()), Vec::<String>::new());
        assert_eq!(refs(&console, "dang nhap").len(), 40);
    }

    /// Orphan files left by an earlier version are swept the next time a process writes.
    #[test]
    fn orphan_files_from_before_are_swept() {
        let (dir, mut index) = resolved_index(&["máy in không in được"]);
        let db = dir.path().join("s.db");
        let stray = index.path().join("0123456789abcdef0123456789abcdef.idx");
        std::fs::write(&stray, b"left behind").unwrap();
        let mut store = Store::open(&db).unwrap();
        resolved_ticket(&mut store, "lỗi đăng nhập");
        index.sync(&mut store, &mut |_, _| {}).unwrap();
        assert!(!stray.exists());
        assert_eq!(orphans(index.path()), Vec::<String>::new());
        assert_eq!(refs(&index, "may in").len(), 1);
    }

    /// Issue 19: every sync committed a segment that was never merged (163 → 721 in ten
    /// minutes). Three hundred small syncs, a ticket each, as a busy desk makes them: the
    /// count stays within the bound at every step, and every ticket is still found.
    #[test]
    fn segments_stay_few_over_many_small_syncs() {
        let (dir, mut index) = resolved_index(&["máy in không in được"]);
        let db = dir.path().join("s.db");
        let mut store = Store::open(&db).unwrap();
        let mut most = 0;
        for i in 0..300 {
            resolved_ticket(&mut store, &format!("lỗi đăng nhập số{i}"));
            let r = index.sync(&mut store, &mut |_, _| {}).unwrap();
            assert!(!r.busy && !r.rebuilt, "{r:?}");
            most = most.max(index.segment_count().unwrap());
        }
        assert!(most <= MAX_SEGMENTS, "{most} segments at most");
        assert!(index.segment_count().unwrap() <= MAX_SEGMENTS);
        assert_eq!(refs(&index, "dang nhap").len(), 300);
        assert_eq!(refs(&index, "so299").len(), 1);
        assert_eq!(refs(&index, "may in").len(), 1);
        // A reader opened afresh sees the merged index too.
        let fresh = SearchIndex::open(&db).unwrap();
        assert_eq!(refs(&fresh, "dang nhap").len(), 300);
    }

    /// While another writer holds the index (a long import or rebuild elsewhere), a sync
    /// gives up at once and a search answers from the last committed index.
    #[test]
    fn a_search_does_not_wait_for_another_writer() {
        let (dir, mut index) = resolved_index(&["máy in không in được"]);
        let db = dir.path().join("s.db");
        let mut store = Store::open(&db).unwrap();
        let other = SearchIndex::open(&db).unwrap();
        let held = other.writer().unwrap().expect("the writer is free");
        let key = resolved_ticket(&mut store, "mạng zyxwvu chập chờn");
        // It returns while the writer is still held: it did not wait for it.
        let r = index.sync(&mut store, &mut |_, _| {}).unwrap();
        assert!(r.busy, "{r:?}");
        let r = index
            .sync_within(&mut store, &mut |_, _| {}, Duration::ZERO)
            .unwrap();
        assert!(r.busy, "{r:?}");
        assert_eq!(refs(&index, "may in").len(), 1, "the committed index");
        assert!(!refs(&index, "zyxwvu").contains(&key), "not yet indexed");
        drop(held);
        let r = index.sync(&mut store, &mut |_, _| {}).unwrap();
        assert!(!r.busy && r.applied == 1, "{r:?}");
        assert_eq!(refs(&index, "zyxwvu"), vec![key]);
    }

    /// The progress a rebuilding process notes in the index folder: read by others while it
    /// lives, ignored and removed once its process is gone.
    #[test]
    fn a_rebuild_notes_its_progress_for_others() {
        let (dir, _index) = resolved_index(&["máy in"]);
        let db = dir.path().join("s.db");
        let note = ProgressNote::start(&index_dir(&db), 200);
        note.update(50, 200);
        let a = activity(&db).expect("a live note");
        assert_eq!((a.pid, a.percent()), (std::process::id(), Some(25)));
        drop(note);
        assert_eq!(activity(&db), None, "removed when the write ends");
        // A note left by a process that died (pids are below 2^22 on Linux).
        let file = index_dir(&db).join(PROGRESS_FILE);
        std::fs::write(&file, r#"{"pid":4294967295,"done":1,"total":2}"#).unwrap();
        assert_eq!(activity(&db), None);
        assert!(!file.exists(), "a stale note is removed");
    }

    /// The folder deleted under a live index: it knows it needs a rebuild, and a sync
    /// by a fresh view rebuilds it with every document.
    #[test]
    fn a_deleted_index_folder_is_noticed_and_rebuilt() {
        let (dir, index) = resolved_index(&["máy in không in được", "mạng chập chờn"]);
        let db = dir.path().join("s.db");
        let mut store = Store::open(&db).unwrap();
        assert!(!index.needs_rebuild(&mut store).unwrap());
        std::fs::remove_dir_all(index.path()).unwrap();
        assert!(index.needs_rebuild(&mut store).unwrap());
        let mut fresh = SearchIndex::open(&db).unwrap();
        let r = fresh.sync(&mut store, &mut |_, _| {}).unwrap();
        assert!(r.rebuilt && r.applied == 2, "{r:?}");
        assert_eq!(refs(&fresh, "chap chon").len(), 1);
    }

    /// Garbage files in the folder (a meta.json that is not one, stray files): opening the
    /// index again starts from an empty one, to be rebuilt, and never fails for good.
    /// (Truncated segment files are not covered: tantivy may panic reading them.)
    #[test]
    fn garbage_index_files_are_replaced_on_open() {
        let (dir, index) = resolved_index(&["máy in không in được"]);
        let db = dir.path().join("s.db");
        let path = index.path().to_path_buf();
        drop(index);
        std::fs::write(path.join("meta.json"), b"\0\x01garbage").unwrap();
        std::fs::write(path.join("stray.idx"), b"garbage").unwrap();
        let mut index = SearchIndex::open(&db).unwrap();
        let mut store = Store::open(&db).unwrap();
        assert!(index.needs_rebuild(&mut store).unwrap());
        let r = index.sync(&mut store, &mut |_, _| {}).unwrap();
        assert!(r.rebuilt, "{r:?}");
        assert_eq!(refs(&index, "may in").len(), 1);
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
    fn corrected_hits_go_below_exact_hits_of_equal_cover() {
        // (parts covered, fuzzy) in raw score order.
        let cover = [
            (2, true),
            (3, true),
            (2, false),
            (1, false),
            (3, false),
            (1, true),
        ];
        let order = corrected_last_order(&cover);
        // 0 (2, fuzzy) goes below 4, the last exact one covering ≥ 2; 1 (3, fuzzy) too;
        // 5 (1, fuzzy) has no exact hit after it and stays.
        assert_eq!(order, [2, 3, 4, 0, 1, 5]);
        for (a, &i) in order.iter().enumerate() {
            for &j in &order[a + 1..] {
                assert!(
                    !(cover[i].1 && !cover[j].1 && cover[j].0 >= cover[i].0),
                    "fuzzy {i} above exact {j} of equal or more cover"
                );
            }
        }
        assert_eq!(corrected_last_order(&[(1, false), (1, false)]), [0, 1]);
        assert!(corrected_last_order(&[]).is_empty());
    }

    #[test]
    fn a_tolerant_search_finds_what_matches_most_words() {
        let (_dir, index) = resolved_index(&[
            "Máy in không in được giấy nộp tiền",
            "Không đăng nhập được TABMIS",
            "網絡連接失敗",
        ]);
        let f = Filters::solutions();
        // Filler words that no document holds: the one with the rest still comes back.
        let hits = index
            .search(
                &search::plan("tại sao sáng nay tôi không in được giấy nộp tiền vậy anh "),
                &f,
                10,
            )
            .unwrap();
        assert!(!hits.is_empty());
        assert!(!hits[0].fuzzy, "{hits:?}");
        let hits_login = index
            .search(&search::plan("login tabmis "), &f, 10)
            .unwrap();
        assert!(!hits_login.is_empty(), "login ↔ đăng nhập");
        assert_ne!(hits[0].reference, hits_login[0].reference);
        // Traditional characters in the index and simplified in the query, inside a sentence.
        let hits = index
            .search(&search::plan("今天网络连接失败了怎么办"), &f, 10)
            .unwrap();
        assert_eq!(hits.len(), 1);
        // Telex residue.
        let hits = index
            .search(&search::plan("khoong ddawng nhaapj dduwowcj "), &f, 10)
            .unwrap();
        assert_eq!(hits[0].reference, hits_login[0].reference);
    }

    /// A caller's whole question skips the all-words tier; the document holding most of
    /// its words still comes first, and one holding every word is not lost.
    #[test]
    fn a_whole_question_finds_the_document_with_most_of_its_words() {
        let (_dir, index) = resolved_index(&[
            "máy in phòng kế toán không in được giấy nộp tiền",
            "máy in kẹt giấy",
            "không đăng nhập được",
        ]);
        let question = "tại sao sáng nay máy in phòng kế toán không in được giấy nộp tiền";
        assert!(search::plan(question).parts.len() > STRICT_MAX_PARTS);
        let found = index
            .search(&search::plan(question), &Filters::solutions(), 10)
            .unwrap();
        assert!(found.len() >= 2, "{found:?}");
        // Only the first ticket has `tiền`.
        let target = refs(&index, "tiền");
        assert_eq!(target.len(), 1);
        assert_eq!(found[0].reference, target[0], "{found:?}");
        assert!(!found[0].fuzzy);
    }

    #[test]
    fn tolerant_terms_stop_at_the_postings_budget() {
        assert_eq!(within_postings([].into_iter(), 100), 0);
        // The rarest is kept even alone over the budget.
        assert_eq!(within_postings([500].into_iter(), 100), 1);
        assert_eq!(within_postings([10, 20, 30, 40].into_iter(), 100), 4);
        assert_eq!(within_postings([10, 20, 30, 41].into_iter(), 100), 3);
        assert_eq!(within_postings([57, 113, 148, 149].into_iter(), 250), 2);
        assert_eq!(within_postings([u64::MAX, 1].into_iter(), 100), 1);
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
