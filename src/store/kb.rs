//! Knowledge-base articles, and what the search index reads: its outbox of changes and the
//! documents themselves.

use super::tickets::{from_millis, millis};
use super::{Store, StoreError};
use crate::domain::kb::{Article, ArticleInput};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;

const ARTICLE_COLUMNS: &str = "ref, lang, application, category, title, symptom, cause, resolution, \
    tags, status, author, helped_count, linked_tickets, version, created_at, updated_at, faq, \
    updated_by, published_by, published_at";

fn json_list(s: String) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(&s).map_err(|e| StoreError::bad_value(format!("list: {e}")))
}

fn article_from_row(r: &Row<'_>) -> Result<Article, StoreError> {
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
        faq: r.get::<_, i64>(16)? != 0,
        updated_by: r.get(17)?,
        published_by: r.get(18)?,
        published_at: r.get::<_, Option<i64>>(19)?.map(from_millis).transpose()?,
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
    tx: &Transaction<'_>,
    a: &ArticleInput,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<bool>, StoreError> {
    let existing = tx
        .query_row(
            &format!("SELECT id, {ARTICLE_COLUMNS} FROM articles WHERE ref = ?1"),
            [&a.reference],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(5)?)),
        )
        .optional()?;
    let status = a.status.clone().unwrap_or_else(|| "published".into());
    match existing {
        None => {
            let published = status == "published";
            tx.execute(
                "INSERT INTO articles (ref, lang, application, category, title, symptom, cause,
                    resolution, tags, status, author, created_at, updated_at, updated_by,
                    published_by, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13,
                    CASE WHEN ?14 THEN ?13 END, CASE WHEN ?14 THEN ?12 END)",
                params![
                    a.reference,
                    a.lang,
                    a.application,
                    a.category,
                    a.title,
                    a.symptom,
                    a.cause,
                    a.resolution,
                    tags_json(&a.tags)?,
                    status,
                    a.author.as_deref().unwrap_or(actor),
                    millis(now),
                    actor,
                    published
                ],
            )?;
            Ok(Some(true))
        }
        Some((id, _)) => {
            let old = tx.query_row(
                &format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?1"),
                [id],
                |r| Ok(article_from_row(r)),
            )??;
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

/// Keep `old` (article `id`) in its history and put `a` (with `status` and `faq`) in its
/// place as the next version, written by `actor`. Publishing (`status` published, from
/// another status or over a revision) records `actor` as the publisher.
#[allow(clippy::too_many_arguments)]
fn replace(
    tx: &Transaction<'_>,
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
        "INSERT INTO article_versions (article_id, version, data, replaced_at, replaced_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, old.version, data, millis(now), actor],
    )?;
    let publishes = status == "published";
    tx.execute(
        "UPDATE articles SET lang = ?2, application = ?3, category = ?4, title = ?5,
            symptom = ?6, cause = ?7, resolution = ?8, tags = ?9, status = ?10,
            version = version + 1, updated_at = ?11, faq = ?12, updated_by = ?13,
            published_by = CASE WHEN ?14 THEN ?13 ELSE published_by END,
            published_at = CASE WHEN ?14 THEN ?11 ELSE published_at END
         WHERE id = ?1",
        params![
            id,
            a.lang,
            a.application,
            a.category,
            a.title,
            a.symptom,
            a.cause,
            a.resolution,
            tags_json(&a.tags)?,
            status,
            millis(now),
            faq,
            actor,
            publishes
        ],
    )?;
    Ok(())
}

/// The articles `tail` (a WHERE / ORDER BY / LIMIT clause) selects, with its `params`.
fn articles_where(
    tx: &Transaction<'_>,
    tail: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Article>, StoreError> {
    let mut stmt = tx.prepare(&format!("SELECT {ARTICLE_COLUMNS} FROM articles {tail}"))?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(article_from_row(r)?);
    }
    Ok(out)
}

/// The article `reference` and its row id, or [`StoreError::ArticleNotFound`].
fn article_in(tx: &Transaction<'_>, reference: &str) -> Result<(i64, Article), StoreError> {
    let found: Option<i64> = tx
        .query_row("SELECT id FROM articles WHERE ref = ?1", [reference], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(id) = found else {
        return Err(StoreError::ArticleNotFound(reference.to_string()));
    };
    let article = tx.query_row(
        &format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?1"),
        [id],
        |r| Ok(article_from_row(r)),
    )??;
    Ok((id, article))
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

fn revision_in(tx: &Transaction<'_>, id: i64) -> Result<Option<ArticleRevision>, StoreError> {
    let row = tx
        .query_row(
            "SELECT data, faq, author, updated_at FROM article_revisions WHERE article_id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((data, faq, author, at)) = row else {
        return Ok(None);
    };
    let input: ArticleInput = serde_json::from_str(&data)
        .map_err(|e| StoreError::bad_value(format!("article revision: {e}")))?;
    Ok(Some(ArticleRevision {
        input,
        faq: faq != 0,
        author,
        updated_at: from_millis(at)?,
    }))
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
        self.write(|tx| {
            let taken: Option<i64> = tx
                .query_row(
                    "SELECT id FROM articles WHERE ref = ?1",
                    [&a.reference],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::ArticleExists(a.reference.clone()));
            }
            upsert(tx, a, actor, now)?;
            tx.execute(
                "UPDATE articles SET faq = ?2 WHERE ref = ?1",
                params![a.reference, faq],
            )?;
            Ok(())
        })
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
    ) -> Result<crate::domain::kb::EditMode, StoreError> {
        use crate::domain::kb::{EditMode, edit_mode};
        self.write(|tx| {
            let (id, old) = article_in(tx, &a.reference)?;
            let mode = edit_mode(&old.status);
            match mode {
                EditMode::InPlace => replace(tx, id, &old, a, &old.status, faq, actor, now)?,
                EditMode::Revision => {
                    let data = serde_json::to_string(a)
                        .map_err(|e| StoreError::bad_value(format!("article: {e}")))?;
                    tx.execute(
                        "INSERT INTO article_revisions (article_id, data, faq, author, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (article_id) DO UPDATE SET data = ?2, faq = ?3,
                            author = ?4, updated_at = ?5",
                        params![id, data, faq, actor, millis(now)],
                    )?;
                }
            }
            Ok(mode)
        })
    }

    /// Publish article `reference` ([`crate::domain::kb::publish_step`]): a draft or retired
    /// one as it is, a published one's waiting revision in place of its text. `actor` is
    /// recorded as the publisher.
    pub fn publish_article(
        &mut self,
        reference: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<crate::domain::kb::PublishStep, StoreError> {
        use crate::domain::kb::{PublishStep, publish_step};
        self.write(|tx| {
            let (id, old) = article_in(tx, reference)?;
            let revision = revision_in(tx, id)?;
            let step = publish_step(reference, &old.status, revision.is_some())?;
            match (step, revision) {
                (PublishStep::ApplyRevision, Some(r)) => {
                    replace(tx, id, &old, &r.input, "published", r.faq, &r.author, now)?;
                    tx.execute(
                        "UPDATE articles SET published_by = ?2 WHERE id = ?1",
                        params![id, actor],
                    )?;
                    tx.execute("DELETE FROM article_revisions WHERE article_id = ?1", [id])?;
                }
                _ => {
                    let same = old.input();
                    replace(tx, id, &old, &same, "published", old.faq, actor, now)?;
                }
            }
            Ok(step)
        })
    }

    /// Retire article `reference`: no longer searched or offered (its history is kept).
    pub fn retire_article(
        &mut self,
        reference: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let (id, old) = article_in(tx, reference)?;
            crate::domain::kb::may_retire(reference, &old.status)?;
            let same = old.input();
            replace(tx, id, &old, &same, "retired", old.faq, actor, now)
        })
    }

    /// The revision of article `reference` waiting for review, if any.
    pub fn article_revision(
        &mut self,
        reference: &str,
    ) -> Result<Option<ArticleRevision>, StoreError> {
        self.read(|tx| {
            let (id, _) = article_in(tx, reference)?;
            revision_in(tx, id)
        })
    }

    /// A ref no article has: `KB-NNNNN`, the next number after the articles there are.
    pub fn free_article_ref(&mut self) -> Result<String, StoreError> {
        self.read(|tx| {
            let mut n: i64 = tx.query_row("SELECT count(*) FROM articles", [], |r| r.get(0))?;
            loop {
                n += 1;
                let candidate = format!("KB-{n:05}");
                let taken: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM articles WHERE ref = ?1",
                        [&candidate],
                        |r| r.get(0),
                    )
                    .optional()?;
                if taken.is_none() {
                    return Ok(candidate);
                }
            }
        })
    }

    /// The articles of `status` (e.g. the drafts to review), newest change first, at most
    /// `limit`.
    pub fn articles_by_status(
        &mut self,
        status: &str,
        limit: usize,
    ) -> Result<Vec<Article>, StoreError> {
        self.read(|tx| {
            articles_where(
                tx,
                "WHERE status = ?1 ORDER BY updated_at DESC LIMIT ?2",
                params![status, limit as i64],
            )
        })
    }

    /// The published articles marked FAQ, by title.
    pub fn faq_articles(&mut self) -> Result<Vec<Article>, StoreError> {
        self.read(|tx| {
            articles_where(
                tx,
                "WHERE faq = 1 AND status = 'published' ORDER BY title LIMIT 1000",
                [],
            )
        })
    }

    /// Add or update articles in one transaction: all of them or, on an error, none.
    /// An updated article keeps its earlier version in `article_versions`.
    pub fn import_articles(
        &mut self,
        articles: &[ArticleInput],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportCounts, StoreError> {
        self.import_articles_with(articles, actor, now, &mut |_, _| {})
    }

    /// [`Store::import_articles`], calling `progress(articles done, articles)` every 1,000.
    pub fn import_articles_with(
        &mut self,
        articles: &[ArticleInput],
        actor: &str,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportCounts, StoreError> {
        let total = articles.len() as u64;
        self.write(|tx| {
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
        })
    }

    pub fn article(&mut self, reference: &str) -> Result<Option<Article>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM articles WHERE ref = ?1"
            ))?;
            let mut rows = stmt.query([reference])?;
            match rows.next()? {
                Some(r) => Ok(Some(article_from_row(r)?)),
                None => Ok(None),
            }
        })
    }

    /// The earlier versions of an article, oldest first.
    pub fn article_history(&mut self, reference: &str) -> Result<Vec<Article>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT v.data FROM article_versions v JOIN articles a ON a.id = v.article_id
                 WHERE a.ref = ?1 ORDER BY v.version",
            )?;
            let mut rows = stmt.query([reference])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let data: String = r.get(0)?;
                out.push(
                    serde_json::from_str(&data)
                        .map_err(|e| StoreError::bad_value(format!("article version: {e}")))?,
                );
            }
            Ok(out)
        })
    }

    pub fn articles(&mut self) -> Result<Vec<Article>, StoreError> {
        self.read(|tx| articles_where(tx, "ORDER BY ref", []))
    }

    /// This database's identity (set when it was created).
    pub fn db_id(&mut self) -> Result<String, StoreError> {
        self.read(|tx| {
            Ok(tx
                .query_row("SELECT value FROM meta WHERE key = 'db_id'", [], |r| {
                    r.get(0)
                })
                .optional()?
                .unwrap_or_default())
        })
    }

    /// Changes after `after`, oldest first.
    pub fn outbox_after(
        &mut self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, kind, ref FROM search_outbox WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let mut rows = stmt.query(params![after, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(OutboxEntry {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    reference: r.get(2)?,
                });
            }
            Ok(out)
        })
    }

    pub fn outbox_last(&mut self) -> Result<i64, StoreError> {
        self.read(|tx| {
            Ok(
                tx.query_row("SELECT coalesce(max(id), 0) FROM search_outbox", [], |r| {
                    r.get(0)
                })?,
            )
        })
    }

    /// Forget changes the index has committed.
    pub fn outbox_prune(&mut self, upto: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM search_outbox WHERE id <= ?1", [upto])?;
            Ok(())
        })
    }

    /// The searchable document for an outbox entry; `None` if it no longer exists.
    pub fn index_doc(
        &mut self,
        kind: &str,
        reference: &str,
    ) -> Result<Option<IndexDoc>, StoreError> {
        self.read(|tx| {
            let sql = if kind == "article" {
                ARTICLE_DOC_SQL
            } else {
                TICKET_DOC_SQL
            };
            let mut stmt = tx.prepare_cached(&format!(
                "{sql} WHERE {} = ?1",
                if kind == "article" { "ref" } else { "key" }
            ))?;
            let mut rows = stmt.query([reference])?;
            match rows.next()? {
                Some(r) => Ok(Some(doc_from_row(kind, r)?)),
                None => Ok(None),
            }
        })
    }

    /// Every document, in pages, for a full rebuild; `each` gets a batch at a time.
    pub fn each_index_doc(
        &mut self,
        mut each: impl FnMut(Vec<IndexDoc>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for (kind, sql) in [("article", ARTICLE_DOC_SQL), ("ticket", TICKET_DOC_SQL)] {
            let mut after = 0i64;
            loop {
                let batch = self.read(|tx| {
                    let mut stmt =
                        tx.prepare_cached(&format!("{sql} WHERE id > ?1 ORDER BY id LIMIT 20000"))?;
                    let mut rows = stmt.query([after])?;
                    let mut out = Vec::new();
                    while let Some(r) = rows.next()? {
                        out.push((r.get::<_, i64>(11)?, doc_from_row(kind, r)?));
                    }
                    Ok(out)
                })?;
                let Some(last) = batch.last().map(|(id, _)| *id) else {
                    break;
                };
                after = last;
                each(batch.into_iter().map(|(_, d)| d).collect())?;
            }
        }
        Ok(())
    }

    /// How many documents a rebuild will index (for progress).
    pub fn index_doc_count(&mut self) -> Result<i64, StoreError> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM tickets)",
                [],
                |r| r.get(0),
            )?)
        })
    }
}

const ARTICLE_DOC_SQL: &str = "SELECT ref, title, symptom, cause, resolution, application, category, lang, \
    status, updated_at, helped_count, id FROM articles";
const TICKET_DOC_SQL: &str = "SELECT key, title, description, '', coalesce(resolution, ''), application, \
    category, NULL, status, updated_at, 0, id FROM tickets";

fn doc_from_row(kind: &str, r: &Row<'_>) -> Result<IndexDoc, StoreError> {
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
