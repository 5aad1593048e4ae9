//! The display sanitizer and width-aware helpers of `hotro::ui::text`.
//!
//! Input: first byte = width in cells, the rest = text (invalid UTF-8 replaced by U+FFFD).
//! Widths are measured with unicode-width directly, not with hotro's own `width`.
#![no_main]

use hotro::ui::text::{fit, sanitize, truncate, width, wrap};
use libfuzzer_sys::fuzz_target;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

fn cells(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let max = w as usize;
    let input = String::from_utf8_lossy(rest);

    let clean = sanitize(&input);
    for c in clean.chars() {
        assert!(c != '\u{1b}', "ESC left in {clean:?} from {input:?}");
        assert!(
            c == '\n' || !c.is_control(),
            "control {c:?} left in {clean:?} from {input:?}"
        );
        assert!(!is_bidi_control(c), "bidi control {c:?} left in {clean:?}");
    }
    assert_eq!(sanitize(&clean), clean, "sanitize is not idempotent on {input:?}");
    // Text without controls and tabs passes unchanged.
    if !input.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        assert_eq!(clean, input, "plain text changed");
    }
    assert_eq!(width(&clean), cells(&clean));

    // What the UI does: sanitize, then fit one line.
    let line = clean.replace('\n', " ");
    let cut = truncate(&line, max);
    assert!(
        cells(&cut) <= max,
        "truncate({line:?}, {max}) = {cut:?} is {} cells",
        cells(&cut)
    );
    if cells(&line) <= max {
        assert_eq!(cut, line, "text that fits was cut");
    } else {
        let body = cut.strip_suffix('…').unwrap_or(&cut);
        assert!(line.starts_with(body), "truncate is not a prefix: {cut:?} of {line:?}");
        // Whole graphemes only: the kept part ends on a grapheme boundary of the original.
        let boundary = line
            .grapheme_indices(true)
            .map(|(i, _)| i)
            .chain(std::iter::once(line.len()))
            .any(|i| i == body.len());
        assert!(boundary, "truncate split a grapheme: {cut:?} of {line:?}");
    }
    let fitted = fit(&line, max);
    assert_eq!(
        cells(&fitted),
        max,
        "fit({line:?}, {max}) = {fitted:?} is {} cells",
        cells(&fitted)
    );

    // Sanitized text with its newlines: truncate must still not exceed the width.
    let cut = truncate(&clean, max);
    assert!(cells(&cut) <= max, "truncate({clean:?}, {max}) = {cut:?} too wide");

    // wrap: every line within the width (or a single grapheme wider than it), and no
    // visible text lost or reordered.
    let lines = wrap(&clean, max);
    for l in &lines {
        assert!(!l.contains('\n'));
        let lw = cells(l);
        assert!(
            lw <= max.max(1) || l.graphemes(true).count() == 1,
            "wrap({clean:?}, {max}) gave {l:?} of {lw} cells: {lines:?}"
        );
    }
    let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert_eq!(
        visible(&lines.concat()),
        visible(&clean),
        "wrap({clean:?}, {max}) lost text: {lines:?}"
    );
    assert!(lines.len() > clean.matches('\n').count());
});
