//! Every message id the code asks the catalog for exists in every catalog (vi, en, zh), so no
//! screen or command ever shows a raw id such as `field.field`.
//!
//! The sources under `src/` are read as text and their string literals found (comments
//! skipped). Three kinds of id are checked:
//! - literals passed straight to the catalog (`cat.t("kb.created")`, `cat.f(\n "…", …)`,
//!   `cat.has("…")`);
//! - literals that look like ids of a catalog namespace (`"flash.saved"` in a table of labels,
//!   a `match` arm, an `if … { "a" } else { "b" }` argument): the first segment is one of the
//!   catalogs' (`flash`, `popup`, …); a few such literals are not messages (configuration key
//!   paths, file names) and are listed in [`NOT_MESSAGES`];
//! - ids built with `format!("prefix.{…}")`: each such template must be in [`templates`], which
//!   enumerates its values from the code that builds them (enum variants, constant lists, the
//!   field names the domain passes). A new template fails until it is taught here.
//!
//! The clap command's help ids (`cli.…`, built from the command definitions) are checked
//! through [`hotro::cli::args::required_ids`].
#![allow(clippy::unwrap_used)]

use hotro::i18n::{Catalog, Lang};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Dotted literals of a catalog namespace that are not message ids.
const NOT_MESSAGES: &[(&str, &str)] = &[
    (
        "calendar.holidays.date",
        "configuration key path (src/config.rs)",
    ),
    ("calendar.makeup_days.date", "configuration key path"),
    ("calendar.makeup_hours", "configuration key path"),
    ("sla.at_risk", "configuration key path"),
    ("sla.pause_in", "configuration key path"),
    ("sla.auto_close_after", "configuration key path"),
    ("sla.rules.action", "configuration key path"),
    ("sla.rules.clock", "configuration key path"),
    ("sla.rules.id", "configuration key path"),
    ("sla.rules.priorities", "configuration key path"),
    ("sla.rules.when", "configuration key path"),
    ("sla.targets.first_response", "configuration key path"),
    ("sla.targets.kind", "configuration key path"),
    ("sla.targets.priority", "configuration key path"),
    ("sla.targets.resolution", "configuration key path"),
    ("mail.intake_operator", "configuration key path"),
    ("mail.max_size", "configuration key path"),
    ("mail.rate_limit_per_hour", "configuration key path"),
    ("mail.channel", "configuration key path"),
    ("mail.senders.address", "configuration key path"),
    ("mail.senders.unit", "configuration key path"),
    ("mail.from", "configuration key path"),
    ("mail.smtp.url", "configuration key path"),
    ("mail.imap.url", "configuration key path"),
    ("mail.imap.user", "configuration key path"),
    ("mail.imap.move_to", "configuration key path"),
    ("mail.kbnn.example", "a host name in a configuration test"),
    ("mail.templates", "configuration key path"),
    ("demo.db", "file name"),
    ("progress.json", "file name"),
    ("no.such.message", "the i18n unit test of a missing id"),
];

/// `format!` templates of a catalog namespace that are not message ids.
const NOT_MESSAGE_TEMPLATES: &[(&str, &str)] = &[(
    "calendar.hours.{day}",
    "configuration key path (src/config.rs)",
)];

/// `format!` templates of help ids, built from the clap command: checked by
/// [`every_command_line_help_id_is_in_every_catalog`].
const CLAP_TEMPLATES: &[&str] = &[
    "{path}.about",
    "{path}.{id}",
    "{path}.{name}",
    "{path}.{}",
    "cli.global.{id}",
];

/// One string literal of a source file: its text, the code before it and the code after it
/// (comments removed, other literals kept as `""`).
struct Literal {
    file: String,
    line: usize,
    text: String,
    before: String,
    after: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of a Rust source, with the code around each (a small lexer: line and
/// block comments, plain, byte and raw strings, char literals and lifetimes).
fn literals(file: &str, src: &str) -> Vec<Literal> {
    let chars: Vec<char> = src.chars().collect();
    // The code with comments removed and each literal replaced by a marker.
    let mut code = String::new();
    let mut found: Vec<(usize, usize, String)> = Vec::new(); // (offset in code, line, text)
    let mut line = 1;
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            code.push(c);
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < n {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !prev_is_ident(&chars, i)
            && raw_start(&chars, i + 1).is_some()
        {
            let (hashes, start) = raw_start(&chars, i + 1).unwrap_or((0, i + 2));
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = chars[start..].iter().collect();
            let len = rest.find(&closing).unwrap_or(rest.len());
            let text: String = rest.chars().take(len).collect();
            line += text.matches('\n').count();
            found.push((code.len(), line, text.clone()));
            code.push_str("\"\"");
            i = start + text.chars().count() + closing.chars().count();
        } else if c == '"' {
            let start_line = line;
            let mut text = String::new();
            i += 1;
            while i < n && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < n {
                    text.push(chars[i]);
                    text.push(chars[i + 1]);
                    if chars[i + 1] == '\n' {
                        line += 1;
                    }
                    i += 2;
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            found.push((code.len(), start_line, text));
            code.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F1FB}', '"') or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < n && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                code.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                code.push_str("' '");
            } else {
                code.push(c);
                i += 1;
            }
        } else {
            code.push(c);
            i += 1;
        }
    }
    found
        .into_iter()
        .map(|(at, line, text)| {
            let before: String = code[..at].chars().rev().take(300).collect();
            let after: String = code[at + 2..].chars().take(40).collect();
            Literal {
                file: file.to_string(),
                line,
                text,
                before: before.chars().rev().collect(),
                after,
            }
        })
        .collect()
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// After the `r` of a raw string: the number of `#` and where the text starts.
fn raw_start(chars: &[char], mut i: usize) -> Option<(usize, usize)> {
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    (chars.get(i) == Some(&'"')).then_some((hashes, i + 1))
}

fn all_literals() -> Vec<Literal> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {} source files", files.len());
    let mut out = Vec::new();
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        out.extend(literals(&name, &src));
    }
    out
}

/// Whether `text` has the shape of a dotted message id (`ticket.created`).
fn id_shaped(text: &str) -> bool {
    let mut parts = text.split('.');
    let first_ok = parts
        .next()
        .and_then(|p| p.chars().next())
        .is_some_and(|c| c.is_ascii_lowercase());
    first_ok
        && text.contains('.')
        && text.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// Whether the code right before a literal passes it to the catalog: `.t(`, `.f(`, `.has(`.
fn in_catalog_call(before: &str, with_ref: bool) -> bool {
    let trimmed = before.trim_end();
    let trimmed = if with_ref {
        match trimmed.strip_suffix('&') {
            Some(t) => t.trim_end(),
            None => return false,
        }
    } else {
        trimmed
    };
    [".t(", ".f(", ".has("]
        .iter()
        .any(|call| trimmed.ends_with(call))
}

/// The first segments of every catalog id (`flash`, `popup`, …).
fn namespaces() -> BTreeSet<String> {
    Catalog::ids(Lang::En)
        .iter()
        .filter_map(|id| id.split('.').next().map(str::to_string))
        .collect()
}

/// The field names the domain puts into `DomainError::{Empty, TooLong, Unknown}` (shown as
/// `field.<name>`, spaces as `_`): the literal first argument of its checking helpers, the
/// second of `known_level`, and `field:`/`what:` in the errors it builds.
fn domain_field_names(lits: &[Literal]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for l in lits {
        let before = l.before.trim_end();
        let first_arg = ["check_text(", "check_line(", "optional_line(", "unknown("]
            .iter()
            .any(|f| before.ends_with(f) && !before.ends_with(&format!("_{f}")));
        let struct_field = (before.ends_with("field:") || before.ends_with("what:"))
            // A `&'static str` field (not the `String` of an audit record: `.into()`).
            && l.after.trim_start().starts_with([',', '}']);
        let level = before.rsplit_once("known_level(").is_some_and(|(_, args)| {
            !args.contains([';', '{', '}']) && args.trim_end().ends_with(',')
        });
        if first_arg || struct_field || level {
            names.insert(l.text.replace(' ', "_"));
        }
    }
    names
}

/// Every `format!` template the code builds message ids with, and the values of its one
/// placeholder, enumerated from the code that builds them.
fn templates(lits: &[Literal]) -> BTreeMap<&'static str, Vec<String>> {
    use hotro::domain::check::{CheckResult, Phase};
    use hotro::domain::sla::ClockState;
    use hotro::domain::status::Status;
    use hotro::ui::keymap::{Action, Context};
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let statuses: Vec<String> = Status::ALL.iter().map(|s| s.as_str().into()).collect();
    let actions: Vec<String> = Action::ALL.iter().map(|a| a.name().into()).collect();
    let contexts: Vec<String> = Context::ALL.iter().map(|c| c.name().into()).collect();
    let results: Vec<String> = CheckResult::ALL.iter().map(|r| r.as_str().into()).collect();
    let phases: Vec<String> = Phase::ALL.iter().map(|p| p.as_str().into()).collect();
    let clock_states: Vec<String> = ClockState::ALL
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // The two clocks of a ticket's SLA (`Sla { first_response, resolution }`).
    let clocks = strings(&["first_response", "resolution"]);
    let fields: Vec<String> = domain_field_names(lits).into_iter().collect();
    let mut t = BTreeMap::new();
    t.insert("status.{}", statuses);
    t.insert("action.{}", actions);
    t.insert("context.{}", contexts);
    t.insert("check.result.{}", results);
    t.insert("ui.check_phase.{}", phases);
    t.insert("sla.state.{}", clock_states.clone());
    t.insert("sla.state.{state}", clock_states);
    t.insert("sla.{}", clocks.clone());
    t.insert("sla.{which}", clocks.clone());
    t.insert("sla.{clock}", clocks);
    // `hotro sla tick`: "applied" and "unchanged" have words; anything else is a refusal.
    t.insert("sla.outcome.{}", strings(&["applied", "unchanged"]));
    // Software requirements' stages and their publication's outcomes (issue 16).
    t.insert(
        "req.stage.{}",
        hotro::domain::requirement::Stage::ALL
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    t.insert(
        "req.step.{action}",
        hotro::domain::requirement::ReqStep::ALL
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    t.insert(
        "req.column.{c}",
        hotro::cli::req::PUBLICATION_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect(),
    );
    t.insert(
        "req.outcome.{}",
        hotro::domain::requirement::Outcome::ALL
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    // Search results are articles or tickets.
    t.insert("kb.kind_{}", strings(&["article", "ticket"]));
    t.insert(
        "kb.status.{status}",
        hotro::domain::kb::STATUSES
            .iter()
            .map(|s| s.to_string())
            .collect(),
    );
    // A classification's changed fields in the timeline (`FieldChange::field`: what
    // `apply_to`'s `set(…)` and the priority it derives name).
    t.insert(
        "field.{field}",
        strings(&[
            "kind",
            "category",
            "application",
            "impact",
            "urgency",
            "priority",
        ]),
    );
    t.insert("field.{}", fields.clone());
    t.insert("field.{what}", fields);
    // Reports for the leaders (issue 13): sections, measures, item headers, user-error columns.
    let measures = strings(hotro::export::MEASURES);
    t.insert("report.measure.{id}", measures.clone());
    t.insert("report.measure.{}", measures);
    t.insert("report.section.{id}", strings(hotro::export::SECTIONS));
    let mut items = strings(hotro::export::ITEMS);
    items.extend(
        hotro::domain::report::Dimension::ALL
            .iter()
            .map(|d| d.id().to_string()),
    );
    t.insert("report.item.{item}", items.clone());
    t.insert("report.item.{}", items);
    t.insert(
        "change.col.{id}",
        strings(&hotro::cli::report::CHANGE_COLUMNS),
    );
    t.insert(
        "change.outcome.{}",
        hotro::domain::change::Outcome::ALL
            .iter()
            .map(|o| o.as_str().to_string())
            .collect(),
    );
    t.insert(
        "mail.outcome.{outcome}",
        strings(&hotro::domain::mail::OUTCOMES),
    );
    t.insert(
        "mail.delivery.{}",
        hotro::domain::outbox::Standing::ALL
            .iter()
            .map(|d| d.as_str().to_string())
            .collect(),
    );
    t.insert(
        "report.user_error.{id}",
        strings(&hotro::cli::report::USER_ERROR_COLUMNS),
    );
    t
}

/// Every id the code uses, with where (file:line) for the failure message.
fn used_ids() -> BTreeMap<String, String> {
    let lits = all_literals();
    let spaces = namespaces();
    let not_messages: BTreeSet<&str> = NOT_MESSAGES.iter().map(|(id, _)| *id).collect();
    let not_templates: BTreeSet<&str> = NOT_MESSAGE_TEMPLATES.iter().map(|(t, _)| *t).collect();
    let templates = templates(&lits);
    let mut used = BTreeMap::new();
    let mut unknown_templates = Vec::new();
    for l in &lits {
        let place = format!("{}:{}", l.file, l.line);
        let namespace = l
            .text
            .split(['.', '{'])
            .next()
            .filter(|ns| spaces.contains(*ns));
        let called = in_catalog_call(&l.before, false);
        if not_messages.contains(l.text.as_str()) {
            continue;
        }
        if id_shaped(&l.text) && (called || namespace.is_some()) {
            used.entry(l.text.clone()).or_insert(place);
        } else if called && !l.text.is_empty() {
            // Not shaped like an id, yet asked for: it must be in the catalogs too.
            used.entry(l.text.clone()).or_insert(place);
        } else if l.before.trim_end().ends_with("format!(") && l.text.contains('{') {
            let built_for_catalog = l.before.trim_end()[..l.before.trim_end().len() - 8]
                .trim_end()
                .ends_with('&')
                && in_catalog_call(&l.before.trim_end()[..l.before.trim_end().len() - 8], true);
            if !(built_for_catalog || namespace.is_some())
                || not_templates.contains(l.text.as_str())
                || CLAP_TEMPLATES.contains(&l.text.as_str())
            {
                continue;
            }
            let Some(values) = templates.get(l.text.as_str()) else {
                unknown_templates.push(format!("{place}: {}", l.text));
                continue;
            };
            assert!(!values.is_empty(), "{place}: no values for {}", l.text);
            let (prefix, rest) = l.text.split_once('{').unwrap();
            let (_, suffix) = rest.split_once('}').unwrap();
            for v in values {
                used.entry(format!("{prefix}{v}{suffix}"))
                    .or_insert_with(|| format!("{place} ({})", l.text));
            }
        }
    }
    assert!(
        unknown_templates.is_empty(),
        "message ids built with format! whose values this test does not know; add them to \
         `templates`: {unknown_templates:#?}"
    );
    used
}

#[test]
fn every_message_id_used_in_code_is_in_every_catalog() {
    let used = used_ids();
    assert!(
        used.len() > 400,
        "found only {} ids in the code",
        used.len()
    );
    let mut missing = Vec::new();
    for lang in Lang::ALL {
        let cat = Catalog::new(lang);
        for (id, place) in &used {
            if !cat.has(id) {
                missing.push(format!("{}: {id} (used at {place})", lang.code()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing messages:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_finds_each_kind_of_use() {
    let used = used_ids();
    for (id, why) in [
        ("ticket.created", "a literal passed to cat.f"),
        ("ui.queues", "a literal passed to app.cat.t"),
        ("field.step_field", "a field name the domain checks"),
        ("field.requester_name", "a field name with a space"),
        ("action.quit", "an Action variant"),
        ("ui.check_phase.past_deadline", "a Phase variant"),
        ("sla.state.breached", "a ClockState variant"),
        ("kb.status.retired", "a constant list"),
    ] {
        assert!(used.contains_key(id), "{id} ({why}) not found by the scan");
    }
    // The literals this test does not count as messages are still in the code.
    let lits: BTreeSet<String> = all_literals().into_iter().map(|l| l.text).collect();
    for (text, why) in NOT_MESSAGES.iter().chain(NOT_MESSAGE_TEMPLATES) {
        assert!(
            lits.contains(*text),
            "`{text}` ({why}) is no longer in src/: remove it here"
        );
    }
}

#[test]
fn the_lexer_skips_comments_and_char_literals() {
    let src = "// cat.t(\"in.comment\")\nlet q = '\"'; /* \"block.comment\" */ cat.t(\"real.id\"); x.f(r#\"raw.id\"#, 'a');\nfn f<'a>() { cat.f(\n  \"next.line\", &[]) }";
    let found: Vec<(String, bool)> = literals("x.rs", src)
        .into_iter()
        .map(|l| (l.text.clone(), in_catalog_call(&l.before, false)))
        .collect();
    assert_eq!(
        found,
        vec![
            ("real.id".to_string(), true),
            ("raw.id".to_string(), true),
            ("next.line".to_string(), true),
        ]
    );
}
