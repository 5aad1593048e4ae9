//! Search text: how stored text and typed queries are cut into folded tokens (the same way
//! for both), how any typed string becomes a query plan, and how matches are highlighted in
//! the original text. No index and no SQL here.
//!
//! Folding: lower case, tone and other marks removed, `đ` → `d` (so `dang nhap` finds
//! `đăng nhập`). Chinese, Japanese and Korean characters are each a token of their own, so a
//! two-character word is found inside unspaced text; a run of them in a query must match as a
//! phrase. Traditional Chinese characters fold to their simplified form (OpenCC's table), so
//! `指標` finds `指标`. Numbers lose their leading zeros and hex numbers their `0x`, so
//! `ORA-1` is `ORA-00001` and `0x80070005` is `80070005`; a word of letters then digits
//! (`ora12541`) is indexed with its two pieces too.

use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A token and where it came from in the original text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    /// The original spelling, lower-cased but with its marks (for the exact-diacritics bonus).
    pub exact: String,
    pub start: usize,
    pub end: usize,
    pub cjk: bool,
}

/// Han ideographs, kana and hangul: scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0x20000..=0x2FA1F) // extensions B–F, compatibility supplement
}

/// The simplified form of a traditional Chinese character (itself when it has none or is
/// already simplified).
pub fn simplified(c: char) -> char {
    static T2S: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
    let Some(cc) = T2S
        .get_or_init(|| {
            ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).ok()
        })
        .as_ref()
    else {
        return c;
    };
    let mut buf = [0u8; 4];
    let out = cc.convert(c.encode_utf8(&mut buf));
    let mut chars = out.chars();
    match (chars.next(), chars.next()) {
        (Some(s), None) => s,
        _ => c,
    }
}

/// A folded token as the index holds it: a number without its leading zeros (`00001` → `1`),
/// a hex number without `0x` (`0x80070005` → `80070005`).
fn normalize_token(word: &mut String) {
    if let Some(hex) = word.strip_prefix("0x")
        && hex.len() >= 4
        && hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        *word = hex.to_string();
    }
    if word.len() > 1 && word.starts_with('0') && word.chars().all(|c| c.is_ascii_digit()) {
        let trimmed = word.trim_start_matches('0');
        *word = if trimmed.is_empty() {
            "0".to_string()
        } else {
            trimmed.to_string()
        };
    }
}

/// A folded word of ASCII letters then digits (`ora12541`, `frm40735`, `win7`) as its two
/// pieces, the digits without leading zeros; `None` for any other word.
pub fn code_pieces(word: &str) -> Option<(&str, &str)> {
    let split = word.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = word.split_at(split);
    let ok = !letters.is_empty()
        && letters.chars().all(|c| c.is_ascii_lowercase())
        && digits.chars().all(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    Some((letters, if trimmed.is_empty() { "0" } else { trimmed }))
}

/// Fold one character: its base letters, lower case, without marks; `đ` → `d`; traditional
/// Chinese to simplified.
fn fold_char(c: char, out: &mut String) {
    match c {
        'đ' | 'Đ' => out.push('d'),
        _ => {
            for d in c.nfd() {
                if is_combining_mark(d) {
                    continue;
                }
                if is_cjk(d) {
                    out.push(simplified(d));
                } else {
                    out.extend(d.to_lowercase());
                }
            }
        }
    }
}

/// Cut text into folded tokens: runs of letters and digits (marks stay inside their word),
/// and each CJK character alone.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut word = String::new();
    let mut exact = String::new();
    let mut start = 0;
    let flush = |tokens: &mut Vec<Token>,
                 word: &mut String,
                 exact: &mut String,
                 start: usize,
                 end: usize| {
        if !word.is_empty() {
            normalize_token(word);
            tokens.push(Token {
                text: std::mem::take(word),
                exact: std::mem::take(exact),
                start,
                end,
                cjk: false,
            });
        }
        exact.clear();
    };
    for (i, c) in text.char_indices() {
        // A combining mark belongs to the character before it, never a token of its own:
        // the kana voicing marks U+3099/U+309A lie in the kana block (found by fuzzing).
        if is_combining_mark(c) {
            if !word.is_empty() {
                fold_char(c, &mut word);
                exact.extend(c.to_lowercase());
            } else if let Some(last) = tokens.last_mut().filter(|t| t.cjk && t.end == i) {
                last.end = i + c.len_utf8();
                last.exact.push(c);
            }
            continue;
        }
        if is_cjk(c) {
            flush(&mut tokens, &mut word, &mut exact, start, i);
            let mut folded = String::new();
            fold_char(c, &mut folded);
            tokens.push(Token {
                text: folded.clone(),
                exact: folded,
                start: i,
                end: i + c.len_utf8(),
                cjk: true,
            });
        } else if c.is_alphanumeric() {
            if word.is_empty() {
                start = i;
            }
            fold_char(c, &mut word);
            exact.extend(c.to_lowercase());
        } else {
            flush(&mut tokens, &mut word, &mut exact, start, i);
        }
    }
    flush(&mut tokens, &mut word, &mut exact, start, text.len());
    for t in tokens.iter_mut() {
        t.exact = t.exact.nfc().collect();
    }
    tokens
}

/// Folded tokens joined by spaces: what the index stores for a field.
pub fn folded_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for t in tokenize(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    out
}

/// What the index holds for a text: its folded tokens, each word of letters then digits
/// followed by its two pieces (so `ora12541`, `ORA-12541` and `ora 12541` meet).
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for t in tokenize(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
        if let Some((letters, digits)) = code_pieces(&t.text) {
            out.push(' ');
            out.push_str(letters);
            out.push(' ');
            out.push_str(digits);
        }
    }
    out
}

/// Every pair of neighbouring CJK characters (`网络连接` → `网络 络连 连接`), space-joined: a
/// Chinese word inside a longer sentence is found by its bigrams.
pub fn cjk_bigrams(text: &str) -> String {
    let mut out = String::new();
    let tokens = tokenize(text);
    for pair in tokens.windows(2) {
        if pair[0].cjk && pair[1].cjk && pair[0].end == pair[1].start {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&pair[0].text);
            out.push_str(&pair[1].text);
        }
    }
    out
}

/// The shortest and longest prefixes indexed for as-you-type search.
pub const PREFIX_MIN: usize = 2;
pub const PREFIX_MAX: usize = 8;

/// Edge n-grams (2..=8 characters) of every word token, for matching a word typed halfway.
pub fn prefixes(text: &str) -> String {
    let mut out = String::new();
    for word in index_text(text).split(' ') {
        if word.is_empty() || word.starts_with(is_cjk) {
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        for n in PREFIX_MIN..=PREFIX_MAX.min(chars.len()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.extend(&chars[..n]);
        }
    }
    out
}

/// Tokens with marks as typed, space-joined, for the exact-diacritics bonus. Only tokens that
/// carry marks: for the others the folded field already says everything.
pub fn exact_text(text: &str) -> String {
    let mut out = String::new();
    for t in tokenize(text) {
        if !t.cjk && t.exact != t.text {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t.exact);
        }
    }
    out
}

/// One part of a query that must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A whole folded word.
    Word(String),
    /// The beginning of a word (the last word while typing, or a word ending in `*`).
    Prefix(String),
    /// CJK characters that must appear next to each other, in order.
    Phrase(Vec<String>),
}

/// What a typed query means. Built from folded tokens only: quotes, operators, column
/// names and brackets are text, never syntax, so any string is a valid query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryPlan {
    pub parts: Vec<Part>,
    /// Words typed with their marks (e.g. `khóa`), which rank higher when matched as typed.
    pub exact: Vec<String>,
}

impl QueryPlan {
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Every folded token the query looks for (prefixes included), for highlighting.
    pub fn words(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for p in &self.parts {
            match p {
                Part::Word(w) => out.push((w.clone(), false)),
                Part::Prefix(w) => out.push((w.clone(), true)),
                Part::Phrase(cs) => out.extend(cs.iter().map(|c| (c.clone(), false))),
            }
        }
        out
    }
}

/// Parse anything typed into a plan. The last word is a prefix unless the query ends in a
/// space or punctuation (other than `*` and `-`, which also mark a prefix, as people type
/// `ORA-0101` or `chữ ký*`).
pub fn plan(query: &str) -> QueryPlan {
    let tokens = tokenize(query);
    let trimmed = query.trim_end();
    let ends_open =
        trimmed.len() == query.len() || trimmed.ends_with('*') || trimmed.ends_with('-');
    let ends_open = ends_open
        && trimmed
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '*' || c == '-' || is_combining_mark(c));
    let mut parts = Vec::new();
    let mut exact = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let last = tokens.len().saturating_sub(1);
    for (i, t) in tokens.iter().enumerate() {
        if t.cjk {
            run.push(t.text.clone());
            continue;
        }
        flush_run(&mut run, &mut parts);
        if t.exact != t.text {
            exact.push(t.exact.clone());
        }
        if i == last && ends_open {
            parts.push(Part::Prefix(t.text.clone()));
        } else {
            parts.push(Part::Word(t.text.clone()));
        }
    }
    flush_run(&mut run, &mut parts);
    // A prefix already covered by a whole word, or the same word twice, adds nothing.
    let words: Vec<String> = parts
        .iter()
        .filter_map(|p| {
            if let Part::Word(w) = p {
                Some(w.clone())
            } else {
                None
            }
        })
        .collect();
    parts.retain(
        |p| !matches!(p, Part::Prefix(pre) if words.iter().any(|w| w.starts_with(pre.as_str()))),
    );
    let mut seen = Vec::new();
    parts.retain(|p| {
        if seen.contains(p) {
            false
        } else {
            seen.push(p.clone());
            true
        }
    });
    QueryPlan { parts, exact }
}

fn flush_run(run: &mut Vec<String>, parts: &mut Vec<Part>) {
    match run.len() {
        0 => {}
        1 => parts.push(Part::Word(run.remove(0))),
        _ => parts.push(Part::Phrase(std::mem::take(run))),
    }
}

/// A piece of a snippet: text, and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// A window of about `max_chars` characters of `text` around the best cluster of matches,
/// with the matched words marked, in the original spelling.
pub fn snippet(text: &str, plan: &QueryPlan, max_chars: usize) -> Vec<Segment> {
    let words = plan.words();
    let tokens = tokenize(text);
    let hits: Vec<&Token> = tokens
        .iter()
        .filter(|t| {
            words.iter().any(|(w, prefix)| {
                if *prefix {
                    t.text.starts_with(w.as_str())
                } else {
                    t.text == *w
                }
            })
        })
        .collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_at = |byte: usize| chars.partition_point(|(b, _)| *b < byte);
    // Start a little before the first hit of the densest window.
    let mut best_start = 0usize;
    let mut best_count = 0usize;
    for (i, h) in hits.iter().enumerate() {
        let from = char_at(h.start);
        let count = hits[i..]
            .iter()
            .take_while(|o| char_at(o.start) < from + max_chars)
            .count();
        if count > best_count {
            best_count = count;
            best_start = from;
        }
    }
    let start = best_start.saturating_sub(max_chars / 5);
    let end = (start + max_chars).min(chars.len());
    let start = end.saturating_sub(max_chars).min(start);
    let byte = |ci: usize| chars.get(ci).map(|(b, _)| *b).unwrap_or(text.len());
    let (from, to) = (byte(start), byte(end));
    let mut out = Vec::new();
    let mut at = from;
    let push = |s: &str, hit: bool, out: &mut Vec<Segment>| {
        if s.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(s),
            _ => out.push(Segment {
                text: s.to_string(),
                hit,
            }),
        }
    };
    if start > 0 {
        push("…", false, &mut out);
    }
    for h in hits.iter().filter(|h| h.start >= from && h.end <= to) {
        push(&text[at..h.start], false, &mut out);
        push(&text[h.start..h.end], true, &mut out);
        at = h.end;
    }
    push(&text[at..to], false, &mut out);
    if end < chars.len() {
        push("…", false, &mut out);
    }
    // Hits separated only by spaces read as one highlighted phrase.
    let mut merged: Vec<Segment> = Vec::new();
    let mut i = 0;
    while i < out.len() {
        let gap = out[i].clone();
        let joins = !gap.hit
            && gap.text.chars().all(|c| c == ' ')
            && merged.last().is_some_and(|m| m.hit)
            && out.get(i + 1).is_some_and(|n| n.hit);
        if joins {
            if let Some(last) = merged.last_mut() {
                last.text.push_str(&gap.text);
                last.text.push_str(&out[i + 1].text);
            }
            i += 2;
            continue;
        }
        merged.push(gap);
        i += 1;
    }
    for s in merged.iter_mut() {
        s.text = s.text.replace(['\n', '\r', '\t'], " ");
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn every_tone_mark_on_every_vowel_folds_away() {
        // a ă â e ê i o ô ơ u ư y, each bare and with the five tone marks, upper and lower.
        let rows = [
            ("aàáảãạ", 'a'),
            ("ăằắẳẵặ", 'a'),
            ("âầấẩẫậ", 'a'),
            ("eèéẻẽẹ", 'e'),
            ("êềếểễệ", 'e'),
            ("iìíỉĩị", 'i'),
            ("oòóỏõọ", 'o'),
            ("ôồốổỗộ", 'o'),
            ("ơờớởỡợ", 'o'),
            ("uùúủũụ", 'u'),
            ("ưừứửữự", 'u'),
            ("yỳýỷỹỵ", 'y'),
        ];
        for (letters, base) in rows {
            for c in letters.chars().chain(letters.to_uppercase().chars()) {
                assert_eq!(folded(&c.to_string()), [base.to_string()], "{c}");
            }
        }
        assert_eq!(folded("đ Đ"), ["d", "d"]);
        assert_eq!(folded("Đăng nhập"), ["dang", "nhap"]);
        // Decomposed input (marks as separate characters) folds the same.
        assert_eq!(folded("đa\u{306}ng nha\u{323}\u{302}p"), ["dang", "nhap"]);
    }

    #[test]
    fn chinese_characters_are_tokens_and_mixed_text_splits() {
        assert_eq!(folded("网络连接失败"), ["网", "络", "连", "接", "失", "败"]);
        assert_eq!(
            folded("TABMIS登录失败ORA-01017"),
            ["tabmis", "登", "录", "失", "败", "ora", "1017"]
        );
        assert_eq!(folded("tnsnames.ora"), ["tnsnames", "ora"]);
    }

    #[test]
    fn exact_keeps_the_marks() {
        let t = tokenize("Tài khoản bị KHÓA");
        let exact: Vec<_> = t.iter().map(|t| t.exact.as_str()).collect();
        assert_eq!(exact, ["tài", "khoản", "bị", "khóa"]);
        assert_eq!(exact_text("Tài khoan"), "tài");
    }

    #[test]
    fn plans_from_anything_typed() {
        assert_eq!(
            plan("dang nhap tab").parts,
            [
                Part::Word("dang".into()),
                Part::Word("nhap".into()),
                Part::Prefix("tab".into())
            ]
        );
        assert_eq!(
            plan("dang nhap ").parts,
            [Part::Word("dang".into()), Part::Word("nhap".into())]
        );
        assert_eq!(
            plan("ORA-0101").parts,
            [Part::Word("ora".into()), Part::Prefix("101".into())]
        );
        assert_eq!(
            plan("chữ ký*").parts,
            [Part::Word("chu".into()), Part::Prefix("ky".into())]
        );
        assert_eq!(
            plan("mật khẩu-").parts,
            [Part::Word("mat".into()), Part::Prefix("khau".into())]
        );
        assert_eq!(
            plan("网络故障").parts,
            [Part::Phrase(vec![
                "网".into(),
                "络".into(),
                "故".into(),
                "障".into()
            ])]
        );
        assert_eq!(plan("网").parts, [Part::Word("网".into())]);
        assert_eq!(plan("\"NEAR( col:x AND -\"").parts.len(), 4);
        assert!(plan("\"*-()\"").is_empty());
        assert!(plan("").is_empty());
        assert_eq!(plan("khóa tài khoản").exact, ["khóa", "tài", "khoản"]);
        assert_eq!(plan("lỗi lỗi").parts.len(), 1);
    }

    #[test]
    fn snippets_mark_matches_in_the_original_spelling() {
        let text = "Khi đăng nhập TABMIS, hệ thống báo tài khoản đã bị khóa sau 5 lần nhập sai.";
        let segs = snippet(text, &plan("dang nhap bi khoa "), 200);
        let hits: Vec<&str> = segs
            .iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(hits, ["đăng nhập", "bị khóa", "nhập"]);
        // While typing, the last word is a prefix: "khoa" also lights up "khoản".
        let segs = snippet(text, &plan("khoa"), 200);
        let hits: Vec<&str> = segs
            .iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(hits, ["khoản", "khóa"]);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        let segs = snippet("客户端登录时提示网络连接失败", &plan("网络"), 50);
        assert_eq!(
            segs.iter()
                .filter(|s| s.hit)
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>(),
            ["网络"]
        );
        let long = format!("{} đăng nhập {}", "x ".repeat(200), "y ".repeat(200));
        let segs = snippet(&long, &plan("dang"), 40);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert!(
            joined.starts_with('…') && joined.ends_with('…') && joined.contains("đăng"),
            "{joined}"
        );
    }

    #[test]
    fn combining_kana_marks_never_make_empty_tokens() {
        // Found by `cargo fuzz run query`: U+3099 alone made a token with empty text.
        for text in [
            "\u{3099}",
            "\u{309A}",
            "か\u{3099}",
            "a\u{3099}b",
            "\u{3099}tabmis",
        ] {
            let tokens = tokenize(text);
            assert!(
                tokens.iter().all(|t| !t.text.is_empty()),
                "{text:?}: {tokens:?}"
            );
        }
        assert_eq!(plan("\u{3099}"), plan(""));
        assert_eq!(
            plan("か\u{3099}"),
            plan("が"),
            "decomposed and composed kana agree"
        );
        assert_eq!(folded_text("a\u{3099}b"), "ab");
    }
}
