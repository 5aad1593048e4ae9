//! The keymap: which key does what in which context, with a description for the hint bar
//! and the help overlay. Loaded from `assets/keymap.toml` (embedded), with a user file merged
//! over it.

use crate::i18n::Catalog;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

macro_rules! actions {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Everything a key can ask for. The name is what keymap files and the palette use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }
        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit",
    ForceQuit => "force_quit",
    Help => "help",
    Palette => "palette",
    FocusNext => "focus_next",
    FocusPrev => "focus_prev",
    Back => "back",
    Refresh => "refresh",
    Down => "down",
    Up => "up",
    Top => "top",
    Bottom => "bottom",
    PageDown => "page_down",
    PageUp => "page_up",
    Open => "open",
    Filter => "filter",
    QueueN => "queue_n",
    Sort => "sort",
    New => "new",
    Reply => "reply",
    Note => "note",
    Take => "take",
    Assign => "assign",
    Classify => "classify",
    EditTicket => "edit_ticket",
    Status => "status",
    Escalate => "escalate",
    Transfer => "transfer",
    ReturnDown => "return_down",
    Link => "link",
    Resolve => "resolve",
    Confirm => "confirm",
    Reopen => "reopen",
    Mark => "mark",
    Knowledge => "knowledge",
    DraftArticle => "draft_article",
    NewArticle => "new_article",
    EditArticle => "edit_article",
    PublishArticle => "publish_article",
    RetireArticle => "retire_article",
    ReviewDrafts => "review_drafts",
    Submit => "submit",
    Cancel => "cancel",
    ExternalEditor => "external_editor",
    Yes => "yes",
    No => "no",
    Discard => "discard",
    MorningCheck => "morning_check",
    CheckOk => "check_ok",
    CheckSlow => "check_slow",
    CheckLoginFailed => "check_login_failed",
    CheckDown => "check_down",
    CheckNote => "check_note",
    RunProbes => "run_probes",
    AcceptProbes => "accept_probes",
    CheckIncident => "check_incident",
    Finalise => "finalise",
    History => "history",
    Announce => "announce",
    CompleteStep => "complete_step",
    ReturnStep => "return_step",
    ToggleDescription => "toggle_description",
    ResendMail => "resend_mail",
    CheckReport => "check_report",
    Requirements => "requirements",
    ReqForward => "req_forward",
    ReqReject => "req_reject",
    ReqAdopt => "req_adopt",
    ReqNotAdopt => "req_not_adopt",
    ReqPlan => "req_plan",
    ReqAdvance => "req_advance",
    PrevMonth => "prev_month",
    NextMonth => "next_month",
    Reports => "reports",
    PrevPeriod => "prev_period",
    NextPeriod => "next_period",
    PeriodKind => "period_kind",
    Breakdown => "breakdown",
    ExportReport => "export_report",
    ExportFormat => "export_format",
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Queue,
    Detail,
    Editor,
    Picker,
    Confirm,
    Knowledge,
    Check,
    Requirements,
    /// The Reports screen (issue 13).
    Reports,
}

impl Context {
    pub const ALL: [Context; 10] = [
        Context::Global,
        Context::Queue,
        Context::Detail,
        Context::Knowledge,
        Context::Check,
        Context::Requirements,
        Context::Reports,
        Context::Editor,
        Context::Picker,
        Context::Confirm,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Queue => "queue",
            Context::Detail => "detail",
            Context::Editor => "editor",
            Context::Picker => "picker",
            Context::Confirm => "confirm",
            Context::Knowledge => "knowledge",
            Context::Check => "check",
            Context::Requirements => "requirements",
            Context::Reports => "reports",
        }
    }
}

/// A key with its modifiers, as written in keymap files (`Ctrl-s`, `G`, `PgDn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn parse(spec: &str) -> Option<Key> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = spec;
        loop {
            if let Some(r) = rest.strip_prefix("Ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" | "Shift-Tab" => KeyCode::BackTab,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PgUp" => KeyCode::PageUp,
            "PgDn" => KeyCode::PageDown,
            "Backspace" => KeyCode::Backspace,
            "Delete" => KeyCode::Delete,
            "Space" => KeyCode::Char(' '),
            f if f.starts_with('F') && f.len() > 1 => KeyCode::F(f[1..].parse().ok()?),
            c => {
                let mut chars = c.chars();
                let ch = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(if ctrl { ch.to_ascii_lowercase() } else { ch })
            }
        };
        Some(Key { code, ctrl, alt })
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let code = match e.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Key {
            code,
            ctrl,
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// The label shown in hints: `q`, `Ctrl-s`, `PgDn`.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "S-Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Backspace => "Bksp".to_string(),
            KeyCode::Delete => "Del".to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("Ctrl-{base}"),
            (false, true) => format!("Alt-{base}"),
            _ => base,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    /// A description from the keymap file; `None` means the catalog's `action.<name>`.
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    contexts: BTreeMap<Context, Vec<Binding>>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap {file}: not valid TOML: {message}")]
    Toml { file: String, message: String },
    #[error(
        "keymap {file}: unknown context `{context}`; expected one of global, queue, detail, knowledge, check, requirements, reports, editor, picker, confirm"
    )]
    Context { file: String, context: String },
    #[error("keymap {file}, [[{context}]]: unknown action `{action}`")]
    Action {
        file: String,
        context: String,
        action: String,
    },
    #[error(
        "keymap {file}, [[{context}]] action `{action}`: cannot read key `{key}` (examples: q, G, Ctrl-s, PgDn, F1)"
    )]
    Key {
        file: String,
        context: String,
        action: String,
        key: String,
    },
    #[error("cannot read keymap {file}: {message}")]
    Read { file: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: Vec<String>,
    action: String,
    description: Option<String>,
}

impl Keymap {
    /// The embedded default, which is tested: failing to parse it is a build defect.
    pub fn default_map() -> Keymap {
        match Keymap::parse(DEFAULT_KEYMAP, "<embedded keymap>") {
            Ok(k) => k,
            Err(e) => panic!("the embedded keymap is broken: {e}"),
        }
    }

    /// The default with the user's file (if any) merged over it.
    pub fn load(user_file: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default_map();
        if let Some(path) = user_file.filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path).map_err(|e| KeymapError::Read {
                file: path.display().to_string(),
                message: e.to_string(),
            })?;
            let user = Keymap::parse(&text, &path.display().to_string())?;
            map.merge(user);
        }
        Ok(map)
    }

    pub fn parse(text: &str, file: &str) -> Result<Keymap, KeymapError> {
        let raw: BTreeMap<String, Vec<RawBinding>> =
            toml::from_str(text).map_err(|e| KeymapError::Toml {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        let mut contexts = BTreeMap::new();
        for (name, list) in raw {
            let context = Context::ALL
                .into_iter()
                .find(|c| c.name() == name)
                .ok_or_else(|| KeymapError::Context {
                    file: file.to_string(),
                    context: name.clone(),
                })?;
            let mut bindings = Vec::new();
            for b in list {
                let action = Action::from_name(&b.action).ok_or_else(|| KeymapError::Action {
                    file: file.to_string(),
                    context: name.clone(),
                    action: b.action.clone(),
                })?;
                let mut keys = Vec::new();
                for k in &b.keys {
                    keys.push(Key::parse(k).ok_or_else(|| KeymapError::Key {
                        file: file.to_string(),
                        context: name.clone(),
                        action: b.action.clone(),
                        key: k.clone(),
                    })?);
                }
                bindings.push(Binding {
                    keys,
                    action,
                    description: b.description,
                });
            }
            contexts.insert(context, bindings);
        }
        Ok(Keymap { contexts })
    }

    /// User bindings replace the default keys of the same action in the same context, and
    /// a key the user binds is taken away from any other action there.
    fn merge(&mut self, user: Keymap) {
        for (context, bindings) in user.contexts {
            let list = self.contexts.entry(context).or_default();
            for b in bindings {
                // In the default's place, so hints and help keep their order.
                let at = list.iter().position(|d| d.action == b.action);
                list.retain(|d| d.action != b.action);
                for d in list.iter_mut() {
                    d.keys.retain(|k| !b.keys.contains(k));
                }
                match at {
                    Some(i) => list.insert(i.min(list.len()), b),
                    None => list.push(b),
                }
            }
            list.retain(|d| !d.keys.is_empty());
        }
    }

    /// The action for a key in `contexts` (narrowest first).
    pub fn lookup(&self, contexts: &[Context], key: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(key);
        contexts.iter().find_map(|c| {
            self.contexts.get(c).and_then(|list| {
                list.iter()
                    .find(|b| b.keys.contains(&key))
                    .map(|b| b.action)
            })
        })
    }

    pub fn bindings(&self, context: Context) -> &[Binding] {
        self.contexts
            .get(&context)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first key of an action in `contexts`, for hints ("r reply").
    pub fn key_for(&self, contexts: &[Context], action: Action) -> Option<Key> {
        contexts.iter().find_map(|c| {
            self.bindings(*c)
                .iter()
                .find(|b| b.action == action)
                .and_then(|b| b.keys.first().copied())
        })
    }

    /// What a binding does, in the operator's language.
    pub fn describe(&self, cat: &Catalog, binding: &Binding) -> String {
        match &binding.description {
            Some(d) => d.clone(),
            None => cat.t(&format!("action.{}", binding.action.name())),
        }
    }
}

/// How much a key's hint matters when the hint bar cannot show them all: 0 first. Leaving
/// and answering come first (a screen must say how to get out of it), then the work done on
/// a ticket or a checked system, then moving between views, then the rest.
pub fn hint_priority(action: Action) -> u8 {
    use Action::*;
    match action {
        Help | Quit | Back | Submit | Cancel | Yes | No | Discard => 0,
        Open | New | Reply | Note | Take | Assign | Escalate | Resolve | CompleteStep | CheckOk
        | CheckSlow | CheckLoginFailed | CheckDown | CheckIncident | Finalise | ReqForward
        | ReqReject | ReqAdopt | ReqNotAdopt | ReqPlan | ReqAdvance | ExportReport | Breakdown
        // Offered only when a mail failed or may not have arrived: then it matters.
        | ResendMail => 1,
        Filter | QueueN | Classify | Status | Knowledge | CheckNote | RunProbes | AcceptProbes
        | Announce | History | ReturnDown | Transfer | ReturnStep | Link | ExternalEditor
        | Confirm | Reopen | PrevMonth | NextMonth | PrevPeriod | NextPeriod | PeriodKind
        | ExportFormat => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn default_keymap_has_the_documented_keys() {
        let map = Keymap::default_map();
        let q = [Context::Queue, Context::Global];
        let cases = [
            (KeyCode::Char('q'), Action::Quit),
            (KeyCode::Char('?'), Action::Help),
            (KeyCode::Char('/'), Action::Filter),
            (KeyCode::Char(':'), Action::Palette),
            (KeyCode::Tab, Action::FocusNext),
            (KeyCode::BackTab, Action::FocusPrev),
            (KeyCode::Char('5'), Action::QueueN),
            (KeyCode::Char('j'), Action::Down),
            (KeyCode::Down, Action::Down),
            (KeyCode::Char('k'), Action::Up),
            (KeyCode::Char('g'), Action::Top),
            (KeyCode::PageDown, Action::PageDown),
            (KeyCode::Enter, Action::Open),
            (KeyCode::Esc, Action::Back),
            (KeyCode::Char('n'), Action::New),
            (KeyCode::Char('r'), Action::Reply),
            (KeyCode::Char('i'), Action::Note),
            (KeyCode::Char('t'), Action::Take),
            (KeyCode::Char('a'), Action::Assign),
            (KeyCode::Char('c'), Action::Classify),
            (KeyCode::Char('s'), Action::Status),
            (KeyCode::Char('e'), Action::Escalate),
            (KeyCode::Char('l'), Action::Link),
            (KeyCode::Char('v'), Action::Mark),
        ];
        for (code, action) in cases {
            assert_eq!(
                map.lookup(&q, &key(code, KeyModifiers::NONE)),
                Some(action),
                "{code:?}"
            );
        }
        // Upper-case letters arrive with SHIFT.
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Char('E'), KeyModifiers::SHIFT)),
            Some(Action::ReturnDown)
        );
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Resolve)
        );
        assert_eq!(
            map.lookup(
                &[Context::Editor],
                &key(KeyCode::Char('s'), KeyModifiers::CONTROL)
            ),
            Some(Action::Submit)
        );
    }

    #[test]
    fn every_action_in_the_default_has_a_description_in_every_language() {
        let map = Keymap::default_map();
        for lang in Lang::ALL {
            let cat = Catalog::new(lang);
            for c in Context::ALL {
                for b in map.bindings(c) {
                    assert!(
                        cat.has(&format!("action.{}", b.action.name())),
                        "{lang:?}: action.{}",
                        b.action.name()
                    );
                }
            }
            for a in Action::ALL {
                assert!(
                    cat.has(&format!("action.{}", a.name())),
                    "{lang:?}: action.{}",
                    a.name()
                );
            }
        }
    }

    #[test]
    fn a_user_file_overrides_keys() {
        let mut map = Keymap::default_map();
        let user = Keymap::parse(
            "[[queue]]\nkeys = [\"x\"]\naction = \"reply\"\ndescription = \"trả lời\"\n\n[[queue]]\nkeys = [\"j\"]\naction = \"top\"\n",
            "user.toml",
        )
        .unwrap();
        map.merge(user);
        let q = [Context::Queue, Context::Global];
        let none = KeyModifiers::NONE;
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Char('x'), none)),
            Some(Action::Reply)
        );
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Char('r'), none)),
            None,
            "old key replaced"
        );
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Char('j'), none)),
            Some(Action::Top),
            "key taken over"
        );
        assert_eq!(
            map.lookup(&q, &key(KeyCode::Down, none)),
            Some(Action::Down),
            "other keys kept"
        );
    }

    #[test]
    fn bad_keymaps_say_where() {
        let e =
            Keymap::parse("[[queue]]\nkeys = [\"x\"]\naction = \"fly\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("unknown action `fly`"), "{e}");
        let e = Keymap::parse(
            "[[queue]]\nkeys = [\"Hyper-x\"]\naction = \"reply\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("cannot read key `Hyper-x`"), "{e}");
        let e = Keymap::parse(
            "[[kitchen]]\nkeys = [\"x\"]\naction = \"reply\"\n",
            "k.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown context `kitchen`"), "{e}");
        let e =
            Keymap::parse("[[queue]]\nkey = [\"x\"]\naction = \"reply\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("k.toml"), "{e}");
    }
}
