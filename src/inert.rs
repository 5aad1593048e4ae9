//! Untrusted text made inert wherever hotro shows it. Titles, descriptions, replies, notes,
//! requester details, announcement texts and probe answers are typed or pasted by people
//! and processes we do not control (and the database file can be written by anything), so
//! they may hold terminal escape sequences, control characters, bidi overrides, line breaks
//! that forge lines of a listing, Markdown structure or spreadsheet formulas. The database
//! keeps the original; this module decides what reaches each kind of output, one function
//! per rule, for the console and the command line alike:
//!
//! | output | function |
//! |---|---|
//! | terminal, a block of text (description, resolution) | [`sanitize`] |
//! | terminal, a field inside a line or a table (title, requester, unit, note, …) | [`one_line`] |
//! | JSON (`--json`, `kb export`) | [`write_json`] / [`JsonFormatter`] |
//! | Markdown (forms, the morning-check report) | [`md_inline`], [`md_block`] |
//! | CSV (the morning-check report) | [`csv_field`] |

use serde::Serialize;
use std::io;

/// The glyph [`one_line`] shows where the text had a line break.
pub const LINE_BREAK_MARK: char = '⏎';

/// Clean untrusted text for the terminal: whole escape sequences (CSI, OSC, DCS, SOS, PM,
/// APC, and two-byte ESC sequences) removed, other C0/C1 controls and bidi overrides removed,
/// tabs expanded to spaces. Newlines are kept. The database keeps the original.
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    let mut column = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // 8-bit introducers of the same strings.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' => {
                out.push('\n');
                column = 0;
            }
            '\t' => {
                let n = 4 - column % 4;
                out.extend(std::iter::repeat_n(' ', n));
                column += n;
            }
            c if c.is_control() => {}
            c if is_bidi_control(c) => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// Bidi embeddings, overrides, isolates and marks: they can reorder what the reader sees
/// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// Clean untrusted text for one field inside a line or a table row (`ticket list`, the
/// fields of `ticket show`, a timeline line): what [`sanitize`] does, and every line break
/// (`\n`, `\r\n`, `\r`, vertical tab, form feed, NEL, U+2028, U+2029) shown as
/// [`LINE_BREAK_MARK`] (`⏎`) and every tab as one space, so stored text can never start a
/// line of its own.
pub fn one_line(input: &str) -> String {
    let mut unified = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                unified.push('\n');
            }
            '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => unified.push('\n'),
            '\t' => unified.push(' '),
            c => unified.push(c),
        }
    }
    sanitize(&unified).replace('\n', &LINE_BREAK_MARK.to_string())
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // ESC followed by intermediates then a final byte (e.g. ESC ( B).
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&n) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&n) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates up to a final byte in `@`..`~`.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            break; // malformed: stop swallowing at the first non-parameter character
        }
    }
}

/// OSC/DCS/SOS/PM/APC strings end at BEL, ST (ESC \) or the 8-bit ST.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Whether JSON output writes `c` as a `\uXXXX` escape: DEL, C1 controls, bidi controls and
/// the line and paragraph separators. (serde_json already escapes C0 and `"`/`\`.)
fn json_escapes(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// A serde_json [`Formatter`](serde_json::ser::Formatter) that writes like `F` (pretty or
/// compact) and also escapes, inside strings and keys, every character serde_json leaves
/// raw that a terminal or a reader could act on: DEL and C1 (`\u007f`–`\u009f`), the bidi
/// controls and U+2028/U+2029 (`\uXXXX`). C0 controls are escaped by serde_json itself. The
/// output is still valid JSON and parses back to the same strings.
pub struct JsonFormatter<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if json_escapes(c) {
                self.0.write_string_fragment(writer, &fragment[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        self.0.write_string_fragment(writer, &fragment[start..])
    }

    // What pretty printing changes; everything else is serde_json's default for both.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Write `value` as JSON through [`JsonFormatter`]: indented when `pretty`, else on one
/// line (JSON Lines). No newline is added.
pub fn write_json<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
    pretty: bool,
) -> serde_json::Result<()> {
    if pretty {
        let f = JsonFormatter(serde_json::ser::PrettyFormatter::new());
        value.serialize(&mut serde_json::Serializer::with_formatter(writer, f))
    } else {
        let f = JsonFormatter(serde_json::ser::CompactFormatter);
        value.serialize(&mut serde_json::Serializer::with_formatter(writer, f))
    }
}

/// `value` as JSON text, as [`write_json`] writes it.
pub fn to_json<T: ?Sized + Serialize>(value: &T, pretty: bool) -> serde_json::Result<String> {
    let mut out = Vec::new();
    write_json(&mut out, value, pretty)?;
    // The serializer writes only whole UTF-8 strings and ASCII.
    String::from_utf8(out).map_err(|e| serde_json::Error::io(io::Error::other(e)))
}

/// Characters that could start Markdown or HTML structure anywhere in a line: escapes,
/// emphasis, code, links and images, HTML tags and entities, tables, headings,
/// strikethrough. Each is written with a backslash before it (CommonMark lets any ASCII
/// punctuation be escaped that way), except an underscore inside a word, which CommonMark
/// never reads as emphasis.
fn md_special(c: char) -> bool {
    matches!(
        c,
        '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!'
    )
}

fn md_escape_into(out: &mut String, line: &str) {
    let chars: Vec<char> = line.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // An underscore inside a word (`repair_form`) never starts emphasis: left as it is.
        let inside_word = c == '_'
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if md_special(c) && !inside_word {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Stored text inside one Markdown line or table cell: [`one_line`], then every character
/// that could start Markdown or HTML structure escaped with a backslash, so the text shows
/// as written and cannot add a heading, link, image, table cell, HTML or code span.
pub fn md_inline(input: &str) -> String {
    let line = one_line(input);
    let mut out = String::with_capacity(line.len() + 8);
    md_escape_into(&mut out, &line);
    out
}

/// Stored text as a block of Markdown paragraphs (a description, a resolution):
/// [`sanitize`] (its line breaks kept), each line escaped as [`md_inline`] does, and what
/// would make a line a block of its own (a list item `-`/`+`/`1.`, a setext underline `=`,
/// a quote `>`, a heading `#`) escaped too.
pub fn md_block(input: &str) -> String {
    let clean = sanitize(input);
    let mut out = String::with_capacity(clean.len() + 16);
    for (i, line) in clean.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start();
        out.push_str(&line[..line.len() - body.len()]);
        let digits = body.chars().take_while(char::is_ascii_digit).count();
        if body.starts_with(['-', '+', '=']) {
            out.push('\\');
        } else if digits > 0 && body[digits..].starts_with(['.', ')']) {
            out.push_str(&body[..digits]);
            out.push('\\');
            md_escape_into(&mut out, &body[digits..]);
            continue;
        }
        md_escape_into(&mut out, body);
    }
    out
}

/// A spreadsheet cell's text made inert, unquoted (for a CSV writer that quotes, or an
/// .xlsx cell): terminal controls removed as [`sanitize`] does (line breaks kept), and a
/// text a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, also after leading spaces) given a leading `'`.
pub fn csv_text(input: &str) -> String {
    let clean = sanitize(input);
    let formula =
        input.starts_with(['\t', '\r']) || clean.trim_start().starts_with(['=', '+', '-', '@']);
    if formula { format!("'{clean}") } else { clean }
}

/// A CSV field per RFC 4180, made inert: terminal controls removed as [`sanitize`] does
/// (line breaks kept), a field a spreadsheet would take for a formula (one starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return, also after leading spaces) written with a
/// leading `'`, and a field holding a comma, a quote or a line break quoted with its quotes
/// doubled.
pub fn csv_field(input: &str) -> String {
    let field = csv_text(input);
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\u{1b}]0;evil\u{7}b\u{1b}[2Jc\u{1b}[6nd\u{9b}31me\u{202e}f\u{0}g";

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let hostile = "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[2Jc\u{1b}[31md\u{202e}e\u{0}f\u{1b}P1$r\u{1b}\\g\u{9b}1;2Hh";
        assert_eq!(sanitize(hostile), "abcdefgh");
        assert_eq!(sanitize(HOSTILE), "abcdefg");
    }

    #[test]
    fn tabs_expand_and_newlines_stay() {
        assert_eq!(sanitize("a\tb\nc"), "a   b\nc");
    }

    #[test]
    fn vietnamese_and_chinese_are_untouched() {
        let s = "Không đăng nhập được 网络故障";
        assert_eq!(sanitize(s), s);
        assert_eq!(one_line(s), s);
    }

    #[test]
    fn one_line_marks_every_line_break() {
        assert_eq!(one_line("a\nb"), "a⏎b");
        assert_eq!(one_line("a\r\nb\rc"), "a⏎b⏎c");
        assert_eq!(
            one_line("a\u{b}b\u{c}c\u{85}d\u{2028}e\u{2029}f"),
            "a⏎b⏎c⏎d⏎e⏎f"
        );
        assert_eq!(one_line("a\tb"), "a b");
        assert_eq!(one_line(HOSTILE), "abcdefg");
        assert_eq!(one_line("x\u{1b}[2J\ny"), "x⏎y");
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw() {
        let s = "a\u{1b}[2J\u{7}\u{7f}\u{85}\u{9b}\u{202e}\u{2066}\u{200f}\u{61c}\u{2028}đ网\n";
        let json = to_json(&serde_json::json!({ "k\u{9b}": s }), false).unwrap();
        assert_eq!(
            json,
            r#"{"k\u009b":"a\u001b[2J\u0007\u007f\u0085\u009b\u202e\u2066\u200f\u061c\u2028đ网\n"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["k\u{9b}"], s);
        // Pretty output keeps its layout.
        let pretty = to_json(&serde_json::json!({ "a": [1, "\u{85}"] }), true).unwrap();
        assert_eq!(pretty, "{\n  \"a\": [\n    1,\n    \"\\u0085\"\n  ]\n}");
    }

    #[test]
    fn markdown_structure_is_escaped() {
        assert_eq!(md_inline("a|b"), "a\\|b");
        assert_eq!(
            md_inline("# [x](http://e) <b>*y*</b> `z` ![i](j) &#x202E;"),
            "\\# \\[x\\](http://e) \\<b\\>\\*y\\*\\</b\\> \\`z\\` \\!\\[i\\](j) \\&\\#x202E;"
        );
        assert_eq!(md_inline("a\nb"), "a⏎b");
        assert_eq!(
            md_inline("repair_form _x_ a_ _b"),
            "repair_form \\_x\\_ a\\_ \\_b"
        );
        assert_eq!(
            md_block("# H\n- item\n1. one\n===\n> q\nplain\n  + x"),
            "\\# H\n\\- item\n1\\. one\n\\===\n\\> q\nplain\n  \\+ x"
        );
        assert_eq!(md_block("a\u{1b}[2Jb"), "ab");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("  =1"), "'  =1");
        assert_eq!(csv_field("\t=1"), "'    =1");
        assert_eq!(csv_field("\u{1b}[2J=1"), "'=1");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
        assert_eq!(csv_field("a\u{7}b"), "ab");
    }
}

#[cfg(test)]
pub(crate) mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Strings rich in what terminals react to: escapes, controls, bidi marks, line
    /// separators, Markdown and CSV punctuation, CJK and Vietnamese with combining marks.
    pub(crate) fn hostile() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "\u{1b}",
            "[",
            "]",
            "52;c;",
            "\u{7}",
            "\u{1b}\\",
            "2J",
            "\u{9b}",
            "\u{90}",
            "\u{9c}",
            "\u{85}",
            "\u{202e}",
            "\u{2066}",
            "\u{200f}",
            "\u{2028}",
            "\t",
            "\n",
            "\r",
            "\u{0}",
            "\u{7f}",
            "a",
            "đ",
            "e\u{302}\u{301}",
            "网络",
            " ",
            "P",
            "m",
            ";",
            "|",
            "#",
            "=",
            "\"",
            ",",
            "-",
        ]);
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
    }

    fn terminal_safe(s: &str, newline_ok: bool) -> Result<(), TestCaseError> {
        for c in s.chars() {
            prop_assert!(
                (newline_ok && c == '\n') || !c.is_control(),
                "control {:?} in {:?}",
                c,
                s
            );
            prop_assert!(!is_bidi_control(c), "bidi mark {:?} in {:?}", c, s);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn sanitized_text_holds_no_terminal_controls(s in hostile()) {
            terminal_safe(&sanitize(&s), true)?;
        }

        #[test]
        fn one_line_text_holds_no_controls_and_no_line_breaks(s in hostile()) {
            let line = one_line(&s);
            terminal_safe(&line, false)?;
            let separator = line.contains(['\u{2028}', '\u{2029}']);
            prop_assert!(!separator, "line separator in {:?}", line);
            prop_assert_eq!(one_line(&line), line.clone());
            prop_assert_eq!(sanitize(&line), line);
        }

        #[test]
        fn sanitizing_twice_changes_nothing(s in hostile()) {
            let once = sanitize(&s);
            prop_assert_eq!(sanitize(&once), once);
        }

        #[test]
        fn plain_text_passes_unchanged(s in "[a-zA-Zđăâêôơư àáảãạ网络故障0-9.,]{0,80}") {
            prop_assert_eq!(sanitize(&s), s.clone());
            prop_assert_eq!(one_line(&s), s);
        }

        #[test]
        fn json_is_valid_free_of_raw_controls_and_round_trips(s in hostile()) {
            for pretty in [false, true] {
                let json = to_json(&serde_json::json!({ s.clone(): [s.clone()] }), pretty).unwrap();
                for c in json.chars() {
                    prop_assert!(!c.is_control() || (pretty && c == '\n'), "{:?} in {}", c, json);
                    prop_assert!(!json_escapes(c) && !is_bidi_control(c), "{:?} in {}", c, json);
                }
                let back: serde_json::Value = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back[&s][0], &serde_json::Value::String(s.clone()));
            }
        }

        #[test]
        fn markdown_and_csv_are_terminal_safe(s in hostile()) {
            terminal_safe(&md_inline(&s), false)?;
            prop_assert!(!md_inline(&s).contains('\n'));
            terminal_safe(&md_block(&s), true)?;
            let field = csv_field(&s);
            terminal_safe(&field, true)?;
            prop_assert!(!field.starts_with(['=', '+', '-', '@']));
        }
    }
}
