//! Exports of reports and lists (issue 13): Markdown, CSV (UTF-8, optionally with a BOM for
//! spreadsheets that need it; formula injection neutralised by [`crate::inert::csv_text`]),
//! real `.xlsx` workbooks (rust_xlsxwriter, one sheet per section) and JSON.
//!
//! Presentation only: the figures come from [`crate::domain::report`]; labels from the
//! message catalog. Stored text is made inert for every format.

use crate::domain::report::{Dimension, Figures, Report};
use crate::i18n::Catalog;
use crate::inert::{csv_text, md_inline};
use std::collections::BTreeMap;

/// An export format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Md,
    Csv,
    Xlsx,
    Json,
}

impl Format {
    /// The format named `md`, `csv`, `xlsx` or `json`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Md),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// Every format, in the order the console cycles through them (xlsx, the leaders'
    /// form, first).
    pub const ALL: [Format; 4] = [Format::Xlsx, Format::Md, Format::Csv, Format::Json];

    /// Its file name extension (and its name in `--format`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Every measure id a report section uses (`report.measure.<id>` in the catalog).
pub const MEASURES: &[&str] = &[
    "count",
    "received",
    "resolved",
    "open_at_end",
    "open",
    "tickets",
    "first_response_targets",
    "first_response_met",
    "resolution_targets",
    "resolution_met",
    "answered_within_2h",
    "responded_same_day",
    "closed_same_day",
    "escalations",
];

/// Every section id of a report (`report.section.<id>`).
pub const SECTIONS: &[&str] = &[
    "totals",
    "backlog",
    "by_unit",
    "by_application",
    "by_category",
    "by_kind",
    "by_channel",
    "by_group",
    "by_tier",
    "cross",
    "sla",
    "consultation",
    "escalations_by_tier",
    "escalations_to_vendors",
    "top_categories",
    "top_articles",
    "user_errors",
    "tickets",
    "changes",
];

/// Every item header id of a report section (`report.item.<id>`): the dimensions' ids and
/// these.
pub const ITEMS: &[&str] = &["figure", "day", "kind_priority", "article"];

/// One cell of a table: text (stored or labels) or a count.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
        }
    }
}

/// A table: a sheet of a workbook, a table of a Markdown document.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Short ASCII id (the sheet's name): `totals`, `by_unit`, `sla`, …
    pub id: String,
    /// Its title in the reader's language.
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One section of a report: figures of items along some measures, this period and the
/// previous one.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub item_header: String,
    /// Measure ids (stable, ASCII) and their labels.
    pub measures: Vec<(String, String)>,
    /// (item, this period's values, the previous period's values), one value per measure.
    pub rows: Vec<(String, Vec<u64>, Vec<u64>)>,
}

fn counts_rows(f: &Figures, by: Dimension) -> BTreeMap<String, [u64; 3]> {
    f.breakdowns
        .iter()
        .filter(|b| b.by == by)
        .flat_map(|b| &b.rows)
        .map(|r| {
            let c = r.counts;
            (r.value.clone(), [c.received, c.resolved, c.open_at_end])
        })
        .collect()
}

/// Items in this period's order, then those only in the previous period; each with both
/// periods' values (zeros where absent).
fn paired<const N: usize>(
    order: Vec<String>,
    cur: &BTreeMap<String, [u64; N]>,
    prev: &BTreeMap<String, [u64; N]>,
) -> Vec<(String, Vec<u64>, Vec<u64>)> {
    let mut items = order;
    items.extend(prev.keys().filter(|k| !cur.contains_key(*k)).cloned());
    items
        .into_iter()
        .map(|i| {
            let c = cur.get(&i).copied().unwrap_or([0; N]).to_vec();
            let p = prev.get(&i).copied().unwrap_or([0; N]).to_vec();
            (i, c, p)
        })
        .collect()
}

fn ones(list: &[(String, u64)]) -> BTreeMap<String, [u64; 1]> {
    list.iter().map(|(k, v)| (k.clone(), [*v])).collect()
}

fn keys<T>(list: &[(String, T)]) -> Vec<String> {
    list.iter().map(|(k, _)| k.clone()).collect()
}

/// The report as sections, in the order every format shows them.
pub fn sections(cat: &Catalog, report: &Report) -> Vec<Section> {
    let (cur, prev) = (&report.current, &report.previous);
    let m = |ids: &[&str]| -> Vec<(String, String)> {
        ids.iter()
            .map(|id| (id.to_string(), cat.t(&format!("report.measure.{id}"))))
            .collect()
    };
    let section = |id: &str, item: &str, measures, rows| Section {
        id: id.to_string(),
        title: cat.t(&format!("report.section.{id}")),
        item_header: cat.t(&format!("report.item.{item}")),
        measures,
        rows,
    };
    let mut out = Vec::new();
    let totals = |f: &Figures| {
        BTreeMap::from([
            ("received".to_string(), [f.counts.received]),
            ("resolved".to_string(), [f.counts.resolved]),
            ("open_at_end".to_string(), [f.counts.open_at_end]),
        ])
    };
    let order = ["received", "resolved", "open_at_end"]
        .map(String::from)
        .to_vec();
    let mut rows = paired(order, &totals(cur), &totals(prev));
    for r in &mut rows {
        r.0 = cat.t(&format!("report.measure.{}", r.0));
    }
    out.push(section("totals", "figure", m(&["count"]), rows));
    let backlog = cur
        .backlog
        .iter()
        .enumerate()
        .map(|(i, (day, n))| {
            let p = prev.backlog.get(i).map_or(0, |x| x.1);
            (day.to_string(), vec![*n], vec![p])
        })
        .collect();
    out.push(section("backlog", "day", m(&["open"]), backlog));
    for by in Dimension::ALL {
        let (c, p) = (counts_rows(cur, by), counts_rows(prev, by));
        let order = cur
            .breakdowns
            .iter()
            .filter(|b| b.by == by)
            .flat_map(|b| b.rows.iter().map(|r| r.value.clone()))
            .collect();
        out.push(section(
            &format!("by_{}", by.id()),
            by.id(),
            m(&["received", "resolved", "open_at_end"]),
            paired(order, &c, &p),
        ));
    }
    if let (Some(c), Some(p)) = (&cur.cross, &prev.cross) {
        let mut columns = c.columns.clone();
        columns.extend(p.columns.iter().filter(|x| !c.columns.contains(x)).cloned());
        let grid = |t: &crate::domain::report::CrossTable| -> BTreeMap<String, Vec<u64>> {
            t.rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let vals = columns
                        .iter()
                        .map(|col| {
                            t.columns
                                .iter()
                                .position(|x| x == col)
                                .and_then(|j| t.cells.get(i).and_then(|row| row.get(j)))
                                .copied()
                                .unwrap_or(0)
                        })
                        .collect();
                    (r.clone(), vals)
                })
                .collect()
        };
        let (gc, gp) = (grid(c), grid(p));
        let mut items = c.rows.clone();
        items.extend(p.rows.iter().filter(|x| !c.rows.contains(x)).cloned());
        let zero = vec![0; columns.len()];
        let rows = items
            .into_iter()
            .map(|i| {
                let a = gc.get(&i).cloned().unwrap_or_else(|| zero.clone());
                let b = gp.get(&i).cloned().unwrap_or_else(|| zero.clone());
                (i, a, b)
            })
            .collect();
        out.push(Section {
            id: "cross".into(),
            title: cat.f(
                "report.section.cross",
                &[
                    ("rows", &cat.t(&format!("report.item.{}", c.rows_by.id()))),
                    (
                        "columns",
                        &cat.t(&format!("report.item.{}", c.columns_by.id())),
                    ),
                ],
            ),
            item_header: cat.t(&format!("report.item.{}", c.rows_by.id())),
            measures: columns.iter().map(|x| (x.clone(), x.clone())).collect(),
            rows,
        });
    }
    let sla = |f: &Figures| -> BTreeMap<String, [u64; 5]> {
        f.sla
            .iter()
            .map(|r| {
                (
                    format!("{} {}", r.kind, r.priority),
                    [
                        r.tickets,
                        r.first_response_targets,
                        r.first_response_met,
                        r.resolution_targets,
                        r.resolution_met,
                    ],
                )
            })
            .collect()
    };
    let (sc, sp) = (sla(cur), sla(prev));
    out.push(section(
        "sla",
        "kind_priority",
        m(&[
            "tickets",
            "first_response_targets",
            "first_response_met",
            "resolution_targets",
            "resolution_met",
        ]),
        paired(sc.keys().cloned().collect(), &sc, &sp),
    ));
    let cons = |f: &Figures| {
        let c = f.consultation;
        vec![
            c.tickets,
            c.answered_within_2h,
            c.responded_same_day,
            c.closed_same_day,
        ]
    };
    out.push(section(
        "consultation",
        "kind",
        m(&[
            "tickets",
            "answered_within_2h",
            "responded_same_day",
            "closed_same_day",
        ]),
        vec![(
            crate::domain::report::CONSULTATION_KIND.to_string(),
            cons(cur),
            cons(prev),
        )],
    ));
    let tiers = |f: &Figures| -> BTreeMap<String, [u64; 1]> {
        f.escalations
            .by_tier
            .iter()
            .map(|(t, n)| (t.to_string(), [*n]))
            .collect()
    };
    let (tc, tp) = (tiers(cur), tiers(prev));
    out.push(section(
        "escalations_by_tier",
        "tier",
        m(&["escalations"]),
        paired(tc.keys().cloned().collect(), &tc, &tp),
    ));
    let vendors = |f: &Figures| -> BTreeMap<String, [u64; 1]> {
        f.escalations
            .to_vendors
            .iter()
            .map(|(g, n)| (g.clone(), [*n]))
            .collect()
    };
    let (vc, vp) = (vendors(cur), vendors(prev));
    out.push(section(
        "escalations_to_vendors",
        "group",
        m(&["escalations"]),
        paired(vc.keys().cloned().collect(), &vc, &vp),
    ));
    for (id, item, c, p) in [
        (
            "top_categories",
            "category",
            &cur.top_categories,
            &prev.top_categories,
        ),
        (
            "top_articles",
            "article",
            &cur.top_articles,
            &prev.top_articles,
        ),
    ] {
        let mut rows = paired(keys(c), &ones(c), &ones(p));
        rows.truncate(c.len().max(1).min(rows.len()));
        out.push(section(id, item, m(&["received"]), rows));
    }
    out
}

/// A report in `fmt`, as `hotro report summary` writes it and the console's Reports screen
/// exports it: every section, under the title naming the period and the previous one (CSV
/// in long form, with a BOM when `bom`; JSON: the report as it is).
///
/// Errors: the format's writer failed.
pub fn report(
    cat: &Catalog,
    report: &Report,
    fmt: Format,
    bom: bool,
) -> Result<Vec<u8>, ExportError> {
    let sections = sections(cat, report);
    let tables: Vec<Table> = sections.iter().map(|s| section_table(cat, s)).collect();
    let title = cat.f(
        "report.summary_title",
        &[
            ("period", &report.current.period.label()),
            ("previous", &report.previous.period.label()),
        ],
    );
    Ok(match fmt {
        Format::Md => markdown(&title, &tables).into_bytes(),
        Format::Csv => csv_sections(cat, &sections, bom)?,
        Format::Xlsx => xlsx(&tables)?,
        Format::Json => crate::inert::to_json(report, true)?.into_bytes(),
    })
}

/// The file a report of `period` is exported to in `fmt`: `hotro-report-2026-11.xlsx`.
pub fn report_file_name(period: &crate::domain::report::ReportPeriod, fmt: Format) -> String {
    format!("hotro-report-{}.{}", period.label(), fmt.extension())
}

/// A section as a table: the item, then each measure for this period and the previous.
pub fn section_table(cat: &Catalog, s: &Section) -> Table {
    let mut headers = vec![s.item_header.clone()];
    for (_, label) in &s.measures {
        headers.push(label.clone());
        headers.push(cat.f("report.previous_of", &[("measure", label)]));
    }
    let rows = s
        .rows
        .iter()
        .map(|(item, c, p)| {
            let mut row = vec![Cell::Text(item.clone())];
            for (a, b) in c.iter().zip(p) {
                row.push(Cell::Count(*a));
                row.push(Cell::Count(*b));
            }
            row
        })
        .collect();
    Table {
        id: s.id.clone(),
        title: s.title.clone(),
        headers,
        rows,
    }
}

/// Tables as Markdown under a title: a heading and a table each.
pub fn markdown(title: &str, tables: &[Table]) -> String {
    let mut out = format!("# {}\n", md_inline(title));
    for t in tables {
        out.push_str(&format!("\n## {}\n\n", md_inline(&t.title)));
        let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
        out.push_str(&line(t.headers.iter().map(|h| md_inline(h)).collect()));
        out.push_str(&line(t.headers.iter().map(|_| "---".to_string()).collect()));
        for r in &t.rows {
            out.push_str(&line(
                r.iter()
                    .map(|c| match c {
                        Cell::Text(s) if s.is_empty() => "—".to_string(),
                        Cell::Text(s) => md_inline(s),
                        Cell::Count(n) => n.to_string(),
                    })
                    .collect(),
            ));
        }
    }
    out
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn csv_writer(bom: bool) -> csv::Writer<Vec<u8>> {
    let start = if bom { BOM.to_vec() } else { Vec::new() };
    csv::WriterBuilder::new().flexible(false).from_writer(start)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ExportError> {
    w.into_inner().map_err(|e| ExportError::Io(e.into_error()))
}

/// One table as CSV: its header row, then its rows; text cells made inert.
pub fn csv_table(t: &Table, bom: bool) -> Result<Vec<u8>, ExportError> {
    let mut w = csv_writer(bom);
    w.write_record(t.headers.iter().map(|h| csv_text(h)))?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| match c {
            Cell::Text(s) => csv_text(s),
            Cell::Count(n) => n.to_string(),
        }))?;
    }
    finish(w)
}

/// A report as one CSV table in long form: section, item, measure, this period, the
/// previous period — one line per figure (stable ASCII ids for section and measure).
pub fn csv_sections(
    cat: &Catalog,
    sections: &[Section],
    bom: bool,
) -> Result<Vec<u8>, ExportError> {
    let mut w = csv_writer(bom);
    w.write_record([
        "section",
        "item",
        "measure",
        &csv_text(&cat.t("report.current")),
        &csv_text(&cat.t("report.previous")),
    ])?;
    for s in sections {
        for (item, c, p) in &s.rows {
            for ((id, _), (a, b)) in s.measures.iter().zip(c.iter().zip(p)) {
                w.write_record([
                    s.id.clone(),
                    csv_text(item),
                    csv_text(id),
                    a.to_string(),
                    b.to_string(),
                ])?;
            }
        }
    }
    finish(w)
}

/// Tables as an `.xlsx` workbook, one sheet per table named by its id (counts as numbers,
/// text made inert).
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut book = Workbook::new();
    let bold = XFormat::new().set_bold();
    for t in tables {
        let sheet = book.add_worksheet();
        let name: String = t.id.chars().take(31).collect();
        sheet.set_name(&name)?;
        for (c, h) in t.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col(c), csv_text(h), &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, col(c), csv_text(s))?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(r, col(c), *n as f64)?;
                    }
                }
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A table's cells as plain text (for a terminal, after [`crate::inert::one_line`]).
pub fn plain_rows(t: &Table) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::inert::one_line(&c.text()))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas_and_can_start_with_a_bom() {
        let t = Table {
            id: "t".into(),
            title: "t".into(),
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec![Cell::Text("=1+2".into()), Cell::Count(3)]],
        };
        let out = csv_table(&t, true).unwrap_or_default();
        assert!(out.starts_with(BOM));
        let text = String::from_utf8_lossy(&out[3..]).into_owned();
        assert_eq!(text, "a,b\n'=1+2,3\n");
    }
}
