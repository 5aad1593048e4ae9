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

#[cfg(test)]
mod tests {
    use super::*;

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
}
