//! The terminal side: raw mode and the alternate screen (restored on exit, on panic, on
//! SIGTERM, SIGHUP and SIGQUIT, and around Ctrl-Z and $EDITOR), the event loop, and the
//! commands that need the terminal.
// The console draws on stdout through ratatui, which sanitizes stored text in the views.
#![allow(clippy::disallowed_methods)]

use crate::ui::app::{App, Cmd, Loaded, Msg};
use crate::ui::exec::Executor;
use crate::ui::view::{self, Theme};
use anyhow::{Context as _, Result};
use ratatui::Terminal;
use ratatui::buffer::Buffer;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::prelude::CrosstermBackend;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Stdout, stdout};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Put the terminal back as the shell expects it: bracketed paste and mouse reports off,
/// the main screen back, the cursor shown, raw mode left. Safe to call more than once, and
/// when the terminal is gone (every step is tried; none can fail the caller).
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
    let _ = terminal::disable_raw_mode();
}

/// How long the loop waits for the next of a burst of events before it draws. Not zero:
/// crossterm's level-triggered reader (see Cargo.toml) answers a zero-time poll without
/// reading, so a zero wait would draw after every key of a paste.
const BURST_GAP: Duration = Duration::from_millis(1);

/// Events handled before the screen is drawn at the latest, so that even endless input
/// (a stuck key repeating) shows on screen.
const BURST_MAX: usize = 4096;

/// The signals that end the console as a quit does: SIGTERM (shutdown, `kill`), SIGHUP (the
/// SSH connection or terminal window went away) and SIGQUIT.
#[cfg(unix)]
const EXIT_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGQUIT,
];

/// The last exit signal received (0: none). The handler only stores the number (signal-hook
/// does that, async-signal-safe); the event loop sees it between events and quits there,
/// keeping drafts. A repeated signal changes nothing: an SSH drop often brings two SIGHUPs
/// (from the shell and from the kernel), and the second must not cut the saving short.
struct ExitSignals {
    received: Arc<AtomicUsize>,
}

impl ExitSignals {
    fn install() -> Result<ExitSignals> {
        let received = Arc::new(AtomicUsize::new(0));
        #[cfg(unix)]
        for signal in EXIT_SIGNALS {
            signal_hook::flag::register_usize(signal, received.clone(), signal as usize)
                .context("cannot watch for signals")?;
        }
        Ok(ExitSignals { received })
    }

    /// The signal received since the console started, if any.
    fn received(&self) -> Option<i32> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }
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
            while matches!(event::poll(BURST_GAP), Ok(true)) {
                match event::read() {
                    Ok(ev) => pending.push_back(ev),
                    Err(_) => break,
                }
            }
        }
    })));
}

/// Run the console until the operator quits, or a signal (SIGTERM, SIGHUP, SIGQUIT) or the
/// loss of the terminal ends it. Returns the exit status: 0 after a quit, 128 + the signal's
/// number after a signal. Either way the terminal is restored and unsent text kept as a
/// draft (as on quit) before this returns.
pub fn run(app: &mut App, exec: &mut Executor<'_>, theme: Theme) -> Result<i32> {
    install_panic_hook();
    let signals = ExitSignals::install()?;
    let term = Rc::new(RefCell::new(enter()?));
    let _guard = Guard;
    // The last screen drawn (the waiting notice goes over it) and the keys read while a
    // write waited.
    let last: Rc<RefCell<Option<Buffer>>> = Rc::new(RefCell::new(None));
    let pending: Rc<RefCell<VecDeque<Event>>> = Rc::new(RefCell::new(VecDeque::new()));
    install_wait_hook(app, exec, theme, &term, &last, &pending);
    let result = event_loop(app, exec, theme, &term, &last, &pending, &signals);
    // The terminal hung up (the SSH connection dropped: its reads, writes and settings
    // fail with EIO): nothing may be written to it any more — ratatui's `Terminal` prints to
    // stderr when dropped, and a failed print panics (exit 101, after the draft was kept).
    // Standard output and error go to /dev/null from here, and the exit is a hang-up's. A
    // SIGHUP sent with the terminal still there (`kill -HUP`) restores it as usual.
    let hung_up = terminal_hung_up();
    if hung_up {
        detach_from_terminal();
    }
    if !app.quit {
        // The loop ended without a quit: the terminal failed (a hang-up reads as an I/O
        // error). Keep what was typed, as on quit.
        exec.drive(app, Msg::Terminate);
    }
    crate::store::set_wait_hook(None);
    match signals.received() {
        Some(signal) => Ok(128 + signal),
        None if hung_up => Ok(128 + signal_hook::consts::SIGHUP),
        None => result.map(|()| 0),
    }
}

/// Whether the terminal on standard output was hung up: asking for its settings fails with
/// EIO (Linux answers every request on a hung-up terminal so).
fn terminal_hung_up() -> bool {
    matches!(
        rustix::termios::tcgetattr(std::io::stdout()),
        Err(e) if e == rustix::io::Errno::IO
    )
}

/// Point standard output and standard error at `/dev/null` (the terminal is gone); left
/// as they are when `/dev/null` cannot be opened.
fn detach_from_terminal() {
    if let Ok(null) = rustix::fs::open(
        "/dev/null",
        rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    ) {
        let _ = rustix::stdio::dup2_stdout(&null);
        let _ = rustix::stdio::dup2_stderr(&null);
    }
}

/// Wait up to `timeout` for an event; the keys read while a write waited come first.
fn next_event(pending: &RefCell<VecDeque<Event>>, timeout: Duration) -> Result<Option<Event>> {
    if let Some(ev) = pending.borrow_mut().pop_front() {
        return Ok(Some(ev));
    }
    if event::poll(timeout)? {
        return Ok(Some(event::read()?));
    }
    Ok(None)
}

fn event_loop(
    app: &mut App,
    exec: &mut Executor<'_>,
    theme: Theme,
    term: &Rc<RefCell<Term>>,
    last: &Rc<RefCell<Option<Buffer>>>,
    pending: &Rc<RefCell<VecDeque<Event>>>,
    signals: &ExitSignals,
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
        if signals.received().is_some() {
            exec.drive(app, Msg::Terminate);
            break;
        }
        {
            let mut term = term.borrow_mut();
            let done = term.draw(|f| view::render(app, theme, f))?;
            *last.borrow_mut() = Some(done.buffer.clone());
        }
        // Everything that has arrived is handled before the next draw: a burst of input (a
        // paste without bracketed paste, an input method, a barcode scanner) lands whole, in
        // the box it was typed into, and is drawn once.
        let Some(first) = next_event(pending, Duration::from_millis(250))? else {
            exec.drive(app, Msg::Tick(crate::clock::now()));
            continue;
        };
        let mut event = Some(first);
        let mut handled = 0;
        while let Some(ev) = event.take() {
            handle_event(app, exec, term, ev)?;
            handled += 1;
            if app.quit || signals.received().is_some() || handled >= BURST_MAX {
                break;
            }
            event = next_event(pending, BURST_GAP)?;
        }
    }
    Ok(())
}

/// One terminal event through the update function (and the commands that need the
/// terminal: Ctrl-Z, `$EDITOR`).
fn handle_event(
    app: &mut App,
    exec: &mut Executor<'_>,
    term: &Rc<RefCell<Term>>,
    event: Event,
) -> Result<()> {
    let msg = match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) {
                return suspend(&mut term.borrow_mut());
            }
            Msg::Key(k)
        }
        Event::Paste(text) => Msg::Paste(text),
        Event::Resize(width, height) => Msg::Resize { width, height },
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => {
                Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
            }
            MouseEventKind::ScrollUp => Msg::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
            // A left click selects what is under it (the app maps the cell to a queue or a
            // ticket); drags, releases and other buttons mean nothing here.
            MouseEventKind::Down(MouseButton::Left) => Msg::Click {
                column: m.column,
                row: m.row,
            },
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    for cmd in exec.drive(app, msg) {
        match cmd {
            Cmd::OpenEditor(text) => {
                let loaded = edit_externally(&mut term.borrow_mut(), &text)?;
                exec.drive(app, Msg::Loaded(loaded));
            }
            Cmd::Repaint => repaint(&mut term.borrow_mut())?,
            _ => {}
        }
    }
    Ok(())
}

/// Take the terminal again after Ctrl-Z or `$EDITOR`: raw mode, the alternate screen, mouse
/// and paste reports, the screen cleared and drawn whole on the next frame. A fresh
/// `Terminal` over a cleared screen, not `Terminal::clear`, which asks the terminal where its
/// cursor is and gives up (ending the console) when no answer comes within two seconds.
fn take_back(term: &mut Term) -> Result<()> {
    terminal::enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        terminal::Clear(terminal::ClearType::All)
    )?;
    *term = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok(())
}

/// Ctrl-L: the terminal cleared and every cell drawn on the next frame, as after `$EDITOR`
/// (a fresh `Terminal` knows nothing drawn, so its first frame writes every cell). Not
/// `Terminal::clear`, which asks the terminal where its cursor is (see [`take_back`]).
fn repaint(term: &mut Term) -> Result<()> {
    execute!(stdout(), terminal::Clear(terminal::ClearType::All))?;
    *term = Terminal::new(CrosstermBackend::new(stdout()))?;
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
    take_back(term)?;
    Ok(())
}

/// The editor the operator chose: `$VISUAL`, else `$EDITOR` (empty counts as unset).
fn chosen_editor() -> Option<String> {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|v| !v.trim().is_empty())
}

/// Open `$VISUAL` / `$EDITOR` (neither set: `vi`, as git and crontab do) on the text, in a
/// private temporary file removed afterwards. What comes back: the edited text,
/// [`Loaded::NoEditor`] when neither variable is set and `vi` cannot be started, or
/// [`Loaded::EditorFailed`] (the editor named) when it could not be started or failed.
fn edit_externally(term: &mut Term, text: &str) -> Result<Loaded> {
    // Private (0600) and unguessable on a host operators share; removed afterwards.
    let (path, mut file) = crate::input::private_temp_file("hotro-text")?;
    let written = std::io::Write::write_all(&mut file, text.as_bytes());
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    let chosen = chosen_editor();
    let editor = chosen.clone().unwrap_or_else(|| "vi".to_string());
    restore();
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status();
    take_back(term)?;
    let result = match status {
        Ok(s) if s.success() => crate::input::read_bounded(&path, crate::input::TEXT_LIMIT)
            .map(|b| Loaded::EditorText(String::from_utf8_lossy(&b).into_owned()))
            .unwrap_or_else(|_| Loaded::EditorFailed(editor.clone())),
        Err(e) if chosen.is_none() && e.kind() == std::io::ErrorKind::NotFound => Loaded::NoEditor,
        _ => Loaded::EditorFailed(editor.clone()),
    };
    let _ = std::fs::remove_file(&path);
    Ok(result)
}
