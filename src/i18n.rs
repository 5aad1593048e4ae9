//! The message catalog: every user-facing string, in Vietnamese and English.
//! Catalogs are TOML files in `assets/i18n/`, embedded in the binary; a message id is its
//! dotted path (`ticket.created`), and `{name}` placeholders are filled from arguments.

use std::collections::HashMap;
use std::fmt::Display;

const EN: &str = include_str!("../assets/i18n/en.toml");
const VI: &str = include_str!("../assets/i18n/vi.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// `vi…` is Vietnamese; anything else English.
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        if c.starts_with("vi") {
            Some(Lang::Vi)
        } else if c.starts_with("en") || c == "c" || c == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The locale from the environment: `LC_ALL`, then `LC_MESSAGES`, then `LANG`.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return Lang::from_code(&v).unwrap_or(Lang::En);
                }
            }
        }
        Lang::En
    }
}

pub struct Catalog {
    lang: Lang,
    messages: HashMap<String, String>,
    fallback: HashMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let id = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&id, t, out),
            toml::Value::String(s) => {
                out.insert(id, s.clone());
            }
            other => {
                out.insert(id, other.to_string());
            }
        }
    }
}

/// Parse one embedded catalog. They are tested, so a failure is a build defect.
fn load(text: &str, name: &str) -> HashMap<String, String> {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => panic!("message catalog {name} is broken: {e}"),
    };
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

impl Catalog {
    pub fn new(lang: Lang) -> Catalog {
        let messages = match lang {
            Lang::Vi => load(VI, "vi.toml"),
            Lang::En => load(EN, "en.toml"),
        };
        Catalog {
            lang,
            messages,
            fallback: load(EN, "en.toml"),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message, or (a catalog defect) the English one, or the id itself.
    pub fn t(&self, id: &str) -> String {
        self.messages
            .get(id)
            .or_else(|| self.fallback.get(id))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The message with `{name}` placeholders replaced.
    pub fn f(&self, id: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut text = self.t(id);
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }

    pub fn has(&self, id: &str) -> bool {
        self.messages.contains_key(id)
    }

    /// All ids of a catalog (for the completeness test).
    pub fn ids(lang: Lang) -> Vec<String> {
        let mut ids: Vec<String> = match lang {
            Lang::Vi => load(VI, "vi.toml"),
            Lang::En => load(EN, "en.toml"),
        }
        .into_keys()
        .collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_have_the_same_messages() {
        let vi = Catalog::ids(Lang::Vi);
        let en = Catalog::ids(Lang::En);
        let missing_vi: Vec<_> = en.iter().filter(|id| !vi.contains(id)).collect();
        let missing_en: Vec<_> = vi.iter().filter(|id| !en.contains(id)).collect();
        assert!(missing_vi.is_empty(), "missing in vi.toml: {missing_vi:?}");
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
    }

    #[test]
    fn placeholders_match_between_languages() {
        let vi = Catalog::new(Lang::Vi);
        let en = Catalog::new(Lang::En);
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v
        };
        for id in Catalog::ids(Lang::En) {
            assert_eq!(names(&vi.t(&id)), names(&en.t(&id)), "placeholders of {id}");
        }
    }

    #[test]
    fn locale_codes() {
        assert_eq!(Lang::from_code("vi_VN.UTF-8"), Some(Lang::Vi));
        assert_eq!(Lang::from_code("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_code("C"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr_FR"), None);
    }

    #[test]
    fn arguments_are_filled_in() {
        let en = Catalog::new(Lang::En);
        let text = en.f("ticket.created", &[("key", &"HT-2026-000001")]);
        assert!(text.contains("HT-2026-000001"), "{text}");
    }
}
