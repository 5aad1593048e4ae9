//! Articles written and kept in hotro (issue 19, part 5): `hotro kb new | edit | publish |
//! retire | faq`, a published article's edit waiting for review as a revision, who wrote and
//! who published each version, the `$EDITOR` template, and who may do what; on each engine.
#![allow(clippy::unwrap_used, clippy::disallowed_macros)]

mod common;

use common::desks::{Database, Engine, on_each_engine};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hotro");

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A temporary directory and a database on the engine of the body running.
struct Desk {
    dir: tempfile::TempDir,
    db: Database,
}

fn hotro(d: &Desk, login: &str, args: &[&str]) -> Out {
    let home = d.dir.path();
    let o = Command::new(BIN)
        .arg("--db")
        .arg(&d.db.target)
        .args(["--lang", "en", "--as", login])
        .args(args)
        .env_remove("HOTRO_DB")
        .env_remove("HOTRO_AS")
        .env_remove("HOTRO_CONFIG")
        .env_remove("HOTRO_NOW")
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The lead (publishes), an operator (writes), a key user (reads).
const LEAD: &str = "nguyenvanan";
const OPERATOR: &str = "tranthibich";

fn ok(db: &Desk, login: &str, args: &[&str]) -> String {
    let out = hotro(db, login, args);
    assert_eq!(out.code, Some(0), "{args:?}: {}{}", out.stdout, out.stderr);
    out.stdout
}

fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::new(dir.path());
    let d = Desk { dir, db };
    ok(&d, LEAD, &["init", "--test"]);
    d
}

fn refs(db: &Desk, query: &[&str]) -> Vec<String> {
    let mut args = vec!["kb", "search", "--json", "--kind", "article"];
    args.extend_from_slice(query);
    let v: serde_json::Value = serde_json::from_str(&ok(db, LEAD, &args)).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| h["ref"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_article_is_written_reviewed_published_revised_and_retired() {
    on_each_engine(|| {
        let db = desk();
        // An operator writes a draft: not searched yet.
        let out = ok(
            &db,
            OPERATOR,
            &[
                "kb",
                "new",
                "--title",
                "Máy in kẹt giấy ở quầy giao dịch",
                "--app",
                "WORKSTATION",
                "--symptom",
                "Máy in báo kẹt giấy liên tục",
                "--resolution",
                "Tháo khay, lấy giấy kẹt, lau con lăn",
                "--tag",
                "máy in",
                "--faq",
            ],
        );
        assert!(out.contains("KB-00001") && out.contains("draft"), "{out}");
        assert!(
            refs(&db, &["kẹt", "giấy"]).is_empty(),
            "a draft is not searched"
        );
        // Only a lead or an admin publishes; the refusal names the role.
        let out = hotro(&db, OPERATOR, &["kb", "publish", "KB-00001"]);
        assert_eq!(out.code, Some(5), "{}", out.stderr);
        assert!(out.stderr.contains("lead"), "{}", out.stderr);
        ok(&db, LEAD, &["kb", "publish", "KB-00001"]);
        assert_eq!(refs(&db, &["kẹt", "giấy"]), ["KB-00001"]);
        assert!(ok(&db, LEAD, &["kb", "faq"]).contains("Máy in kẹt giấy"));

        // An edit of a published article waits for review: the published text stays in force.
        let out = ok(
            &db,
            OPERATOR,
            &[
                "kb",
                "edit",
                "KB-00001",
                "--resolution",
                "Gọi hãng Fujitsu thay cụm fuser",
            ],
        );
        assert!(out.contains("waits for review"), "{out}");
        assert!(
            refs(&db, &["fujitsu"]).is_empty(),
            "the revision is not searched"
        );
        let shown: serde_json::Value =
            serde_json::from_str(&ok(&db, LEAD, &["kb", "show", "KB-00001", "--json"])).unwrap();
        assert_eq!(
            shown["article"]["resolution"],
            "Tháo khay, lấy giấy kẹt, lau con lăn"
        );
        assert_eq!(shown["revision"]["author"], OPERATOR);
        // Publishing it puts it in force; the history says who wrote and who published.
        ok(&db, LEAD, &["kb", "publish", "KB-00001"]);
        assert_eq!(refs(&db, &["fujitsu"]), ["KB-00001"]);
        let shown: serde_json::Value =
            serde_json::from_str(&ok(&db, LEAD, &["kb", "show", "KB-00001", "--json"])).unwrap();
        assert_eq!(shown["article"]["updated_by"], OPERATOR);
        assert_eq!(shown["article"]["published_by"], LEAD);
        assert_eq!(shown["article"]["faq"], true);
        assert!(shown["revision"].is_null());
        assert_eq!(shown["earlier_versions"].as_array().unwrap().len(), 2);
        let text = ok(&db, LEAD, &["kb", "show", "KB-00001"]);
        assert!(
            text.contains(&format!("written by {OPERATOR}"))
                && text.contains(&format!("published by {LEAD}")),
            "{text}"
        );
        // Nothing left to publish; retiring takes it out of search, twice is an error.
        let out = hotro(&db, LEAD, &["kb", "publish", "KB-00001"]);
        assert_eq!(out.code, Some(1));
        assert!(out.stderr.contains("nothing to publish"), "{}", out.stderr);
        ok(&db, LEAD, &["kb", "retire", "KB-00001"]);
        assert!(refs(&db, &["fujitsu"]).is_empty());
        assert!(!ok(&db, LEAD, &["kb", "faq"]).contains("Máy in"));
        let out = hotro(&db, LEAD, &["kb", "retire", "KB-00001"]);
        assert!(out.stderr.contains("already retired"), "{}", out.stderr);
    });
}

#[test]
fn a_key_user_reads_but_does_not_write_articles() {
    on_each_engine(|| {
        let db = desk();
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&db.db.target)
            .args(["--lang", "en", "--as", LEAD, "--role", "key_user"])
            .args(["kb", "new", "--title", "Không được viết"])
            .env_remove("HOTRO_DB")
            .env_remove("HOTRO_AS")
            .env("XDG_CACHE_HOME", db.dir.path().join("xdg-cache"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{out:?}");
    });
}

#[test]
fn a_draft_from_a_ticket_never_overwrites_the_published_article() {
    on_each_engine(|| {
        let db = desk();
        let v: serde_json::Value = serde_json::from_str(&ok(
            &db,
            LEAD,
            &["ticket", "new", "--title", "Hộp thư đầy", "--json"],
        ))
        .unwrap();
        let key = v["ticket"]["key"].as_str().unwrap().to_string();
        ok(
            &db,
            LEAD,
            &["ticket", "resolve", &key, "--resolution", "Lưu trữ thư cũ"],
        );
        ok(&db, LEAD, &["kb", "draft", &key]);
        let article = format!("KB-{key}");
        ok(
            &db,
            LEAD,
            &["kb", "edit", &article, "--cause", "Hộp thư vượt hạn mức"],
        );
        ok(&db, LEAD, &["kb", "publish", &article]);
        // Drafting again: the published text (with its edited cause) stays; the new draft waits.
        ok(&db, LEAD, &["kb", "draft", &key]);
        let shown: serde_json::Value =
            serde_json::from_str(&ok(&db, LEAD, &["kb", "show", &article, "--json"])).unwrap();
        assert_eq!(shown["article"]["status"], "published");
        assert_eq!(shown["article"]["cause"], "Hộp thư vượt hạn mức");
        assert_eq!(shown["revision"]["input"]["cause"], "");
    });
}

#[test]
fn a_template_is_read_from_a_file_and_its_mistakes_name_the_line() {
    on_each_engine(|| {
        let db = desk();
        let dir = &db.dir;
        let good = dir.path().join("good.txt");
        std::fs::write(
            &good,
            "Title: Không in được giấy nộp tiền\nLanguage: vi\nApplication: TCS-TT\nFAQ: yes\n\n\
             ## Symptom\nBấm in không ra giấy.\n\n## Cause\nSai cổng máy in.\n\n## Resolution\nChọn lại máy in mặc định.\n",
        )
        .unwrap();
        let out = ok(
            &db,
            LEAD,
            &[
                "kb",
                "new",
                "--ref",
                "KB-GNT",
                "--from",
                good.to_str().unwrap(),
                "--publish",
                "--json",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["reference"], "KB-GNT");
        assert_eq!(v["status"], "published");
        assert_eq!(refs(&db, &["giấy", "nộp", "tiền"]), ["KB-GNT"]);
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, "Title: x\nColour: red\n").unwrap();
        let out = hotro(
            &db,
            LEAD,
            &["kb", "edit", "KB-GNT", "--from", bad.to_str().unwrap()],
        );
        assert_eq!(out.code, Some(1));
        assert!(
            out.stderr.contains("bad.txt:2:") && out.stderr.contains("colour"),
            "{}",
            out.stderr
        );
        assert!(bad.exists(), "the text is kept");
        // Without fields and off a terminal: how to give them.
        let out = hotro(&db, LEAD, &["kb", "new"]);
        assert_eq!(out.code, Some(2));
        assert!(out.stderr.contains("$EDITOR"), "{}", out.stderr);
    });
}

/// On a terminal with no fields given, the article is written in `$EDITOR` on the template,
/// in a private temporary file that is removed afterwards.
#[test]
fn an_article_is_written_in_the_editor_on_a_terminal() {
    on_each_engine(|| {
        use std::os::unix::fs::PermissionsExt;
        let db = desk();
        let dir = &db.dir;
        let editor = dir.path().join("editor.sh");
        let seen = dir.path().join("seen.txt");
        std::fs::write(
            &editor,
            format!(
                "#!/bin/sh\nls -l \"$1\" > \"{seen}\"\necho \"$1\" >> \"{seen}\"\n\
                 sed -i 's/^Title:.*/Title: Mất kết nối VPN từ huyện/; s/^## Resolution$/## Resolution\\nKhởi động lại VPN client./' \"$1\"\n",
                seen = seen.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: 24,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        for a in [
            "--db",
            &db.db.target,
            "--lang",
            "en",
            "--as",
            LEAD,
            "kb",
            "new",
        ] {
            cmd.arg(a);
        }
        cmd.env("EDITOR", editor.to_str().unwrap());
        cmd.env_remove("VISUAL");
        cmd.env_remove("HOTRO_DB");
        cmd.env_remove("HOTRO_AS");
        cmd.env("XDG_CONFIG_HOME", dir.path().join("xdg-config"));
        cmd.env("XDG_DATA_HOME", dir.path().join("xdg-data"));
        cmd.env("XDG_CACHE_HOME", dir.path().join("xdg-cache"));
        let mut child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let output = std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = reader.read_to_end(&mut all);
            String::from_utf8_lossy(&all).into_owned()
        });
        let status = child.wait().unwrap();
        drop(pair.master);
        let output = output.join().unwrap();
        assert!(status.success(), "{output}");
        assert!(output.contains("written (draft)"), "{output}");
        let seen = std::fs::read_to_string(&seen).unwrap();
        assert!(seen.starts_with("-rw-------"), "private: {seen}");
        let temp = seen.lines().nth(1).unwrap();
        assert!(
            !Path::new(temp).exists(),
            "the temporary file is removed: {temp}"
        );
        let shown: serde_json::Value =
            serde_json::from_str(&ok(&db, LEAD, &["kb", "show", "KB-00001", "--json"])).unwrap();
        assert_eq!(shown["article"]["title"], "Mất kết nối VPN từ huyện");
        assert_eq!(shown["article"]["resolution"], "Khởi động lại VPN client.");
    });
}

/// The console's knowledge screen: Alt-n writes a new article in `$EDITOR` (a mistake
/// reopens the editor with the text and the mistake on top), Alt-e edits the selected
/// published article (a revision waits for review), Alt-p publishes it, Alt-r retires it;
/// an operator's refusal names the role.
#[test]
fn the_knowledge_screen_writes_and_keeps_articles() {
    on_each_engine(|| {
        use hotro::ui::app::{App, Cmd, Loaded, Msg};
        use hotro::ui::exec::Executor;
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let db = desk();
        // The console runs in this process: on PostgreSQL it keeps this "host's" index in the
        // test's folder (as the commands do, through their XDG_CACHE_HOME), never in the
        // user's cache folder.
        let index_home = (db.db.engine == Engine::Postgres)
            .then(|| db.db.store().index_home().unwrap())
            .map(|home| {
                db.dir
                    .path()
                    .join("xdg-cache")
                    .join("hotro")
                    .join(home.file_name().unwrap())
            });
        ok(
            &db,
            LEAD,
            &[
                "kb",
                "new",
                "--ref",
                "KB-VPN",
                "--title",
                "Mất kết nối VPN từ huyện",
                "--symptom",
                "VPN báo lỗi 809",
                "--resolution",
                "Mở cổng UDP 500",
                "--publish",
            ],
        );
        let cfg = hotro::config::embedded();
        let run = |login: &str, steps: &mut dyn FnMut(&mut App, &mut Executor<'_>)| {
            let mut store = db.db.store();
            let me = cfg.org.operator(login).unwrap().clone();
            let session = hotro::desk::Session::assume(cfg.clone(), me.clone());
            let mut app = App::new(
                hotro::i18n::Catalog::new(hotro::i18n::Lang::En),
                cfg.org.clone(),
                me.clone(),
                hotro::ui::keymap::Keymap::default_map(),
                chrono::Utc::now(),
            );
            app.set_permissions(cfg.org.permissions.grants(&me.roles));
            let mut exec = Executor::new(&mut store, &session);
            if let Some(home) = &index_home {
                exec = exec.with_index_home(home.clone());
            }
            exec.drive(
                &mut app,
                Msg::Resize {
                    width: 120,
                    height: 40,
                },
            );
            exec.start(&mut app);
            steps(&mut app, &mut exec);
        };
        let key = |app: &mut App, exec: &mut Executor<'_>, code: KeyCode, m: KeyModifiers| {
            exec.drive(app, Msg::Key(KeyEvent::new(code, m)))
        };
        let editor_text = |cmds: Vec<Cmd>| -> String {
            match cmds.into_iter().next() {
                Some(Cmd::OpenEditor(t)) => t,
                other => panic!("expected the editor, got {other:?}"),
            }
        };
        let flash = |app: &App| {
            app.flash
                .as_ref()
                .map(|f| f.text.clone())
                .unwrap_or_default()
        };

        run(OPERATOR, &mut |app, exec| {
            key(app, exec, KeyCode::Char('K'), KeyModifiers::SHIFT);
            assert!(app.knowledge.is_some());
            // No editor to be had: said so, nothing kept waiting for it (issue 15).
            editor_text(key(app, exec, KeyCode::Char('n'), KeyModifiers::ALT));
            exec.drive(
                app,
                Msg::Loaded(Loaded::EditorFailed("nosuch-editor".into())),
            );
            assert!(flash(app).contains("nosuch-editor"), "{}", flash(app));
            assert!(app.article_edit.is_none());
            // A new article: a mistake first (an unknown heading), then a good text.
            let offered = editor_text(key(app, exec, KeyCode::Char('n'), KeyModifiers::ALT));
            assert!(offered.contains("## Resolution"), "{offered}");
            let wrong = offered.replace("Title: ", "Titel: Máy in kẹt giấy\nTitle: ");
            let again = exec.drive(app, Msg::Loaded(Loaded::EditorText(wrong.clone())));
            let reopened = editor_text(again);
            assert!(
                reopened.contains("titel"),
                "the mistake is on top: {reopened}"
            );
            assert!(
                reopened.contains("Titel: Máy in kẹt giấy"),
                "the text is kept"
            );
            let fixed = reopened
                .replace("Titel: Máy in kẹt giấy\n", "")
                .replace("Title: ", "Title: Máy in kẹt giấy ở quầy")
                .replace(
                    "## Resolution\n",
                    "## Resolution\nTháo khay, lấy giấy kẹt.\n",
                );
            exec.drive(app, Msg::Loaded(Loaded::EditorText(fixed)));
            assert!(flash(app).contains("written (draft)"), "{}", flash(app));
            // The published VPN article: edit it (a revision), and try to publish (refused).
            for c in "vpn".chars() {
                key(app, exec, KeyCode::Char(c), KeyModifiers::NONE);
            }
            let k = app.knowledge.as_ref().unwrap();
            assert_eq!(
                k.results.first().map(|f| f.reference.as_str()),
                Some("KB-VPN")
            );
            let offered = editor_text(key(app, exec, KeyCode::Char('e'), KeyModifiers::ALT));
            assert!(offered.contains("Mở cổng UDP 500"), "{offered}");
            let edited = offered.replace("Mở cổng UDP 500", "Mở cổng UDP 500 và 4500");
            exec.drive(app, Msg::Loaded(Loaded::EditorText(edited)));
            assert!(flash(app).contains("waits for review"), "{}", flash(app));
            key(app, exec, KeyCode::Char('p'), KeyModifiers::ALT);
            assert!(
                flash(app).contains("lead"),
                "the refusal names the role: {}",
                flash(app)
            );
        });
        let mut store = db.db.store();
        // The next free number after the one article there was.
        let draft = store.article("KB-00002").unwrap().unwrap();
        assert_eq!(
            (
                draft.status.as_str(),
                draft.title.as_str(),
                draft.resolution.as_str()
            ),
            (
                "draft",
                "Máy in kẹt giấy ở quầy",
                "Tháo khay, lấy giấy kẹt."
            )
        );
        assert_eq!(draft.author.as_deref(), Some(OPERATOR));
        drop(store);
        // An operator does not review drafts.
        run(OPERATOR, &mut |app, exec| {
            key(app, exec, KeyCode::Char('K'), KeyModifiers::SHIFT);
            key(app, exec, KeyCode::Char('d'), KeyModifiers::ALT);
            assert!(!app.knowledge.as_ref().unwrap().drafts);
            assert!(flash(app).contains("lead"), "{}", flash(app));
        });

        run(LEAD, &mut |app, exec| {
            key(app, exec, KeyCode::Char('K'), KeyModifiers::SHIFT);
            // The drafts to review: the operator's new article; publishing it leaves the list.
            key(app, exec, KeyCode::Char('d'), KeyModifiers::ALT);
            let k = app.knowledge.as_ref().unwrap();
            assert!(k.drafts);
            let listed: Vec<&str> = k.results.iter().map(|f| f.reference.as_str()).collect();
            assert_eq!(listed, ["KB-00002"]);
            key(app, exec, KeyCode::Char('p'), KeyModifiers::ALT);
            assert!(flash(app).contains("KB-00002 published"), "{}", flash(app));
            assert!(app.knowledge.as_ref().unwrap().results.is_empty());
            key(app, exec, KeyCode::Char('d'), KeyModifiers::ALT);
            assert!(!app.knowledge.as_ref().unwrap().drafts);
            for c in "vpn".chars() {
                key(app, exec, KeyCode::Char(c), KeyModifiers::NONE);
            }
            key(app, exec, KeyCode::Char('p'), KeyModifiers::ALT);
            assert!(flash(app).contains("revision"), "{}", flash(app));
            key(app, exec, KeyCode::Char('r'), KeyModifiers::ALT);
            assert!(flash(app).contains("retired"), "{}", flash(app));
            assert!(
                app.knowledge.as_ref().unwrap().results.is_empty(),
                "a retired article leaves the results"
            );
        });
        let shown: serde_json::Value =
            serde_json::from_str(&ok(&db, LEAD, &["kb", "show", "KB-VPN", "--json"])).unwrap();
        assert_eq!(shown["article"]["status"], "retired");
        assert_eq!(shown["article"]["resolution"], "Mở cổng UDP 500 và 4500");
        assert_eq!(shown["article"]["updated_by"], LEAD, "retired by the lead");
        let earlier = shown["earlier_versions"].as_array().unwrap();
        assert_eq!(
            earlier.last().unwrap()["updated_by"],
            OPERATOR,
            "the revision's writer"
        );
        assert_eq!(earlier.last().unwrap()["published_by"], LEAD);
    });
}
