//! The terminal side: raw mode and the alternate screen (restored on exit, on panic and
//! around Ctrl-Z and $EDITOR), the event loop, and the commands that need the terminal.
// The console draws on stdout through ratatui, which sanitizes stored text in the views.
#![allow(clippy::disallowed_methods)]

use crate::ui::app::{App, Cmd, Loaded, Msg};
use crate::ui::exec::Executor;
use crate::ui::view::{self, Theme};
use anyhow::{Context as _, Result};
use ratatui::Terminal;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::prelude::CrosstermBackend;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Stdout, stdout};
use std::rc::Rc;
use std::time::Duration;

type Term = Terminal<CrosstermBackend<Stdout>>;

fn enter() -> Result<Term> {
    terminal::enable_raw_mode().context("cannot switch the terminal to raw mode")?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    let term = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok(term)
}

/// Put the terminal back as the shell expects it. Safe to call more than once.
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen
    );
    let _ = terminal::disable_raw_mode();
}

/// Restores the terminal when dropped, whatever way the console ends.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// A panic must not leave the operator's terminal in raw mode: restore first, then report
/// with the previous hook.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// While a write waits for another process's lock: draw the notice over the last screen and
/// keep reading keys into `pending` (handled once the write is done), instead of freezing.
fn install_wait_hook(
    app: &App,
    exec: &Executor<'_>,
    theme: Theme,
    term: &Rc<RefCell<Term>>,
    last: &Rc<RefCell<Option<Buffer>>>,
    pending: &Rc<RefCell<VecDeque<Event>>>,
) {
    let (term, last, pending) = (Rc::clone(term), Rc::clone(last), Rc::clone(pending));
    let cat = crate::i18n::Catalog::new(app.cat.lang());
    let tz = app.org.time_zone;
    let db = exec.store.path().to_path_buf();
    crate::store::set_wait_hook(Some(Box::new(move |waited| {
        let writer = crate::store::Store::writer_of(&db);
        let text = view::waiting_text(&cat, tz, waited, writer.as_ref());
        let title = cat.t("ui.waiting_title");
        if let (Ok(mut term), Ok(last)) = (term.try_borrow_mut(), last.try_borrow()) {
            let _ = term.draw(|f| {
                if let Some(b) = last.as_ref()
                    && b.area == f.area()
                {
                    *f.buffer_mut() = b.clone();
                }
                view::render_waiting(f, theme, &title, &text);
            });
        }
        if let Ok(mut pending) = pending.try_borrow_mut() {
            while matches!(event::poll(Duration::ZERO), Ok(true)) {
                match event::read() {
                    Ok(ev) => pending.push_back(ev),
                    Err(_) => break,
                }
            }
        }
    })));
}

/// Run the console until the operator quits.
pub fn run(app: &mut App, exec: &mut Executor<'_>, theme: Theme) -> Result<()> {
    install_panic_hook();
    let term = Rc::new(RefCell::new(enter()?));
    let _guard = Guard;
    // The last screen drawn (the waiting notice goes over it) and the keys read while a
    // write waited.
    let last: Rc<RefCell<Option<Buffer>>> = Rc::new(RefCell::new(None));
    let pending: Rc<RefCell<VecDeque<Event>>> = Rc::new(RefCell::new(VecDeque::new()));
    install_wait_hook(app, exec, theme, &term, &last, &pending);
    let result = event_loop(app, exec, theme, &term, &last, &pending);
    crate::store::set_wait_hook(None);
    result
}

fn event_loop(
    app: &mut App,
    exec: &mut Executor<'_>,
    theme: Theme,
    term: &Rc<RefCell<Term>>,
    last: &Rc<RefCell<Option<Buffer>>>,
    pending: &Rc<RefCell<VecDeque<Event>>>,
) -> Result<()> {
    let size = term.borrow_mut().size()?;
    exec.drive(
        app,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    exec.start(app);
    while !app.quit {
        {
            let mut term = term.borrow_mut();
            let done = term.draw(|f| view::render(app, theme, f))?;
            *last.borrow_mut() = Some(done.buffer.clone());
        }
        let queued = pending.borrow_mut().pop_front();
        let event = match queued {
            Some(ev) => Some(ev),
            None if event::poll(Duration::from_millis(250))? => Some(event::read()?),
            None => None,
        };
        let msg = if let Some(event) = event {
            match event {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) {
                        suspend(&mut term.borrow_mut())?;
                        continue;
                    }
                    Msg::Key(k)
                }
                Event::Paste(text) => Msg::Paste(text),
                Event::Resize(width, height) => Msg::Resize { width, height },
                Event::Mouse(m) => match m.kind {
                    MouseEventKind::ScrollDown => {
                        Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
                    }
                    MouseEventKind::ScrollUp => {
                        Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE))
                    }
                    _ => continue,
                },
                _ => continue,
            }
        } else {
            Msg::Tick(crate::clock::now())
        };
        for cmd in exec.drive(app, msg) {
            if let Cmd::OpenEditor(text) = cmd {
                let edited = edit_externally(&mut term.borrow_mut(), &text)?;
                let loaded = match edited {
                    Ok(edited) => Loaded::EditorText(edited),
                    Err(editor) => Loaded::EditorFailed(editor),
                };
                exec.drive(app, Msg::Loaded(loaded));
            }
        }
    }
    Ok(())
}

/// Ctrl-Z: give the terminal back, stop, and take it again when resumed (`fg`).
fn suspend(term: &mut Term) -> Result<()> {
    restore();
    #[cfg(unix)]
    {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::TSTP);
    }
    terminal::enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    term.clear()?;
    Ok(())
}

/// Open `$VISUAL` / `$EDITOR` (default `vi`) on the text; `Err(editor)` if the editor could
/// not be started or failed (the console says so; the text stays where it was).
fn edit_externally(term: &mut Term, text: &str) -> Result<std::result::Result<String, String>> {
    // Private (0600) and unguessable on a host operators share; removed afterwards.
    let (path, mut file) = crate::input::private_temp_file("hotro-text")?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    drop(file);
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_string());
    restore();
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status();
    terminal::enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    term.clear()?;
    let result = match status {
        Ok(s) if s.success() => crate::input::read_bounded(&path, crate::input::TEXT_LIMIT)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|_| editor.clone()),
        _ => Err(editor.clone()),
    };
    let _ = std::fs::remove_file(&path);
    Ok(result)
}
