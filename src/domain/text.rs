//! Text as it enters hotro: NFC, one kind of line ending, bounded size.

use unicode_normalization::UnicodeNormalization;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest free text (description, reply, note, resolution), in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// Longest short field (names, phone numbers, references), in characters.
pub const MAX_SHORT_CHARS: usize = 200;

/// NFC with `\r\n` and lone `\r` turned into `\n`. Vietnamese typed or pasted in decomposed
/// form (a base letter followed by combining marks) is stored composed, so search, sorting
/// and cursor movement see one character where the user sees one.
pub fn normalize(input: &str) -> String {
    let unified = if input.contains('\r') {
        input.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        input.to_string()
    };
    unified.nfc().collect()
}

/// `normalize` and trim: for single-line fields.
pub fn normalize_line(input: &str) -> String {
    normalize(input).trim().to_string()
}

/// Fold text for matching: lower case, tone and other marks removed, `đ` → `d`. Used the
/// same way on stored text and on what the operator types, so `dang nhap` finds `đăng nhập`.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_marks_and_maps_d() {
        assert_eq!(fold("Đăng nhập TABMIS"), "dang nhap tabmis");
        assert_eq!(fold("Đà Nẵng"), "da nang");
        assert_eq!(fold("dang nhap"), "dang nhap");
        assert_eq!(fold("网络故障"), "网络故障");
        assert_eq!(fold("đa\u{306}ng"), "dang");
    }

    #[test]
    fn decomposed_vietnamese_becomes_composed() {
        let decomposed = "đa\u{306}ng nha\u{323}\u{302}p"; // đăng nhập, marks apart
        assert_eq!(normalize(decomposed), "đăng nhập");
        assert_eq!(normalize(decomposed).chars().count(), 9);
    }

    #[test]
    fn line_endings_are_unified() {
        assert_eq!(normalize("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(normalize_line("  Lỗi TABMIS \r\n"), "Lỗi TABMIS");
    }

    #[test]
    fn chinese_is_left_alone() {
        assert_eq!(normalize("网络故障"), "网络故障");
    }

    proptest::proptest! {
        /// Folding is idempotent, removes every combining mark, and
        /// agrees on text typed with or without diacritics in NFC or NFD.
        #[test]
        fn folding_is_stable_and_ignores_diacritics(text in "\\PC{0,40}") {
            use unicode_normalization::UnicodeNormalization;
            let folded = fold(&text);
            proptest::prop_assert_eq!(fold(&folded), folded.clone());
            proptest::prop_assert_eq!(fold(&text.nfd().collect::<String>()), folded.clone());
            proptest::prop_assert!(!folded.chars().any(unicode_normalization::char::is_combining_mark));
            let normalized = normalize(&text);
            proptest::prop_assert_eq!(normalize(&normalized), normalized);
        }
    }
}
