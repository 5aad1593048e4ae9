//! How far long work is (issue 18, "Long work says how far it is"): a bar with the rate and the
//! time left on standard error when it is a terminal (indicatif), and plain lines every 10 %
//! when it is not (a log, a pipe, cron), or nothing for work too small to need it.

use crate::i18n::Catalog;
use std::sync::Mutex;

/// What the counts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Items (tickets, articles, events).
    Items,
    /// Bytes (a backup being written).
    Bytes,
}

/// One piece of long work's progress. `update` may be called from any thread, as often as
/// the work likes: drawing is rate-limited by indicatif, plain lines come every 10 %.
pub struct Progress {
    label: String,
    unit: Unit,
    /// Plain lines only from this total on (small work says nothing).
    min_total: u64,
    bar: Option<indicatif::ProgressBar>,
    /// The last plain line's share in tenths, when plain lines are written.
    last_tenth: Mutex<Option<u64>>,
    started: std::time::Instant,
}

impl Progress {
    /// Progress of the work named by catalog id `label`. `min_total` is the least total that
    /// is worth a display (work under it shows nothing).
    pub fn new(cat: &Catalog, label: &str, unit: Unit, min_total: u64) -> Progress {
        use std::io::IsTerminal;
        let label = cat.t(label);
        #[allow(clippy::disallowed_methods)] // asks, does not write
        let on_terminal = std::io::stderr().is_terminal();
        let bar = on_terminal.then(|| {
            let counts = match unit {
                Unit::Items => "{human_pos}/{human_len} ({rate})",
                Unit::Bytes => "{bytes}/{total_bytes} ({bytes_per_sec})",
            };
            let left = cat.t("progress.left").replace(['{', '}'], "");
            let template = format!("{{msg}} [{{bar:30}}] {counts} {{eta}} {left}");
            let style = indicatif::ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", state.per_sec());
                    },
                )
                .progress_chars("=> ");
            let bar = indicatif::ProgressBar::hidden().with_style(style);
            bar.set_message(label.clone());
            bar
        });
        Progress {
            label,
            unit,
            min_total,
            bar,
            last_tenth: Mutex::new(None),
            started: std::time::Instant::now(),
        }
    }

    /// `done` of `total` so far.
    pub fn update(&self, done: u64, total: u64) {
        if total < self.min_total || total == 0 {
            return;
        }
        if let Some(bar) = &self.bar {
            if bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_length(total);
            bar.set_position(done.min(total));
            return;
        }
        let tenth = done.min(total) * 10 / total;
        let Ok(mut last) = self.last_tenth.lock() else {
            return;
        };
        if last.is_some_and(|l| l >= tenth) {
            return;
        }
        *last = Some(tenth);
        let (done, total) = match self.unit {
            Unit::Items => (done.to_string(), total.to_string()),
            Unit::Bytes => (
                indicatif::HumanBytes(done).to_string(),
                indicatif::HumanBytes(total).to_string(),
            ),
        };
        say_err!(
            "{}: {done}/{total} ({} %, {:.0} s)",
            self.label,
            tenth * 10,
            self.started.elapsed().as_secs_f64()
        );
    }

    /// The work ended: the bar is cleared (the command then says what was done).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
