//! The console without a terminal: every action through `App::update` against a real
//! database on each engine (a SQLite file, a throwaway PostgreSQL cluster: issue 17), and
//! every screen rendered into ratatui's `TestBackend` and snapshotted (the same snapshots on
//! both engines).
#![allow(clippy::unwrap_used)]

mod common;

use common::desks::{Database, Engine, on_each_engine};

use chrono::{DateTime, TimeZone, Utc};
use hotro::config;
use hotro::domain::org::Organisation;
use hotro::domain::status::Status;
use hotro::domain::ticket::{Change, Ctx, NewTicket, Requester};
use hotro::i18n::{Catalog, Lang};
use hotro::store::Store;
use hotro::ui::app::{App, Msg, Popup};
use hotro::ui::exec::Executor;
use hotro::ui::keymap::Keymap;
use hotro::ui::view::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap()
}

fn org() -> Organisation {
    config::embedded().org
}

/// Dropped in field order: the connection, then the database (its cluster), then the folder.
struct Desk {
    store: Store,
    app: App,
    /// Who acts: the console's operator, through the application layer.
    session: hotro::desk::Session,
    /// Where the console keeps the search index ([`Store::index_home`]; for a PostgreSQL
    /// database, in the test's folder rather than the user's cache folder).
    index_home: PathBuf,
    db: Database,
    dir: tempfile::TempDir,
}

/// A database with a few tickets in Vietnamese, Chinese and English, and a console for
/// `login` over it.
fn desk(login: &str, lang: Lang) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::new(dir.path());
    // The schema made: the SQLite file created, or the empty PostgreSQL database filled.
    let mut store = match db.engine {
        Engine::Sqlite => Store::create(std::path::Path::new(&db.target)).unwrap(),
        Engine::Postgres => db.store(),
    };
    let index_home = match db.cluster {
        None => store.index_home().unwrap(),
        Some(_) => dir.path().join("index"),
    };
    // A test database (as `hotro init --test` makes it): the session below assumes one, and
    // other processes may fix its clock (`HOTRO_NOW`) and act as anyone on it.
    store.set_purpose(hotro::store::Purpose::Test).unwrap();
    let org = org();
    let seed = [
        (
            "Không đăng nhập được TABMIS",
            "Tài khoản bị khóa sau 5 lần nhập sai.",
            Some("TABMIS"),
            Some("HN"),
        ),
        (
            "网络连接失败",
            "客户端登录时提示网络连接失败。",
            Some("BMIS"),
            None,
        ),
        (
            "Đối chiếu TTSP lệch số liệu cuối ngày",
            "Bảng kê đối chiếu lệch với ngân hàng.",
            Some("TTSP"),
            Some("DN"),
        ),
        (
            "Mailbox full",
            "Incoming mail bounces.",
            Some("Mail"),
            Some("HCM-Q1"),
        ),
    ];
    for (i, (title, description, app, unit)) in seed.into_iter().enumerate() {
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: now() - chrono::Duration::hours(5 - i as i64),
            by: None,
        };
        let new = NewTicket {
            title: title.into(),
            description: description.into(),
            application: app.map(Into::into),
            requester: Requester {
                name: Some("Trần Thị Mai".into()),
                unit: unit.map(Into::into),
                phone: Some("0912 345 678".into()),
                email: None,
            },
            ..NewTicket::default()
        };
        store.create_ticket(&new, ctx).unwrap();
    }
    let me = org.operator(login).unwrap().clone();
    let session = hotro::desk::Session::assume(config::embedded(), me.clone());
    let mut app = App::new(Catalog::new(lang), org, me, Keymap::default_map(), now());
    let mut exec = Executor::new(&mut store, &session).with_index_home(index_home.clone());
    exec.drive(
        &mut app,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    exec.start(&mut app);
    Desk {
        store,
        app,
        session,
        index_home,
        db,
        dir,
    }
}

/// Make the console's operator a key user only (search, read, record requests): in the
/// session that every write goes through, and in what the console offers.
fn key_user_only(d: &mut Desk) {
    let roles = vec![hotro::domain::org::Role::KeyUser];
    if let Some(me) = d.session.me.as_mut() {
        me.roles = roles.clone();
    }
    d.app.me.roles = roles.clone();
    d.app
        .set_permissions(d.session.org().permissions.grants(&roles));
}

/// Another operator sits down at a console over the same database: a new session and a
/// new console for `login`, at the current console's time.
fn sit_down(d: &mut Desk, login: &str, lang: Lang) {
    let org = org();
    let me = org.operator(login).unwrap().clone();
    d.session = hotro::desk::Session::assume(config::embedded(), me.clone());
    let now = d.app.now;
    d.app = App::new(Catalog::new(lang), org, me, Keymap::default_map(), now);
    let mut exec = exec_of(&mut d.store, &d.session, &d.index_home).with_now(now);
    exec.drive(
        &mut d.app,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    exec.start(&mut d.app);
}

/// The console's executor over the desk's store, keeping the index where the desk does.
fn exec_of<'a>(
    store: &'a mut Store,
    session: &'a hotro::desk::Session,
    index_home: &std::path::Path,
) -> Executor<'a> {
    Executor::new(store, session).with_index_home(index_home.to_path_buf())
}

impl Desk {
    fn key(&mut self, code: KeyCode) {
        self.key_mod(code, KeyModifiers::NONE);
    }
    fn key_mod(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let mut exec =
            exec_of(&mut self.store, &self.session, &self.index_home).with_now(self.app.now);
        exec.drive(&mut self.app, Msg::Key(KeyEvent::new(code, modifiers)));
    }
    fn chars(&mut self, text: &str) {
        for c in text.chars() {
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.key_mod(KeyCode::Char(c), m);
        }
    }
    /// Any message through the update function; the commands left for the runtime.
    fn msg(&mut self, msg: Msg) -> Vec<hotro::ui::app::Cmd> {
        let mut exec =
            exec_of(&mut self.store, &self.session, &self.index_home).with_now(self.app.now);
        exec.drive(&mut self.app, msg)
    }
    fn ctrl(&mut self, c: char) {
        self.key_mod(KeyCode::Char(c), KeyModifiers::CONTROL);
    }
    fn tick(&mut self, at: DateTime<Utc>) {
        let mut exec =
            exec_of(&mut self.store, &self.session, &self.index_home).with_now(self.app.now);
        exec.drive(&mut self.app, Msg::Tick(at));
    }
    fn screen(&self, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| view::render(&self.app, Theme { color: false }, f))
            .unwrap();
        let buf = term.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let mut line = String::new();
            let mut x = 0;
            while x < w {
                let symbol = buf[(x, y)].symbol();
                line.push_str(symbol);
                // A wide character covers the next cell too.
                x += (unicode_width::UnicodeWidthStr::width(symbol) as u16).max(1);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
    fn ticket(
        &mut self,
        key: &str,
    ) -> (
        hotro::domain::ticket::Ticket,
        Vec<hotro::domain::ticket::Event>,
    ) {
        self.store.ticket_with_timeline(key).unwrap()
    }
    fn selected(&self) -> String {
        self.app.list.selected().unwrap().key.clone()
    }
}

/// Snapshot a screen at both sizes operators use: 80×24 and 120×40.
fn snap(d: &Desk, name: &str) {
    insta::assert_snapshot!(format!("{name}_80x24"), d.screen(80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), d.screen(120, 40));
}

/// Snapshot a screen at the three sizes of issue 15: 80×24, 120×40 and 200×50.
fn snap3(d: &Desk, name: &str) {
    snap(d, name);
    insta::assert_snapshot!(format!("{name}_200x50"), d.screen(200, 50));
}

fn all_open(d: &mut Desk) {
    // Queue 8 is "all open" in the default queue order.
    d.key(KeyCode::Char('8'));
}

#[test]
fn main_screen_snapshots() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            let mut d = desk("nguyenvanan", lang);
            all_open(&mut d);
            snap(&d, &format!("main_{name}"));
        }
    });
}

#[test]
fn detail_help_and_popup_snapshots() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            let mut d = desk("nguyenvanan", lang);
            all_open(&mut d);
            d.key(KeyCode::Enter);
            snap(&d, &format!("detail_{name}"));
            d.key(KeyCode::Char('?'));
            snap(&d, &format!("help_{name}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('e'));
            snap(&d, &format!("escalate_picker_{name}"));
            d.key(KeyCode::Enter);
            d.chars("Cần nhóm TABMIS hỗ trợ");
            snap(&d, &format!("escalate_reason_{name}"));
            d.ctrl('s');
            snap(&d, &format!("confirm_{name}"));
            d.key(KeyCode::Esc); // back to the text
            d.key(KeyCode::Esc); // cancel
            d.key(KeyCode::Char('c'));
            snap(&d, &format!("classify_{name}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Esc); // leave detail
            d.key(KeyCode::Char('n'));
            snap(&d, &format!("new_ticket_{name}"));
        }
    });
}

#[test]
fn take_assigns_the_selected_ticket_to_me() {
    on_each_engine(|| {
        let mut d = desk("tranthibich", Lang::En);
        d.key(KeyCode::Char('2')); // unassigned in my group
        let key = d.selected();
        let before = d.app.counts[1];
        d.key(KeyCode::Char('t'));
        let (t, _) = d.ticket(&key);
        assert_eq!(t.assignee.as_deref(), Some("tranthibich"));
        assert_eq!(t.status, Status::Assigned);
        assert_eq!(d.app.counts[1], before - 1, "the unassigned count follows");
        assert_eq!(d.app.counts[0], 1, "and it is in my queue");
        assert!(d.app.flash.as_ref().unwrap().text.contains(&key));
    });
}

#[test]
fn reply_typed_in_vietnamese_is_saved_and_sets_first_response() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('r'));
        d.chars("Đã mở khóa tài khoản, anh/chị đăng nhập lại.");
        d.ctrl('s');
        let (t, events) = d.ticket(&key);
        assert!(t.first_response_at.is_some());
        let last = serde_json::to_value(events.last().unwrap()).unwrap();
        assert_eq!(last["kind"], "public_reply");
        assert_eq!(last["text"], "Đã mở khóa tài khoản, anh/chị đăng nhập lại.");
        assert!(d.app.popup.is_none());
    });
}

#[test]
fn escalate_by_keys_moves_the_ticket_up_with_its_reason() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('e'));
        d.chars("oracle"); // fuzzy-find the vendor
        d.key(KeyCode::Enter);
        // A vendor: its reference is asked first (issue 14), then the reason.
        assert!(
            d.screen(80, 24).contains("The vendor's reference"),
            "{}",
            d.screen(80, 24)
        );
        d.chars("SR 3-3456789");
        d.key(KeyCode::Enter);
        d.chars("ORA-00054 when closing the period");
        d.ctrl('s');
        assert!(
            matches!(d.app.popup, Some(Popup::Confirm(_))),
            "escalation asks first"
        );
        assert!(
            d.screen(120, 40).contains("SR 3-3456789"),
            "{}",
            d.screen(120, 40)
        );
        d.key(KeyCode::Char('y'));
        let (t, events) = d.ticket(&key);
        assert_eq!(
            (t.tier, t.group.as_str(), t.status),
            (5, "vendor-oracle", Status::WaitingVendor)
        );
        assert_eq!(t.following_group(), Some("service-desk"));
        assert_eq!(t.external_ref.as_deref(), Some("SR 3-3456789"));
        let last = serde_json::to_value(events.last().unwrap()).unwrap();
        assert_eq!(last["reason"], "ORA-00054 when closing the period");
        assert_eq!(last["external_ref"], "SR 3-3456789");
        // And back down.
        d.key(KeyCode::Char('E'));
        d.chars("vendor fixed it");
        d.ctrl('s');
        d.key(KeyCode::Enter);
        let (t, _) = d.ticket(&key);
        assert_eq!((t.tier, t.group.as_str()), (3, "service-desk"));
    });
}

/// Issue 14: `T` hands the ticket to a group of its tier (the TABMIS group); the operator's
/// group keeps following it, and the timeline says who sent it where.
#[test]
fn transfer_by_keys_keeps_my_group_following() {
    on_each_engine(|| {
        let mut d = desk("tranthibich", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('T'));
        let screen = d.screen(80, 24);
        assert!(screen.contains("TABMIS group (tier 3)"), "{screen}");
        assert!(
            !screen.contains("Service Desk (tier"),
            "not its own group:\n{screen}"
        );
        assert!(!screen.contains("(tier 4)"), "not another tier:\n{screen}");
        snap(&d, "transfer_picker_en");
        d.chars("tabmis");
        d.key(KeyCode::Enter);
        d.chars("general ledger module");
        d.ctrl('s');
        assert!(
            matches!(d.app.popup, Some(Popup::Confirm(_))),
            "a transfer asks first"
        );
        d.key(KeyCode::Char('y'));
        let (t, events) = d.ticket(&key);
        assert_eq!((t.group.as_str(), t.assignee.as_deref()), ("tabmis", None));
        assert_eq!(t.following_group(), Some("service-desk"));
        let last = serde_json::to_value(events.last().unwrap()).unwrap();
        assert_eq!(last["kind"], "transferred");
        assert_eq!(last["actor"], "tranthibich");
        let screen = d.screen(120, 40);
        assert!(
            screen.contains("transferred from Service Desk to TABMIS group"),
            "{screen}"
        );
        // It is in my group's "following" queue.
        d.key(KeyCode::Esc);
        let following = d
            .app
            .queues
            .iter()
            .position(|q| q.label == d.app.cat.t("queue.following"))
            .unwrap();
        assert_eq!(d.app.counts[following], 1);
    });
}

/// A tier with one group (the provincial office) has nowhere to transfer to: said, no empty
/// list.
#[test]
fn transfer_says_when_the_tier_has_no_other_group() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        change_as(
            &mut d,
            &key,
            "nguyenvanan",
            0,
            Change::Assign {
                to: None,
                group: Some("province-it".into()),
            },
        );
        d.key(KeyCode::Enter);
        assert_eq!(d.app.detail.as_ref().unwrap().ticket.tier, 2);
        d.key(KeyCode::Char('T'));
        assert!(d.app.popup.is_none());
        let flash = d.app.flash.clone().unwrap();
        assert!(
            flash.error && flash.text.contains("no other group"),
            "{flash:?}"
        );
    });
}

/// Issue 14: `a` offers groups as well as people: a ticket goes to a group without a person.
#[test]
fn assign_offers_a_group_without_a_person() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('a'));
        d.chars("payments nobody");
        let screen = d.screen(80, 24);
        assert!(
            screen.contains("Payments group — the group, nobody yet"),
            "{screen}"
        );
        d.key(KeyCode::Enter);
        if matches!(d.app.popup, Some(Popup::Confirm(_))) {
            d.key(KeyCode::Char('y'));
        }
        let (t, events) = d.ticket(&key);
        assert_eq!(
            (t.group.as_str(), t.assignee.as_deref()),
            ("payments", None)
        );
        let last = serde_json::to_value(events.last().unwrap()).unwrap();
        assert_eq!(last["kind"], "assigned");
        assert_eq!(last["group_to"], "payments");
    });
}

/// Issue 14: the console corrects a saved ticket (`u`): its title, description, requester,
/// phone, e-mail, unit and channel, as one `edited` event; a change made meanwhile is a
/// conflict, never overwritten. The form fits 80×24.
#[test]
fn the_edit_form_corrects_a_ticket_and_checks_for_conflicts() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        assert_eq!(d.ticket(&key).0.title, "Mailbox full");
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('u'));
        assert!(matches!(d.app.popup, Some(Popup::EditTicket(_))));
        for (w, h) in [(80, 24), (120, 40)] {
            let screen = d.screen(w, h);
            for want in [
                "Mailbox full",
                "Incoming mail bounces.",
                "Trần Thị Mai",
                "0912 345 678",
                "HCM-Q1",
            ] {
                assert!(screen.contains(want), "{want} at {w}x{h}:\n{screen}");
            }
            for line in screen.lines() {
                assert!(
                    unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                    "{line}"
                );
            }
        }
        snap(&d, "edit_ticket_en");
        // The title: "full" becomes "quota exceeded".
        d.key(KeyCode::End);
        for _ in 0..4 {
            d.key(KeyCode::Backspace);
        }
        d.chars("quota exceeded");
        // On to the e-mail (title, description, requester, phone, e-mail), then the channel.
        for _ in 0..4 {
            d.key(KeyCode::Tab);
        }
        d.chars("mai@kbnn.example");
        d.key(KeyCode::Tab);
        d.key(KeyCode::Tab);
        d.key(KeyCode::Right);
        d.ctrl('s');
        assert!(d.app.popup.is_none(), "saved: {:?}", d.app.flash);
        let (t, events) = d.ticket(&key);
        assert_eq!(t.title, "Mailbox quota exceeded");
        assert_eq!(t.requester.email.as_deref(), Some("mai@kbnn.example"));
        assert_ne!(t.channel, "phone");
        let last = serde_json::to_value(events.last().unwrap()).unwrap();
        assert_eq!(last["kind"], "edited");
        let fields: Vec<&str> = last["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["title", "email", "channel"]);
        // Nothing changed: said so, nothing written.
        d.key(KeyCode::Char('u'));
        d.ctrl('s');
        assert!(d.app.flash.as_ref().unwrap().error);
        assert_eq!(d.ticket(&key).1.len(), events.len());
        d.key(KeyCode::Esc);
        // Someone else corrects it meanwhile: a conflict, their title kept.
        d.key(KeyCode::Char('u'));
        d.chars(" (Q1)");
        change_as(
            &mut d,
            &key,
            "tranthibich",
            0,
            Change::Edit(Box::new(hotro::domain::ticket::TicketEdit {
                title: Some("Hộp thư đầy".into()),
                ..Default::default()
            })),
        );
        d.ctrl('s');
        assert!(
            matches!(d.app.popup, Some(Popup::Conflict(_))),
            "{:?}",
            d.app.flash
        );
        assert_eq!(d.ticket(&key).0.title, "Hộp thư đầy");
    });
}

/// Stored text is untrusted: the correction form shows it without escape sequences, and a
/// field left alone is not sent back.
#[test]
fn the_edit_form_shows_stored_text_inert() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        change_as(
            &mut d,
            &key,
            "nguyenvanan",
            0,
            Change::Edit(Box::new(hotro::domain::ticket::TicketEdit {
                description: Some("bounces \x1b]0;owned\x07 \x1b[2J here".into()),
                ..Default::default()
            })),
        );
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('u'));
        let screen = d.screen(80, 24);
        assert!(
            !screen.contains('\x1b') && !screen.contains('\x07'),
            "{screen:?}"
        );
        assert!(screen.contains("bounces"), "{screen}");
        let before = d.ticket(&key).1.len();
        d.ctrl('s');
        assert!(d.app.flash.as_ref().unwrap().error, "nothing to change");
        assert_eq!(d.ticket(&key).1.len(), before);
    });
}

#[test]
fn classify_shows_the_priority_live_and_saves_it() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('c'));
        // Fields: kind, category, application, impact, urgency.
        d.key(KeyCode::Down);
        d.chars("user"); // category "User error"
        d.key(KeyCode::Down);
        d.key(KeyCode::Down);
        d.chars("high");
        d.key(KeyCode::Down);
        d.chars("high");
        let Some(Popup::Classify(form)) = &d.app.popup else {
            panic!("no form")
        };
        assert_eq!(d.app.classify_priority(form).as_deref(), Some("P1"));
        assert!(d.screen(80, 24).contains("P1"));
        d.key(KeyCode::Enter);
        let (t, _) = d.ticket(&key);
        assert_eq!(
            (t.priority.as_str(), t.category.as_deref()),
            ("P1", Some("user-error"))
        );
    });
}

#[test]
fn status_resolve_and_link() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let first = d.selected();
        d.key(KeyCode::Char('s'));
        d.chars("waiting for vendor");
        d.key(KeyCode::Enter);
        assert_eq!(d.ticket(&first).0.status, Status::WaitingVendor);
        d.key(KeyCode::Char('R'));
        d.chars("Reset the password");
        d.ctrl('s');
        d.key(KeyCode::Char('y'));
        let (t, _) = d.ticket(&first);
        assert_eq!(
            (t.status, t.resolution.as_deref()),
            (Status::Resolved, Some("Reset the password"))
        );
        // The resolved ticket left the open queue; link the next one as its duplicate.
        let other = d.selected();
        assert_ne!(other, first);
        d.key(KeyCode::Char('l'));
        d.key(KeyCode::Enter); // duplicate of
        d.chars(&first);
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('y'));
        assert_eq!(
            d.ticket(&other).0.duplicate_of.as_deref(),
            Some(first.as_str())
        );
    });
}

#[test]
fn bulk_take_lists_every_change_and_applies_all() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('2'));
        d.key(KeyCode::Char('v'));
        d.key(KeyCode::Char('v'));
        assert_eq!(d.app.marked.len(), 2);
        let marked: Vec<String> = d.app.marked.keys().cloned().collect();
        d.key(KeyCode::Char('t'));
        let Some(Popup::Confirm(c)) = &d.app.popup else {
            panic!("bulk needs a confirmation")
        };
        for k in &marked {
            assert!(c.lines.iter().any(|l| l.contains(k)), "{k} listed");
        }
        d.key(KeyCode::Enter);
        for k in &marked {
            assert_eq!(d.ticket(k).0.assignee.as_deref(), Some("nguyenvanan"));
        }
        assert!(d.app.marked.is_empty());
    });
}

#[test]
fn filter_as_you_type_folds_diacritics() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        all_open(&mut d);
        assert_eq!(d.app.list.rows.len(), 4);
        d.key(KeyCode::Char('/'));
        d.chars("dang nhap");
        assert_eq!(d.app.list.rows.len(), 1);
        assert_eq!(d.app.list.rows[0].title, "Không đăng nhập được TABMIS");
        d.key(KeyCode::Esc);
        assert_eq!(d.app.list.rows.len(), 4);
        d.key(KeyCode::Char('/'));
        d.chars("网络");
        assert_eq!(d.app.list.rows.len(), 1);
        // Quotes, percent signs and backslashes are text, not syntax.
        d.chars("%\"\\_'");
        assert_eq!(d.app.list.rows.len(), 0);
    });
}

#[test]
fn another_process_commit_appears_after_a_tick() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        d.tick(now());
        let before = d.app.list.rows.len();
        let cursor_key = d.selected();
        let mut other = d.db.store();
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "tranthibich",
            now: now(),
            by: None,
        };
        other
            .create_ticket(
                &NewTicket {
                    title: "Máy in không in được chứng từ".into(),
                    ..NewTicket::default()
                },
                ctx,
            )
            .unwrap();
        d.tick(now() + chrono::Duration::seconds(2));
        assert_eq!(d.app.list.rows.len(), before + 1);
        assert_eq!(d.selected(), cursor_key, "the cursor stays on its ticket");
        assert_eq!(d.app.counts[7], before as i64 + 1);
    });
}

#[test]
fn a_conflict_on_save_keeps_the_typed_text() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('r'));
        d.chars("We are on it");
        // Meanwhile another operator takes the ticket.
        let mut other = d.db.store();
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "tranthibich",
            now: now(),
            by: None,
        };
        other
            .change_ticket(
                &key,
                None,
                Change::Assign {
                    to: Some("tranthibich".into()),
                    group: None,
                },
                ctx,
            )
            .unwrap();
        d.ctrl('s');
        let Some(Popup::Conflict(c)) = &d.app.popup else {
            panic!("expected a conflict")
        };
        assert!(
            c.lines.iter().any(|l| l.contains("tranthibich")),
            "says who changed it: {:?}",
            c.lines
        );
        assert!(d.screen(120, 40).contains("tranthibich"));
        d.key(KeyCode::Char('e'));
        let Some(Popup::Text(t)) = &d.app.popup else {
            panic!("text popup back")
        };
        assert_eq!(t.text(), "We are on it");
        d.ctrl('s');
        let (t, events) = d.ticket(&key);
        assert_eq!(t.assignee.as_deref(), Some("tranthibich"));
        assert!(
            serde_json::to_string(events.last().unwrap())
                .unwrap()
                .contains("We are on it")
        );
    });
}

#[test]
fn an_unsent_note_is_kept_as_a_draft_and_offered_again() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('i'));
        d.chars("half a thought");
        // A tick writes the draft down, as it would before a crash.
        d.tick(now() + chrono::Duration::seconds(5));
        assert_eq!(
            d.store
                .load_draft("nguyenvanan", &key, "note")
                .unwrap()
                .as_deref(),
            Some("half a thought")
        );
        d.key(KeyCode::Esc);
        assert!(d.app.popup.is_none());
        d.key(KeyCode::Char('i'));
        let Some(Popup::Text(t)) = &d.app.popup else {
            panic!("note popup")
        };
        assert_eq!(t.text(), "half a thought");
        d.chars(", finished");
        // Typing goes on after the restored text, not in front of it (issue 15).
        let Some(Popup::Text(t)) = &d.app.popup else {
            panic!("note popup")
        };
        assert_eq!(t.text(), "half a thought, finished");
        d.ctrl('s');
        assert_eq!(
            d.store.load_draft("nguyenvanan", &key, "note").unwrap(),
            None,
            "sent: draft gone"
        );
    });
}

#[test]
fn quitting_with_unsaved_text_asks_first() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        d.key(KeyCode::Char('n'));
        d.chars("Printer jammed");
        d.ctrl('c');
        assert!(
            matches!(d.app.popup, Some(Popup::QuitConfirm(_))),
            "asks before losing text"
        );
        d.key(KeyCode::Char('n'));
        assert!(!d.app.quit);
        let Some(Popup::NewTicket(f)) = &d.app.popup else {
            panic!("the form comes back")
        };
        assert_eq!(f.title.lines()[0], "Printer jammed");
        d.ctrl('c');
        d.key(KeyCode::Char('y'));
        assert!(d.app.quit);
        // Nothing typed: q quits at once.
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('q'));
        assert!(d.app.quit);
    });
}

#[test]
fn new_ticket_form_creates_a_ticket() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        d.key(KeyCode::Char('n'));
        d.chars("Máy in không in được chứng từ");
        d.key(KeyCode::Tab);
        d.chars("Máy in kim tại quầy giao dịch báo lỗi hàng đợi in.");
        d.key(KeyCode::Tab);
        d.chars("Lê Văn Tám");
        d.key(KeyCode::Tab);
        d.chars("0987 654 321");
        d.key(KeyCode::Tab); // kind
        d.key(KeyCode::Tab); // channel
        d.key(KeyCode::Tab); // application
        d.chars("WORKST");
        d.ctrl('s');
        assert!(d.app.popup.is_none(), "{:?}", d.app.flash);
        let flash = d.app.flash.clone().unwrap().text;
        assert!(flash.contains("Đã tạo phiếu HT-2026-000005"), "{flash}");
        let (t, _) = d.ticket("HT-2026-000005");
        assert_eq!(t.title, "Máy in không in được chứng từ");
        assert_eq!(t.application.as_deref(), Some("WORKSTATION"));
        assert_eq!(t.requester.phone.as_deref(), Some("0987 654 321"));
    });
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: now(),
            by: None,
        };
        let evil = "Click \u{1b}]52;c;ZXZpbA==\u{7}here\u{1b}[2J now \u{202e}txt.exe";
        d.store
            .create_ticket(
                &NewTicket {
                    title: evil.into(),
                    description: evil.into(),
                    ..NewTicket::default()
                },
                ctx,
            )
            .unwrap();
        all_open(&mut d);
        d.key(KeyCode::Char('g'));
        for screen in [d.screen(120, 40), {
            d.key(KeyCode::Enter);
            d.screen(120, 40)
        }] {
            assert!(!screen.contains('\u{1b}'), "escape reached the screen");
            assert!(
                !screen.contains('\u{202e}'),
                "bidi override reached the screen"
            );
            assert!(!screen.contains('\u{7}'));
            assert!(screen.contains("Click here now txt.exe"), "{screen}");
        }
    });
}

#[test]
fn a_key_user_reads_but_cannot_change() {
    on_each_engine(|| {
        let mut d = desk("buivantuan", Lang::En);
        key_user_only(&mut d);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('t'));
        assert!(d.app.flash.as_ref().unwrap().error);
        assert_eq!(d.ticket(&key).0.version, 1);
        d.key(KeyCode::Enter);
        assert!(d.app.detail.is_some(), "reading works");
    });
}

#[test]
fn keyset_paging_loads_more_as_the_cursor_moves() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let org = org();
        for i in 0..250 {
            let ctx = Ctx {
                org: &org,
                actor: "nguyenvanan",
                now: now(),
                by: None,
            };
            d.store
                .create_ticket(
                    &NewTicket {
                        title: format!("Phiếu số {i}"),
                        ..NewTicket::default()
                    },
                    ctx,
                )
                .unwrap();
        }
        all_open(&mut d);
        d.key(KeyCode::Char('r'));
        d.key(KeyCode::Esc);
        let first_page = d.app.list.rows.len();
        assert_eq!(first_page, hotro::ui::app::PAGE);
        for _ in 0..hotro::ui::app::PAGE {
            d.key(KeyCode::Char('j'));
        }
        assert!(d.app.list.rows.len() > first_page);
        d.key(KeyCode::Char('G'));
        for _ in 0..5 {
            d.key(KeyCode::PageDown);
        }
        d.key(KeyCode::Char('G'));
        assert_eq!(d.app.list.rows.len(), 254, "all loaded, each once");
        let mut keys: Vec<_> = d.app.list.rows.iter().map(|r| r.key.clone()).collect();
        keys.dedup();
        assert_eq!(keys.len(), 254);
    });
}

#[test]
fn palette_runs_actions_by_name() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        d.key(KeyCode::Char(':'));
        d.chars("help");
        d.key(KeyCode::Enter);
        assert!(matches!(d.app.popup, Some(Popup::Help { .. })));
    });
}

#[test]
fn more_popup_snapshots() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            let mut d = desk("nguyenvanan", lang);
            all_open(&mut d);
            d.key(KeyCode::Char(':'));
            snap(&d, &format!("palette_{name}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('a'));
            d.chars("tabmis");
            snap(&d, &format!("assign_picker_{name}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('s'));
            snap(&d, &format!("status_picker_{name}"));
            d.key(KeyCode::Esc);
            // A conflict: another operator replies first.
            let key = d.selected();
            d.key(KeyCode::Char('r'));
            d.chars("Chúng tôi đang kiểm tra");
            let mut other = d.db.store();
            let org = org();
            let ctx = Ctx {
                org: &org,
                actor: "tranthibich",
                now: now(),
                by: None,
            };
            other
                .change_ticket(
                    &key,
                    None,
                    Change::Note {
                        text: "đã gọi lại".into(),
                    },
                    ctx,
                )
                .unwrap();
            d.ctrl('s');
            snap(&d, &format!("conflict_{name}"));
            // The console's words: keys to press, not a command-line flag.
            assert!(!d.screen(120, 40).contains("--expect-version"));
            d.key(KeyCode::Char('e'));
            d.ctrl('c');
            snap(&d, &format!("quit_confirm_{name}"));
        }
    });
}

#[test]
fn clicks_select_queues_and_open_tickets() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.app.size = ratatui::layout::Rect::new(0, 0, 120, 40);
        let mut exec = exec_of(&mut d.store, &d.session, &d.index_home);
        // Row 2 + 7 is the 8th queue ("all open") inside the queue pane's border.
        exec.drive(&mut d.app, Msg::Click { column: 3, row: 9 });
        assert_eq!(d.app.queue, 7);
        assert_eq!(d.app.list.rows.len(), 4);
        // The table's first data row is below its border and header: row 3.
        exec.drive(&mut d.app, Msg::Click { column: 60, row: 4 });
        assert_eq!(d.app.list.cursor, 1);
        assert!(d.app.detail.is_none());
        exec.drive(&mut d.app, Msg::Click { column: 60, row: 4 });
        assert!(d.app.detail.is_some(), "a second click opens it");
    });
}

#[test]
fn wide_characters_under_a_popup_edge_keep_the_border_whole() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: now(),
            by: None,
        };
        d.store
            .create_ticket(
                &NewTicket {
                    title: "网络故障网络故障网络故障网络故障网络故障网络故障网络故障网络故障"
                        .into(),
                    ..NewTicket::default()
                },
                ctx,
            )
            .unwrap();
        all_open(&mut d);
        d.key(KeyCode::Char('g'));
        for w in [80u16, 81, 120, 121] {
            d.key(KeyCode::Char('s'));
            let mut term = Terminal::new(TestBackend::new(w, 24)).unwrap();
            term.draw(|f| view::render(&d.app, Theme { color: false }, f))
                .unwrap();
            let buf = term.backend().buffer().clone();
            // The picker is centred: 70 cells wide (less on a narrow screen). Its vertical
            // borders must be intact on every row although wide characters lie under them.
            let pw = 70.min(w - 2);
            let x0 = (w - pw) / 2;
            let x1 = x0 + pw - 1;
            let top = (0..24u16)
                .find(|&y| buf[(x0, y)].symbol() == "┌" && buf[(x1, y)].symbol() == "┐")
                .expect("popup top border");
            let bottom = (top + 1..24u16)
                .find(|&y| buf[(x0, y)].symbol() == "└")
                .expect("popup bottom border");
            assert!(bottom > top + 2);
            for y in top + 1..bottom {
                assert_eq!(
                    buf[(x0, y)].symbol(),
                    "│",
                    "left border at row {y}, width {w}"
                );
                assert_eq!(
                    buf[(x1, y)].symbol(),
                    "│",
                    "right border at row {y}, width {w}"
                );
            }
            let screen = d.screen(w, 24);
            for line in screen.lines() {
                assert!(
                    unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                    "line wider than the screen at {w}: {line}"
                );
            }
            d.key(KeyCode::Esc);
        }
    });
}

fn import_kb(d: &mut Desk) {
    let text = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kb-dev.jsonl"),
    )
    .unwrap();
    let articles = hotro::domain::kb::parse_jsonl(&text).unwrap();
    d.store
        .import_articles(&articles, "nguyenvanan", now())
        .unwrap();
}

#[test]
fn knowledge_search_from_a_ticket_puts_a_solution_into_the_reply() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        import_kb(&mut d);
        all_open(&mut d);
        // The TABMIS login ticket is the oldest: last in the newest-first list.
        d.key(KeyCode::Char('G'));
        let key = d.selected();
        d.key(KeyCode::Char('K'));
        let k = d.app.knowledge.as_ref().expect("knowledge screen");
        assert_eq!(k.for_ticket.as_ref().unwrap().key, key);
        assert!(!k.results.is_empty(), "seeded with the ticket's own words");
        snap(&d, "knowledge_from_ticket_vi");
        // Typing replaces the seed with an ordinary search, diacritics optional.
        d.chars("tai khoan tabmis bi khoa");
        let k = d.app.knowledge.as_ref().unwrap();
        assert_eq!(k.results[0].reference, "KB-D003");
        let resolution = k.results[0].resolution.clone();
        d.key(KeyCode::Enter);
        let Some(Popup::Text(t)) = &d.app.popup else {
            panic!("reply popup")
        };
        assert_eq!(t.text(), resolution);
        d.ctrl('s');
        let (ticket, events) = d.ticket(&key);
        assert!(ticket.first_response_at.is_some());
        assert!(
            serde_json::to_string(events.last().unwrap())
                .unwrap()
                .contains("public_reply")
        );
    });
}

#[test]
fn knowledge_screen_snapshots_and_keys() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            let mut d = desk("buivantuan", lang);
            key_user_only(&mut d);
            import_kb(&mut d);
            d.key(KeyCode::Char('K'));
            d.chars("指标");
            assert!(!d.app.knowledge.as_ref().unwrap().results.is_empty());
            snap(&d, &format!("knowledge_zh_{name}"));
            d.key(KeyCode::Esc);
            assert!(d.app.knowledge.is_none());
        }
    });
}

#[test]
fn the_new_ticket_form_shows_possible_duplicates() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        import_kb(&mut d);
        d.key(KeyCode::Char('n'));
        d.chars("Khong dang nhap duoc TABMIS");
        let Some(Popup::NewTicket(f)) = &d.app.popup else {
            panic!("form")
        };
        let refs: Vec<&str> = f.similar.iter().map(|x| x.reference.as_str()).collect();
        assert!(
            refs.contains(&"HT-2026-000001"),
            "the open ticket with the same title: {refs:?}"
        );
        assert!(
            f.similar.iter().any(|x| x.kind == "article"),
            "and articles: {refs:?}"
        );
        let article = f
            .similar
            .iter()
            .find(|x| x.kind == "article")
            .unwrap()
            .reference
            .clone();
        // Issue 14: they are drawn, not only computed — at 80×24 too, beside the form's fields.
        for (w, h) in [(80, 24), (120, 40)] {
            let screen = d.screen(w, h);
            assert!(
                screen.contains("HT-2026-000001") && screen.contains(&article),
                "{w}x{h}:\n{screen}"
            );
            assert!(screen.contains("Có thể trùng"), "{w}x{h}:\n{screen}");
        }
        snap(&d, "new_ticket_duplicates_vi");
    });
}

#[test]
fn a_resolved_ticket_becomes_a_draft_article() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('R'));
        d.chars("Archived old mail and raised the quota");
        d.ctrl('s');
        d.key(KeyCode::Char('y'));
        d.key(KeyCode::Char('7')); // resolved, to confirm
        assert_eq!(d.selected(), key);
        d.key(KeyCode::Char(':'));
        d.chars("draft");
        d.key(KeyCode::Enter);
        let reference = format!("KB-{key}");
        assert!(
            d.app.flash.as_ref().unwrap().text.contains(&reference),
            "{:?}",
            d.app.flash
        );
        let a = d.store.article(&reference).unwrap().unwrap();
        assert_eq!(
            (a.status.as_str(), a.resolution.as_str()),
            ("draft", "Archived old mail and raised the quota")
        );
        assert_eq!(a.title, "Mailbox full");
    });
}

#[test]
fn assign_through_the_picker_and_sort_order() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let newest = d.selected();
        d.key(KeyCode::Char('o'));
        assert_eq!(d.app.list.rows[0].key, "HT-2026-000001", "oldest first now");
        // Issue 15: a new order opens at its first row (it used to stay on the newest ticket,
        // at the bottom of "oldest first").
        assert_eq!(
            d.selected(),
            "HT-2026-000001",
            "the cursor is on the first row"
        );
        assert_eq!(d.app.list.cursor, 0);
        // Then most urgent SLA first (all four share one target; the oldest is due first),
        // then back to newest first.
        d.key(KeyCode::Char('o'));
        assert!(d.app.by_due);
        assert_eq!(d.app.list.rows[0].key, "HT-2026-000001");
        d.key(KeyCode::Char('o'));
        assert_eq!(d.app.list.rows[0].key, newest);
        d.key(KeyCode::Char('a'));
        d.chars("lan");
        d.key(KeyCode::Enter);
        let (t, _) = d.ticket(&newest);
        assert_eq!(
            (t.assignee.as_deref(), t.group.as_str()),
            (Some("hoangthilan"), "internal")
        );
    });
}

#[test]
fn confirm_and_reopen_from_the_palette() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('R'));
        d.chars("fixed");
        d.ctrl('s');
        d.key(KeyCode::Char('y'));
        d.key(KeyCode::Char('7'));
        assert_eq!(d.selected(), key);
        d.key(KeyCode::Char(':'));
        d.chars("requester confirmed");
        d.key(KeyCode::Enter);
        // How the requester confirmed (issue 14): a channel, then the confirmation.
        assert!(d.screen(120, 40).contains("How did the requester confirm?"));
        d.chars("walk");
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('y'));
        let (t, events) = d.ticket(&key);
        assert_eq!(t.status, Status::Closed);
        assert!(matches!(
            &events.last().unwrap().kind,
            hotro::domain::ticket::EventKind::RequesterConfirmed { via: Some(v), .. } if v == "walk-in"
        ));
        d.key(KeyCode::Char('8'));
        d.key(KeyCode::Char('/'));
        d.chars("mailbox");
        d.key(KeyCode::Enter);
        assert!(d.app.list.rows.is_empty(), "closed: not in the open queue");
        d.key(KeyCode::Esc);
        // Reopen works on the ticket open in detail.
        let (closed, events) = d.ticket(&key);
        let mut exec = exec_of(&mut d.store, &d.session, &d.index_home);
        exec.drive(
            &mut d.app,
            Msg::Loaded(hotro::ui::app::Loaded::Detail(
                Box::new(closed),
                events,
                Box::default(),
            )),
        );
        d.key(KeyCode::Char(':'));
        d.chars("reopen");
        d.key(KeyCode::Enter);
        d.chars("still bouncing");
        d.ctrl('s');
        assert_eq!(d.ticket(&key).0.status, Status::InProgress);
    });
}

// ---- the morning check and announcements ----------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

/// The real binary on the desk's database, as another operator's process would run it.
fn other_process(d: &Desk, args: &[&str]) -> std::process::Output {
    let home = d.dir.path().join("home");
    std::process::Command::new(BIN)
        .arg("--db")
        .arg(&d.db.target)
        // Lê Thị Hoa, lead of the TABMIS group: announcements need a lead.
        .args(["--as", "lethihoa", "--lang", "en"])
        .args(args)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env("HOTRO_NOW", "2026-11-20T10:00:00+07:00")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("HOME", &home)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn morning_check_screen_records_calls_opens_incidents_and_finalises() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en")] {
            let mut d = desk("nguyenvanan", lang);
            d.key(KeyCode::Char('M'));
            assert!(d.app.check.is_some());
            snap(&d, &format!("check_empty_{name}"));
            // TABMIS (first line) is down: the footer says whom to call.
            d.key(KeyCode::Char('d'));
            let day = d
                .store
                .check_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
                .unwrap();
            let e = day.entry("TABMIS").unwrap();
            assert_eq!(e.result, hotro::domain::check::CheckResult::Down);
            assert_eq!(e.by, "nguyenvanan");
            // A system down keeps the cursor: whom to call, the note and the incident are next.
            assert_eq!(d.app.check.as_ref().unwrap().cursor, 0);
            let screen = d.screen(120, 40);
            assert!(
                screen.contains("Lê Thị Hoa") && screen.contains("0912 000 302"),
                "{screen}"
            );
            // A note on it, then the incident.
            d.key(KeyCode::Char('n'));
            d.chars("Không đăng nhập được từ 06:50");
            d.ctrl('s');
            d.key(KeyCode::Char('i'));
            let flash = d.app.flash.clone().unwrap().text;
            assert!(flash.contains("HT-2026-000005"), "{flash}");
            let (t, _) = d.ticket("HT-2026-000005");
            assert_eq!(t.group, "tabmis");
            assert_eq!(t.application.as_deref(), Some("TABMIS"));
            assert_eq!(t.priority, "P1");
            assert!(t.description.contains("Không đăng nhập được từ 06:50"));
            // The next line is fine; the cursor goes on to the next unchecked system (issue 15).
            d.key(KeyCode::Char('j'));
            d.key(KeyCode::Char('o'));
            assert_eq!(d.app.check.as_ref().unwrap().cursor, 2);
            snap(&d, &format!("check_recorded_{name}"));
            // Finalise, then an amendment.
            d.key(KeyCode::Char('F'));
            assert!(matches!(d.app.popup, Some(Popup::Confirm(_))));
            d.key(KeyCode::Char('y'));
            let day = d
                .store
                .check_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
                .unwrap();
            assert!(day.finalised.is_some());
            d.key(KeyCode::Char('g'));
            d.key(KeyCode::Char('o'));
            // An amendment is explicit (issue 14): asked first, saying what it changes.
            match &d.app.popup {
                Some(Popup::Confirm(c)) => assert!(c.lines[0].contains("TABMIS"), "{:?}", c.lines),
                _ => panic!("the amendment was not asked: {:?}", d.app.flash),
            }
            if name == "en" {
                assert!(
                    d.screen(80, 24).contains("amendment"),
                    "{}",
                    d.screen(80, 24)
                );
            }
            d.key(KeyCode::Char('y'));
            let day = d
                .store
                .check_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
                .unwrap();
            assert_eq!(day.amendments.len(), 1, "{day:?}");
            let frozen = &day.finalised.as_ref().unwrap().frozen;
            assert_eq!(
                frozen.iter().find(|e| e.system == "TABMIS").unwrap().result,
                hotro::domain::check::CheckResult::Down,
                "the finalised report keeps what was sent"
            );
            d.key(KeyCode::Char('h'));
            snap(&d, &format!("check_history_{name}"));
            // Issue 14: in the history the result keys amend nothing; they say why.
            for k in ['d', 'o', 's', 'y'] {
                d.key(KeyCode::Char(k));
                assert!(d.app.popup.is_none(), "{k}");
                assert!(
                    d.app.flash.as_ref().unwrap().error,
                    "{k}: {:?}",
                    d.app.flash
                );
            }
            let after = d
                .store
                .check_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
                .unwrap();
            assert_eq!(
                after.amendments.len(),
                1,
                "nothing amended from the history"
            );
            assert_eq!(after.entries, day.entries);
            d.key(KeyCode::Esc);
            d.key(KeyCode::Esc);
            assert!(d.app.check.is_none());
        }
    });
}

#[test]
fn probes_run_in_the_background_and_are_confirmed_by_the_operator() {
    on_each_engine(|| {
        use hotro::domain::check::{CheckResult, ProbeDef, ProbeTarget};
        let mut d = desk("nguyenvanan", Lang::En);
        let up = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port();
        drop(closed);
        let probe = |port: u16| ProbeDef {
            target: ProbeTarget::Tcp {
                host: "127.0.0.1".into(),
                port,
            },
            timeout_ms: 2000,
            slow_after_ms: None,
        };
        for s in &mut d.app.org.check.systems {
            s.probe = None;
        }
        d.app.org.check.systems[0].probe = Some(probe(up.local_addr().unwrap().port()));
        d.app.org.check.systems[1].probe = Some(probe(closed_port));
        d.key(KeyCode::Char('M'));
        // One executor for the whole run, as in the terminal runtime.
        let mut exec = exec_of(&mut d.store, &d.session, &d.index_home).with_now(now());
        exec.drive(
            &mut d.app,
            Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE)),
        );
        let started = std::time::Instant::now();
        while exec.probing() && started.elapsed() < std::time::Duration::from_secs(20) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            exec.drive(&mut d.app, Msg::Tick(now()));
        }
        let c = d.app.check.as_ref().unwrap();
        assert_eq!(c.proposed.len(), 2, "{:?}", c.proposed);
        assert_eq!(c.proposed["TABMIS"].result, CheckResult::Ok);
        assert_eq!(c.proposed["TCS-TT"].result, CheckResult::Down);
        assert!(
            c.day.entries.is_empty(),
            "nothing recorded before the operator confirms"
        );
        exec.drive(
            &mut d.app,
            Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
        );
        drop(exec);
        let day = d
            .store
            .check_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
            .unwrap();
        let tcs = day.entry("TCS-TT").unwrap();
        assert_eq!(tcs.result, CheckResult::Down);
        assert_eq!(tcs.source, hotro::domain::check::Source::Probe);
        assert!(tcs.detail.contains("connect"), "{}", tcs.detail);
    });
}

/// Issue 14: `p` then `y` overwrote results recorded by hand (TABMIS marked OK became
/// Down). A result recorded by hand is kept, and the operator is told which.
#[test]
fn accepting_probes_keeps_results_recorded_by_hand() {
    on_each_engine(|| {
        use hotro::domain::check::{CheckResult, Source};
        use hotro::ui::check::Proposal;
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('M'));
        d.key(KeyCode::Char('o')); // TABMIS is fine, seen by hand
        let c = d.app.check.as_mut().unwrap();
        for system in ["TABMIS", "TCS-TT"] {
            c.proposed.insert(
                system.into(),
                Proposal {
                    result: CheckResult::Down,
                    detail: "connect refused".into(),
                },
            );
        }
        d.key(KeyCode::Char('y'));
        let day = d
            .store
            .check_day(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
            .unwrap();
        let tabmis = day.entry("TABMIS").unwrap();
        assert_eq!(
            (tabmis.result, tabmis.source),
            (CheckResult::Ok, Source::Manual)
        );
        let tcs = day.entry("TCS-TT").unwrap();
        assert_eq!((tcs.result, tcs.source), (CheckResult::Down, Source::Probe));
        let flash = d.app.flash.clone().unwrap().text;
        assert!(
            flash.contains("Recorded 1 result") && flash.contains("recorded by hand: TABMIS"),
            "{flash}"
        );
    });
}

#[test]
fn an_announcement_made_by_another_process_shows_as_a_banner() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        d.tick(now());
        assert!(!d.screen(120, 40).contains("⚠"));
        let out = other_process(
            &d,
            &[
                "announce",
                "new",
                "--title",
                "TABMIS không đăng nhập được",
                "--app",
                "TABMIS",
                "--guidance",
                "Lập chứng từ giấy, nhập lại sau",
                "--fix-by",
                "2026-11-20 11:30",
                "--incident",
                "HT-2026-000001",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        d.tick(now() + chrono::Duration::seconds(2));
        let screen = d.screen(120, 40);
        assert!(
            screen.contains("⚠ #1 TABMIS không đăng nhập được") && screen.contains("20/11 11:30"),
            "{screen}"
        );
        snap(&d, "banner_en");
        // Resolved elsewhere: the banner goes away at the next refresh.
        let out = other_process(&d, &["announce", "resolve", "1"]);
        assert!(out.status.success());
        d.tick(now() + chrono::Duration::seconds(4));
        assert!(!d.screen(120, 40).contains("⚠"));
    });
}

#[test]
fn a_new_ticket_is_offered_the_announced_incident_and_resolving_it_offers_its_tickets() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let out = other_process(
            &d,
            &[
                "announce",
                "new",
                "--title",
                "TABMIS down",
                "--app",
                "TABMIS",
                "--incident",
                "HT-2026-000001",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        d.tick(now() + chrono::Duration::seconds(2));
        for title in ["TABMIS báo lỗi đăng nhập", "Không vào được TABMIS"] {
            d.key(KeyCode::Char('n'));
            d.chars(title);
            for _ in 0..6 {
                d.key(KeyCode::Tab);
            }
            d.chars("TABMIS");
            d.ctrl('s');
            match &d.app.popup {
                Some(Popup::Confirm(c)) => {
                    assert!(c.lines[0].contains("HT-2026-000001"), "{:?}", c.lines)
                }
                _ => panic!("no offer to link: {:?}", d.app.flash),
            }
            d.key(KeyCode::Char('y'));
        }
        assert_eq!(
            d.ticket("HT-2026-000005").0.parent.as_deref(),
            Some("HT-2026-000001")
        );
        assert_eq!(
            d.ticket("HT-2026-000006").0.parent.as_deref(),
            Some("HT-2026-000001")
        );
        // One of them has work of its own (at the console's time: not before its creation).
        let org = org();
        let at = d.app.now;
        d.store
            .change_ticket(
                "HT-2026-000006",
                None,
                Change::SetStatus {
                    to: Status::InProgress,
                    reason: None,
                },
                Ctx {
                    org: &org,
                    actor: "nguyenvanan",
                    now: at,
                    by: None,
                },
            )
            .unwrap();
        // Resolve the incident from its detail.
        d.app.check = None;
        d.store.ticket("HT-2026-000001").unwrap();
        d.key(KeyCode::Esc); // leave the last new ticket, open since it was created
        all_open(&mut d);
        while d.selected() != "HT-2026-000001" {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('R'));
        d.chars("Đã mở khóa tài khoản");
        d.ctrl('s');
        d.key(KeyCode::Char('y'));
        match &d.app.popup {
            Some(Popup::Confirm(c)) => {
                let text = c.lines.join("\n");
                assert!(
                    text.contains("HT-2026-000005") && !text.contains("HT-2026-000006"),
                    "{text}"
                );
            }
            _ => panic!("no offer to resolve linked tickets: {:?}", d.app.flash),
        }
        d.key(KeyCode::Char('y'));
        assert_eq!(d.ticket("HT-2026-000005").0.status, Status::Resolved);
        assert_eq!(d.ticket("HT-2026-000006").0.status, Status::InProgress);
        // Issue 14: then the incident's announcement is offered to end too.
        match &d.app.popup {
            Some(Popup::Confirm(c)) => {
                assert!(c.lines[0].contains("End announcement #1"), "{:?}", c.lines)
            }
            _ => panic!("no offer to end the announcement: {:?}", d.app.flash),
        }
        d.key(KeyCode::Char('y'));
        assert!(d.store.announcements(true).unwrap().is_empty());
        assert!(d.app.announcements.is_empty());
    });
}

#[test]
fn an_outage_is_announced_from_the_check_and_ends_with_its_incident() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('M'));
        d.key(KeyCode::Char('d'));
        d.key(KeyCode::Char('i'));
        d.key(KeyCode::Char('a'));
        d.chars("Use paper forms until 11:00");
        d.ctrl('s');
        assert_eq!(d.app.announcements.len(), 1, "{:?}", d.app.flash);
        let a = d.app.announcements[0].clone();
        assert_eq!(a.title, "TABMIS: Down");
        assert_eq!(a.applications, ["TABMIS"]);
        assert_eq!(a.incident.as_deref(), Some("HT-2026-000005"));
        assert_eq!(a.guidance, "Use paper forms until 11:00");
        assert!(d.screen(120, 40).contains("⚠ #1 TABMIS: Down"));
        // The incident landed in the TABMIS group, not An's (service desk): that group resolves it.
        assert_eq!(d.ticket("HT-2026-000005").0.group, "tabmis");
        // Resolving the incident (by the TABMIS lead, at her console) offers to end the
        // announcement.
        sit_down(&mut d, "lethihoa", Lang::En);
        assert!(d.screen(120, 40).contains("⚠ #1 TABMIS: Down"));
        all_open(&mut d);
        while d.selected() != "HT-2026-000005" {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('R'));
        d.chars("Đã khởi động lại máy chủ ứng dụng");
        d.ctrl('s');
        d.key(KeyCode::Char('y'));
        match &d.app.popup {
            Some(Popup::Confirm(c)) => assert!(c.lines[0].contains("#1"), "{:?}", c.lines),
            _ => panic!("no offer to end the announcement: {:?}", d.app.flash),
        }
        d.key(KeyCode::Char('y'));
        assert!(d.app.announcements.is_empty());
        assert!(d.store.announcements(true).unwrap().is_empty());
    });
}

#[test]
fn procedure_steps_are_completed_from_ticket_detail() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let org = org();
        let (t, _) = d
            .store
            .create_ticket(
                &NewTicket {
                    title: "Máy in tầng 2 hỏng".into(),
                    kind: Some("repair".into()),
                    ..NewTicket::default()
                },
                Ctx {
                    org: &org,
                    actor: "nguyenvanan",
                    now: now(),
                    by: None,
                },
            )
            .unwrap();
        d.tick(now() + chrono::Duration::seconds(2));
        all_open(&mut d);
        while d.selected() != t.key {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Enter);
        let screen = d.screen(120, 40);
        assert!(screen.contains("B1 Report the IT incident"), "{screen}");
        // B1 needs nothing.
        d.key(KeyCode::Char('x'));
        d.ctrl('s');
        assert_eq!(d.ticket(&t.key).0.current_step.as_deref(), Some("B2"));
        // B2 needs the repair form: refused without it, the popup comes back.
        d.key(KeyCode::Char('x'));
        d.ctrl('s');
        assert!(
            matches!(d.app.popup, Some(Popup::Text(_))),
            "{:?}",
            d.app.flash
        );
        let flash = d.app.flash.clone().unwrap();
        assert!(
            flash.error && flash.text.contains("repair_form"),
            "{flash:?}"
        );
        d.chars("PKP-2026-17");
        d.ctrl('s');
        let (t2, events) = d.ticket(&t.key);
        assert_eq!(t2.current_step.as_deref(), Some("B3"));
        assert!(events.iter().any(|e| matches!(
        &e.kind,
        hotro::domain::ticket::EventKind::StepCompleted { step, fields, .. }
            if step == "B2" && fields.get("repair_form").map(String::as_str) == Some("PKP-2026-17")
    )));
        snap(&d, "procedure_detail_en");
    });
}

/// The notice drawn while a write waits for another process's lock (issue 18): in both
/// languages, naming who holds the lock when that process said so, and inert whatever the
/// other process wrote as its name.
#[test]
fn the_waiting_notice_renders_and_names_the_writer() {
    use ratatui::{Terminal, backend::TestBackend};
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let since = Utc.with_ymd_and_hms(2026, 11, 30, 2, 15, 0).unwrap();
    for (lang, title, words) in [
        (
            Lang::En,
            "Waiting for the database",
            "is running “kb import” (since 09:15:00)",
        ),
        (
            Lang::Vi,
            "Đang chờ cơ sở dữ liệu",
            "đang chạy “kb import” (từ 09:15:00)",
        ),
    ] {
        let cat = Catalog::new(lang);
        let writer = ("trang\u{1b}[2J".to_string(), "kb import".to_string(), since);
        let text = view::waiting_text(&cat, tz, std::time::Duration::from_secs(3), Some(&writer));
        assert!(text.contains(words), "{text}");
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| {
            view::render_waiting(f, Theme { color: false }, &cat.t("ui.waiting_title"), &text)
        })
        .unwrap();
        let screen: String = term
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(screen.contains(title), "{screen}");
        assert!(screen.contains("kb import"), "{screen}");
        assert!(!screen.contains('\u{1b}'), "no escape reaches the screen");
        let plain = view::waiting_text(&cat, tz, std::time::Duration::from_secs(7), None);
        assert!(plain.contains('7'), "{plain}");
    }
}

/// The screen as text, for a console driven by an executor that borrows the rest of the desk.
fn screen_of(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::render(app, Theme { color: false }, f))
        .unwrap();
    let buf = term.backend().buffer().clone();
    buf.content().iter().map(|c| c.symbol()).collect()
}

fn press(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Issue 19: the index folder deleted under a running console. The next search starts a
/// rebuild on a background thread (the screen says so meanwhile, and stays usable), then
/// the results are correct again.
#[test]
fn a_deleted_index_under_a_running_console_is_rebuilt_and_found() {
    on_each_engine(|| {
        use hotro::ui::app::IndexNote;
        let mut d = desk("nguyenvanan", Lang::En);
        import_kb(&mut d);
        let dir = hotro::search::index_dir(&d.index_home);
        let now = d.app.now;
        let mut exec = exec_of(&mut d.store, &d.session, &d.index_home).with_now(now);
        exec.drive(&mut d.app, press('K'));
        for c in "tai khoan tabmis bi khoa".chars() {
            exec.drive(&mut d.app, press(c));
        }
        assert_eq!(
            d.app.knowledge.as_ref().unwrap().results[0].reference,
            "KB-D003"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        exec.drive(
            &mut d.app,
            Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
        );
        exec.drive(&mut d.app, press('a'));
        // The rebuild runs in the background; the console keeps answering ticks meanwhile.
        let mut rounds = 0;
        while exec.rebuilding() {
            let note = d.app.knowledge.as_ref().unwrap().index_note;
            if matches!(note, Some(IndexNote::Rebuilding(_))) {
                let screen = screen_of(&d.app, 120, 40);
                assert!(screen.contains("rebuilding the search index"), "{screen}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            exec.drive(&mut d.app, Msg::Tick(now));
            rounds += 1;
            assert!(
                rounds < 6_000,
                "the rebuild of 60 articles took over two minutes"
            );
        }
        let k = d.app.knowledge.as_ref().unwrap();
        assert_eq!(k.index_note, None);
        assert_eq!(
            k.results[0].reference, "KB-D003",
            "correct results after the rebuild"
        );
        assert!(dir.join("meta.json").exists(), "the index is back on disk");
    });
}

/// Issue 19 acceptance: a console search while another process rebuilds the index answers
/// from the last committed index instead of waiting for it, with an "index updating (N%)"
/// note; when that process is done, the note goes and the query runs again.
#[test]
fn a_console_search_answers_while_another_process_rebuilds() {
    on_each_engine(|| {
        use hotro::ui::app::IndexNote;
        let mut d = desk("nguyenvanan", Lang::En);
        import_kb(&mut d);
        d.key(KeyCode::Char('K'));
        d.chars("tabmis");
        d.key(KeyCode::Esc);
        let dir = hotro::search::index_dir(&d.index_home);
        // "Another process": the writer's lock is held here, and a live process's pid (a child
        // started for the purpose) in the progress note, as a rebuilding hotro writes it.
        let index = tantivy::Index::open_in_dir(&dir).unwrap();
        let writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut other = std::process::Command::new("sleep")
            .arg("120")
            .spawn()
            .unwrap();
        std::fs::write(
            dir.join("progress.json"),
            format!(r#"{{"pid":{},"done":40,"total":100}}"#, other.id()),
        )
        .unwrap();
        let now = d.app.now;
        let mut exec = exec_of(&mut d.store, &d.session, &d.index_home).with_now(now);
        exec.drive(&mut d.app, press('K'));
        let start = std::time::Instant::now();
        for c in "tai khoan tabmis bi khoa".chars() {
            exec.drive(&mut d.app, press(c));
        }
        // The goal is 100 ms a keystroke; the proof is that it answered at all while the writer
        // is still held (it cannot have waited for it). The bound is generous for a loaded CI.
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        let k = d.app.knowledge.as_ref().unwrap();
        assert_eq!(
            k.results[0].reference, "KB-D003",
            "from the committed index"
        );
        assert_eq!(k.index_note, Some(IndexNote::Updating(Some(40))));
        let screen = screen_of(&d.app, 120, 40);
        assert!(screen.contains("index updating (40%)"), "{screen}");
        // The other process finishes.
        drop(writer);
        let _ = other.kill();
        let _ = other.wait();
        exec.drive(&mut d.app, Msg::Tick(now));
        let k = d.app.knowledge.as_ref().unwrap();
        assert_eq!(k.index_note, None);
        assert_eq!(k.results[0].reference, "KB-D003");
    });
}

/// Issue 19: a failed search never leaves the previous query's results under the new one.
#[test]
fn a_failed_search_clears_the_previous_results() {
    on_each_engine(|| {
        use hotro::ui::app::Loaded;
        let mut d = desk("nguyenvanan", Lang::En);
        import_kb(&mut d);
        d.key(KeyCode::Char('K'));
        d.chars("tabmis");
        let generation = {
            let k = d.app.knowledge.as_mut().unwrap();
            assert!(!k.results.is_empty());
            k.query.push('x');
            k.generation += 1;
            k.generation
        };
        d.app.update(Msg::Loaded(Loaded::SearchFailed {
            generation,
            message: "search index: damaged".into(),
        }));
        let k = d.app.knowledge.as_ref().unwrap();
        assert!(k.results.is_empty(), "no old results under the new query");
        let screen = d.screen(120, 40);
        assert!(screen.contains("search index: damaged"), "{screen}");
        assert!(!screen.contains("KB-"), "{screen}");
    });
}

fn flash(d: &Desk) -> String {
    d.app.flash.clone().map(|f| f.text).unwrap_or_default()
}

fn form(d: &Desk) -> &hotro::ui::app::NewTicketForm {
    match &d.app.popup {
        Some(Popup::NewTicket(f)) => f,
        _ => panic!("expected the new-ticket form"),
    }
}

fn form_draft(d: &mut Desk) -> Option<String> {
    d.store
        .load_draft("nguyenvanan", "", hotro::ui::app::NEW_TICKET_DRAFT)
        .unwrap()
}

/// Esc in the new-ticket form never throws typed text away with one key (issue 15): on a
/// choice being searched it ends only the search; then it asks, and the default keeps the
/// form as a draft that `n` brings back; `d` discards; `n` / Esc goes back to the form.
#[test]
fn esc_in_the_new_ticket_form_asks_and_keeps_a_draft() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('n'));
        d.chars("Printer jammed at counter 3");
        d.key(KeyCode::Tab);
        d.chars("Paper stuck in the tray.");
        // Down to the application choice and search it: Esc ends the search only.
        for _ in 0..5 {
            d.key(KeyCode::Tab);
        }
        d.chars("WORKST");
        d.key(KeyCode::Esc);
        assert_eq!(form(&d).title.lines()[0], "Printer jammed at counter 3");
        // Esc again: a question, not a loss.
        d.key(KeyCode::Esc);
        assert!(
            matches!(d.app.popup, Some(Popup::LeaveForm(_))),
            "asks before losing the form"
        );
        snap(&d, "leave_new_ticket_form");
        // n: back to the form, as it was.
        d.key(KeyCode::Char('n'));
        assert_eq!(form(&d).description.lines()[0], "Paper stuck in the tray.");
        // Esc, Enter: kept as a draft.
        d.key(KeyCode::Esc);
        d.key(KeyCode::Enter);
        assert!(d.app.popup.is_none());
        assert!(flash(&d).contains("press n"), "{}", flash(&d));
        assert!(form_draft(&mut d).is_some(), "the draft is in the store");
        // n opens it again: every text and the chosen application.
        d.key(KeyCode::Char('n'));
        let f = form(&d);
        assert_eq!(f.title.lines()[0], "Printer jammed at counter 3");
        assert_eq!(f.description.lines()[0], "Paper stuck in the tray.");
        let application = f
            .choices
            .iter()
            .find(|c| c.label_id == "field.application")
            .unwrap();
        assert_eq!(application.value(), Some("WORKSTATION"));
        assert!(flash(&d).contains("restored"), "{}", flash(&d));
        // Typing goes on after the restored title.
        d.chars(", again");
        assert_eq!(
            form(&d).title.lines()[0],
            "Printer jammed at counter 3, again"
        );
        // Esc, d: discarded, draft and all; the next form is blank.
        d.key(KeyCode::Esc);
        d.key(KeyCode::Char('d'));
        assert!(d.app.popup.is_none());
        assert_eq!(form_draft(&mut d), None);
        d.key(KeyCode::Char('n'));
        assert!(!form(&d).has_text());
        // Nothing typed: Esc closes at once.
        d.key(KeyCode::Esc);
        assert!(d.app.popup.is_none());
    });
}

/// The form is written down every second like a reply, and created tickets leave no draft.
#[test]
fn the_new_ticket_form_is_saved_as_it_is_typed_and_cleared_when_created() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        d.key(KeyCode::Char('n'));
        d.chars("Không in được chứng từ");
        d.tick(now() + chrono::Duration::seconds(5));
        let draft = form_draft(&mut d).expect("written down by the tick");
        assert!(draft.contains("Không in được chứng từ"), "{draft}");
        d.ctrl('s');
        assert!(d.app.popup.is_none(), "{:?}", d.app.flash);
        assert_eq!(form_draft(&mut d), None, "created: draft gone");
    });
}

/// After a conflict, `y` (apply on the new version) sends the reply once and clears its
/// draft: `r` again offers an empty box, not the sent text (issue 15).
#[test]
fn applying_after_a_conflict_clears_the_draft() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('r'));
        d.chars("We are on it");
        d.tick(now() + chrono::Duration::seconds(5)); // the autosaved draft
        assert!(
            d.store
                .load_draft("nguyenvanan", &key, "reply")
                .unwrap()
                .is_some()
        );
        let mut other = d.db.store();
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "tranthibich",
            now: now(),
            by: None,
        };
        other
            .change_ticket(
                &key,
                None,
                Change::Assign {
                    to: Some("tranthibich".into()),
                    group: None,
                },
                ctx,
            )
            .unwrap();
        d.ctrl('s');
        assert!(matches!(d.app.popup, Some(Popup::Conflict(_))));
        d.key(KeyCode::Char('y'));
        assert!(d.app.popup.is_none());
        assert!(flash(&d).contains("Saved"), "{}", flash(&d));
        assert_eq!(
            d.store.load_draft("nguyenvanan", &key, "reply").unwrap(),
            None,
            "sent: the draft is gone"
        );
        let (_, events) = d.ticket(&key);
        let replies = events
            .iter()
            .filter(|e| serde_json::to_string(e).unwrap().contains("We are on it"))
            .count();
        assert_eq!(replies, 1);
        d.key(KeyCode::Char('r'));
        let Some(Popup::Text(t)) = &d.app.popup else {
            panic!("reply popup")
        };
        assert_eq!(t.text(), "", "nothing offered to send twice");
    });
}

/// SIGTERM, SIGHUP or SIGQUIT (the runtime's `Msg::Terminate`) keeps every unsent text as
/// a draft, also what was typed since the last autosave, and quits; so does a quit.
#[test]
fn a_signal_or_a_quit_keeps_unsent_text_as_drafts() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('r'));
        d.chars("Half a reply");
        d.msg(Msg::Terminate);
        assert!(d.app.quit);
        assert_eq!(
            d.store
                .load_draft("nguyenvanan", &key, "reply")
                .unwrap()
                .as_deref(),
            Some("Half a reply")
        );
        // The new-ticket form, under a quit question.
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('n'));
        d.chars("Phone call: VPN down");
        d.ctrl('c');
        d.msg(Msg::Terminate);
        assert!(form_draft(&mut d).unwrap().contains("Phone call: VPN down"));
        // A quit answered with y keeps the note typed a moment ago.
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let key = d.selected();
        d.key(KeyCode::Char('i'));
        d.chars("note before quitting");
        d.ctrl('c');
        d.key(KeyCode::Char('y'));
        assert!(d.app.quit);
        assert_eq!(
            d.store
                .load_draft("nguyenvanan", &key, "note")
                .unwrap()
                .as_deref(),
            Some("note before quitting")
        );
    });
}

/// Ctrl-E in the new-ticket form writes the description in `$EDITOR`; with no editor to be
/// had the console says which variable to set and keeps the text (issue 15).
#[test]
fn ctrl_e_in_the_form_opens_the_editor_or_says_which_variable_to_set() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('n'));
        d.chars("Scanner");
        d.key(KeyCode::Tab);
        d.chars("first line");
        let cmds = d.msg(Msg::Key(KeyEvent::new(
            KeyCode::Char('e'),
            KeyModifiers::CONTROL,
        )));
        assert_eq!(
            cmds,
            vec![hotro::ui::app::Cmd::OpenEditor("first line".into())]
        );
        d.msg(Msg::Loaded(hotro::ui::app::Loaded::NoEditor));
        let f = flash(&d);
        assert!(f.contains("$EDITOR") && f.contains("$VISUAL"), "{f}");
        assert_eq!(form(&d).description.lines()[0], "first line");
        d.msg(Msg::Loaded(hotro::ui::app::Loaded::EditorText(
            "first line\nsecond line\n".into(),
        )));
        assert_eq!(form(&d).description.lines(), ["first line", "second line"]);
        // Also from a reply box.
        d.key(KeyCode::Esc);
        d.key(KeyCode::Char('d'));
        all_open(&mut d);
        d.key(KeyCode::Char('r'));
        let cmds = d.msg(Msg::Key(KeyEvent::new(
            KeyCode::Char('e'),
            KeyModifiers::CONTROL,
        )));
        assert_eq!(cmds, vec![hotro::ui::app::Cmd::OpenEditor(String::new())]);
        d.msg(Msg::Loaded(hotro::ui::app::Loaded::NoEditor));
        assert!(flash(&d).contains("EDITOR=nano"), "{}", flash(&d));
    });
}

/// The console in Chinese (`--lang zh`): the queue, a Chinese ticket's detail and the
/// knowledge screen, at every size; wide characters keep the columns and borders in place.
#[test]
fn chinese_console_snapshots() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Zh);
        import_kb(&mut d);
        all_open(&mut d);
        snap3(&d, "main_zh");
        // Newest first: the Chinese ticket is the third.
        d.key(KeyCode::Down);
        d.key(KeyCode::Down);
        assert_eq!(d.app.list.selected().unwrap().title, "网络连接失败");
        snap3(&d, "queue_cjk_selected_zh");
        d.key(KeyCode::Enter);
        snap3(&d, "detail_zh");
        d.key(KeyCode::Esc);
        d.key(KeyCode::Char('K'));
        d.chars("指标");
        assert!(!d.app.knowledge.as_ref().unwrap().results.is_empty());
        snap3(&d, "knowledge_zh");
        // Every row of the ticket table fills the screen exactly, its right border in the last
        // column: a wide title (or a wide label) pushes nothing out of place.
        let mut d = desk("nguyenvanan", Lang::Zh);
        all_open(&mut d);
        for (w, h) in [(80, 24), (120, 40), (200, 50)] {
            let screen = d.screen(w, h);
            let rows: Vec<&str> = screen.lines().filter(|l| l.contains(" HT-")).collect();
            assert!(rows.len() >= 4, "{w}x{h}: {screen}");
            for row in rows {
                assert_eq!(
                    unicode_width::UnicodeWidthStr::width(row),
                    w as usize,
                    "{w}x{h}: {row}\n{screen}"
                );
                assert!(row.ends_with('│'), "{w}x{h}: {row}");
            }
        }
    });
}

/// The last line of a screen: the hint bar.
fn hint_bar(screen: &str) -> String {
    screen.lines().last().unwrap_or("").to_string()
}

/// Issue 15: the hint bar shows what fits by priority, in a stable order, and ends with the
/// help key and "more" when something was left out; leaving a screen is always offered.
#[test]
fn the_hint_bar_shows_the_most_important_keys_and_says_there_are_more() {
    on_each_engine(|| {
        for (lang, name, back, more) in [
            (Lang::En, "en", "Esc back", "? more"),
            (Lang::Vi, "vi", "Esc quay lại", "? thêm"),
            (Lang::Zh, "zh", "Esc 返回", "? 更多"),
        ] {
            let mut d = desk("nguyenvanan", lang);
            all_open(&mut d);
            assert!(hint_bar(&d.screen(250, 24)).contains("1–9 "), "{name}");
            for w in [80u16, 120] {
                let bar = hint_bar(&d.screen(w, 24));
                assert!(!bar.contains("1-9"), "{name} {w}: {bar}");
                assert!(bar.ends_with(more), "{name} {w}: {bar}");
                assert!(bar.contains("q "), "{name} {w}: {bar}");
            }
            // Everything fits on a very wide screen: no cue, help in its place.
            let bar = hint_bar(&d.screen(440, 24));
            assert!(!bar.ends_with(more), "{name}: {bar}");
            d.key(KeyCode::Enter);
            for w in [80u16, 120] {
                let bar = hint_bar(&d.screen(w, 24));
                assert!(bar.contains(back), "{name} {w}: {bar}");
                assert!(bar.ends_with(more), "{name} {w}: {bar}");
                assert!(unicode_width::UnicodeWidthStr::width(bar.as_str()) <= w as usize);
            }
            let bar = hint_bar(&d.screen(120, 24));
            let wanted: &[&str] = if lang == Lang::En {
                &["R ", "x "]
            } else {
                &["R "]
            };
            for k in wanted {
                assert!(bar.contains(k), "{name}: {k} missing in {bar}");
            }
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('M'));
            let bar = hint_bar(&d.screen(120, 24));
            let wanted: &[&str] = if lang == Lang::En {
                &["i ", "F "]
            } else {
                &["i "]
            };
            for k in wanted {
                assert!(bar.contains(k), "{name}: {k} missing in {bar}");
            }
        }
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en"), (Lang::Zh, "zh")] {
            let mut d = desk("nguyenvanan", lang);
            all_open(&mut d);
            d.key(KeyCode::Enter);
            snap3(&d, &format!("hints_detail_{name}"));
        }
    });
}

/// Issue 15: hints come from the keymap file: `take` remapped to `T` shows as `T take`, in
/// the place `t take` had, at every width where `t take` showed.
#[test]
fn a_remapped_key_shows_in_the_hint_bar() {
    on_each_engine(|| {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keymap.toml");
        std::fs::write(&file, "[[queue]]\nkeys = [\"T\"]\naction = \"take\"\n").unwrap();
        let keymap = Keymap::load(Some(&file)).unwrap();
        let mut d = desk("nguyenvanan", Lang::En);
        let me = d.app.me.clone();
        d.app = App::new(Catalog::new(Lang::En), org(), me, keymap, now());
        let mut exec = exec_of(&mut d.store, &d.session, &d.index_home).with_now(now());
        exec.start(&mut d.app);
        all_open(&mut d);
        for w in [120u16, 200] {
            let bar = hint_bar(&d.screen(w, 24));
            assert!(bar.contains("T take"), "{w}: {bar}");
            assert!(!bar.contains("t take"), "{w}: {bar}");
        }
        let bar = hint_bar(&d.screen(200, 24));
        let (reply, take) = (bar.find("r reply").unwrap(), bar.find("T take").unwrap());
        assert!(reply < take, "the default's place: {bar}");
    });
}

/// Issue 15: the help overlay stops at its last line, and g/Home, G/End go to either end.
#[test]
fn the_help_overlay_scrolls_within_its_bounds() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        d.msg(Msg::Resize {
            width: 80,
            height: 24,
        });
        d.key(KeyCode::Char('?'));
        let scroll = |d: &Desk| match d.app.popup {
            Some(Popup::Help { scroll }) => scroll,
            _ => panic!("help closed"),
        };
        d.key_mod(KeyCode::Char('G'), KeyModifiers::SHIFT);
        let last = scroll(&d);
        assert!(last > 0);
        let screen = d.screen(80, 24);
        // The last line at the bottom of the overlay: every line seen, none past the end.
        let size = ratatui::layout::Rect::new(0, 0, 80, 24);
        let visible = hotro::ui::layout::inner(hotro::ui::layout::help_area(size)).height as usize;
        assert_eq!(
            last + visible,
            hotro::ui::layout::help_rows(&d.app.keymap),
            "{screen}"
        );
        for _ in 0..30 {
            d.key(KeyCode::Char('j'));
            d.key(KeyCode::PageDown);
        }
        assert_eq!(scroll(&d), last, "never past the end");
        assert_eq!(d.screen(80, 24), screen);
        d.key(KeyCode::Char('g'));
        assert_eq!(scroll(&d), 0);
        d.key(KeyCode::End);
        assert_eq!(scroll(&d), last);
        d.key(KeyCode::Home);
        assert_eq!(scroll(&d), 0);
        // Headings are the contexts' names in the operator's language, never raw ids.
        d.key(KeyCode::End);
        let screen = d.screen(80, 24);
        assert!(!screen.contains("context."), "{screen}");
        // The title says where the overlay is: its last line is the last of the list.
        let total = hotro::ui::layout::help_rows(&d.app.keymap);
        assert!(screen.contains(&format!("{total} / {total}")), "{screen}");
        // At every size and in every language, the end of the list is its SLA legend.
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en"), (Lang::Zh, "zh")] {
            let mut d = desk("nguyenvanan", lang);
            d.key(KeyCode::Char('?'));
            d.key(KeyCode::End);
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                d.msg(Msg::Resize {
                    width: w,
                    height: h,
                });
                d.key(KeyCode::End);
                let screen = d.screen(w, h);
                let legend = Catalog::new(lang).t("help.sla.at_risk");
                let start: String = legend.chars().take(10).collect();
                assert!(screen.contains(&start), "{name} {w}x{h}:\n{screen}");
                insta::assert_snapshot!(format!("help_end_{name}_{w}x{h}"), screen);
            }
        }
    });
}

/// Issue 15: the SLA column reads as a duration in each language (not `11h00`, a clock time
/// in Vietnamese), overdue and paused clocks say so in words, and columns fit their content
/// and the screen: SLA kept at 80 columns, a long unit shown whole at 200.
#[test]
fn sla_durations_read_as_durations_and_columns_fit_content_and_screen() {
    on_each_engine(|| {
        for (lang, name, span, over) in [
            (Lang::Vi, "vi", "2 g 00 ph", "quá "),
            (Lang::En, "en", "2h 00m", "over "),
            (Lang::Zh, "zh", "2小时00分", "超时 "),
        ] {
            let mut d = desk("nguyenvanan", lang);
            let org = org();
            let ctx = Ctx {
                org: &org,
                actor: "nguyenvanan",
                now: now(),
                by: None,
            };
            d.store
                .create_ticket(
                    &NewTicket {
                        title: "Máy in quầy giao dịch không in được".into(),
                        requester: Requester {
                            unit: Some("DN-HC".into()),
                            ..Requester::default()
                        },
                        application: Some("THBC-ĐTKB-LAN".into()),
                        ..NewTicket::default()
                    },
                    ctx,
                )
                .unwrap();
            all_open(&mut d);
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                let screen = d.screen(w, h);
                assert!(screen.contains(span), "{name} {w}: {screen}");
                assert!(!screen.contains("h00 "), "{name} {w}: {screen}");
                let rows: Vec<&str> = screen.lines().filter(|l| l.contains(" HT-")).collect();
                for row in &rows {
                    assert_eq!(
                        unicode_width::UnicodeWidthStr::width(*row),
                        w as usize,
                        "{name} {w}: {row}"
                    );
                }
            }
            let wide = d.screen(200, 50);
            // The longest application code whole (it was cut to 10 cells at any width).
            assert!(wide.contains("THBC-ĐTKB-LAN "), "{name}: {wide}");
            snap3(&d, &format!("sla_columns_{name}"));
            // A day later every clock is overdue, and says so in words.
            d.tick(now() + chrono::Duration::hours(30));
            d.key(KeyCode::Char('8'));
            let screen = d.screen(120, 40);
            assert!(screen.contains(over), "{name}: {screen}");
            assert!(!screen.contains("!-"), "{name}: {screen}");
        }
    });
}

/// Issue 15: dialog text wraps (never cut), the box fits its content within the screen,
/// and the line of answers stays in sight however long the text; the conflict dialog speaks
/// of keys, not of the command line's `--expect-version`.
#[test]
fn dialogs_wrap_their_text_and_keep_the_answers_in_sight() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en"), (Lang::Zh, "zh")] {
            let mut d = desk("nguyenvanan", lang);
            all_open(&mut d);
            let cat = Catalog::new(lang);
            let long = "Kết thúc ngày kiểm tra 20/11/2026: báo cáo được chốt và gửi đi; mọi thay đổi sau đó được ghi là bổ sung (ai, lúc nào, từ → thành). 网络连接失败网络连接失败网络连接失败。 The end of the text is here.";
            d.app.popup = Some(Popup::Confirm(hotro::ui::app::ConfirmPopup {
                lines: vec![long.into(), String::new(), "HT-2026-000001".into()],
                pending: Vec::new(),
                after: Vec::new(),
                next: None,
            }));
            let answers = cat.t("popup.yes_no");
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                let screen = d.screen(w, h);
                let flat: String = screen
                    .lines()
                    .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(
                    flat.contains("here."),
                    "{name} {w}: the end is cut\n{screen}"
                );
                assert!(screen.contains(answers.trim()), "{name} {w}:\n{screen}");
            }
            snap3(&d, &format!("dialog_wrapped_{name}"));
            // A conflict with more changes than the screen has rows: the answers stay.
            let mut lines: Vec<String> = (1..=40)
                .map(|v| format!("  v{v} 2026-11-20 10:00 tranthibich: internal note: {long}"))
                .collect();
            lines.push(cat.t("conflict.choices_text"));
            d.app.popup = Some(Popup::Conflict(hotro::ui::app::ConflictPopup {
                lines,
                retry: Vec::new(),
                text: None,
            }));
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                let screen = d.screen(w, h);
                let choices = cat.t("conflict.choices_text");
                let last_words = choices.split_whitespace().last().unwrap();
                assert!(screen.contains(last_words), "{name} {w}:\n{screen}");
            }
            snap3(&d, &format!("dialog_conflict_long_{name}"));
        }
    });
}

/// Issue 15: the new-ticket form fits 80×24 — every field shown when it has the focus, a
/// description box of several lines — and its messages (a missing title, a restored form)
/// show below it instead of under it.
#[test]
fn the_new_ticket_form_fits_small_screens_and_shows_its_messages() {
    on_each_engine(|| {
        for (lang, name) in [(Lang::Vi, "vi"), (Lang::En, "en"), (Lang::Zh, "zh")] {
            let mut d = desk("nguyenvanan", lang);
            let cat = Catalog::new(lang);
            d.key(KeyCode::Char('n'));
            let labels: Vec<String> = form(&d).choices.iter().map(|c| cat.t(c.label_id)).collect();
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                let screen = d.screen(w, h);
                for l in &labels {
                    let short: String = l.chars().take(6).collect();
                    assert!(screen.contains(&short), "{name} {w}x{h}: {l}\n{screen}");
                }
                // The description box: at least three lines inside its border.
                let rows: Vec<&str> = screen.lines().collect();
                let top = rows
                    .iter()
                    .position(|r| r.contains(&format!("┌{}", cat.t("field.description"))))
                    .unwrap();
                let bottom = (top + 1..rows.len())
                    .find(|&i| rows[i].contains("└"))
                    .unwrap();
                assert!(bottom - top > 3, "{name} {w}x{h}:\n{screen}");
            }
            // Saving without a title: the message is on screen, above the hint bar.
            d.ctrl('s');
            let message = cat.t("flash.title_required");
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                let screen = d.screen(w, h);
                let rows: Vec<&str> = screen.lines().collect();
                assert!(
                    rows[rows.len() - 2].contains(&message),
                    "{name} {w}x{h}:\n{screen}"
                );
            }
            snap3(&d, &format!("new_ticket_title_required_{name}"));
        }
        // A restored form says so where it can be seen.
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('n'));
        d.chars("Printer");
        d.key(KeyCode::Esc);
        d.key(KeyCode::Char('y'));
        d.key(KeyCode::Char('n'));
        let screen = d.screen(80, 24);
        assert!(
            screen.contains("Your unfinished new ticket was restored."),
            "{screen}"
        );
    });
}

/// Issue 15: on a screen too short for every field, the choices scroll so that the focused
/// one is always on screen (Tab through all of them at 80×16).
#[test]
fn every_focused_form_field_is_on_a_short_screen() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let cat = Catalog::new(Lang::En);
        d.key(KeyCode::Char('n'));
        let count = form(&d).field_count();
        for _ in 0..count {
            let focus = form(&d).focus;
            let screen = d.screen(80, 16);
            if let Some(c) = focus
                .checked_sub(hotro::ui::app::NewTicketForm::TEXT_FIELDS)
                .and_then(|i| form(&d).choices.get(i))
            {
                let label: String = cat.t(c.label_id).chars().take(6).collect();
                assert!(screen.contains(&label), "focus {focus}: {label}\n{screen}");
            }
            d.key(KeyCode::Tab);
        }
    });
}

/// A change made by another operator (or the SLA rules) straight through the store.
fn change_as(d: &mut Desk, key: &str, actor: &str, minutes: i64, change: Change) {
    let org = org();
    let ctx = Ctx {
        org: &org,
        actor,
        now: now() + chrono::Duration::minutes(minutes),
        by: None,
    };
    d.store.change_ticket(key, None, change, ctx).unwrap();
}

/// Issue 15: the timeline names groups, fields and values as the configuration and the
/// catalog call them in the reader's language, words the SLA rules' notice for each reader
/// (it is stored as a fact), and wraps at word boundaries.
#[test]
fn the_timeline_speaks_the_readers_language() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        let key = "HT-2026-000001";
        change_as(
            &mut d,
            key,
            "nguyenvanan",
            1,
            Change::Classify(hotro::domain::ticket::Classification {
                category: Some("software-bug".into()),
                urgency: Some("high".into()),
                ..Default::default()
            }),
        );
        change_as(
            &mut d,
            key,
            hotro::rules::ACTOR,
            2,
            Change::SlaNotice {
                clock: "resolution".into(),
            },
        );
        change_as(
            &mut d,
            key,
            hotro::rules::ACTOR,
            3,
            Change::SlaEscalate {
                clock: "resolution".into(),
            },
        );
        // The SLA notice and the rule's escalation are facts in the store, not sentences in
        // one language.
        let (_, events) = d.ticket(key);
        let notice = serde_json::to_value(&events[2]).unwrap();
        assert_eq!(notice["kind"], "sla_notice");
        assert_eq!(notice["clock"], "resolution");
        let escalated = serde_json::to_value(&events[3]).unwrap();
        assert_eq!(escalated["kind"], "escalated");
        assert_eq!(escalated["by_rule"], "resolution");
        assert_eq!(escalated["reason"], "");
        all_open(&mut d);
        while d.selected() != key {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('G'));
        let screen = d.screen(120, 40);
        for raw in [
            "category:",
            "urgency:",
            "software-bug",
            "→ high",
            "service-desk",
        ] {
            assert!(!screen.contains(raw), "`{raw}` shown raw:\n{screen}");
        }
        assert!(screen.contains("Lỗi phần mềm"), "{screen}");
        assert!(screen.contains("theo quy tắc"), "{screen}");
        snap3(&d, "timeline_vi");
        // The same events read by an English console: the notice in English.
        sit_down(&mut d, "nguyenvanan", Lang::En);
        all_open(&mut d);
        while d.selected() != key {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Enter);
        d.key(KeyCode::Char('G'));
        let screen = d.screen(200, 50);
        assert!(screen.contains("Software bug"), "{screen}");
        assert!(screen.contains("SLA: Resolution is at risk"), "{screen}");
        assert!(screen.contains("escalated by rule"), "{screen}");
        snap(&d, "timeline_en");
    });
}

/// Issue 15: a 200-line description is folded to its first lines with a note of how many
/// more and the key that shows them; the key folds it again.
#[test]
fn a_long_description_is_folded_and_unfolded_by_a_key() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::Vi);
        let description: String = (1..=200)
            .map(|i| format!("Dòng nhật ký số {i}: máy chủ trả lỗi 502"))
            .collect::<Vec<_>>()
            .join("\n");
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: now(),
            by: None,
        };
        let new = NewTicket {
            title: "Nhật ký lỗi dài".into(),
            description,
            ..NewTicket::default()
        };
        let (t, _) = d.store.create_ticket(&new, ctx).unwrap();
        all_open(&mut d);
        d.key(KeyCode::Char('g'));
        assert_eq!(d.selected(), t.key);
        d.key(KeyCode::Enter);
        let screen = d.screen(120, 40);
        assert!(screen.contains("còn 192 dòng, z để mở hết"), "{screen}");
        assert!(!screen.contains("số 9:"), "{screen}");
        assert!(screen.contains("Diễn biến"), "{screen}");
        snap3(&d, "detail_folded_vi");
        d.key(KeyCode::Char('z'));
        assert!(d.app.detail.as_ref().unwrap().description_open);
        let screen = d.screen(120, 40);
        assert!(screen.contains("số 9:"), "{screen}");
        assert!(!screen.contains("còn 192 dòng"), "{screen}");
        d.key(KeyCode::Char('z'));
        assert!(d.screen(120, 40).contains("còn 192 dòng"));
    });
}

/// Issue 15: marks belong to tickets (kept when another queue is shown, acted on together),
/// and the pane's count is the filter's.
#[test]
fn marks_survive_queue_switches_and_the_filter_sets_the_count() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        all_open(&mut d);
        let first = d.selected();
        d.key(KeyCode::Char('v'));
        d.key(KeyCode::Char('2'));
        assert_eq!(d.app.marked.len(), 1, "the mark stays in another queue");
        all_open(&mut d);
        assert!(d.app.marked.contains_key(&first));
        let title = |d: &Desk| d.screen(120, 40).lines().nth(1).unwrap().to_string();
        assert!(title(&d).contains("All open (4)"), "{}", title(&d));
        d.key(KeyCode::Char('/'));
        d.chars("tabmis");
        assert_eq!(d.app.list.rows.len(), 1);
        assert!(title(&d).contains("All open (1)"), "{}", title(&d));
        snap(&d, "filter_count_en");
        d.key(KeyCode::Esc);
        assert!(title(&d).contains("All open (4)"), "{}", title(&d));
        // Take the marked ticket from another queue: the mark is what is acted on.
        d.key(KeyCode::Char('2'));
        d.key(KeyCode::Char('t'));
        let (t, _) = d.ticket(&first);
        assert_eq!(t.assignee.as_deref(), Some("nguyenvanan"));
        assert!(d.app.marked.is_empty());
    });
}

/// Issue 15: Ctrl-U clears the knowledge query; a key user opens a found article in full
/// (Enter), scrolls it, and goes back to the list with Esc.
#[test]
fn knowledge_query_clears_and_an_article_opens_in_full() {
    on_each_engine(|| {
        let mut d = desk("buivantuan", Lang::Vi);
        key_user_only(&mut d);
        import_kb(&mut d);
        d.key(KeyCode::Char('K'));
        d.chars("指标");
        assert!(!d.app.knowledge.as_ref().unwrap().results.is_empty());
        d.ctrl('u');
        let k = d.app.knowledge.as_ref().unwrap();
        assert_eq!(k.query, "");
        assert!(k.results.is_empty());
        d.chars("指标");
        d.key(KeyCode::Enter);
        assert!(d.app.knowledge.as_ref().unwrap().reading);
        snap3(&d, "article_full_vi");
        d.key(KeyCode::Down);
        assert_eq!(d.app.knowledge.as_ref().unwrap().scroll, 1);
        d.key(KeyCode::Esc);
        let k = d.app.knowledge.as_ref().unwrap();
        assert!(!k.reading, "Esc goes back to the list");
        assert_eq!(k.query, "指标");
        d.key(KeyCode::Esc);
        assert!(d.app.knowledge.is_none());
    });
}

/// Issue 15: the morning check's names are as wide as they need (the two TTLKB systems
/// differ at the end), a result moves on to the next unchecked system (a failure whose
/// lead must be called keeps the cursor), and `r` shows the report `hotro check report`
/// gives, scrollable.
#[test]
fn morning_check_names_cursor_and_report() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('M'));
        let screen = d.screen(120, 40);
        assert!(screen.contains("Inter-treasury e-payment – T4"), "{screen}");
        assert!(
            screen.contains("Inter-treasury e-payment – T3 transaction office"),
            "{screen}"
        );
        d.key(KeyCode::Char('o')); // TABMIS OK: on to the second
        d.key(KeyCode::Char('o'));
        assert_eq!(d.app.check.as_ref().unwrap().cursor, 2);
        d.key(KeyCode::Char('s')); // slow: on to the fourth
        assert_eq!(d.app.check.as_ref().unwrap().cursor, 3);
        d.key(KeyCode::Char('g'));
        d.key(KeyCode::Char('o')); // TABMIS again: the checked ones are skipped
        assert_eq!(d.app.check.as_ref().unwrap().cursor, 3);
        d.key(KeyCode::Char('d')); // down: the cursor stays, the footer says whom to call
        assert_eq!(d.app.check.as_ref().unwrap().cursor, 3);
        snap3(&d, "check_wide_names_en");
        d.key(KeyCode::Char('r'));
        let (text, _) = d.app.check.as_ref().unwrap().report.clone().unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let session = d.session.clone();
        let expected = hotro::desk::Desk::new(&mut d.store, &session, now())
            .check_report(
                &Catalog::new(Lang::En),
                date,
                hotro::check::report::Format::Text,
            )
            .unwrap();
        assert_eq!(text, expected, "the CLI's report");
        snap(&d, "check_report_en");
        d.key(KeyCode::Down);
        assert_eq!(d.app.check.as_ref().unwrap().report.as_ref().unwrap().1, 1);
        d.key(KeyCode::Esc);
        assert!(d.app.check.as_ref().unwrap().report.is_none());
        assert!(d.app.check.is_some());
    });
}

/// Issue 15: after creating a ticket the operator is on it (its detail is open).
#[test]
fn a_created_ticket_opens() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        d.key(KeyCode::Char('n'));
        d.chars("Printer queue stuck");
        d.ctrl('s');
        let detail = d.app.detail.as_ref().expect("the new ticket is open");
        assert_eq!(detail.ticket.key, "HT-2026-000005");
        assert_eq!(detail.ticket.title, "Printer queue stuck");
        assert!(
            d.screen(120, 40)
                .contains("HT-2026-000005 · Printer queue stuck")
        );
    });
}

/// Issue 15: every main screen in every language at every size — the queue, a ticket's
/// detail, the knowledge screen with results, the morning check, the help and the
/// new-ticket form, in vi, en and zh at 80×24, 120×40 and 200×50. Besides the snapshots,
/// on each: no line wider than the screen, and no raw message id (`field.group`,
/// `context.check`: a namespace of the catalogs, a dot, a name) shown instead of words.
#[test]
fn every_screen_in_every_language_at_every_size() {
    on_each_engine(|| {
        let namespaces = [
            "action", "ui", "popup", "field", "flash", "report", "sla", "check", "event", "form",
            "confirm", "status", "queue", "col", "context", "help", "conflict", "kb", "error",
            "req",
        ];
        let raw_id = |screen: &str| -> Option<String> {
            screen
                .split(|c: char| c.is_whitespace() || "│─┌┐└┘├┤()[]:,".contains(c))
                .find_map(|w| {
                    let (ns, rest) = w.split_once('.')?;
                    (namespaces.contains(&ns)
                        && !rest.is_empty()
                        && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                    .then(|| w.to_string())
                })
        };
        // The detector itself finds what it is for.
        assert_eq!(raw_id("│ x field.group y"), Some("field.group".to_string()));
        assert_eq!(raw_id("HT-2026-000004 12.5 ms portal.kbnn.example"), None);
        let check = |d: &Desk, name: &str| {
            for (w, h) in [(80u16, 24u16), (120, 40), (200, 50)] {
                let screen = d.screen(w, h);
                for line in screen.lines() {
                    assert!(
                        unicode_width::UnicodeWidthStr::width(line) <= w as usize,
                        "{name} {w}x{h}: a line wider than the screen: {line}"
                    );
                }
                assert_eq!(raw_id(&screen), None, "{name} {w}x{h}:\n{screen}");
            }
            snap3(d, name);
        };
        for (lang, code) in [(Lang::Vi, "vi"), (Lang::En, "en"), (Lang::Zh, "zh")] {
            let mut d = desk("nguyenvanan", lang);
            import_kb(&mut d);
            all_open(&mut d);
            check(&d, &format!("every_queue_{code}"));
            d.key(KeyCode::Enter);
            check(&d, &format!("every_detail_{code}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('K'));
            d.chars("mat khau");
            check(&d, &format!("every_knowledge_{code}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('M'));
            check(&d, &format!("every_check_{code}"));
            d.key(KeyCode::Char('?'));
            check(&d, &format!("every_help_{code}"));
            d.key(KeyCode::Esc);
            d.key(KeyCode::Esc);
            d.key(KeyCode::Char('n'));
            check(&d, &format!("every_new_ticket_{code}"));
            d.key(KeyCode::Esc);
            assert!(d.app.popup.is_none());
            submit_requirement(&mut d, "KBNN", "Tra cứu lệnh chi theo mã dự án");
            d.key(KeyCode::Char('Q'));
            check(&d, &format!("every_requirements_{code}"));
            d.key(KeyCode::Esc);
            wait_for_report(&mut d, press('B'));
            check(&d, &format!("every_reports_{code}"));
            d.key(KeyCode::Esc);
        }
    });
}

/// Submit a requirement of `unit` as the console's operator, through the application layer.
fn submit_requirement(d: &mut Desk, unit: &str, title: &str) -> String {
    let session = d.session.clone();
    let new = NewTicket {
        title: title.into(),
        kind: Some("requirement".into()),
        category: Some("improvement".into()),
        requester: Requester {
            name: Some("Trần Thị Mai".into()),
            unit: Some(unit.into()),
            ..Requester::default()
        },
        ..NewTicket::default()
    };
    hotro::desk::Desk::new(&mut d.store, &session, now())
        .create_ticket(&new, false)
        .unwrap()
        .ticket
        .key
}

/// What the Requirements screen lists as waiting for the operator.
fn waiting(d: &Desk) -> Vec<hotro::domain::ticket::Ticket> {
    d.app
        .requirements
        .as_ref()
        .unwrap()
        .pending
        .clone()
        .unwrap()
}

fn stage_of(d: &mut Desk, key: &str) -> hotro::domain::requirement::Stage {
    d.ticket(key).0.requirement.unwrap().stage
}

/// Issue 16 Deliver 3: each level sees what waits for it in the console's Requirements
/// screen and decides with one key; a refusal is the flash message.
#[test]
fn the_requirements_screen_decides_level_by_level() {
    on_each_engine(|| {
        use hotro::domain::requirement::Stage;
        // The district's reviewer (HN-BD) sees the district's requirements.
        let mut d = desk("buivantuan", Lang::En);
        let forwarded = submit_requirement(&mut d, "HN-BD", "Bảng kê chi cần thêm mã dự án");
        let rejected = submit_requirement(&mut d, "HN-BD", "Đổi màu nút Lưu");
        d.key(KeyCode::Char('Q'));
        let screen = d.screen(120, 40);
        assert!(
            screen.contains(&forwarded) && screen.contains(&rejected),
            "{screen}"
        );
        assert!(
            screen.contains("forward up"),
            "the hints offer the level's keys: {screen}"
        );
        // Not for a requirement under review: adopting is the IT office's, after refining.
        assert!(!screen.contains("not adopted (reason)"), "{screen}");
        snap3(&d, "requirements_review_en");
        d.key(KeyCode::Char('a'));
        assert!(d.app.flash.as_ref().unwrap().error);
        assert_eq!(stage_of(&mut d, &forwarded), Stage::UnderReview);
        // f forwards the first one up to the province; it waits for me no more.
        d.key(KeyCode::Char('f'));
        assert_eq!(stage_of(&mut d, &forwarded), Stage::UnderReview);
        assert_eq!(
            d.ticket(&forwarded).0.requirement.unwrap().level.as_deref(),
            Some("HN")
        );
        let pending = waiting(&d);
        assert_eq!(pending.len(), 1);
        // x asks the reason and rejects.
        d.key(KeyCode::Char('x'));
        assert!(matches!(d.app.popup, Some(Popup::Text(_))));
        d.ctrl('s');
        assert!(
            matches!(d.app.popup, Some(Popup::Text(_))),
            "a rejection needs its reason"
        );
        d.chars("Trung lap voi yeu cau khac");
        d.ctrl('s');
        assert_eq!(stage_of(&mut d, &rejected), Stage::Rejected);
        let (t, events) = d.ticket(&rejected);
        assert_eq!(
            t.requirement.unwrap().reason.as_deref(),
            Some("Trung lap voi yeu cau khac")
        );
        assert!(
            events
                .iter()
                .any(|e| e.kind.name() == "requirement_changed")
        );
        snap3(&d, "requirements_empty_en");

        // The centre's reviewer, the IT office: forward, adopt, plan, advance.
        sit_down(&mut d, "nguyenvanan", Lang::En);
        let central = submit_requirement(&mut d, "KBNN", "Tra cứu lệnh chi theo mã dự án");
        d.key(KeyCode::Char('Q'));
        let pending = waiting(&d);
        let at = pending.iter().position(|t| t.key == central).unwrap();
        for _ in 0..at {
            d.key(KeyCode::Char('j'));
        }
        d.key(KeyCode::Char('f'));
        assert_eq!(stage_of(&mut d, &central), Stage::Refining);
        d.key(KeyCode::Char('a'));
        d.chars("Vu NSNN");
        d.key(KeyCode::Enter);
        assert_eq!(stage_of(&mut d, &central), Stage::Confirmed);
        d.key(KeyCode::Char('p'));
        d.chars("1 5");
        d.key(KeyCode::Enter);
        assert!(
            d.app.flash.as_ref().unwrap().error,
            "a plan needs its release"
        );
        d.chars(" 2027.01");
        d.key(KeyCode::Enter);
        let r = d.ticket(&central).0.requirement.unwrap();
        assert_eq!(
            (r.stage, r.rank, r.effort_days, r.release.as_deref()),
            (Stage::Planned, Some(1), Some(5), Some("2027.01"))
        );
        d.key(KeyCode::Char('v'));
        assert_eq!(stage_of(&mut d, &central), Stage::WorkOrderSent);
    });
}

/// Issue 16 Deliver 4: every console shows the month's publication in force, months apart
/// with [ and ]; a key user sees nothing waiting, and the publication.
#[test]
fn the_requirements_screen_shows_the_publication() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let key = submit_requirement(&mut d, "HN-BD", "Xuất bảng kê ra Excel");
        let session = d.session.clone();
        let december: hotro::domain::requirement::Month = "2026-12".parse().unwrap();
        hotro::desk::Desk::new(&mut d.store, &session, now())
            .publish_requirements(december)
            .unwrap();
        key_user_only(&mut d);
        d.key(KeyCode::Char('Q'));
        let screen = d.screen(120, 40);
        assert!(screen.contains("2026-11 is not published yet"), "{screen}");
        assert!(screen.contains("Nothing waits for you"), "{screen}");
        d.key(KeyCode::Char(']'));
        let screen = d.screen(120, 40);
        assert!(
            screen.contains(&key) && screen.contains("still under review"),
            "{screen}"
        );
        snap3(&d, "requirements_published_en");
        d.key(KeyCode::Char('['));
        assert!(d.screen(120, 40).contains("2026-11 is not published yet"));
        d.key(KeyCode::Esc);
        assert!(d.app.requirements.is_none());
    });
}

/// Issue 16 Deliver 5: choosing the kind requirement in the new-ticket form lists the
/// similar requirements already submitted (an open ticket of another kind is not one).
#[test]
fn the_new_ticket_form_shows_similar_requirements() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let earlier =
            submit_requirement(&mut d, "HN-BD", "Báo cáo tổng hợp chi ngân sách theo quý");
        d.key(KeyCode::Char('n'));
        d.chars("Bao cao tong hop chi ngan sach theo quy");
        let Some(Popup::NewTicket(f)) = &d.app.popup else {
            panic!("form")
        };
        assert!(f.similar_requirements.is_empty(), "not a requirement yet");
        let kind = f
            .choices
            .iter()
            .position(|c| c.label_id == "field.kind")
            .unwrap();
        for _ in 0..(hotro::ui::app::NewTicketForm::TEXT_FIELDS + kind) {
            d.key(KeyCode::Tab);
        }
        d.chars("requirement");
        let Some(Popup::NewTicket(f)) = &d.app.popup else {
            panic!("form")
        };
        assert_eq!(f.choices[kind].value(), Some("requirement"));
        let keys: Vec<&str> = f
            .similar_requirements
            .iter()
            .map(|r| r.key.as_str())
            .collect();
        assert_eq!(keys, [earlier.as_str()]);
        assert!(
            !f.similar.iter().any(|x| x.reference == earlier),
            "listed once"
        );
        let screen = d.screen(120, 40);
        assert!(
            screen.contains(&earlier) && screen.contains("under review"),
            "{screen}"
        );
        snap(&d, "new_ticket_similar_requirements_en");
    });
}

/// Issue 13 Deliver 5: known tickets for the Reports screen, beside the four of [`desk`]
/// (20 November): two in October (the previous period), and in November a consultation
/// answered and closed within the hour, an incident escalated to a vendor, one resolved,
/// one transferred to the TABMIS group.
fn report_tickets(d: &mut Desk) {
    let org = org();
    let at = |m: u32, day: u32, h: u32| Utc.with_ymd_and_hms(2026, m, day, h, 0, 0).unwrap();
    // (created, kind, unit, application, channel, title, reply, escalate to, resolve)
    type Spec = (
        DateTime<Utc>,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<DateTime<Utc>>,
        Option<&'static str>,
        Option<DateTime<Utc>>,
    );
    let specs: [Spec; 6] = [
        (
            at(10, 15, 2),
            "incident",
            "HN",
            "TABMIS",
            "phone",
            "Lỗi kết xuất",
            Some(at(10, 15, 3)),
            None,
            Some(at(10, 16, 3)),
        ),
        (
            at(10, 20, 2),
            "consultation",
            "DN",
            "TTSP",
            "email",
            "Hỏi cách lập bảng kê",
            Some(at(10, 20, 3)),
            None,
            None,
        ),
        (
            at(11, 3, 2),
            "consultation",
            "HN",
            "TTSP",
            "phone",
            "Cách đối chiếu",
            Some(at(11, 3, 2) + chrono::Duration::minutes(20)),
            None,
            Some(at(11, 3, 3)),
        ),
        (
            at(11, 10, 2),
            "incident",
            "HN",
            "TABMIS",
            "email",
            "Lỗi treo phân hệ",
            Some(at(11, 10, 3)),
            Some("vendor-fpt"),
            None,
        ),
        (
            at(11, 12, 2),
            "incident",
            "HCM-Q1",
            "Mail",
            "phone",
            "Không gửi được thư",
            Some(at(11, 12, 3)),
            None,
            Some(at(11, 12, 4)),
        ),
        (
            at(11, 18, 2),
            "incident",
            "DN",
            "TABMIS",
            "email",
            "Sai số liệu bảng cân đối",
            Some(at(11, 18, 3)),
            None,
            None,
        ),
    ];
    for (created, kind, unit, app, channel, title, reply, escalate, resolve) in specs {
        let ctx = |now| Ctx {
            org: &org,
            actor: "nguyenvanan",
            now,
            by: None,
        };
        let new = NewTicket {
            title: title.into(),
            kind: Some(kind.into()),
            channel: Some(channel.into()),
            application: Some(app.into()),
            requester: Requester {
                name: Some("Nguyễn Văn Bình".into()),
                unit: Some(unit.into()),
                ..Requester::default()
            },
            ..NewTicket::default()
        };
        let (t, _) = d.store.create_ticket(&new, ctx(created)).unwrap();
        let key = t.key.clone();
        if let Some(at) = reply {
            let change = Change::Reply {
                text: "Đã tiếp nhận".into(),
            };
            d.store.change_ticket(&key, None, change, ctx(at)).unwrap();
        }
        if title == "Sai số liệu bảng cân đối" {
            // Worked by the TABMIS group (a lead's own group in the tests).
            let change = Change::Transfer {
                group: "tabmis".into(),
                reason: None,
            };
            d.store
                .change_ticket(
                    &key,
                    None,
                    change,
                    ctx(reply.unwrap_or(created) + chrono::Duration::minutes(10)),
                )
                .unwrap();
        }
        if let Some(group) = escalate {
            let change = Change::Escalate {
                group: Some(group.into()),
                reason: "cần nhà thầu".into(),
                external_ref: Some("FPT-1".into()),
            };
            d.store
                .change_ticket(
                    &key,
                    None,
                    change,
                    ctx(created + chrono::Duration::hours(2)),
                )
                .unwrap();
        }
        if let Some(at) = resolve {
            // The kind's procedure first, each step with what it requires.
            while let Some(step) = d.store.ticket(&key).unwrap().current_step.clone() {
                let kind = d.store.ticket(&key).unwrap().kind;
                let p = org.procedure_for(&kind).unwrap();
                let fields = p
                    .steps
                    .iter()
                    .find(|x| x.id == step)
                    .unwrap()
                    .requires
                    .iter()
                    .map(|r| (r.clone(), "xong".to_string()))
                    .collect();
                let change = Change::CompleteStep { fields, to: None };
                d.store.change_ticket(&key, None, change, ctx(at)).unwrap();
            }
            if d.store.ticket(&key).unwrap().status.is_open() {
                let change = Change::Resolve {
                    resolution: "Đã hướng dẫn".into(),
                };
                d.store.change_ticket(&key, None, change, ctx(at)).unwrap();
            }
        }
    }
}

/// Drive the console with one executor (as the terminal runtime does) until the report
/// computed in the background has come back.
fn wait_for_report(d: &mut Desk, msg: Msg) {
    keys_then_report(d, vec![msg], |_| {});
}

/// Like [`wait_for_report`] for several messages in a row, with `during` called on the
/// console before the report has come back.
fn keys_then_report(d: &mut Desk, msgs: Vec<Msg>, during: impl FnOnce(&mut App)) {
    let now = d.app.now;
    let mut exec = exec_of(&mut d.store, &d.session, &d.index_home).with_now(now);
    for msg in msgs {
        exec.drive(&mut d.app, msg);
    }
    during(&mut d.app);
    let started = std::time::Instant::now();
    while exec.reporting() && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(10));
        exec.drive(&mut d.app, Msg::Tick(now));
    }
    assert!(!exec.reporting(), "the report never came back");
}

fn reports_screen(d: &Desk) -> &hotro::ui::reports::ReportsScreen {
    d.app.reports.as_ref().unwrap()
}

/// Issue 13 Deliver 5: the Reports screen opens on this month with `B`, says it is
/// computing until the report comes back from its thread, then shows the totals beside the
/// previous month's, the breakdown, the SLA, consultation and escalation tables.
#[test]
fn the_reports_screen_shows_the_month_beside_the_previous_one() {
    on_each_engine(|| {
        for (lang, code) in [(Lang::Vi, "vi"), (Lang::En, "en"), (Lang::Zh, "zh")] {
            let mut d = desk("tranthibich", lang);
            report_tickets(&mut d);
            // The key starts the computation and returns at once: "computing" is on screen.
            keys_then_report(&mut d, vec![press('B')], |app| {
                let r = app.reports.as_ref().unwrap();
                assert_eq!(r.period.label(), "2026-11");
                assert!(r.computing);
                let screen = screen_of(app, 80, 24);
                assert!(screen.contains("2026-11"), "{screen}");
            });
            let r = reports_screen(&d);
            let report = r.report.as_ref().unwrap_or_else(|| panic!("{:?}", r.error));
            assert_eq!(report.current.counts.received, 8);
            assert_eq!(report.previous.counts.received, 2);
            assert_eq!(report.current.consultation.tickets, 1);
            assert_eq!(report.current.escalations.total, 1);
            if lang != Lang::Zh {
                snap3(&d, &format!("reports_month_{code}"));
                d.key(KeyCode::Tab);
                snap(&d, &format!("reports_sla_{code}"));
                d.key(KeyCode::Tab);
                snap(&d, &format!("reports_consultation_{code}"));
            }
        }
    });
}

/// The period steps back and forward with `[` `]`, its kind cycles week → month → quarter
/// with `p`, the breakdown with `b`; each new period is computed off the UI thread.
#[test]
fn the_reports_screen_steps_through_periods_and_breakdowns() {
    on_each_engine(|| {
        let mut d = desk("tranthibich", Lang::En);
        report_tickets(&mut d);
        wait_for_report(&mut d, press('B'));
        wait_for_report(&mut d, press('['));
        let r = reports_screen(&d);
        assert_eq!(r.period.label(), "2026-10");
        assert_eq!(r.report.as_ref().unwrap().current.counts.received, 2);
        wait_for_report(&mut d, press(']'));
        wait_for_report(&mut d, press('p'));
        let r = reports_screen(&d);
        assert_eq!(r.period.label(), "2026-Q4");
        assert_eq!(r.report.as_ref().unwrap().current.counts.received, 10);
        wait_for_report(&mut d, press('p'));
        // The week of today (20 November), which the quarter shown holds.
        assert_eq!(reports_screen(&d).period.label(), "2026-W47");
        let by = reports_screen(&d).by;
        d.key(KeyCode::Char('b'));
        assert_ne!(reports_screen(&d).by, by);
        assert_eq!(
            reports_screen(&d).section_id(),
            format!("by_{}", reports_screen(&d).by.id())
        );
        // Keys pressed while a report computes are answered at once; only the last period's
        // report is kept.
        keys_then_report(&mut d, vec![press(']'), press(']')], |app| {
            assert!(app.reports.as_ref().unwrap().computing);
        });
        let r = reports_screen(&d);
        assert_eq!(r.period.label(), "2026-W49");
        assert_eq!(
            r.report.as_ref().unwrap().current.period.label(),
            "2026-W49"
        );
        // j/k move along the rows, kept in sight.
        d.key(KeyCode::Char('G'));
        let rows = reports_screen(&d).section().unwrap().rows.len();
        assert_eq!(reports_screen(&d).cursor, rows.saturating_sub(1));
        d.key(KeyCode::Char('k'));
        assert_eq!(reports_screen(&d).cursor, rows.saturating_sub(2));
        // Ctrl-L computes it again.
        let ctrl_l = Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL));
        keys_then_report(&mut d, vec![ctrl_l], |app| {
            assert!(app.reports.as_ref().unwrap().computing);
        });
        assert!(reports_screen(&d).report.is_some());
        d.key(KeyCode::Esc);
        assert!(d.app.reports.is_none());
        // From the palette too, and F4.
        d.key(KeyCode::Char(':'));
        d.chars("reports");
        wait_for_report(
            &mut d,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        assert!(reports_screen(&d).report.is_some());
        d.key(KeyCode::Esc);
        wait_for_report(
            &mut d,
            Msg::Key(KeyEvent::new(KeyCode::F(4), KeyModifiers::NONE)),
        );
        assert_eq!(reports_screen(&d).period.label(), "2026-11");
    });
}

/// `x` writes the report through the shared exporter (.xlsx unless `f` chose another
/// format) into the export directory, and the status line names the file; the workbook
/// reads back with the received count of the figures.
#[test]
fn the_export_key_writes_a_workbook_that_reads_back() {
    on_each_engine(|| {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let mut d = desk("tranthibich", Lang::Vi);
        report_tickets(&mut d);
        let out = tempfile::tempdir().unwrap();
        d.app.export_dir = out.path().to_path_buf();
        // Before the report is in, there is nothing to export: said, not a panic. `x` goes
        // straight to the console while the report computes (through the executor, a report
        // already back would be handed over first, and then exported: a race on a busy CI).
        keys_then_report(&mut d, vec![press('B')], |app| {
            assert!(app.update(press('x')).is_empty(), "nothing to export yet");
            let text = app.flash.as_ref().unwrap().text.clone();
            assert!(text.contains("chưa tính xong"), "{text}");
        });
        d.key(KeyCode::Char('x'));
        let path = out.path().join("hotro-report-2026-11.xlsx");
        assert!(
            flash(&d).contains("hotro-report-2026-11.xlsx"),
            "{}",
            flash(&d)
        );
        let received = reports_screen(&d)
            .report
            .as_ref()
            .unwrap()
            .current
            .counts
            .received;
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let sheet = book.worksheet_range("totals").unwrap();
        let row = sheet
            .rows()
            .find(|r| r.first() == Some(&Data::String("Tiếp nhận".into())))
            .unwrap();
        assert_eq!(row.get(1), Some(&Data::Float(received as f64)));
        assert_eq!(received, 8);
        // Another format with `f`; a directory that cannot be written is an error on the
        // status line.
        d.key(KeyCode::Char('f'));
        d.key(KeyCode::Char('x'));
        assert!(out.path().join("hotro-report-2026-11.md").is_file());
        d.app.export_dir = out.path().join("missing");
        d.key(KeyCode::Char('x'));
        assert!(d.app.flash.as_ref().unwrap().error, "{}", flash(&d));
        assert!(flash(&d).contains("missing"), "{}", flash(&d));
    });
}

/// A lead sees their own group's figures first: a line of their own above the breakdown,
/// which opens by group with their group at the top.
#[test]
fn a_lead_sees_their_group_first() {
    on_each_engine(|| {
        let mut d = desk("tranthibich", Lang::En);
        report_tickets(&mut d);
        wait_for_report(&mut d, press('B'));
        let groups = |d: &Desk| -> Vec<String> {
            let r = reports_screen(d);
            r.sections
                .iter()
                .find(|s| s.id == "by_group")
                .unwrap()
                .rows
                .iter()
                .map(|x| x.0.clone())
                .collect()
        };
        let plain = groups(&d);
        assert_eq!(
            reports_screen(&d).by,
            hotro::domain::report::Dimension::Unit
        );
        // The TABMIS group's lead: their group has fewer requests than the Service Desk.
        let lead_group = "tabmis";
        assert!(plain.len() > 1 && plain[0] != lead_group, "{plain:?}");
        d.key(KeyCode::Esc);
        sit_down(&mut d, "lethihoa", Lang::En);
        wait_for_report(&mut d, press('B'));
        let r = reports_screen(&d);
        assert_eq!(r.by, hotro::domain::report::Dimension::Group);
        assert_eq!(
            groups(&d)[0],
            lead_group,
            "{:?} {:?}",
            groups(&d),
            r.report.as_ref().map(|x| (
                x.group_first.clone(),
                x.current
                    .breakdowns
                    .iter()
                    .find(|b| b.by == hotro::domain::report::Dimension::Group)
                    .cloned()
            ))
        );
        assert_eq!(
            r.report.as_ref().unwrap().group_first.as_deref(),
            Some(lead_group)
        );
        let screen = d.screen(80, 24);
        assert!(
            screen.contains("My group (TABMIS group): received 1"),
            "{screen}"
        );
        snap(&d, "reports_lead_en");
    });
}

/// Stored text on the Reports screen (units, applications) reaches the terminal inert.
#[test]
fn the_reports_screen_shows_stored_text_inert() {
    on_each_engine(|| {
        let mut d = desk("tranthibich", Lang::En);
        // Written behind the application's back, as a damaged or hostile database might hold it.
        d.db.tamper(
            "UPDATE tickets SET requester_unit = 'EVIL\u{1b}]0;pwned\u{7}UNIT' \
         WHERE requester_unit = 'HN'",
        );
        wait_for_report(&mut d, press('B'));
        let screen = d.screen(120, 40);
        assert!(screen.contains("EVIL"), "{screen}");
        assert!(
            !screen.contains('\u{1b}') && !screen.contains('\u{7}'),
            "{screen}"
        );
    });
}

/// A ticket that came by mail shows the mail's sender and subject and its files in the
/// detail (issue 12), loaded with the ticket, names from the mail inert.
#[test]
fn a_mail_born_ticket_shows_its_source_and_files() {
    on_each_engine(|| {
        let mut d = desk("nguyenvanan", Lang::En);
        let raw = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/mail/05-attachments.eml"),
        )
        .unwrap();
        let mail = hotro::mail::parse(&raw, 20 * 1024 * 1024);
        let intake = org().operator("hotro-mail").unwrap().clone();
        let session = hotro::desk::Session::assume(config::embedded(), intake);
        let taken = hotro::desk::Desk::new(&mut d.store, &session, now())
            .take_mail(&mail)
            .unwrap();
        assert_eq!(taken.outcome, "created");
        all_open(&mut d);
        d.key(KeyCode::Char('g'));
        d.key(KeyCode::Enter);
        let screen = d.screen(160, 50);
        assert!(screen.contains("Mail from"), "{screen}");
        assert!(screen.contains("keyuser.badinh@kbnn.example"), "{screen}");
        assert!(screen.contains("1. phiếu yêu cầu.pdf"), "{screen}");
        assert!(screen.contains("2. passwd"), "{screen}");
        assert!(!screen.contains("../"), "{screen}");
    });
}

/// Issue 12: a reply's mail the server refused (or that may not have arrived) is sent again
/// from the ticket's detail: `m` is offered only then and only to who may send mail, asks
/// first, and puts the mail back in the outbox through the application layer; an operator
/// without `send_mail` is told the role it needs.
#[test]
fn a_failed_mail_is_sent_again_from_the_detail() {
    on_each_engine(|| {
        use hotro::desk::outbox::{Deliver, Undelivered};
        struct Refuses;
        impl Deliver for Refuses {
            fn deliver(
                &mut self,
                _: &hotro::store::OutboxMail,
                _: &mut dyn FnMut() -> bool,
            ) -> Result<(), Undelivered> {
                Err(Undelivered {
                    permanent: true,
                    uncertain: false,
                    message: "550 5.1.1 mailbox unavailable".into(),
                })
            }
        }
        let fail_it = |d: &mut Desk| {
            let intake = org().operator("hotro-mail").unwrap().clone();
            let session = hotro::desk::Session::assume(config::embedded(), intake);
            let report = hotro::desk::Desk::new(&mut d.store, &session, now())
                .send_outbox(&mut Refuses, 10)
                .unwrap();
            assert_eq!(report.failed.len(), 1, "{report:?}");
        };
        let mut d = desk("nguyenvanan", Lang::En);
        let org = org();
        let ctx = Ctx {
            org: &org,
            actor: "nguyenvanan",
            now: now(),
            by: None,
        };
        let new = NewTicket {
            title: "Không nhận được thư trả lời".into(),
            requester: Requester {
                name: Some("Phạm Văn Hùng".into()),
                email: Some("hung.pv@kbnn.example".into()),
                ..Requester::default()
            },
            ..NewTicket::default()
        };
        let (t, _) = d.store.create_ticket(&new, ctx).unwrap();
        d.store
            .change_ticket(
                &t.key,
                None,
                Change::Reply {
                    text: "Đã xử lý.".into(),
                },
                ctx,
            )
            .unwrap();
        fail_it(&mut d);
        all_open(&mut d);
        d.key(KeyCode::Char('g'));
        d.key(KeyCode::Enter);
        assert_eq!(d.app.detail.as_ref().unwrap().ticket.key, t.key);
        let screen = d.screen(160, 50);
        assert!(screen.contains("Mail to hung.pv"), "{screen}");
        assert!(screen.contains("failed (550 5.1.1"), "{screen}");
        assert!(screen.contains("m send the mail again"), "{screen}");
        // It asks first, naming the address and the state.
        d.key(KeyCode::Char('m'));
        assert!(matches!(d.app.popup, Some(Popup::Confirm(_))));
        insta::assert_snapshot!("resend_mail_confirm_120x40", d.screen(120, 40));
        d.key(KeyCode::Char('y'));
        let mails = d.store.outbox_of(&t.key, now()).unwrap();
        assert_eq!(mails[0].state, hotro::domain::outbox::Delivery::Pending);
        assert_eq!(mails[0].attempts, 0);
        let screen = d.screen(160, 50);
        assert!(screen.contains("back in the outbox"), "{screen}");
        // Nothing left to resend: the key is no longer offered.
        assert!(!screen.contains("send the mail again"), "{screen}");
        let mail_line = screen
            .lines()
            .find(|l| l.contains("Mail to hung.pv"))
            .unwrap();
        assert!(mail_line.contains("pending"), "{screen}");

        // An operator who may not send mail is neither offered the key nor let through.
        fail_it(&mut d);
        sit_down(&mut d, "tranthibich", Lang::En);
        // What the console offers follows the session's permissions (as the runtime sets them).
        let roles = d.session.me.as_ref().unwrap().roles.clone();
        d.app
            .set_permissions(d.session.org().permissions.grants(&roles));
        all_open(&mut d);
        d.key(KeyCode::Char('g'));
        d.key(KeyCode::Enter);
        assert_eq!(d.app.detail.as_ref().unwrap().ticket.key, t.key);
        let screen = d.screen(160, 50);
        assert!(screen.contains("failed (550 5.1.1"), "{screen}");
        assert!(!screen.contains("send the mail again"), "{screen}");
        d.key(KeyCode::Char('m'));
        let flash = d.app.flash.as_ref().unwrap();
        assert!(flash.error, "{}", flash.text);
        assert!(flash.text.contains("mail_intake"), "{}", flash.text);
        assert_eq!(
            d.store.outbox_of(&t.key, now()).unwrap()[0].state,
            hotro::domain::outbox::Delivery::Failed
        );
    });
}
