//! The message catalog: every user-facing string, in Vietnamese, English and simplified
//! Chinese, as Fluent files
//! in `assets/i18n/<lang>/hotro.ftl`, embedded in the binary. In code a message id is a dotted
//! path (`ticket.created`); in the files the dots are dashes (`ticket-created`). Arguments are
//! Fluent variables (`{ $key }`), inserted without Unicode isolation marks, which would show up
//! as stray characters in a terminal.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::fmt::Display;
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

/// The catalog files' text, embedded; each is parsed the first time a message of its language
/// is needed (a command that prints nothing, or `--version`, parses none).
const EN_FTL: &str = include_str!("../assets/i18n/en/hotro.ftl");
const VI_FTL: &str = include_str!("../assets/i18n/vi/hotro.ftl");
const ZH_FTL: &str = include_str!("../assets/i18n/zh/hotro.ftl");

type Bundle = FluentBundle<FluentResource>;

static EN_BUNDLE: OnceLock<Bundle> = OnceLock::new();
static VI_BUNDLE: OnceLock<Bundle> = OnceLock::new();
static ZH_BUNDLE: OnceLock<Bundle> = OnceLock::new();

/// A language's messages, parsed on first use. Whether every file holds the same ids and
/// variables is checked by the tests below, not at start-up.
fn bundle(lang: Lang) -> &'static Bundle {
    let cell = match lang {
        Lang::Vi => &VI_BUNDLE,
        Lang::En => &EN_BUNDLE,
        Lang::Zh => &ZH_BUNDLE,
    };
    let source = lang.source();
    cell.get_or_init(|| {
        let id: LanguageIdentifier = match lang.code().parse() {
            Ok(id) => id,
            Err(e) => panic!("language id {}: {e}", lang.code()),
        };
        let mut bundle = Bundle::new_concurrent(vec![id]);
        bundle.set_use_isolating(false);
        // A syntax error leaves out only the entry it is in (the tests find it); the rest
        // of the file still serves.
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
        // Duplicate ids are refused one by one; the first of each stays (tests catch them).
        let _ = bundle.add_resource(resource);
        bundle
    })
}

/// A message of one language, formatted; `None` if that language lacks it or an argument is
/// missing.
fn lookup(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

/// A language hotro's messages come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese, the working language.
    Vi,
    /// English, also the fallback for a message a catalog lacks.
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Every language with a catalog, in the order they are listed to users.
    pub const ALL: [Lang; 3] = [Lang::Vi, Lang::En, Lang::Zh];

    /// The language's code: `vi`, `en`, `zh` (also its catalog's directory name).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The known codes as a list for messages: `vi, en, zh`.
    pub fn known_codes() -> String {
        Lang::ALL.map(Lang::code).join(", ")
    }

    /// A language chosen by name (`--lang`): one of the codes, in any case; anything else
    /// (another language, a locale such as `vi_VN`) is unknown.
    pub fn from_name(name: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| name.trim().eq_ignore_ascii_case(l.code()))
    }

    /// A locale (`LANG` and friends): `vi…` is Vietnamese; `zh…` Chinese; `en…`, `C` and
    /// `POSIX` English; anything else unknown.
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        if c.starts_with("vi") {
            Some(Lang::Vi)
        } else if c.starts_with("zh") {
            Some(Lang::Zh)
        } else if c.starts_with("en") || c == "c" || c.starts_with("c.") || c == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The catalog file's text.
    fn source(self) -> &'static str {
        match self {
            Lang::Vi => VI_FTL,
            Lang::En => EN_FTL,
            Lang::Zh => ZH_FTL,
        }
    }

    /// The locale from the environment: `LC_ALL`, then `LC_MESSAGES`, then `LANG`. A locale
    /// of another language gives English: the locale is the whole system's setting, not a
    /// choice made for hotro (that is `--lang`, which refuses an unknown language).
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return Lang::from_code(&v).unwrap_or(Lang::En);
            }
        }
        Lang::En
    }
}

/// The messages of one language, with English as the fallback for a message it lacks.
pub struct Catalog {
    lang: Lang,
}

fn fluent_id(id: &str) -> String {
    id.replace('.', "-")
}

impl Catalog {
    /// The catalog of `lang` (parsed when its first message is needed).
    pub fn new(lang: Lang) -> Catalog {
        Catalog { lang }
    }

    /// The catalog's language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message, or (a catalog defect) the English one, or the id itself.
    pub fn t(&self, id: &str) -> String {
        self.resolve(id, None)
    }

    /// The message with its `{ $name }` variables filled in.
    pub fn f(&self, id: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut fargs = FluentArgs::with_capacity(args.len());
        for (k, v) in args {
            fargs.set(k.to_string(), FluentValue::from(v.to_string()));
        }
        self.resolve(id, Some(&fargs))
    }

    fn resolve(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let fid = fluent_id(id);
        lookup(self.lang, &fid, args)
            .or_else(|| (self.lang != Lang::En).then(|| lookup(Lang::En, &fid, args))?)
            .unwrap_or_else(|| id.to_string())
    }

    /// Whether this language itself has the message (no fallback).
    pub fn has(&self, id: &str) -> bool {
        bundle(self.lang).has_message(&fluent_id(id))
    }

    /// Every id of a catalog, dotted, sorted (for the completeness tests).
    pub fn ids(lang: Lang) -> Vec<String> {
        let mut ids: Vec<String> = ids_in(lang.source()).map(|i| i.replace('-', ".")).collect();
        ids.sort();
        ids
    }
}

/// Message ids of a Fluent file: lines `id = …` that are not comments or continuations.
fn ids_in(source: &'static str) -> impl Iterator<Item = String> {
    source.lines().filter_map(|line| {
        let (id, _) = line.split_once(" =")?;
        let first = id.chars().next()?;
        (first.is_ascii_alphabetic()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| id.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_has_the_same_messages() {
        let en = Catalog::ids(Lang::En);
        assert!(en.len() > 300, "{} messages", en.len());
        for lang in Lang::ALL {
            let ids = Catalog::ids(lang);
            let missing: Vec<_> = en.iter().filter(|id| !ids.contains(id)).collect();
            let extra: Vec<_> = ids.iter().filter(|id| !en.contains(id)).collect();
            let code = lang.code();
            assert!(
                missing.is_empty(),
                "missing in {code}/hotro.ftl: {missing:?}"
            );
            assert!(extra.is_empty(), "missing in en/hotro.ftl: {extra:?}");
        }
    }

    /// The variables a message of `source` uses, sorted.
    fn vars(source: &str, id: &str) -> Vec<String> {
        let wanted = format!("{} =", id.replace('.', "-"));
        let line = source
            .lines()
            .find(|l| l.starts_with(&wanted))
            .unwrap_or_default();
        let mut v: Vec<String> = line
            .split("{ $")
            .skip(1)
            .filter_map(|p| p.split_once(' ').map(|(n, _)| n.to_string()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn every_message_resolves_in_every_language() {
        for lang in Lang::ALL {
            let source = lang.source();
            let cat = Catalog::new(lang);
            for id in Catalog::ids(lang) {
                let names = vars(source, &id);
                let args: Vec<(&str, &dyn Display)> = names
                    .iter()
                    .map(|n| (n.as_str(), &"X" as &dyn Display))
                    .collect();
                let text = cat.f(&id, &args);
                assert_ne!(text, id, "{lang:?}: {id} does not resolve");
                assert!(
                    !text.contains("{ $") && !text.contains('{'),
                    "{lang:?}: {id} left a variable: {text}"
                );
            }
        }
    }

    #[test]
    fn variables_match_between_languages() {
        for id in Catalog::ids(Lang::En) {
            for lang in [Lang::Vi, Lang::Zh] {
                assert_eq!(
                    vars(lang.source(), &id),
                    vars(EN_FTL, &id),
                    "variables of {id} in {}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn catalogs_parse_without_errors_or_duplicates() {
        for source in Lang::ALL.map(Lang::source) {
            let resource = match FluentResource::try_new(source.to_string()) {
                Ok(r) => r,
                Err((_, errors)) => panic!("catalog syntax: {errors:?}"),
            };
            let id: LanguageIdentifier = "en".parse().expect("language id");
            let mut bundle = Bundle::new_concurrent(vec![id]);
            if let Err(errors) = bundle.add_resource(resource) {
                panic!("catalog entries: {errors:?}");
            }
        }
    }

    #[test]
    fn a_message_missing_in_vietnamese_falls_back_to_english() {
        // No such message in either: the id itself.
        assert_eq!(
            Catalog::new(Lang::Vi).t("no.such.message"),
            "no.such.message"
        );
        assert!(Catalog::new(Lang::En).has("ticket.created"));
        assert!(!Catalog::new(Lang::En).has("no.such.message"));
    }

    #[test]
    fn locale_codes() {
        assert_eq!(Lang::from_code("vi_VN.UTF-8"), Some(Lang::Vi));
        assert_eq!(Lang::from_code("en_US.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_code("C"), Some(Lang::En));
        assert_eq!(Lang::from_code("C.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_code("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::from_code("fr_FR"), None);
    }

    #[test]
    fn language_names() {
        assert_eq!(Lang::from_name("zh"), Some(Lang::Zh));
        assert_eq!(Lang::from_name("ZH"), Some(Lang::Zh));
        assert_eq!(Lang::from_name("vi"), Some(Lang::Vi));
        assert_eq!(Lang::from_name("en"), Some(Lang::En));
        for unknown in ["fr", "", "english", "vie", "c", "zhx", "vi_VN"] {
            assert_eq!(Lang::from_name(unknown), None, "{unknown}");
        }
        assert_eq!(Lang::known_codes(), "vi, en, zh");
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let en = Catalog::new(Lang::En);
        let text = en.f(
            "ticket.created",
            &[("key", &"HT-2026-000001"), ("priority", &"P1")],
        );
        assert_eq!(text, "Created ticket HT-2026-000001 (priority P1).");
        let vi = Catalog::new(Lang::Vi);
        assert_eq!(
            vi.f(
                "db.check.counts",
                &[
                    ("tickets", &5),
                    ("events", &10),
                    ("articles", &0),
                    ("bytes", &1)
                ]
            ),
            "Số lượng:        5 phiếu, 10 sự kiện, 0 bài tri thức, 1 byte"
        );
        assert!(!text.contains('\u{2068}') && !text.contains('\u{2069}'));
    }
}
