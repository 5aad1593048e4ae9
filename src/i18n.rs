//! The message catalog: every user-facing string, in Vietnamese and English, as Fluent files
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

type Bundle = FluentBundle<FluentResource>;

static EN_BUNDLE: OnceLock<Bundle> = OnceLock::new();
static VI_BUNDLE: OnceLock<Bundle> = OnceLock::new();

/// A language's messages, parsed on first use. Whether both files hold the same ids and
/// variables is checked by the tests below, not at start-up.
fn bundle(lang: Lang) -> &'static Bundle {
    let (cell, source) = match lang {
        Lang::Vi => (&VI_BUNDLE, VI_FTL),
        Lang::En => (&EN_BUNDLE, EN_FTL),
    };
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

    /// `vi…` is Vietnamese; `en…`, `C` and `POSIX` English; anything else unknown.
    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.trim().to_ascii_lowercase();
        if c.starts_with("vi") {
            Some(Lang::Vi)
        } else if c.starts_with("en") || c == "c" || c.starts_with("c.") || c == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The locale from the environment: `LC_ALL`, then `LC_MESSAGES`, then `LANG`.
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

pub struct Catalog {
    lang: Lang,
}

fn fluent_id(id: &str) -> String {
    id.replace('.', "-")
}

impl Catalog {
    pub fn new(lang: Lang) -> Catalog {
        Catalog { lang }
    }

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

    fn source(&self) -> &'static str {
        match self.lang {
            Lang::Vi => VI_FTL,
            Lang::En => EN_FTL,
        }
    }

    /// Every id of a catalog, dotted, sorted (for the completeness tests).
    pub fn ids(lang: Lang) -> Vec<String> {
        let mut ids: Vec<String> = ids_in(Catalog::new(lang).source())
            .map(|i| i.replace('-', "."))
            .collect();
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
    fn both_catalogs_have_the_same_messages() {
        let vi = Catalog::ids(Lang::Vi);
        let en = Catalog::ids(Lang::En);
        assert!(en.len() > 300, "{} messages", en.len());
        let missing_vi: Vec<_> = en.iter().filter(|id| !vi.contains(id)).collect();
        let missing_en: Vec<_> = vi.iter().filter(|id| !en.contains(id)).collect();
        assert!(
            missing_vi.is_empty(),
            "missing in vi/hotro.ftl: {missing_vi:?}"
        );
        assert!(
            missing_en.is_empty(),
            "missing in en/hotro.ftl: {missing_en:?}"
        );
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
    fn every_message_resolves_in_both_languages() {
        for (lang, source) in [(Lang::Vi, VI_FTL), (Lang::En, EN_FTL)] {
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
            assert_eq!(vars(VI_FTL, &id), vars(EN_FTL, &id), "variables of {id}");
        }
    }

    #[test]
    fn catalogs_parse_without_errors_or_duplicates() {
        for source in [EN_FTL, VI_FTL] {
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
        assert_eq!(Lang::from_code("fr_FR"), None);
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
