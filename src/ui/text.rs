//! Text at the display edge: width-aware truncation and wrapping that never split a
//! grapheme (Vietnamese combining marks, CJK double width). Untrusted text is cleaned of
//! terminal control by [`crate::inert`], shared with the command line, and of grapheme
//! clusters that terminals draw over a different number of cells than ratatui counts (see
//! [`sanitize`]).

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Clean untrusted text for the console: [`crate::inert::sanitize`] (escape sequences,
/// controls, bidi overrides), then every grapheme cluster made of several visible characters
/// — a flag (two regional indicators), an emoji ZWJ sequence — is replaced by characters
/// that each take their own cells. ratatui keeps such a cluster in one wide cell, while
/// terminals draw its characters in cells of their own (a flag as two letters' worth, a
/// family as up to six cells), so the cells a terminal filled are not the cells ratatui
/// erases when the text goes: stale pieces stayed on screen. A flag becomes its two
/// letters (`🇻🇳` → `VN`), any other such cluster its first character.
pub fn sanitize(input: &str) -> String {
    let clean = crate::inert::sanitize(input);
    let visible = |c: char| c.width().unwrap_or(0) > 0;
    if clean
        .graphemes(true)
        .all(|g| g.chars().filter(|c| visible(*c)).count() <= 1)
    {
        return clean;
    }
    let mut out = String::with_capacity(clean.len());
    for g in clean.graphemes(true) {
        if g.chars().filter(|c| visible(*c)).count() <= 1 {
            out.push_str(g);
        } else if g.chars().all(is_regional_indicator) {
            out.extend(
                g.chars()
                    .filter_map(|c| char::from_u32(u32::from(c) - 0x1F1E6 + u32::from('A'))),
            );
        } else if let Some(first) = g.chars().next() {
            out.push(first);
        }
    }
    out
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Width in terminal cells, measured grapheme by grapheme as ratatui lays text out (a
/// flag is one 2-cell cluster, a ZWJ sequence one cluster): padding and cutting then agree
/// with the cells drawn, so no cell of a replaced cluster is left out of the next frame.
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
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

/// Wrap into lines of at most `max` cells, breaking at spaces (a word such as
/// `software-bug` or `HT-2026-000001` stays whole) and between wide characters (CJK text has
/// no spaces and wraps by character); a word longer than a line is broken between graphemes.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for piece in pieces(para) {
            let w = width(piece);
            if used + w <= max {
                line.push_str(piece);
                used += w;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line.clear();
            used = 0;
            // Spaces where a line breaks are the break.
            if piece.chars().all(char::is_whitespace) {
                continue;
            }
            for g in piece.graphemes(true) {
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

/// What a line may be broken between: runs of spaces, runs of other narrow graphemes
/// (words), and each wide grapheme on its own.
fn pieces(para: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum Class {
        Space,
        Narrow,
        Wide,
    }
    let class = |g: &str| {
        if g.chars().all(char::is_whitespace) {
            Class::Space
        } else if width(g) >= 2 {
            Class::Wide
        } else {
            Class::Narrow
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Option<Class> = None;
    for (i, g) in para.grapheme_indices(true) {
        let c = class(g);
        let joins = current
            .as_ref()
            .is_some_and(|p| *p == c && c != Class::Wide);
        if !joins && i > start {
            out.push(&para[start..i]);
            start = i;
        }
        current = Some(c);
    }
    if start < para.len() {
        out.push(&para[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // A flag is one cluster of two cells; padding counts it so.
        assert_eq!(width("🇻🇳"), 2);
        assert_eq!(width(&fit("🇻🇳", 4)), 4);
        assert_eq!(fit("🇻🇳🇻🇳", 3), "🇻🇳…");
    }

    #[test]
    fn clusters_terminals_draw_differently_become_plain_cells() {
        assert_eq!(sanitize("cờ 🇻🇳!"), "cờ VN!");
        assert_eq!(sanitize("👨\u{200d}👩\u{200d}👧 nhà"), "👨 nhà");
        // Vietnamese (combining marks), CJK and single emoji stay as they are.
        let kept = "Tie\u{302}\u{301}ng Việt 网络 🙂";
        assert_eq!(sanitize(kept), kept);
    }

    #[test]
    fn wrapping_breaks_cjk_by_character_and_latin_at_spaces() {
        assert_eq!(wrap("网络故障网络", 4), ["网络", "故障", "网络"]);
        assert_eq!(wrap("đăng nhập được", 10), ["đăng nhập", "được"]);
        for line in wrap("một hai ba bốn năm sáu bảy tám chín mười", 7) {
            assert!(width(&line) <= 7, "{line}");
        }
    }

    #[test]
    fn wrapping_keeps_words_with_hyphens_whole() {
        // Issue 15: the timeline broke `software-bug` after its hyphen.
        assert_eq!(
            wrap("category: — → software-bug", 25),
            ["category: — →", "software-bug"]
        );
        assert_eq!(
            wrap("v3 2026-11-20 10:00 nguyenvanan: ghi chú", 20),
            ["v3 2026-11-20 10:00", "nguyenvanan: ghi chú"]
        );
        // CJK breaks between characters, also after Latin words.
        assert_eq!(wrap("TABMIS网络连接失败", 10), ["TABMIS网络", "连接失败"]);
        // A word longer than a line is broken between graphemes.
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::inert::properties::hostile;
    use proptest::prelude::*;

    proptest! {
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
