//! The console over a generated database: time to the first frame (open, load counts, the
//! first page and its preview, draw) and the cost of one keystroke (update + draw).
//! Run: `cargo bench --bench console` (HOTRO_BENCH_TICKETS=1000000 for the 1M figure).

#[path = "common.rs"]
mod common;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use hotro::config;
use hotro::i18n::{Catalog, Lang};
use hotro::store::Store;
use hotro::ui::app::{App, Msg};
use hotro::ui::exec::Executor;
use hotro::ui::keymap::Keymap;
use hotro::ui::view::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let tickets = common::bench_size();
    let path = common::bench_db(tickets);
    let org = config::embedded().org;
    let me = org.operator("nguyenvanan").expect("operator").clone();
    let theme = Theme { color: true };
    let session = hotro::desk::Session::assume(config::embedded(), me.clone());

    c.bench_function(&format!("{tickets}/console_first_frame"), |b| {
        b.iter(|| {
            let mut store = Store::create(&path).expect("open");
            let mut app = App::new(
                Catalog::new(Lang::Vi),
                org.clone(),
                me.clone(),
                Keymap::default_map(),
                Utc::now(),
            );
            let mut exec = Executor::new(&mut store, &session);
            exec.drive(
                &mut app,
                Msg::Resize {
                    width: 120,
                    height: 40,
                },
            );
            exec.start(&mut app);
            let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            term.draw(|f| view::render(&app, theme, f)).expect("draw");
            black_box(app.list.rows.len())
        })
    });

    let mut store = Store::create(&path).expect("open");
    let mut app = App::new(
        Catalog::new(Lang::Vi),
        org.clone(),
        me.clone(),
        Keymap::default_map(),
        Utc::now(),
    );
    let mut exec = Executor::new(&mut store, &session);
    exec.drive(
        &mut app,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    exec.start(&mut app);
    exec.drive(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('8'), KeyModifiers::NONE)),
    );
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut down = true;
    c.bench_function(&format!("{tickets}/console_keystroke_move"), |b| {
        b.iter(|| {
            // Walk down and back so the list stays within what is loaded and what is not.
            let code = if down {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            if app.list.cursor > 300 {
                down = false;
            } else if app.list.cursor == 0 {
                down = true;
            }
            exec.drive(&mut app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            term.draw(|f| view::render(&app, theme, f)).expect("draw");
        })
    });
    exec.drive(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE)),
    );
    let mut typed = 0usize;
    c.bench_function(&format!("{tickets}/console_keystroke_filter"), |b| {
        b.iter(|| {
            // Type "tabmis", then erase it, over and over: every key reloads the list.
            let word = ['t', 'a', 'b', 'm', 'i', 's'];
            let code = if typed % 12 < 6 {
                KeyCode::Char(word[typed % 6])
            } else {
                KeyCode::Backspace
            };
            typed += 1;
            exec.drive(&mut app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            term.draw(|f| view::render(&app, theme, f)).expect("draw");
        })
    });
}

criterion_group! {
    name = console;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(console);
