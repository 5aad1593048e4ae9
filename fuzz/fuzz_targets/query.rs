//! The search query planner, tokenizer and snippet maker (`hotro::domain::search`) on any
//! UTF-8 text.
//!
//! Input: first byte = snippet width (`max_chars`), the rest split at the first NUL byte into
//! a query and a text to search (invalid UTF-8 replaced by U+FFFD).
#![no_main]

use hotro::domain::search::{
    Part, QueryPlan, Segment, exact_text, folded_text, plan, prefixes, snippet, tokenize,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&width, rest)) = data.split_first() else {
        return;
    };
    let (q, t) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, rest),
    };
    let query = String::from_utf8_lossy(q);
    let text = String::from_utf8_lossy(t);
    check_tokens(&query);
    check_tokens(&text);

    let p = plan(&query);
    check_plan(&query, &p);
    assert_eq!(plan(&query), p, "plan is not deterministic");

    // Any width, including 0 and 1.
    let max_chars = width as usize;
    let segs = snippet(&text, &p, max_chars);
    check_snippet(&text, &segs, max_chars);

    // A word that is in the text, looked up with a window the size of the whole text, is
    // highlighted: the promise behind "the matched words marked".
    if let Some(tok) = tokenize(&text).first() {
        let whole = text.chars().count().max(1);
        let p = QueryPlan {
            parts: vec![Part::Word(tok.text.clone())],
            exact: vec![],
        };
        let segs = snippet(&text, &p, whole);
        check_snippet(&text, &segs, whole);
        assert!(
            segs.iter().any(|s| s.hit),
            "token {:?} of {:?} not highlighted: {:?}",
            tok.text,
            text,
            segs
        );
    }
});

fn check_tokens(s: &str) {
    let tokens = tokenize(s);
    let mut prev_end = 0;
    for t in &tokens {
        assert!(!t.text.is_empty(), "empty token in {s:?}: {tokens:?}");
        assert!(!t.exact.is_empty(), "empty exact in {s:?}: {tokens:?}");
        assert!(t.start < t.end && t.end <= s.len(), "bad span {t:?} in {s:?}");
        assert!(t.start >= prev_end, "overlapping tokens in {s:?}: {tokens:?}");
        assert!(
            s.is_char_boundary(t.start) && s.is_char_boundary(t.end),
            "span {t:?} cuts a character in {s:?}"
        );
        // The index splits the folded field at whitespace, so a token must not hold any.
        assert!(
            !t.text.chars().any(char::is_whitespace),
            "whitespace inside token {t:?}"
        );
        prev_end = t.end;
    }
    let folded = folded_text(s);
    let words: Vec<&str> = if folded.is_empty() {
        vec![]
    } else {
        folded.split(' ').collect()
    };
    let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(words, texts, "folded_text disagrees with tokenize for {s:?}");
    let _ = prefixes(s);
    let _ = exact_text(s);
}

fn check_plan(query: &str, p: &QueryPlan) {
    let mut seen: Vec<&Part> = Vec::new();
    for part in &p.parts {
        match part {
            Part::Word(w) | Part::Prefix(w) => {
                assert!(!w.is_empty(), "empty word in plan of {query:?}: {p:?}")
            }
            Part::Phrase(cs) => {
                assert!(cs.len() >= 2, "short phrase in plan of {query:?}: {p:?}");
                assert!(cs.iter().all(|c| !c.is_empty()), "empty phrase char: {p:?}");
            }
        }
        assert!(!seen.contains(&part), "duplicate part in plan of {query:?}: {p:?}");
        seen.push(part);
    }
    // A prefix already covered by a whole word is dropped.
    for part in &p.parts {
        if let Part::Prefix(pre) = part {
            assert!(
                !p.parts
                    .iter()
                    .any(|o| matches!(o, Part::Word(w) if w.starts_with(pre.as_str()))),
                "prefix {pre:?} covered by a word in {p:?}"
            );
        }
    }
    assert!(p.exact.iter().all(|e| !e.is_empty()), "empty exact: {p:?}");
    assert_eq!(p.is_empty(), p.parts.is_empty());
    for (w, _) in p.words() {
        assert!(!w.is_empty(), "empty highlight word in {p:?}");
    }
    // Only whitespace/punctuation typed: no plan at all.
    if tokenize(query).is_empty() {
        assert!(p.is_empty(), "plan from a query without tokens: {query:?} {p:?}");
    }
}

fn check_snippet(text: &str, segs: &[Segment], max_chars: usize) {
    for (i, s) in segs.iter().enumerate() {
        assert!(!s.text.is_empty(), "empty segment in {segs:?}");
        if i > 0 {
            assert!(segs[i - 1].hit != s.hit, "two neighbours alike: {segs:?}");
        }
        assert!(
            !s.text.contains(['\n', '\r', '\t']),
            "line break or tab left in snippet {segs:?}"
        );
    }
    let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
    // At most max_chars characters of the text, plus an ellipsis at either end.
    assert!(
        joined.chars().count() <= max_chars + 2,
        "snippet of {} chars for max {max_chars}: {joined:?}",
        joined.chars().count()
    );
    // What is shown (ellipses aside) is a piece of the text, with breaks shown as spaces.
    let flat = text.replace(['\n', '\r', '\t'], " ");
    let mut candidates = vec![joined.as_str()];
    if let Some(j) = joined.strip_prefix('…') {
        candidates.push(j);
    }
    if let Some(j) = joined.strip_suffix('…') {
        candidates.push(j);
        if let Some(j) = j.strip_prefix('…') {
            candidates.push(j);
        }
    }
    assert!(
        candidates.iter().any(|c| flat.contains(c)),
        "snippet {joined:?} is not a piece of {flat:?}"
    );
}
