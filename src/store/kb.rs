//! Knowledge-base articles, and what the search index reads: its outbox of changes and the
//! documents themselves. On both engines ([`super::engine::Tx`]): one SQL text each; the
//! search outbox is filled by each schema's triggers on `articles` (and `tickets`).

use super::engine::{Row, Sql, Tx, Value, advisory_lock, params};
use super::tickets::{from_millis, millis};
use super::{Store, StoreError};
use crate::domain::kb::{Article, ArticleInput, EditMode, PublishStep};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The advisory lock key that serialises article writes on PostgreSQL ("hotrok" in ASCII):
/// each reads an article (or finds none) and then writes it, its next version and its
/// history row, which SQLite's `BEGIN IMMEDIATE` already serialises. Articles are written
/// at a person's pace (or by one import), so one lock for all of them costs nothing.
const KB_LOCK: i64 = 0x6874_6f72_6f6b;

const ARTICLE_COLUMNS: &str = "ref, lang, application, category, title, symptom, cause, resolution, \
    tags, status, author, helped_count, linked_tickets, version, created_at, updated_at, faq, \
    updated_by, published_by, published_at";

fn json_list(s: String) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(&s).map_err(|e| StoreError::bad_value(format!("list: {e}")))
}

fn article_from_row(r: &Row) -> Result<Article, StoreError> {
    Ok(Article {
        reference: r.get(0)?,
        lang: r.get(1)?,
        application: r.get(2)?,
        category: r.get(3)?,
        title: r.get(4)?,
        symptom: r.get(5)?,
        cause: r.get(6)?,
        resolution: r.get(7)?,
        tags: json_list(r.get(8)?)?,
        status: r.get(9)?,
        author: r.get(10)?,
        helped_count: r.get(11)?,
        linked_tickets: json_list(r.get(12)?)?,
        version: r.get(13)?,
        created_at: from_millis(r.get(14)?)?,
        updated_at: from_millis(r.get(15)?)?,
        faq: r.get::<i64>(16)? != 0,
        updated_by: r.get(17)?,
        published_by: r.get(18)?,
        published_at: r.get::<Option<i64>>(19)?.map(from_millis).transpose()?,
    })
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// One change the search index has to pick up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub reference: String,
}

/// A document for the search index: an article or a ticket, with its searchable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDoc {
    pub kind: &'static str,
    pub reference: String,
    pub title: String,
    pub symptom: String,
    pub cause: String,
    pub resolution: String,
    pub application: Option<String>,
    pub category: Option<String>,
    pub lang: Option<String>,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    pub helped: i64,
}

fn tags_json(tags: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(tags).map_err(|e| StoreError::bad_value(format!("tags: {e}")))
}

fn upsert(
    tx: &mut dyn Tx,
    a: &ArticleInput,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<bool>, StoreError> {
    let existing = find_id(tx, &a.reference)?;
    let status = a.status.clone().unwrap_or_else(|| "published".into());
    match existing {
        None => {
            let published = status == "published";
            tx.execute(
                &Sql::both(
                    "INSERT INTO articles (ref, lang, application, category, title, symptom,
                        cause, resolution, tags, status, author, created_at, updated_at,
                        updated_by, published_by, published_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13,
                        $14, $15)",
                ),
                &[
                    params![a.reference.as_str()],
                    &content_values(a)?,
                    params![
                        status.as_str(),
                        a.author.as_deref().unwrap_or(actor),
                        millis(now),
                        actor,
                        // Published: by the actor, now (in a PostgreSQL `CASE WHEN … THEN $12
                        // END` the parameter would be typed text, against the column's bigint).
                        published.then_some(actor),
                        published.then_some(millis(now))
                    ],
                ]
                .concat(),
            )?;
            Ok(Some(true))
        }
        Some(id) => {
            let old = article_by_id(tx, id)?;
            let same = old.lang == a.lang
                && old.application == a.application
                && old.category == a.category
                && old.title == a.title
                && old.symptom == a.symptom
                && old.cause == a.cause
                && old.resolution == a.resolution
                && old.tags == a.tags
                && old.status == status;
            if same {
                return Ok(None);
            }
            replace(tx, id, &old, a, &status, old.faq, actor, now)?;
            Ok(Some(false))
        }
    }
}

/// The row id of article `reference`, if there is one.
fn find_id(tx: &mut dyn Tx, reference: &str) -> Result<Option<i64>, StoreError> {
    tx.query_row(
        &Sql::both("SELECT id FROM articles WHERE ref = $1"),
        params![reference],
    )?
    .map(|r| r.get(0))
    .transpose()
}

/// Article row `id` (which exists).
fn article_by_id(tx: &mut dyn Tx, id: i64) -> Result<Article, StoreError> {
    let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1");
    let row = tx
        .query_row(&Sql::both(&sql), params![id])?
        .ok_or_else(|| StoreError::bad_value(format!("article row {id} is gone")))?;
    article_from_row(&row)
}

/// Keep `old` (article `id`) in its history and put `a` (with `status` and `faq`) in its
/// place as the next version, written by `actor`. Publishing (`status` published, from
/// another status or over a revision) records `actor` as the publisher.
#[allow(clippy::too_many_arguments)]
fn replace(
    tx: &mut dyn Tx,
    id: i64,
    old: &Article,
    a: &ArticleInput,
    status: &str,
    faq: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let data =
        serde_json::to_string(old).map_err(|e| StoreError::bad_value(format!("article: {e}")))?;
    tx.execute(
        &Sql::both(
            "INSERT INTO article_versions (article_id, version, data, replaced_at, replaced_by)
             VALUES ($1, $2, $3, $4, $5)",
        ),
        params![id, old.version, data, millis(now), actor],
    )?;
    let publishes = status == "published";
    tx.execute(
        &Sql::both(
            "UPDATE articles SET lang = $1, application = $2, category = $3, title = $4,
                symptom = $5, cause = $6, resolution = $7, tags = $8, status = $9,
                version = version + 1, updated_at = $10, faq = $11, updated_by = $12,
                published_by = CASE WHEN $13 THEN $12 ELSE published_by END,
                published_at = CASE WHEN $13 THEN $10 ELSE published_at END
             WHERE id = $14",
        ),
        &[
            &content_values(a)?[..],
            params![status, millis(now), faq, actor, publishes, id],
        ]
        .concat(),
    )?;
    Ok(())
}

/// An article's written content in the columns' order `lang, application, category, title,
/// symptom, cause, resolution, tags` (tags as a JSON array): the one list both the insert
/// and the update of an article bind.
fn content_values(a: &ArticleInput) -> Result<[Value; 8], StoreError> {
    Ok([
        Value::from(a.lang.as_str()),
        Value::from(a.application.clone()),
        Value::from(a.category.clone()),
        Value::from(a.title.as_str()),
        Value::from(a.symptom.as_str()),
        Value::from(a.cause.as_str()),
        Value::from(a.resolution.as_str()),
        Value::from(tags_json(&a.tags)?),
    ])
}

/// The articles `tail` (a WHERE / ORDER BY / LIMIT clause) selects, with its `params`.
fn articles_where(
    tx: &mut dyn Tx,
    tail: &str,
    params: &[Value],
) -> Result<Vec<Article>, StoreError> {
    let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles {tail}");
    tx.query_map(&Sql::both(&sql), params, article_from_row)
}

/// The article `reference` and its row id, or [`StoreError::ArticleNotFound`].
fn article_in(tx: &mut dyn Tx, reference: &str) -> Result<(i64, Article), StoreError> {
    let Some(id) = find_id(tx, reference)? else {
        return Err(StoreError::ArticleNotFound(reference.to_string()));
    };
    Ok((id, article_by_id(tx, id)?))
}

/// A published article's revision waiting for review: the text to publish, its FAQ flag, who
/// wrote it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRevision {
    pub input: ArticleInput,
    pub faq: bool,
    pub author: String,
    pub updated_at: DateTime<Utc>,
}

fn revision_in(tx: &mut dyn Tx, id: i64) -> Result<Option<ArticleRevision>, StoreError> {
    let Some(r) = tx.query_row(
        &Sql::both(
            "SELECT data, faq, author, updated_at FROM article_revisions WHERE article_id = $1",
        ),
        params![id],
    )?
    else {
        return Ok(None);
    };
    let data: String = r.get(0)?;
    let input: ArticleInput = serde_json::from_str(&data)
        .map_err(|e| StoreError::bad_value(format!("article revision: {e}")))?;
    Ok(Some(ArticleRevision {
        input,
        faq: r.get::<i64>(1)? != 0,
        author: r.get(2)?,
        updated_at: from_millis(r.get(3)?)?,
    }))
}

fn create(
    tx: &mut dyn Tx,
    a: &ArticleInput,
    faq: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    advisory_lock(tx, KB_LOCK)?;
    if find_id(tx, &a.reference)?.is_some() {
        return Err(StoreError::ArticleExists(a.reference.clone()));
    }
    upsert(tx, a, actor, now)?;
    tx.execute(
        &Sql::both("UPDATE articles SET faq = $1 WHERE ref = $2"),
        params![faq, a.reference.as_str()],
    )?;
    Ok(())
}

fn edit(
    tx: &mut dyn Tx,
    a: &ArticleInput,
    faq: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<EditMode, StoreError> {
    advisory_lock(tx, KB_LOCK)?;
    let (id, old) = article_in(tx, &a.reference)?;
    let mode = crate::domain::kb::edit_mode(&old.status);
    match mode {
        EditMode::InPlace => replace(tx, id, &old, a, &old.status, faq, actor, now)?,
        EditMode::Revision => {
            let data = serde_json::to_string(a)
                .map_err(|e| StoreError::bad_value(format!("article: {e}")))?;
            tx.execute(
                &Sql::both(
                    "INSERT INTO article_revisions (article_id, data, faq, author, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (article_id) DO UPDATE SET data = $2, faq = $3,
                        author = $4, updated_at = $5",
                ),
                params![id, data, faq, actor, millis(now)],
            )?;
        }
    }
    Ok(mode)
}

fn publish(
    tx: &mut dyn Tx,
    reference: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<PublishStep, StoreError> {
    advisory_lock(tx, KB_LOCK)?;
    let (id, old) = article_in(tx, reference)?;
    let revision = revision_in(tx, id)?;
    let step = crate::domain::kb::publish_step(reference, &old.status, revision.is_some())?;
    match (step, revision) {
        (PublishStep::ApplyRevision, Some(r)) => {
            replace(tx, id, &old, &r.input, "published", r.faq, &r.author, now)?;
            tx.execute(
                &Sql::both("UPDATE articles SET published_by = $1 WHERE id = $2"),
                params![actor, id],
            )?;
            tx.execute(
                &Sql::both("DELETE FROM article_revisions WHERE article_id = $1"),
                params![id],
            )?;
        }
        _ => {
            let same = old.input();
            replace(tx, id, &old, &same, "published", old.faq, actor, now)?;
        }
    }
    Ok(step)
}

fn retire(
    tx: &mut dyn Tx,
    reference: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    advisory_lock(tx, KB_LOCK)?;
    let (id, old) = article_in(tx, reference)?;
    crate::domain::kb::may_retire(reference, &old.status)?;
    let same = old.input();
    replace(tx, id, &old, &same, "retired", old.faq, actor, now)
}

fn revision_of(tx: &mut dyn Tx, reference: &str) -> Result<Option<ArticleRevision>, StoreError> {
    let (id, _) = article_in(tx, reference)?;
    revision_in(tx, id)
}

fn count(tx: &mut dyn Tx, sql: &str) -> Result<i64, StoreError> {
    tx.query_row(&Sql::both(sql), params![])?
        .ok_or_else(|| StoreError::bad_value("count(*) gave no row"))?
        .get(0)
}

fn free_ref(tx: &mut dyn Tx) -> Result<String, StoreError> {
    let mut n = count(tx, "SELECT count(*) FROM articles")?;
    loop {
        n += 1;
        let candidate = format!("KB-{n:05}");
        if find_id(tx, &candidate)?.is_none() {
            return Ok(candidate);
        }
    }
}

fn by_status(tx: &mut dyn Tx, status: &str, limit: usize) -> Result<Vec<Article>, StoreError> {
    articles_where(
        tx,
        "WHERE status = $1 ORDER BY updated_at DESC LIMIT $2",
        params![status, limit as i64],
    )
}

fn faq(tx: &mut dyn Tx) -> Result<Vec<Article>, StoreError> {
    // Titles in byte order (SQLite's BINARY; PostgreSQL would sort by the server's
    // collation, which differs for Vietnamese and Chinese titles), equal titles by reference:
    // the same list on both engines.
    let tail = "FROM articles WHERE faq = 1 AND status = 'published' ORDER BY title";
    let sqlite = format!("SELECT {ARTICLE_COLUMNS} {tail}, ref LIMIT 1000");
    let postgres = format!("SELECT {ARTICLE_COLUMNS} {tail} COLLATE \"C\", ref LIMIT 1000");
    tx.query_map(&Sql::pair(&sqlite, &postgres), params![], article_from_row)
}

fn import(
    tx: &mut dyn Tx,
    articles: &[ArticleInput],
    actor: &str,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportCounts, StoreError> {
    advisory_lock(tx, KB_LOCK)?;
    let total = articles.len() as u64;
    let mut counts = ImportCounts::default();
    for (i, a) in articles.iter().enumerate() {
        let done = i as u64 + 1;
        if done.is_multiple_of(1_000) || done == total {
            progress(done, total);
        }
        match upsert(tx, a, actor, now)? {
            Some(true) => counts.added += 1,
            Some(false) => counts.updated += 1,
            None => counts.unchanged += 1,
        }
    }
    Ok(counts)
}

fn article_by_ref(tx: &mut dyn Tx, reference: &str) -> Result<Option<Article>, StoreError> {
    let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE ref = $1");
    tx.query_row(&Sql::both(&sql), params![reference])?
        .map(|r| article_from_row(&r))
        .transpose()
}

fn history(tx: &mut dyn Tx, reference: &str) -> Result<Vec<Article>, StoreError> {
    tx.query_map(
        &Sql::both(
            "SELECT v.data FROM article_versions v JOIN articles a ON a.id = v.article_id
             WHERE a.ref = $1 ORDER BY v.version",
        ),
        params![reference],
        |r| {
            let data: String = r.get(0)?;
            serde_json::from_str(&data)
                .map_err(|e| StoreError::bad_value(format!("article version: {e}")))
        },
    )
}

fn all_articles(tx: &mut dyn Tx) -> Result<Vec<Article>, StoreError> {
    // References in byte order on both engines (as the FAQ's titles).
    let sqlite = format!("SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY ref");
    let postgres = format!("SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY ref COLLATE \"C\"");
    tx.query_map(&Sql::pair(&sqlite, &postgres), params![], article_from_row)
}

fn db_id(tx: &mut dyn Tx) -> Result<String, StoreError> {
    Ok(tx
        .query_row(
            &Sql::both("SELECT value FROM meta WHERE key = 'db_id'"),
            params![],
        )?
        .map(|r| r.get(0))
        .transpose()?
        .unwrap_or_default())
}

fn outbox_after(tx: &mut dyn Tx, after: i64, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
    tx.query_map(
        &Sql::both("SELECT id, kind, ref FROM search_outbox WHERE id > $1 ORDER BY id LIMIT $2"),
        params![after, limit as i64],
        |r| {
            Ok(OutboxEntry {
                id: r.get(0)?,
                kind: r.get(1)?,
                reference: r.get(2)?,
            })
        },
    )
}

fn outbox_last(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    count(tx, "SELECT coalesce(max(id), 0) FROM search_outbox")
}

fn outbox_prune(tx: &mut dyn Tx, upto: i64, keep: i64) -> Result<(), StoreError> {
    match tx.engine() {
        // One index per file: what it applied is no longer needed.
        super::engine::EngineKind::Sqlite => tx.execute(
            &Sql::both("DELETE FROM search_outbox WHERE id <= $1"),
            params![upto],
        )?,
        // One index per host: the newest `keep` entries stay for the hosts still behind
        // (the schema's function, migration 4).
        super::engine::EngineKind::Postgres => tx.execute(
            &Sql::both("SELECT hotro_prune_search_outbox($1, $2)"),
            params![upto, keep],
        )?,
    };
    Ok(())
}

fn index_doc(tx: &mut dyn Tx, kind: &str, reference: &str) -> Result<Option<IndexDoc>, StoreError> {
    let sql = if kind == "article" {
        format!("{ARTICLE_DOC_SQL} WHERE ref = $1")
    } else {
        format!("{TICKET_DOC_SQL} WHERE key = $1")
    };
    tx.query_row(&Sql::both(&sql), params![reference])?
        .map(|r| doc_from_row(kind, &r))
        .transpose()
}

/// The next page of documents of `kind` after row id `after`, each with its row id.
fn doc_page(tx: &mut dyn Tx, kind: &str, sql: &str, after: i64) -> Result<DocPage, StoreError> {
    let sql = format!("{sql} WHERE id > $1 ORDER BY id LIMIT 20000");
    tx.query_map(&Sql::both(&sql), params![after], |r| {
        Ok((r.get::<i64>(11)?, doc_from_row(kind, r)?))
    })
}

/// A page of documents with their row ids ([`doc_page`]).
type DocPage = Vec<(i64, IndexDoc)>;

/// Every document, a page at a time (`page` reads one in its own read transaction).
fn each_doc(
    page: &mut dyn FnMut(&str, &str, i64) -> Result<DocPage, StoreError>,
    each: &mut dyn FnMut(Vec<IndexDoc>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for (kind, sql) in [("article", ARTICLE_DOC_SQL), ("ticket", TICKET_DOC_SQL)] {
        let mut after = 0i64;
        loop {
            let batch = page(kind, sql, after)?;
            let Some(last) = batch.last().map(|(id, _)| *id) else {
                break;
            };
            after = last;
            each(batch.into_iter().map(|(_, d)| d).collect())?;
        }
    }
    Ok(())
}

fn doc_count(tx: &mut dyn Tx) -> Result<i64, StoreError> {
    count(
        tx,
        "SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM tickets)",
    )
}

impl Store {
    /// A new article, as a draft or published as `a.status` says (`hotro kb new`), written
    /// by `actor`. Errors: [`StoreError::ArticleExists`] when the ref is taken.
    pub fn create_article(
        &mut self,
        a: &ArticleInput,
        faq: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_tx(|tx| create(tx, a, faq, actor, now))
    }

    /// Change article `a.reference` to `a` (its status is kept): a draft or retired article
    /// in place, a published one as a revision waiting for review
    /// ([`crate::domain::kb::edit_mode`]). Returns which it was.
    pub fn edit_article(
        &mut self,
        a: &ArticleInput,
        faq: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<EditMode, StoreError> {
        self.write_tx(|tx| edit(tx, a, faq, actor, now))
    }

    /// Publish article `reference` ([`crate::domain::kb::publish_step`]): a draft or retired
    /// one as it is, a published one's waiting revision in place of its text. `actor` is
    /// recorded as the publisher.
    pub fn publish_article(
        &mut self,
        reference: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishStep, StoreError> {
        self.write_tx(|tx| publish(tx, reference, actor, now))
    }

    /// Retire article `reference`: no longer searched or offered (its history is kept).
    pub fn retire_article(
        &mut self,
        reference: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_tx(|tx| retire(tx, reference, actor, now))
    }

    /// The revision of article `reference` waiting for review, if any.
    pub fn article_revision(
        &mut self,
        reference: &str,
    ) -> Result<Option<ArticleRevision>, StoreError> {
        self.read_tx(|tx| revision_of(tx, reference))
    }

    /// A ref no article has: `KB-NNNNN`, the next number after the articles there are.
    pub fn free_article_ref(&mut self) -> Result<String, StoreError> {
        self.read_tx(|tx| free_ref(tx))
    }

    /// The articles of `status` (e.g. the drafts to review), newest change first, at most
    /// `limit`.
    pub fn articles_by_status(
        &mut self,
        status: &str,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        self.read_tx(|tx| by_status(tx, status, limit))
    }

    /// The published articles marked FAQ, by title.
    pub fn faq_articles(&mut self) -> Result<Vec<Article>, StoreError> {
        self.read_tx(|tx| faq(tx))
    }

    /// Add or update articles in one transaction: all of them or, on an error, none.
    /// An updated article keeps its earlier version in `article_versions`.
    pub fn import_articles(
        &mut self,
        articles: &[ArticleInput],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportCounts, StoreError> {
        self.write_tx(|tx| import(tx, articles, actor, now, &mut |_, _| {}))
    }

    /// [`Store::import_articles`], calling `progress(articles done, articles)` every 1,000.
    pub fn import_articles_with(
        &mut self,
        articles: &[ArticleInput],
        actor: &str,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportCounts, StoreError> {
        self.write_tx(|tx| import(tx, articles, actor, now, progress))
    }

    /// Article `reference`, if there is one.
    pub fn article(&mut self, reference: &str) -> Result<Option<Article>, StoreError> {
        self.read_tx(|tx| article_by_ref(tx, reference))
    }

    /// The earlier versions of an article, oldest first.
    pub fn article_history(&mut self, reference: &str) -> Result<Vec<Article>, StoreError> {
        self.read_tx(|tx| history(tx, reference))
    }

    /// Every article, by ref.
    pub fn articles(&mut self) -> Result<Vec<Article>, StoreError> {
        self.read_tx(|tx| all_articles(tx))
    }

    /// This database's identity (set when it was created).
    pub fn db_id(&mut self) -> Result<String, StoreError> {
        self.read_tx(|tx| db_id(tx))
    }

    /// Changes after `after`, oldest first.
    pub fn outbox_after(
        &mut self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.read_tx(|tx| outbox_after(tx, after, limit))
    }

    /// The newest change's id in the search outbox (0 when it is empty).
    pub fn outbox_last(&mut self) -> Result<i64, StoreError> {
        self.read_tx(|tx| outbox_last(tx))
    }

    /// Forget changes the index has committed, up to id `upto`. On SQLite (one index per
    /// file) all of them; on PostgreSQL (one index per host) never the newest `keep`
    /// entries, which other hosts' indexes may still need (an index further behind than
    /// that rebuilds itself: [`crate::search::SearchIndex::needs_rebuild`]).
    pub fn outbox_prune(&mut self, upto: i64, keep: i64) -> Result<(), StoreError> {
        self.write_tx(|tx| outbox_prune(tx, upto, keep))
    }

    /// The searchable document for an outbox entry; `None` if it no longer exists.
    pub fn index_doc(
        &mut self,
        kind: &str,
        reference: &str,
    ) -> Result<Option<IndexDoc>, StoreError> {
        self.read_tx(|tx| index_doc(tx, kind, reference))
    }

    /// How many documents a rebuild will index (for progress).
    pub fn index_doc_count(&mut self) -> Result<i64, StoreError> {
        self.read_tx(|tx| doc_count(tx))
    }

    /// Every document, in pages, for a full rebuild; `each` gets a batch at a time.
    pub fn each_index_doc(
        &mut self,
        mut each: impl FnMut(Vec<IndexDoc>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        each_doc(
            &mut |kind, sql, after| self.read_tx(|tx| doc_page(tx, kind, sql, after)),
            &mut each,
        )
    }
}

const ARTICLE_DOC_SQL: &str = "SELECT ref, title, symptom, cause, resolution, application, category, lang, \
    status, updated_at, helped_count, id FROM articles";
const TICKET_DOC_SQL: &str = "SELECT key, title, description, '', coalesce(resolution, ''), application, \
    category, NULL, status, updated_at, 0, id FROM tickets";

fn doc_from_row(kind: &str, r: &Row) -> Result<IndexDoc, StoreError> {
    Ok(IndexDoc {
        kind: if kind == "article" {
            "article"
        } else {
            "ticket"
        },
        reference: r.get(0)?,
        title: r.get(1)?,
        symptom: r.get(2)?,
        cause: r.get(3)?,
        resolution: r.get(4)?,
        application: r.get(5)?,
        category: r.get(6)?,
        lang: r.get(7)?,
        status: r.get(8)?,
        updated_at: from_millis(r.get(9)?)?,
        helped: r.get(10)?,
    })
}
