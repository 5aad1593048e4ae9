//! Taking mail from the desk's IMAP mailbox (issue 12, deliver 1): the protocol is the
//! `imap` crate's; this module opens the connection it runs over — TCP with time limits, TLS
//! by rustls (from the first byte for `imaps://`, or after STARTTLS, which must then be
//! offered), trusting the public roots of `webpki-roots` (the SMTP sender's too) and the
//! certificate authorities of `[mail.imap] ca_file` — logs in with a password read from a
//! file or the environment, and selects the folder.
//!
//! What is taken: every unseen message of the folder (or every message, when taken mail is
//! moved elsewhere), one at a time, by UID. Marking follows recording — flagged `\Seen`, or
//! moved to `move_to` — so a crash in between takes the message again next time, which the
//! mail's key (Message-ID, or a hash) makes change nothing.

use crate::domain::mail::{ImapSecurity, ImapSettings};
use crate::mail::InboundMail;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// The environment variable the password may come from when `password_file` is not given.
pub const PASSWORD_ENV: &str = "HOTRO_IMAP_PASSWORD";

/// How long connecting to one address of the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one read or write may wait on the server (a 25 MB mail on a slow line moves).
const IO_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the mailbox could not be opened or read: the setting or the server's answer, and
/// which server.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("[mail.imap] password_file {path}: {problem}")]
    PasswordFile { path: String, problem: String },
    #[error("[mail.imap]: no password: give password_file or set {PASSWORD_ENV}")]
    NoPassword,
    #[error("[mail.imap] ca_file {path}: {problem}")]
    CaFile { path: String, problem: String },
    #[error("cannot reach the IMAP server {server}: {problem}")]
    Connect { server: String, problem: String },
    #[error("the IMAP server {server} offers no STARTTLS: use imaps:// or a server that does")]
    NoStartTls { server: String },
    #[error("the IMAP server {server} refused the login of {user}: {problem}")]
    Login {
        server: String,
        user: String,
        problem: String,
    },
    #[error("the IMAP server {server} cannot open the folder {folder}: {problem}")]
    Folder {
        server: String,
        folder: String,
        problem: String,
    },
    #[error("the IMAP server {server}: {problem}")]
    Protocol { server: String, problem: String },
}

/// The byte stream the IMAP session runs over.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// A message waiting in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub uid: u32,
}

/// An open, logged-in session on the desk's folder.
pub struct Mailbox {
    session: imap::Session<Stream>,
    server: String,
    folder: String,
    move_to: Option<String>,
    can_move: bool,
}

/// The password of `[mail.imap]`: the file's first line, else the environment variable.
fn password(s: &ImapSettings) -> Result<String, ImapError> {
    match &s.password_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|p| p.trim_end_matches(['\r', '\n']).to_string())
            .map_err(|e| ImapError::PasswordFile {
                path: path.display().to_string(),
                problem: e.to_string(),
            }),
        None => std::env::var(PASSWORD_ENV).map_err(|_| ImapError::NoPassword),
    }
}

/// The TLS settings: public roots and the configured CA file.
fn tls_config(s: &ImapSettings) -> Result<Arc<rustls::ClientConfig>, ImapError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &s.ca_file {
        let ca = |problem: String| ImapError::CaFile {
            path: path.display().to_string(),
            problem,
        };
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| ca(e.to_string()))? {
            let cert = cert.map_err(|e| ca(e.to_string()))?;
            roots.add(cert).map_err(|e| ca(e.to_string()))?;
            added += 1;
        }
        if added == 0 {
            return Err(ca("no certificate in it (PEM expected)".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Connect {
            server: format!("{}:{}", s.host, s.port),
            problem: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A TCP connection to the first address of the server that answers in time.
fn connect(s: &ImapSettings, server: &str) -> Result<TcpStream, ImapError> {
    let fail = |problem: String| ImapError::Connect {
        server: server.to_string(),
        problem,
    };
    let addrs = (s.host.as_str(), s.port)
        .to_socket_addrs()
        .map_err(|e| fail(e.to_string()))?;
    let mut last = "no address".to_string();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(tcp) => {
                tcp.set_read_timeout(Some(IO_TIMEOUT))
                    .and_then(|()| tcp.set_write_timeout(Some(IO_TIMEOUT)))
                    .map_err(|e| fail(e.to_string()))?;
                return Ok(tcp);
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(fail(last))
}

/// One line of the server, CRLF ended, at most 8 KiB.
fn read_line(tcp: &mut TcpStream, server: &str) -> Result<String, ImapError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        let n = tcp.read(&mut byte).map_err(|e| ImapError::Connect {
            server: server.to_string(),
            problem: e.to_string(),
        })?;
        if n == 0 || line.len() > 8192 {
            return Err(ImapError::Protocol {
                server: server.to_string(),
                problem: "the server closed or sent an over-long line before STARTTLS".into(),
            });
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// The plain start of an `imap://` session (RFC 3501 6.2.1): the greeting read, STARTTLS
/// asked for and granted. The `imap` crate runs the session from the TLS handshake on.
fn starttls(mut tcp: TcpStream, server: &str) -> Result<TcpStream, ImapError> {
    let greeting = read_line(&mut tcp, server)?;
    if !greeting.starts_with("* OK") {
        return Err(ImapError::Protocol {
            server: server.to_string(),
            problem: greeting.trim_end().to_string(),
        });
    }
    tcp.write_all(b"h0 STARTTLS\r\n")
        .map_err(|e| ImapError::Connect {
            server: server.to_string(),
            problem: e.to_string(),
        })?;
    loop {
        let line = read_line(&mut tcp, server)?;
        if line.starts_with("h0 OK") {
            return Ok(tcp);
        }
        if line.starts_with("h0 ") {
            return Err(ImapError::NoStartTls {
                server: server.to_string(),
            });
        }
    }
}

/// TLS over `tcp`, the server's certificate checked for `s.host`.
fn tls(s: &ImapSettings, server: &str, tcp: TcpStream) -> Result<Stream, ImapError> {
    let fail = |problem: String| ImapError::Connect {
        server: server.to_string(),
        problem,
    };
    let name =
        rustls::pki_types::ServerName::try_from(s.host.clone()).map_err(|e| fail(e.to_string()))?;
    let conn =
        rustls::ClientConnection::new(tls_config(s)?, name).map_err(|e| fail(e.to_string()))?;
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    // The handshake now, so a certificate refused is said as such, not as a greeting error.
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(Stream::Tls(Box::new(stream)))
}

impl Mailbox {
    /// Connect, log in and select the folder. Errors: the password or CA file unreadable,
    /// the server out of reach or its certificate refused, no STARTTLS where it is required,
    /// the login refused, no such folder.
    pub fn open(s: &ImapSettings) -> Result<Mailbox, ImapError> {
        let password = password(s)?;
        let server = format!("{}:{}", s.host, s.port);
        let protocol = |e: imap::Error| ImapError::Protocol {
            server: server.clone(),
            problem: e.to_string(),
        };
        let tcp = connect(s, &server)?;
        let client = match s.security {
            ImapSecurity::Tls => {
                let mut c = imap::Client::new(tls(s, &server, tcp)?);
                c.read_greeting().map_err(protocol)?;
                c
            }
            ImapSecurity::Plain => {
                let mut c = imap::Client::new(Stream::Plain(tcp));
                c.read_greeting().map_err(protocol)?;
                c
            }
            ImapSecurity::StartTls => {
                let tcp = starttls(tcp, &server)?;
                let mut c = imap::Client::new(tls(s, &server, tcp)?);
                c.greeting_read = true;
                c
            }
        };
        let mut session = client
            .login(&s.user, &password)
            .map_err(|(e, _)| ImapError::Login {
                server: server.clone(),
                user: s.user.clone(),
                problem: e.to_string(),
            })?;
        session.select(&s.folder).map_err(|e| ImapError::Folder {
            server: server.clone(),
            folder: s.folder.clone(),
            problem: e.to_string(),
        })?;
        let can_move = session
            .capabilities()
            .map(|c| c.has_str("MOVE"))
            .unwrap_or(false);
        Ok(Mailbox {
            session,
            server,
            folder: s.folder.clone(),
            move_to: s.move_to.clone(),
            can_move,
        })
    }

    fn protocol(&self, e: imap::Error) -> ImapError {
        ImapError::Protocol {
            server: self.server.clone(),
            problem: e.to_string(),
        }
    }

    /// Where a message is, for reports: `imap://host:port/FOLDER;UID=n` (RFC 5092's form).
    pub fn label(&self, w: Waiting) -> String {
        format!("imap://{}/{};UID={}", self.server, self.folder, w.uid)
    }

    /// The messages to take, oldest UID first: the unseen ones, or every one not deleted
    /// when taken mail is moved away.
    pub fn waiting(&mut self) -> Result<Vec<Waiting>, ImapError> {
        let query = if self.move_to.is_some() {
            "NOT DELETED"
        } else {
            "UNSEEN NOT DELETED"
        };
        let found = self.session.uid_search(query);
        let mut uids: Vec<u32> = found.map_err(|e| self.protocol(e))?.into_iter().collect();
        uids.sort_unstable();
        Ok(uids.into_iter().map(|uid| Waiting { uid }).collect())
    }

    /// One message read without marking it seen: whole when within `max_bytes`, else its
    /// header only ([`InboundMail::too_large`]). `None` when it is gone (another intake took
    /// it).
    pub fn read(&mut self, w: Waiting, max_bytes: u64) -> Result<Option<InboundMail>, ImapError> {
        let uid = w.uid.to_string();
        let sized = self.session.uid_fetch(&uid, "(UID RFC822.SIZE)");
        let sized = sized.map_err(|e| self.protocol(e))?;
        let Some(size) = sized
            .iter()
            .find(|f| f.uid == Some(w.uid))
            .map(|f| u64::from(f.size.unwrap_or(0)))
        else {
            return Ok(None);
        };
        let query = if size <= max_bytes {
            "(UID BODY.PEEK[])"
        } else {
            "(UID BODY.PEEK[HEADER])"
        };
        let fetched = self.session.uid_fetch(&uid, query);
        let fetched = fetched.map_err(|e| self.protocol(e))?;
        let Some(f) = fetched.iter().find(|f| f.uid == Some(w.uid)) else {
            return Ok(None);
        };
        Ok(if size <= max_bytes {
            f.body().map(|raw| crate::mail::parse(raw, max_bytes))
        } else {
            f.header().map(|head| crate::mail::parse_head(head, size))
        })
    }

    /// Mark a message taken: moved to `move_to` (MOVE, or COPY, `\Deleted` and EXPUNGE where
    /// the server lacks MOVE), else flagged `\Seen`.
    pub fn mark_taken(&mut self, w: Waiting) -> Result<(), ImapError> {
        let uid = w.uid.to_string();
        let done = match self.move_to.clone() {
            Some(folder) if self.can_move => self.session.uid_mv(&uid, &folder),
            Some(folder) => self
                .session
                .uid_copy(&uid, &folder)
                .and_then(|()| self.session.uid_store(&uid, "+FLAGS.SILENT (\\Deleted)"))
                .and_then(|_| self.session.expunge())
                .map(|_| ()),
            None => self
                .session
                .uid_store(&uid, "+FLAGS.SILENT (\\Seen)")
                .map(|_| ()),
        };
        done.map_err(|e| self.protocol(e))
    }

    /// Log out (best effort: the server ends the session anyway when the connection closes).
    pub fn close(mut self) {
        let _ = self.session.logout();
    }
}
