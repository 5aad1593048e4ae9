//! Query understanding: how a typed query becomes the words that must match and the weighted
//! terms a tolerant ranking looks for. Plain rules over folded tokens (see
//! [`crate::domain::search`]); the index is asked only through an `is_known` callback ("does
//! the index's vocabulary hold this folded term?"). No index and no SQL here.
//!
//! - Vietnamese typed with the input method off — Telex residue (`ddang nhaapj`) or VNI residue
//!   (`d9ang8 nhap65`) — is decoded when the word as typed is unknown but its decoding is known.
//! - Error codes written together (`ora12541`, `FRM40735`) are cut into the pieces the index
//!   holds (`ora` `12541`), the same pieces as `ORA-12541` and `ora 12541`.
//! - Abbreviations and synonyms (data: `assets/search/synonyms.toml`, extended by the
//!   organisation's configuration) add the other spellings of what was typed, both ways.
//! - Chinese runs add their character bigrams, so a word inside a longer sentence counts
//!   without the whole run having to match as one phrase.

use crate::domain::search::{Part, QueryPlan, code_pieces, folded_text, is_cjk};
use unicode_normalization::UnicodeNormalization;

/// How much an abbreviation's or synonym's expansion counts against the word typed: a little
/// less, so a document with the very words typed ranks first.
pub const SYNONYM_WEIGHT: f32 = 0.8;

/// One term of the tolerant ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Should {
    /// A folded term (a whole word, a prefix, or a CJK bigram).
    pub term: String,
    /// A prefix of a word (the last word while typing) rather than a whole word.
    pub prefix: bool,
    /// Relative weight (1.0 for a word as typed).
    pub weight: f32,
    /// Which part of the query it stands for (index into [`Understood::plan`]'s parts):
    /// documents are compared by how many parts they cover.
    pub concept: usize,
}

/// A query after understanding.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Understood {
    /// What "every word matches" means: the typed parts with decoded Telex/VNI words and
    /// code pieces.
    pub plan: QueryPlan,
    /// Every term that may count in the tolerant ranking, with its weight.
    pub terms: Vec<Should>,
}

/// Read a query: decode what the index does not know, cut codes, add synonyms and bigrams.
/// `is_known(folded)` tells whether the index's vocabulary holds a folded word.
pub fn understand(plan: &QueryPlan, is_known: impl Fn(&str) -> bool, syn: &Synonyms) -> Understood {
    let mut parts: Vec<Part> = Vec::with_capacity(plan.parts.len());
    for part in &plan.parts {
        match part {
            Part::Word(w) => parts.extend(read_word(w, &is_known).into_iter().map(Part::Word)),
            Part::Prefix(p) => {
                let mut words = read_word(p, &is_known);
                let last = words.pop();
                parts.extend(words.into_iter().map(Part::Word));
                if let Some(l) = last {
                    parts.push(Part::Prefix(l));
                }
            }
            Part::Phrase(_) => parts.push(part.clone()),
        }
    }
    let mut seen = Vec::new();
    parts.retain(|p| {
        if seen.contains(p) {
            false
        } else {
            seen.push(p.clone());
            true
        }
    });
    let mut terms = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Word(w) => terms.push(should(w, false, 1.0, i)),
            Part::Prefix(p) => terms.push(should(p, true, 1.0, i)),
            Part::Phrase(chars) => {
                for pair in chars.windows(2) {
                    terms.push(should(&pair.concat(), false, 1.0, i));
                }
            }
        }
    }
    // Synonyms: over the whole words in order (a prefix counts as the word it starts).
    let words: Vec<(usize, &str)> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            Part::Word(w) | Part::Prefix(w) => Some((i, w.as_str())),
            Part::Phrase(_) => None,
        })
        .collect();
    let plain: Vec<&str> = words.iter().map(|(_, w)| *w).collect();
    for (at, len, alternative) in syn.expansions(&plain) {
        let concept = words[at].0;
        let _ = len;
        let n = alternative.len().max(1) as f32;
        for t in alternative {
            if !terms.iter().any(|s| s.term == t && !s.prefix) {
                terms.push(should(&t, false, SYNONYM_WEIGHT / n, concept));
            }
        }
    }
    Understood {
        plan: QueryPlan {
            parts,
            exact: plan.exact.clone(),
        },
        terms,
    }
}

fn should(term: &str, prefix: bool, weight: f32, concept: usize) -> Should {
    Should {
        term: term.to_string(),
        prefix,
        weight,
        concept,
    }
}

/// One typed (folded) word as the words to look for: itself if the index knows it; else its
/// Telex/VNI decoding if that is known; else its code pieces (`ora12541` → `ora` `12541`);
/// else itself.
fn read_word(word: &str, is_known: &impl Fn(&str) -> bool) -> Vec<String> {
    if is_known(word) {
        return vec![word.to_string()];
    }
    // VNI first: a code such as `ora12541` is no VNI word (two tone keys), while `nhap65` is.
    if let Some(decoded) = decode_typing(word) {
        let folded = folded_text(&decoded);
        if !folded.contains(' ') && folded != word && is_known(&folded) {
            return vec![folded];
        }
    }
    if let Some((letters, digits)) = code_pieces(word) {
        return vec![letters.to_string(), digits.to_string()];
    }
    vec![word.to_string()]
}

// ---- Telex and VNI ---------------------------------------------------------------------------

/// The combining tone marks: sắc, huyền, hỏi, ngã, nặng.
const TONE_MARKS: [char; 5] = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// Decode one word typed with the Vietnamese input method off, as Telex (`ddawng` → `đăng`,
/// `nhaapj` → `nhập`, `dduwowcj` → `được`) or, when it holds digits, VNI (`d9ang8` → `đăng`,
/// `nhap65` → `nhập`). `None` when the word is not such residue (nothing to decode, a
/// number, a letter no rule uses). The result is NFC, lower case; the caller decides whether
/// to believe it (a real word such as `xoong` also decodes).
pub fn decode_typing(word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    if lower.is_empty() || !lower.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if !lower.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let (base, tone) = if lower.chars().any(|c| c.is_ascii_digit()) {
        decode_vni(&lower)?
    } else {
        decode_telex(&lower)?
    };
    if !base.iter().any(|c| is_vowel(*c)) || base.iter().any(|c| matches!(c, 'f' | 'j' | 'w' | 'z'))
    {
        return None;
    }
    let out = place_tone(&base, tone);
    (out != lower).then_some(out)
}

/// The last plain `a`, `e` or `o` … among the letters so far that a modifier applies to.
fn last_index(base: &[char], wanted: &[char]) -> Option<usize> {
    base.iter().rposition(|c| wanted.contains(c))
}

fn decode_vni(word: &str) -> Option<(Vec<char>, Option<usize>)> {
    let mut base: Vec<char> = Vec::new();
    let mut tone = None;
    for c in word.chars() {
        match c {
            'a'..='z' => base.push(c),
            '1'..='5' => {
                // One tone per syllable: a second tone key means this is no VNI word.
                if tone.is_some() || !base.iter().any(|c| is_vowel(*c)) {
                    return None;
                }
                tone = Some(c as usize - '1' as usize);
            }
            '6' => {
                let i = last_index(&base, &['a', 'e', 'o'])?;
                base[i] = match base[i] {
                    'a' => 'â',
                    'e' => 'ê',
                    _ => 'ô',
                };
            }
            '7' => {
                let i = last_index(&base, &['o', 'u'])?;
                // `uo7` is ươ: both take the horn.
                if base[i] == 'o' && i > 0 && base[i - 1] == 'u' {
                    base[i - 1] = 'ư';
                }
                base[i] = if base[i] == 'o' { 'ơ' } else { 'ư' };
            }
            '8' => {
                let i = last_index(&base, &['a'])?;
                base[i] = 'ă';
            }
            '9' => {
                let i = last_index(&base, &['d'])?;
                base[i] = 'đ';
            }
            _ => return None,
        }
    }
    Some((base, tone))
}

fn decode_telex(word: &str) -> Option<(Vec<char>, Option<usize>)> {
    let mut base: Vec<char> = Vec::new();
    let mut tone = None;
    for c in word.chars() {
        let prev = base.last().copied();
        let has_vowel = base.iter().any(|c| is_vowel(*c));
        match c {
            'd' if prev == Some('d') => {
                if let Some(last) = base.last_mut() {
                    *last = 'đ';
                }
            }
            'a' | 'e' | 'o' if prev == Some(c) => {
                if let Some(last) = base.last_mut() {
                    *last = match c {
                        'a' => 'â',
                        'e' => 'ê',
                        _ => 'ô',
                    };
                }
            }
            'w' => {
                // The horn or breve goes on the last vowel group; `uow` is ươ.
                match last_index(&base, &['a', 'o', 'u']) {
                    Some(i) if base[i + 1..].iter().all(|c| !is_vowel(*c)) => {
                        if base[i] == 'o' && i > 0 && base[i - 1] == 'u' {
                            base[i - 1] = 'ư';
                        }
                        base[i] = match base[i] {
                            'a' => 'ă',
                            'o' => 'ơ',
                            _ => 'ư',
                        };
                    }
                    _ => base.push('ư'),
                }
            }
            's' | 'f' | 'r' | 'x' | 'j' if has_vowel => {
                tone = Some(match c {
                    's' => 0,
                    'f' => 1,
                    'r' => 2,
                    'x' => 3,
                    _ => 4,
                });
            }
            'z' if has_vowel => tone = None,
            _ => base.push(c),
        }
    }
    Some((base, tone))
}

/// Put the tone mark on the vowel that carries it: a vowel with a hat, breve or horn (the
/// `ơ` of `ươ`); else the last vowel before a final consonant; else the middle of three
/// vowels or the first of two. `qu` and `gi` before a vowel count as consonants.
fn place_tone(base: &[char], tone: Option<usize>) -> String {
    let Some(tone) = tone else {
        return base.iter().collect::<String>().nfc().collect();
    };
    let mut vowels: Vec<usize> = (0..base.len()).filter(|&i| is_vowel(base[i])).collect();
    if vowels.len() > 1 {
        let first = vowels[0];
        let skip = (base[first] == 'u' && first > 0 && base[first - 1] == 'q')
            || (base[first] == 'i' && first > 0 && base[first - 1] == 'g');
        if skip {
            vowels.remove(0);
        }
    }
    let at = if let Some(&i) = vowels
        .iter()
        .rev()
        .find(|&&i| matches!(base[i], 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư'))
    {
        Some(i)
    } else {
        let ends_in_consonant = vowels.last().is_some_and(|&l| l + 1 < base.len());
        match vowels.len() {
            0 => None,
            1 => Some(vowels[0]),
            _ if ends_in_consonant => vowels.last().copied(),
            2 => Some(vowels[0]),
            _ => Some(vowels[1]),
        }
    };
    let mut out = String::new();
    for (i, c) in base.iter().enumerate() {
        out.push(*c);
        if Some(i) == at {
            out.push(TONE_MARKS[tone]);
        }
    }
    out.nfc().collect()
}

// ---- synonyms ------------------------------------------------------------------------------

/// The shipped abbreviations and synonyms (see the file for its format).
pub const SHIPPED_SYNONYMS: &str = include_str!("../../assets/search/synonyms.toml");

/// Groups of words or phrases that mean the same at these desks, folded into tokens. A query
/// holding one member of a group also looks for the others (every direction); groups do not
/// chain (`SD` is both `sử dụng` and `số dư`, which are not each other).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymFile {
    groups: Vec<Vec<String>>,
}

/// A synonym file that does not read.
#[derive(Debug, thiserror::Error)]
#[error("synonyms: {0}")]
pub struct SynonymError(String);

impl Synonyms {
    /// The shipped list (`assets/search/synonyms.toml`, compiled in).
    pub fn shipped() -> Synonyms {
        // The shipped file is checked by a test; a broken one would give no synonyms.
        Synonyms::parse(SHIPPED_SYNONYMS).unwrap_or_default()
    }

    /// Read a TOML text `groups = [["mk", "mật khẩu", …], …]`.
    pub fn parse(text: &str) -> Result<Synonyms, SynonymError> {
        let file: SynonymFile = toml::from_str(text).map_err(|e| SynonymError(e.to_string()))?;
        let mut s = Synonyms::default();
        s.extend(&file.groups);
        Ok(s)
    }

    /// Add groups (as written: any case, with or without marks), e.g. the organisation's own
    /// from the configuration's `[search] synonyms`.
    pub fn extend(&mut self, groups: &[Vec<String>]) {
        for g in groups {
            let members: Vec<Vec<String>> = g
                .iter()
                .map(|m| {
                    folded_text(m)
                        .split(' ')
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .filter(|m: &Vec<String>| !m.is_empty())
                .collect();
            if members.len() >= 2 {
                self.groups.push(members);
            }
        }
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// For a query's folded words in order: `(start, length, alternative)` for every member of
    /// a group found there (as consecutive words) and every other member of that group.
    pub fn expansions(&self, words: &[&str]) -> Vec<(usize, usize, Vec<String>)> {
        let mut out: Vec<(usize, usize, Vec<String>)> = Vec::new();
        for g in &self.groups {
            for member in g {
                let n = member.len();
                if n == 0 || n > words.len() {
                    continue;
                }
                for at in 0..=words.len() - n {
                    if words[at..at + n].iter().zip(member).all(|(w, m)| *w == m) {
                        for other in g.iter().filter(|o| *o != member) {
                            if !out.iter().any(|(a, _, o)| *a == at && o == other) {
                                out.push((at, n, other.clone()));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Whether a folded term is a CJK bigram or character (for callers that treat them apart).
pub fn is_cjk_term(term: &str) -> bool {
    term.chars().next().is_some_and(is_cjk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::plan;

    fn telex(w: &str) -> String {
        decode_typing(w).unwrap_or_else(|| format!("<none: {w}>"))
    }

    #[test]
    fn telex_residue_decodes_to_vietnamese() {
        for (typed, want) in [
            ("ddang", "đang"),
            ("ddawng", "đăng"),
            ("nhaapj", "nhập"),
            ("dduwowcj", "được"),
            ("khoong", "không"),
            ("chuwngs", "chứng"),
            ("tuwf", "từ"),
            ("maatj", "mật"),
            ("khaaur", "khẩu"),
            ("taif", "tài"),
            ("sarn", "sản"),
            ("looix", "lỗi"),
            ("quoocs", "quốc"),
            ("lieeuj", "liệu"),
            ("mujc", "mục"),
            ("ngayf", "ngày"),
            ("cow", "cơ"),
            ("sowr", "sở"),
            ("duwx", "dữ"),
            ("giaf", "già"),
        ] {
            assert_eq!(telex(typed), want, "{typed}");
        }
    }

    #[test]
    fn vni_residue_decodes_to_vietnamese() {
        for (typed, want) in [
            ("d9ang8", "đăng"),
            ("nhap65", "nhập"),
            ("viet61", "viết"),
            ("gui73", "gửi"),
            ("loi64", "lỗi"),
            ("quyen62", "quyền"),
            ("ky1", "ký"),
            ("thi5", "thị"),
            ("d9at85", "đặt"),
        ] {
            assert_eq!(telex(typed), want, "{typed}");
        }
    }

    #[test]
    fn what_is_not_residue_is_left_alone() {
        for w in [
            "169", "12541", "dang", "a", "ora6502x", "x", "ab0", "ora12541",
        ] {
            let d = decode_typing(w);
            assert!(d.is_none(), "{w}: {d:?}");
        }
        // `ora6502`: `0` is no VNI key.
        assert_eq!(decode_typing("ora6502"), None);
    }

    #[test]
    fn decoding_only_replaces_unknown_words_whose_decoding_is_known() {
        let known = [
            "dang", "nhap", "khong", "duoc", "xoong", "ora", "12541", "thi",
        ];
        let is_known = |w: &str| known.contains(&w);
        let syn = Synonyms::default();
        let u = understand(&plan("ddang nhaapj khoong dduwowcj xoong "), is_known, &syn);
        assert_eq!(
            u.plan.parts,
            ["dang", "nhap", "khong", "duoc", "xoong"].map(|w| Part::Word(w.into()))
        );
        // `d9ang8` as the last word (a prefix while typing) stays a prefix.
        let u = understand(&plan("d9ang8 nhap65"), is_known, &syn);
        assert_eq!(
            u.plan.parts,
            [Part::Word("dang".into()), Part::Prefix("nhap".into())]
        );
        // A word whose decoding is unknown too stays as typed.
        let u = understand(&plan("qqqs "), is_known, &syn);
        assert_eq!(u.plan.parts, [Part::Word("qqqs".into())]);
    }

    #[test]
    fn codes_written_together_are_cut_into_the_indexed_pieces() {
        let is_known = |w: &str| ["ora", "12541", "frm", "40735", "1"].contains(&w);
        let syn = Synonyms::default();
        for q in ["ora12541 ", "ORA-12541 ", "ora 12541 ", "ORA12541 "] {
            let u = understand(&plan(q), is_known, &syn);
            assert_eq!(
                u.plan.parts,
                [Part::Word("ora".into()), Part::Word("12541".into())],
                "{q}"
            );
        }
        let u = understand(&plan("FRM40735 "), is_known, &syn);
        assert_eq!(
            u.plan.parts,
            [Part::Word("frm".into()), Part::Word("40735".into())]
        );
        // `ORA-1` and `ORA-00001` are the same pieces.
        assert_eq!(plan("ORA-1 ").parts, plan("ORA-00001 ").parts);
        // `0x80070005` and `80070005`.
        assert_eq!(plan("0x80070005 ").parts, plan("80070005 ").parts);
    }

    #[test]
    fn the_shipped_synonyms_read_and_work_both_ways() {
        let s = Synonyms::parse(SHIPPED_SYNONYMS).expect("the shipped file reads");
        assert!(s.len() >= 20);
        let alts = |q: &str| -> Vec<String> {
            let words: Vec<String> = folded_text(q).split(' ').map(String::from).collect();
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            s.expansions(&refs)
                .into_iter()
                .map(|(_, _, a)| a.join(" "))
                .collect()
        };
        assert!(alts("doi MK").contains(&"mat khau".to_string()));
        assert!(alts("đổi mật khẩu").contains(&"mk".to_string()));
        assert!(alts("reset password").contains(&"mat khau".to_string()));
        assert!(alts("lỗi login").contains(&"dang nhap".to_string()));
        assert!(alts("không đăng nhập được").contains(&"login".to_string()));
        assert!(alts("NSD").contains(&"nguoi su dung".to_string()));
        assert!(alts("CTGS").contains(&"chung tu ghi so".to_string()));
        assert!(alts("KBNN").contains(&"kho bac nha nuoc".to_string()));
        assert!(alts("máy in").contains(&"printer".to_string()));
        // Groups do not chain: SD is sử dụng and số dư, which are not each other.
        let sd = alts("so du");
        assert!(sd.contains(&"sd".to_string()));
        assert!(!sd.contains(&"su dung".to_string()));
    }

    #[test]
    fn synonyms_become_weighted_terms_of_the_word_they_stand_for() {
        let mut s = Synonyms::default();
        s.extend(&[vec!["MK".into(), "mật khẩu".into()]]);
        let u = understand(&plan("doi mk "), |_| true, &s);
        assert_eq!(
            u.plan.parts,
            [Part::Word("doi".into()), Part::Word("mk".into())],
            "synonyms never become required"
        );
        let mat = u.terms.iter().find(|t| t.term == "mat").expect("mat");
        assert_eq!(mat.concept, 1);
        assert!((mat.weight - SYNONYM_WEIGHT / 2.0).abs() < 1e-6);
        // The organisation's own pairs extend the list.
        let mut s = Synonyms::default();
        s.extend(&[vec!["PM".into(), "phần mềm".into()], vec!["x".into()]]);
        assert_eq!(s.len(), 1, "a group of one means nothing");
    }

    #[test]
    fn chinese_runs_add_their_bigrams() {
        let u = understand(&plan("超出可用指標餘額"), |_| true, &Synonyms::default());
        let bigrams: Vec<&str> = u.terms.iter().map(|t| t.term.as_str()).collect();
        assert!(
            bigrams.contains(&"指标"),
            "traditional folded to simplified: {bigrams:?}"
        );
        assert!(bigrams.contains(&"余额"));
        assert!(u.terms.iter().all(|t| t.concept == 0));
    }
}
