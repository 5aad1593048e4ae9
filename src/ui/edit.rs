//! The console's form for correcting a saved ticket (issue 14: nothing could change a saved
//! ticket's title, description, requester, phone, e-mail, unit or channel). State and update
//! only; `view` draws it. Saved as one `ticket edit` ([`Change::Edit`]) at the version the
//! operator saw, through the same path as every write: a change made meanwhile comes back
//! as the conflict dialog, never overwritten.

use crate::domain::ticket::{Change, Ticket, TicketEdit};
use crate::ui::app::{App, ChoiceField, Cmd, Pending, PickItem, Popup, Target};
use crate::ui::keymap::Action;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// The catalog ids of the form's texts, in focus order: title, description, requester,
/// phone, e-mail.
pub const TEXT_LABELS: [&str; 5] = [
    "field.title",
    "field.description",
    "field.requester_name",
    "field.phone",
    "field.email",
];

/// Index of the description among the texts (the only one of several lines).
pub const DESCRIPTION: usize = 1;

/// The correction form of one ticket.
pub struct EditForm {
    /// The ticket and the version the operator saw.
    pub target: Target,
    /// Title, description, requester, phone, e-mail ([`TEXT_LABELS`]).
    pub texts: Vec<TextArea<'static>>,
    /// Unit (blank: none) and channel.
    pub choices: Vec<ChoiceField>,
    /// 0–4 the texts, then the choices.
    pub focus: usize,
    /// The texts and choices as they were when the form opened: only what differs is sent.
    original_texts: Vec<String>,
    original_choices: Vec<Option<String>>,
}

impl EditForm {
    /// How many fields take the focus.
    pub fn field_count(&self) -> usize {
        self.texts.len() + self.choices.len()
    }

    fn text(&self, i: usize) -> String {
        let joined = self
            .texts
            .get(i)
            .map(|t| {
                if i == DESCRIPTION {
                    t.lines().join("\n")
                } else {
                    t.lines().join(" ")
                }
            })
            .unwrap_or_default();
        if i == DESCRIPTION {
            joined
        } else {
            joined.trim().to_string()
        }
    }

    /// Whether anything differs from what the ticket had.
    pub fn changed(&self) -> bool {
        self.edit() != TicketEdit::default()
    }

    /// The correction: each field that differs from what the form opened with (an empty
    /// requester, phone, e-mail or unit clears it).
    pub fn edit(&self) -> TicketEdit {
        let text = |i: usize| {
            let now = self.text(i);
            (self.original_texts.get(i) != Some(&now)).then_some(now)
        };
        let choice = |i: usize| {
            let now = self
                .choices
                .get(i)
                .and_then(|c| c.value().map(str::to_string));
            (self.original_choices.get(i) != Some(&now)).then(|| now.unwrap_or_default())
        };
        TicketEdit {
            title: text(0),
            description: text(1),
            requester: text(2),
            phone: text(3),
            email: text(4),
            unit: choice(0),
            channel: choice(1).filter(|c| !c.is_empty()),
        }
    }
}

impl App {
    /// Open the correction form of the focused ticket.
    pub(crate) fn open_edit_form(&mut self) -> Vec<Cmd> {
        let Some(t) = self.focused_ticket().cloned() else {
            return self.nothing_selected();
        };
        self.popup = Some(Popup::EditTicket(Box::new(self.edit_form(&t))));
        Vec::new()
    }

    fn edit_form(&self, t: &Ticket) -> EditForm {
        let lang = self.cat.lang().code();
        let r = &t.requester;
        // Stored text is untrusted: the form shows (and compares against) it without escape
        // sequences or controls; a field left alone is not sent.
        let original_texts: Vec<String> = [
            Some(&t.title),
            Some(&t.description),
            r.name.as_ref(),
            r.phone.as_ref(),
            r.email.as_ref(),
        ]
        .into_iter()
        .map(|v| v.map(|v| crate::inert::sanitize(v)).unwrap_or_default())
        .collect();
        let texts = original_texts
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut area = TextArea::from(v.lines().map(str::to_string).collect::<Vec<_>>());
                area.set_placeholder_text(self.cat.t(TEXT_LABELS[i]));
                if i == DESCRIPTION {
                    area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
                }
                area
            })
            .collect();
        let mut units = vec![PickItem {
            label: "—".into(),
            value: String::new(),
        }];
        units.extend(self.org.units.iter().map(|u| PickItem {
            label: format!("{} — {}", u.code, u.name),
            value: u.code.clone(),
        }));
        let unit_sel = r
            .unit
            .as_deref()
            .and_then(|u| units.iter().position(|o| o.value == u))
            .unwrap_or(0);
        let choices = vec![
            ChoiceField {
                label_id: "field.unit",
                options: units,
                selected: unit_sel,
                query: String::new(),
            },
            crate::ui::app::coded_choice(
                &self.org.channels,
                "field.channel",
                Some(&t.channel),
                false,
                lang,
            ),
        ];
        let original_choices = choices
            .iter()
            .map(|c: &ChoiceField| c.value().map(str::to_string))
            .collect();
        EditForm {
            target: Target {
                key: t.key.clone(),
                version: t.version,
            },
            texts,
            choices,
            focus: 0,
            original_texts,
            original_choices,
        }
    }

    /// A key in the correction form: Tab/Shift-Tab between fields, Enter to the next field
    /// (a new line in the description), ←/→ or typing on a choice, save, cancel.
    pub(crate) fn on_edit_key(
        &mut self,
        mut f: Box<EditForm>,
        key: KeyEvent,
        action: Option<Action>,
    ) -> Vec<Cmd> {
        let n = f.field_count();
        let texts = f.texts.len();
        match (action, key.code) {
            (Some(Action::Cancel), _) => return Vec::new(),
            (Some(Action::ExternalEditor), _) => {
                // The description is written in $EDITOR, as in the new-ticket form.
                f.focus = DESCRIPTION;
                let text = f.text(DESCRIPTION);
                self.popup = Some(Popup::EditTicket(f));
                return vec![Cmd::OpenEditor(text)];
            }
            (Some(Action::Submit), _) => {
                let edit = f.edit();
                if edit.title.as_deref().is_some_and(|t| t.is_empty()) {
                    self.warn(self.cat.t("flash.title_required"));
                    f.focus = 0;
                } else if edit == TicketEdit::default() {
                    self.warn(self.cat.t("error.nothing_to_change"));
                } else {
                    let pending = vec![Pending {
                        key: f.target.key.clone(),
                        expect: Some(f.target.version),
                        change: Change::Edit(Box::new(edit)),
                    }];
                    return vec![Cmd::Apply(pending)];
                }
            }
            (_, KeyCode::Tab) => f.focus = (f.focus + 1) % n,
            (_, KeyCode::BackTab) => f.focus = (f.focus + n - 1) % n,
            (_, KeyCode::Enter) if f.focus != DESCRIPTION => f.focus = (f.focus + 1) % n,
            _ if f.focus < texts => {
                if let Some(area) = f.texts.get_mut(f.focus) {
                    area.input(key);
                }
            }
            _ => {
                if let Some(c) = f.choices.get_mut(f.focus - texts) {
                    match key.code {
                        KeyCode::Right | KeyCode::Down => c.cycle(true),
                        KeyCode::Left | KeyCode::Up => c.cycle(false),
                        KeyCode::Backspace => {
                            c.query.pop();
                        }
                        KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                            c.type_char(ch)
                        }
                        _ => {}
                    }
                }
            }
        }
        self.popup = Some(Popup::EditTicket(f));
        Vec::new()
    }

    /// Pasted text goes into the focused text field (one line but in the description).
    pub(crate) fn paste_into_edit(f: &mut EditForm, text: String) {
        let text = if f.focus == DESCRIPTION {
            text
        } else {
            text.replace('\n', " ")
        };
        if let Some(area) = f.texts.get_mut(f.focus) {
            area.insert_str(text);
        }
    }
}
