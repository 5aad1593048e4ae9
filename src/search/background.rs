//! Building the index again from the database on a thread of its own, so a console stays
//! usable while it runs (issue 19 part 4): the thread opens its own connection to the
//! database and its own view of the index, and tells how far it got.

use super::{SearchError, SearchIndex, SyncReport};
use crate::store::Location;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

/// A rebuild running in the background. Dropping it leaves the thread to finish on its own.
pub struct Rebuild {
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
    result: Receiver<Result<SyncReport, String>>,
}

/// What [`Rebuild::poll`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Still running: percent done (`None` until the number of documents is known).
    Running(Option<u8>),
    /// Finished: what it did, or why it failed (the error's text).
    Finished(Result<SyncReport, String>),
}

impl Rebuild {
    /// Start bringing the index at `home` ([`crate::store::Store::index_home`]) of the
    /// database at `db` up to date on a new thread (its own connection),
    /// rebuilding it from the database if it is missing, stale or far behind. With `force`,
    /// rebuild whatever the index says (it was found damaged), and if even a writer cannot
    /// be had on it for a reason other than another process holding it, start from an
    /// empty folder.
    pub fn start(db: Location, home: &Path, force: bool) -> Rebuild {
        let done = Arc::new(AtomicU64::new(0));
        let total = Arc::new(AtomicU64::new(0));
        let (tx, result) = std::sync::mpsc::channel();
        let home: PathBuf = home.to_path_buf();
        let (d, t) = (Arc::clone(&done), Arc::clone(&total));
        std::thread::spawn(move || {
            let mut progress = |n: u64, of: u64| {
                d.store(n, Ordering::Relaxed);
                t.store(of, Ordering::Relaxed);
            };
            let r = run(&db, &home, force, &mut progress).map_err(|e| e.to_string());
            let _ = tx.send(r);
        });
        Rebuild {
            done,
            total,
            result,
        }
    }

    /// How it is going; never waits.
    pub fn poll(&self) -> Progress {
        match self.result.try_recv() {
            Ok(r) => Progress::Finished(r),
            Err(TryRecvError::Empty) => {
                let total = self.total.load(Ordering::Relaxed);
                let done = self.done.load(Ordering::Relaxed);
                Progress::Running((total > 0).then(|| (done.min(total) * 100 / total) as u8))
            }
            Err(TryRecvError::Disconnected) => {
                Progress::Finished(Err("the index builder stopped".into()))
            }
        }
    }
}

fn run(
    db: &Location,
    home: &Path,
    force: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SyncReport, SearchError> {
    let mut store = db.open()?;
    let mut index = SearchIndex::open(home)?;
    if !force {
        return index.sync_wait(&mut store, progress);
    }
    match index.rebuild(&mut store, progress) {
        Ok(applied) => Ok(SyncReport {
            applied,
            rebuilt: true,
            busy: false,
        }),
        Err(SearchError::Busy(p)) => Err(SearchError::Busy(p)),
        Err(_) => {
            // Not even a writer on it: throw the folder away and build it anew.
            let dir = index.path().to_path_buf();
            drop(index);
            std::fs::remove_dir_all(&dir).map_err(|source| SearchError::Io {
                path: dir.clone(),
                source,
            })?;
            let mut index = SearchIndex::open(home)?;
            index.sync_wait(&mut store, progress)
        }
    }
}
