//! Search as the CLI and the console use it: results with titles and highlighted snippets
//! from the original text, and the evaluation of recall@5 and MRR.

use super::{Filters, Hit, SearchError, SearchIndex};
use crate::domain::search::{self, QueryPlan, Segment};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One result line: an article or a past ticket.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub score: f32,
    pub fuzzy: bool,
    /// The best passage, matched words marked.
    pub snippet: Vec<Segment>,
    /// The whole texts, for a preview (not in JSON output: `kb show` has them).
    #[serde(skip)]
    pub symptom: String,
    #[serde(skip)]
    pub cause: String,
    #[serde(skip)]
    pub resolution: String,
}

impl Found {
    /// The snippet as plain text with matches in «»: for terminals without styles.
    pub fn snippet_text(&self) -> String {
        self.snippet
            .iter()
            .map(|s| {
                if s.hit {
                    format!("«{}»", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    }
}

/// Search and dress the hits with titles and snippets from the database.
pub fn find(
    store: &mut Store,
    index: &SearchIndex,
    query: &str,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Found>, SearchError> {
    let plan = search::plan(query);
    let hits = index.search(&plan, filters, limit)?;
    // Highlight what was looked for: decoded words, corrections, synonyms.
    let shown = index.highlighted(&plan)?;
    dress(store, &shown, hits)
}

/// Documents like a piece of text (a new ticket's title, a ticket's whole description): any
/// of its words may match, the more the better, at least half of them.
pub fn similar(
    store: &mut Store,
    index: &SearchIndex,
    text: &str,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Found>, SearchError> {
    let plan = similar_plan(text);
    let hits = index.search_any(&plan, filters, limit)?;
    dress(store, &plan, hits)
}

/// The plan of a "like this text" search: the first words say what it is about; a long
/// description would only add noise and cost.
fn similar_plan(text: &str) -> QueryPlan {
    let head: Vec<&str> = text.split_whitespace().take(40).collect();
    search::plan(&format!("{} ", head.join(" ")))
}

/// A requirement already submitted that looks like a new one (issue 16 Deliver 5:
/// duplicates across units).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarRequirement {
    pub key: String,
    pub title: String,
    pub stage: crate::domain::requirement::Stage,
}

/// How many similar requirements a submission shows (the CLI's lines, the console's form).
pub const SIMILAR_REQUIREMENTS_SHOWN: usize = 5;

/// How many tickets the index is asked for before keeping the requirements among them.
const SIMILAR_REQUIREMENT_POOL: usize = 50;

/// Requirements (tickets of kind `requirement`, any stage) like `text`, best first, at most
/// `limit`, without the ticket `except` (the one just submitted). Errors: the index or the
/// store.
pub fn similar_requirements(
    store: &mut Store,
    index: &SearchIndex,
    text: &str,
    except: Option<&str>,
    limit: usize,
) -> Result<Vec<SimilarRequirement>, SearchError> {
    let filters = Filters {
        kind: Some("ticket".into()),
        ..Filters::default()
    };
    let plan = similar_plan(text);
    let hits = index.search_any(&plan, &filters, SIMILAR_REQUIREMENT_POOL)?;
    let mut out = Vec::new();
    for h in hits {
        if out.len() >= limit {
            break;
        }
        if except == Some(h.reference.as_str()) {
            continue;
        }
        let t = store.ticket(&h.reference)?;
        if let Some(r) = &t.requirement {
            out.push(SimilarRequirement {
                key: t.key,
                title: t.title,
                stage: r.stage,
            });
        }
    }
    Ok(out)
}

fn dress(store: &mut Store, plan: &QueryPlan, hits: Vec<Hit>) -> Result<Vec<Found>, SearchError> {
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        let Some(doc) = store.index_doc(&h.kind, &h.reference)? else {
            continue;
        };
        // The snippet comes from the field with the most matches, title excluded; on a tie
        // (none, say) the earlier field: symptom, then resolution, then cause.
        let fields = [&doc.symptom, &doc.resolution, &doc.cause];
        let mut best = doc.symptom.as_str();
        let mut most = 0;
        for text in fields.iter().filter(|t| !t.trim().is_empty()) {
            let hits = search::snippet(text, plan, 10_000)
                .iter()
                .filter(|s| s.hit)
                .count();
            if hits > most {
                most = hits;
                best = text.as_str();
            }
        }
        out.push(Found {
            kind: h.kind,
            reference: h.reference,
            title: doc.title,
            score: h.score,
            fuzzy: h.fuzzy,
            snippet: search::snippet(best, plan, 160),
            symptom: doc.symptom,
            cause: doc.cause,
            resolution: doc.resolution,
        });
    }
    Ok(out)
}

/// One evaluation query (the format of `kb-dev-queries.jsonl`).
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuery {
    pub q: String,
    pub expect: Vec<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Score {
    pub queries: usize,
    pub recall_at_5: f64,
    pub mrr: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvalReport {
    pub overall: Score,
    pub by_kind: BTreeMap<String, Score>,
    /// Queries whose expected article was not in the top 5, with what came first.
    pub misses: Vec<Miss>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub q: String,
    pub kind: String,
    pub expect: Vec<String>,
    pub got: Vec<String>,
}

/// recall@5 and MRR (over the top 10) as defined in the evaluation set's README: a query hits
/// if any expected article is returned; its reciprocal rank is that of the best one.
pub fn evaluate(index: &SearchIndex, queries: &[EvalQuery]) -> Result<EvalReport, SearchError> {
    // What an operator searches: past solutions. Tickets in the database would compete, as
    // they do for the operator; the expected refs are articles.
    let filters = Filters::solutions();
    let mut sums: BTreeMap<String, (usize, f64, f64)> = BTreeMap::new();
    let mut misses = Vec::new();
    for q in queries {
        let hits = index.search(&search::plan(&q.q), &filters, 10)?;
        let refs: Vec<String> = hits.into_iter().map(|h| h.reference).collect();
        let rank = refs
            .iter()
            .position(|r| q.expect.contains(r))
            .map(|i| i + 1);
        let recall = if rank.is_some_and(|r| r <= 5) {
            1.0
        } else {
            0.0
        };
        let rr = rank.map(|r| 1.0 / r as f64).unwrap_or(0.0);
        let kind = q.kind.clone().unwrap_or_else(|| "all".into());
        for k in ["*".to_string(), kind.clone()] {
            let e = sums.entry(k).or_default();
            e.0 += 1;
            e.1 += recall;
            e.2 += rr;
        }
        if recall == 0.0 {
            misses.push(Miss {
                q: q.q.clone(),
                kind,
                expect: q.expect.clone(),
                got: refs.into_iter().take(5).collect(),
            });
        }
    }
    let score = |(n, r, m): (usize, f64, f64)| Score {
        queries: n,
        recall_at_5: if n == 0 { 0.0 } else { r / n as f64 },
        mrr: if n == 0 { 0.0 } else { m / n as f64 },
    };
    let overall = sums.remove("*").map(score).unwrap_or_default();
    Ok(EvalReport {
        overall,
        by_kind: sums.into_iter().map(|(k, v)| (k, score(v))).collect(),
        misses,
    })
}
