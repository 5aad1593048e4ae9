//! `hotro::domain::text`: normalize and fold.
#![no_main]

use hotro::domain::text::{fold, normalize, normalize_line};
use libfuzzer_sys::fuzz_target;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, is_nfc, is_nfc_quick};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);

    let f = fold(&input);
    assert_eq!(fold(&f), f, "fold is not idempotent on {input:?}");
    assert!(
        !f.chars().any(is_combining_mark),
        "combining mark left by fold in {f:?} from {input:?}"
    );
    assert!(!f.contains(['đ', 'Đ']), "đ left by fold: {f:?}");
    // Folding doesn't care how the text was composed: normalize changes only the
    // composition (canonically equivalent, same NFD) and the line endings.
    let n = normalize(&input);
    let unified = input.replace("\r\n", "\n").replace('\r', "\n");
    assert_eq!(fold(&n), fold(&unified), "fold(normalize(x)) != fold(x) for {input:?}");

    assert!(is_nfc(&n), "normalize output is not NFC: {n:?} from {input:?}");
    assert!(matches!(is_nfc_quick(n.chars()), IsNormalized::Yes | IsNormalized::Maybe));
    assert!(!n.contains('\r'), "\\r left by normalize: {n:?}");
    assert_eq!(normalize(&n), n, "normalize is not idempotent on {input:?}");
    // Only \r is removed: every line break is still there, as \n.
    let breaks = input.matches("\r\n").count();
    assert_eq!(
        n.matches('\n').count(),
        input.matches('\n').count() + input.matches('\r').count() - breaks
    );

    let l = normalize_line(&input);
    assert_eq!(l, l.trim());
    assert!(is_nfc(&l), "normalize_line output is not NFC: {l:?}");
    assert_eq!(normalize_line(&l), l, "normalize_line is not idempotent on {input:?}");
});
