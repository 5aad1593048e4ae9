//! What a user hands over — a file named on the command line, or standard input — read
//! within a size limit. Reads are bounded (issue 18): a FIFO, a device or a folder named as a
//! file is refused before it is opened (opening a FIFO would wait for a writer for ever;
//! `/dev/zero` never ends), a regular file larger than the limit is refused before it is
//! read, and standard input is read up to the limit and refused past it.

use std::io::Read;
use std::path::{Path, PathBuf};

/// A description, reply or note file (`--description-file`, `--text-file`): the domain
/// refuses texts over 1 MiB with their size, so a little more is read to say how long.
pub const TEXT_LIMIT: u64 = 16 * 1024 * 1024;
/// An import or evaluation file (`kb import`, `kb eval`): 256 MiB.
pub const IMPORT_LIMIT: u64 = 256 * 1024 * 1024;
/// A configuration file: 4 MiB.
pub const CONFIG_LIMIT: u64 = 4 * 1024 * 1024;

/// Why an input was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not a regular file: a FIFO, a device, a socket or a folder.
    #[error("{path} is not a regular file (a FIFO, a device or a folder)")]
    NotAFile { path: PathBuf },
    /// Larger than the limit (`max`, bytes); `size` when known (a file), `None` for standard
    /// input, which was read up to the limit.
    #[error("{path} is too long: {} bytes, at most {max}", size.map_or_else(|| format!("more than {max}"), |s| s.to_string()))]
    TooLong {
        path: PathBuf,
        size: Option<u64>,
        max: u64,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Read `path` (or standard input for `-`) whole, at most `max` bytes.
///
/// Errors: [`InputError::NotAFile`] for anything but a regular file (checked without opening
/// it), [`InputError::TooLong`] past `max`, [`InputError::Io`] otherwise.
/// A new file only this account may read (mode 0600) in the temporary folder, under a name
/// nobody can guess or take first (`<prefix>-<pid>-<random>.txt`, created exclusively): for
/// text handed to `$EDITOR` on a host operators share.
pub fn private_temp_file(prefix: &str) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::temp_dir();
    let mut last = None;
    for attempt in 0..16u32 {
        let mut seed = [0u8; 8];
        let random = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
            .map(|()| u64::from_le_bytes(seed))
            .unwrap_or_else(|_| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0)
                    ^ u64::from(attempt)
            });
        let path = dir.join(format!("{prefix}-{}-{random:016x}.txt", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_long = |size| InputError::TooLong {
        path: path.to_path_buf(),
        size,
        max,
    };
    // Never more than one byte past the limit, however long the source goes on (a pipe,
    // or a file that grows between the look and the read).
    let read = |source: &mut dyn Read| -> Result<Vec<u8>, InputError> {
        let mut bytes = Vec::new();
        source.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    };
    let bytes = if path == Path::new("-") {
        let bytes = read(&mut std::io::stdin().lock())?;
        if bytes.len() as u64 > max {
            return Err(too_long(None));
        }
        bytes
    } else {
        // stat follows links and does not open: a FIFO is never opened, so never waited on.
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(InputError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        if meta.len() > max {
            return Err(too_long(Some(meta.len())));
        }
        let bytes = read(&mut std::fs::File::open(path).map_err(io)?)?;
        if bytes.len() as u64 > max {
            return Err(too_long(Some(bytes.len() as u64)));
        }
        bytes
    };
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_a_folder_and_a_fifo_are_refused_without_reading() {
        let dir = tempfile::tempdir().expect("temp dir");
        for p in [Path::new("/dev/zero"), dir.path()] {
            assert!(
                matches!(read_bounded(p, 10), Err(InputError::NotAFile { .. })),
                "{}",
                p.display()
            );
        }
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        assert!(matches!(
            read_bounded(&fifo, 10),
            Err(InputError::NotAFile { .. })
        ));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_with_its_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = dir.path().join("big.txt");
        std::fs::write(&f, vec![b'a'; 11]).expect("write");
        match read_bounded(&f, 10) {
            Err(InputError::TooLong { size, max, .. }) => {
                assert_eq!((size, max), (Some(11), 10));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(read_bounded(&f, 11).expect("at the limit").len(), 11);
    }
}
