//! `hotro::domain::kb::parse_jsonl` on arbitrary bytes.
//!
//! Checks: no panic; every error names a line that exists (1..=number of lines, a line
//! being what lies between `\n`s); errors are in line order, at most one per line, with a
//! message; blank lines never produce an error; an accepted file yields one cleaned
//! article per non-blank line, and cleaning it again changes nothing.
#![no_main]

use hotro::domain::kb::parse_jsonl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let blank = |l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        l.iter().all(|b| b.is_ascii_whitespace())
    };
    let non_blank = lines.iter().filter(|l| !blank(l)).count();
    match parse_jsonl(data) {
        Ok(articles) => {
            assert_eq!(articles.len(), non_blank, "articles lost or invented");
            for a in &articles {
                let again = a.cleaned().expect("a cleaned article fails cleaning");
                assert_eq!(&again, a, "cleaning is not idempotent");
                assert!(!a.reference.is_empty() && !a.title.is_empty());
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "Err with no errors");
            let mut prev = 0;
            for e in &errors {
                assert!(
                    (1..=lines.len()).contains(&e.line),
                    "error line {} outside 1..={}: {}",
                    e.line,
                    lines.len(),
                    e.message
                );
                assert!(e.line > prev, "errors out of order or twice for one line: {errors:?}");
                prev = e.line;
                assert!(!blank(lines[e.line - 1]), "error on blank line {}: {errors:?}", e.line);
                assert!(!e.message.is_empty());
            }
        }
    }
});
