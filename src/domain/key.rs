//! Ticket keys such as `HT-2026-000123`: a yearly sequence in the organisation's time zone.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// A parsed key format. Placeholders: `{year}` and `{seq}` or `{seq:0N}` (zero-padded to N).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFormat {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Year,
    Seq { width: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("unknown placeholder `{{{0}}}` (use {{year}} and {{seq}} or {{seq:06}})")]
    UnknownPlaceholder(String),
    #[error("unclosed `{{`")]
    Unclosed,
    #[error("the format needs both {{year}} and {{seq}}: the sequence restarts every year")]
    MissingPart,
    #[error("padding width {0} is out of range 1..=12")]
    BadWidth(String),
}

impl KeyFormat {
    pub fn parse(spec: &str) -> Result<KeyFormat, KeyFormatError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = spec;
        while let Some(open) = rest.find('{') {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(KeyFormatError::Unclosed)?;
            let name = &after[..close];
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(match name {
                "year" => Part::Year,
                "seq" => Part::Seq { width: 1 },
                _ => match name.strip_prefix("seq:") {
                    Some(w) => {
                        let width: usize = w
                            .parse()
                            .map_err(|_| KeyFormatError::BadWidth(w.to_string()))?;
                        if !(1..=12).contains(&width) {
                            return Err(KeyFormatError::BadWidth(w.to_string()));
                        }
                        Part::Seq { width }
                    }
                    None => return Err(KeyFormatError::UnknownPlaceholder(name.to_string())),
                },
            });
            rest = &after[close + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let has_year = parts.contains(&Part::Year);
        let has_seq = parts.iter().any(|p| matches!(p, Part::Seq { .. }));
        if !has_year || !has_seq {
            return Err(KeyFormatError::MissingPart);
        }
        Ok(KeyFormat { parts })
    }

    pub fn format(&self, year: i32, seq: u64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Year => out.push_str(&year.to_string()),
                Part::Seq { width } => out.push_str(&format!("{seq:0width$}")),
            }
        }
        out
    }

    /// Every ticket key of this format written in `text` (a mail subject such as
    /// `Re: [HT-2026-000123] Lỗi đăng nhập`), in order of appearance, without repeats. A key
    /// is a whole word: the character before it is not a letter or digit, and no digit
    /// follows it. The year is four digits; the sequence at least its padding width and at
    /// most 12 digits.
    pub fn find_in(&self, text: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for (start, _) in text.char_indices() {
            if text[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            if let Some(len) = self.match_at(&text[start..]) {
                let key = &text[start..start + len];
                if !text[start + len..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
                    && !found.iter().any(|k| k == key)
                {
                    found.push(key.to_string());
                }
            }
        }
        found
    }

    /// The length in bytes of the key at the start of `s`, if one is there.
    fn match_at(&self, s: &str) -> Option<usize> {
        let mut at = 0;
        for part in &self.parts {
            let rest = &s[at..];
            match part {
                Part::Literal(l) => {
                    if !rest.starts_with(l.as_str()) {
                        return None;
                    }
                    at += l.len();
                }
                Part::Year => {
                    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                    if digits < 4 {
                        return None;
                    }
                    at += 4;
                }
                Part::Seq { width } => {
                    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                    if digits < *width || digits > 12 {
                        return None;
                    }
                    at += digits;
                }
            }
        }
        Some(at)
    }
}

/// The sequence year of a ticket created at `now`: the calendar year in the organisation's
/// time zone, so the sequence rolls over at local midnight on 1 January, not at UTC midnight.
pub fn key_year(now: DateTime<Utc>, tz: Tz) -> i32 {
    now.with_timezone(&tz).year()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keys_are_found_in_a_subject() {
        let f = KeyFormat::parse("HT-{year}-{seq:06}").expect("valid");
        assert_eq!(
            f.find_in("Re: [HT-2026-000123] Lỗi — xem HT-2026-000123, HT-2026-000007"),
            vec!["HT-2026-000123".to_string(), "HT-2026-000007".to_string()]
        );
        assert!(f.find_in("XHT-2026-000123").is_empty());
        assert!(f.find_in("HT-2026-00012").is_empty());
        assert!(f.find_in("HT-2026-0001234567890123").is_empty());
        assert!(f.find_in("Lỗi đăng nhập").is_empty());
    }

    #[test]
    fn default_format_pads_the_sequence() {
        let f = KeyFormat::parse("HT-{year}-{seq:06}").expect("valid");
        assert_eq!(f.format(2026, 123), "HT-2026-000123");
        assert_eq!(f.format(2027, 1_234_567), "HT-2027-1234567");
    }

    #[test]
    fn other_formats() {
        let f = KeyFormat::parse("{year}/{seq}").expect("valid");
        assert_eq!(f.format(2026, 7), "2026/7");
        let f = KeyFormat::parse("YC{seq:04}-{year}").expect("valid");
        assert_eq!(f.format(2026, 7), "YC0007-2026");
    }

    #[test]
    fn bad_formats_are_refused() {
        assert_eq!(
            KeyFormat::parse("HT-{seq:06}"),
            Err(KeyFormatError::MissingPart)
        );
        assert_eq!(
            KeyFormat::parse("HT-{year}-{id}"),
            Err(KeyFormatError::UnknownPlaceholder("id".into()))
        );
        assert_eq!(
            KeyFormat::parse("HT-{year}-{seq"),
            Err(KeyFormatError::Unclosed)
        );
        assert_eq!(
            KeyFormat::parse("HT-{year}-{seq:x}"),
            Err(KeyFormatError::BadWidth("x".into()))
        );
        assert_eq!(
            KeyFormat::parse("HT-{year}-{seq:40}"),
            Err(KeyFormatError::BadWidth("40".into()))
        );
    }

    #[test]
    fn year_rolls_over_at_local_midnight() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().expect("tz");
        // 23:59:59 on 31 Dec 2026 in Hanoi is 16:59:59 UTC.
        let before = Utc.with_ymd_and_hms(2026, 12, 31, 16, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(key_year(before, tz), 2026);
        assert_eq!(key_year(after, tz), 2027);
        // In UTC the same instant is still 2026.
        assert_eq!(key_year(after, chrono_tz::UTC), 2026);
    }
}
