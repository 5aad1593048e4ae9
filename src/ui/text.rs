//! Text at the display edge: untrusted text cleaned of terminal control, and width-aware
//! truncation that never splits a grapheme (Vietnamese combining marks, CJK double width).

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

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
            // Bidi embeddings, overrides and isolates can reorder what the operator reads.
            '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}' => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
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

/// Width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `max` cells, ending in `…` when cut; never splits a grapheme.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut or padded with spaces to exactly `cells` cells.
pub fn fit(s: &str, cells: usize) -> String {
    let mut t = truncate(s, cells);
    let w = width(&t);
    t.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    t
}

/// Wrap into lines of at most `max` cells, breaking at spaces where possible and anywhere
/// between graphemes otherwise (CJK text has no spaces and wraps by character).
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in para.split_word_bounds() {
            let w = width(word);
            if used + w <= max {
                line.push_str(word);
                used += w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                used = 0;
            }
            let word = if used == 0 { word.trim_start() } else { word };
            for g in word.graphemes(true) {
                let gw = width(g);
                if used + gw > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push_str(g);
                used += gw;
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed() {
        let hostile = "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[2Jc\u{1b}[31md\u{202e}e\u{0}f\u{1b}P1$r\u{1b}\\g\u{9b}1;2Hh";
        assert_eq!(sanitize(hostile), "abcdefgh");
    }

    #[test]
    fn tabs_expand_and_newlines_stay() {
        assert_eq!(sanitize("a\tb\nc"), "a   b\nc");
    }

    #[test]
    fn vietnamese_and_chinese_are_untouched() {
        let s = "Không đăng nhập được 网络故障";
        assert_eq!(sanitize(s), s);
    }

    #[test]
    fn truncation_counts_cells_and_keeps_graphemes() {
        assert_eq!(truncate("网络故障", 5), "网络…");
        assert_eq!(width(&truncate("网络故障", 5)), 5);
        // A decomposed letter with two combining marks stays whole.
        let decomposed = "e\u{302}\u{301}xyz";
        assert_eq!(truncate(decomposed, 3), "e\u{302}\u{301}x…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(width(&fit("网络故障", 5)), 5);
    }

    #[test]
    fn wrapping_breaks_cjk_by_character_and_latin_at_spaces() {
        assert_eq!(wrap("网络故障网络", 4), ["网络", "故障", "网络"]);
        assert_eq!(wrap("đăng nhập được", 10), ["đăng nhập", "được"]);
        for line in wrap("một hai ba bốn năm sáu bảy tám chín mười", 7) {
            assert!(width(&line) <= 7, "{line}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Strings rich in what terminals react to: escapes, controls, bidi marks, CJK and
    /// Vietnamese with combining marks.
    fn hostile() -> impl Strategy<Value = String> {
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
            "\u{202e}",
            "\u{2066}",
            "\u{200f}",
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
        ]);
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn sanitized_text_holds_no_terminal_controls(s in hostile()) {
            let clean = sanitize(&s);
            for c in clean.chars() {
                prop_assert!(c == '\n' || !c.is_control(), "control {:?} in {:?}", c, clean);
                let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
                prop_assert!(!bidi, "bidi mark {:?} in {:?}", c, clean);
            }
        }

        #[test]
        fn sanitizing_twice_changes_nothing(s in hostile()) {
            let once = sanitize(&s);
            prop_assert_eq!(sanitize(&once), once);
        }

        #[test]
        fn plain_text_passes_unchanged(s in "[a-zA-Zđăâêôơư àáảãạ网络故障0-9.,]{0,80}") {
            prop_assert_eq!(sanitize(&s), s);
        }

        #[test]
        fn truncation_fits_and_keeps_whole_graphemes(s in hostile(), max in 0usize..40) {
            let clean = sanitize(&s).replace('\n', " ");
            let cut = truncate(&clean, max);
            prop_assert!(width(&cut) <= max);
            let body = cut.strip_suffix('…').unwrap_or(&cut);
            prop_assert!(clean.starts_with(body));
        }
    }
}
