//! Readiness probes for the morning check: TCP connect, HTTP(S) GET and local commands.
//!
//! Every probe is bounded by its `timeout` end to end (resolve, connect, TLS, request,
//! body), so one dead system can never stall the whole check. Failures are structured
//! data; the caller localises them, `Display` is for logs only.

use std::fmt;
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::tls::TlsConfig;

/// Most of a body we read when looking for `expect_text`; bigger bodies are cut here.
pub const BODY_CAP: u64 = 1024 * 1024;
/// Redirects followed before the last response is judged as it is.
pub const MAX_REDIRECTS: u32 = 3;

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeSpec {
    Tcp {
        host: String,
        port: u16,
    },
    Http {
        url: String,
        expect_status: u16,
        expect_text: Option<String>,
        /// Skip certificate verification (systems behind an internal CA).
        insecure_tls: bool,
    },
    Command {
        program: String,
        args: Vec<String>,
    },
}

/// A check with its time budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub spec: ProbeSpec,
    /// Hard bound on the whole probe.
    pub timeout: Duration,
    /// A pass that took longer than this is reported as `Slow`.
    pub slow_after: Option<Duration>,
}

impl Probe {
    pub fn new(spec: ProbeSpec, timeout: Duration) -> Self {
        Probe {
            spec,
            timeout,
            slow_after: None,
        }
    }

    pub fn slow_after(mut self, slow_after: Duration) -> Self {
        self.slow_after = Some(slow_after);
        self
    }
}

/// Why a probe is down.
/// Structured so the caller can localise messages; no prose for end users inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Host name did not resolve (error text).
    Resolve(String),
    /// Connection refused/unreachable/reset (io error text).
    Connect(String),
    /// The whole probe exceeded its timeout.
    TimedOut,
    Tls(String),
    Status {
        got: u16,
        expected: u16,
    },
    TextMissing {
        text: String,
    },
    /// Command exited non-zero (`None` = killed by a signal).
    Exit {
        code: Option<i32>,
    },
    /// Command could not be started.
    Spawn(String),
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Resolve(e) => write!(f, "host name did not resolve: {e}"),
            Failure::Connect(e) => write!(f, "connection failed: {e}"),
            Failure::TimedOut => write!(f, "timed out"),
            Failure::Tls(e) => write!(f, "TLS error: {e}"),
            Failure::Status { got, expected } => {
                write!(f, "HTTP status {got}, expected {expected}")
            }
            Failure::TextMissing { text } => {
                write!(f, "response body does not contain {text:?}")
            }
            Failure::Exit { code: Some(code) } => write!(f, "command exited with code {code}"),
            Failure::Exit { code: None } => write!(f, "command was killed by a signal"),
            Failure::Spawn(e) => write!(f, "command could not be started: {e}"),
            Failure::Other(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Failure {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Up,
    Slow,
    Down(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// Runs one probe, never longer than its timeout (plus scheduling slack).
pub fn run(probe: &Probe) -> ProbeReport {
    let start = Instant::now();
    // `checked_add` guards against absurd timeouts such as `Duration::MAX`.
    let deadline = start
        .checked_add(probe.timeout)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600));
    let result = match &probe.spec {
        ProbeSpec::Tcp { host, port } => check_tcp(host, *port, deadline),
        ProbeSpec::Http {
            url,
            expect_status,
            expect_text,
            insecure_tls,
        } => check_http(
            url,
            *expect_status,
            expect_text.as_deref(),
            *insecure_tls,
            deadline,
        ),
        ProbeSpec::Command { program, args } => check_command(program, args, deadline),
    };
    let elapsed = start.elapsed();
    let outcome = match result {
        // A pass that only completed past the deadline still broke the bound.
        Ok(()) if elapsed > probe.timeout => Outcome::Down(Failure::TimedOut),
        Ok(()) if probe.slow_after.is_some_and(|slow| elapsed > slow) => Outcome::Slow,
        Ok(()) => Outcome::Up,
        Err(failure) => Outcome::Down(failure),
    };
    ProbeReport { outcome, elapsed }
}

/// Runs all probes at once (one thread each, std::thread::scope), returns reports in input order.
/// Total wall time is bounded by the largest timeout (plus small slack), never the sum.
pub fn run_all(probes: &[&Probe]) -> Vec<ProbeReport> {
    thread::scope(|scope| {
        let handles: Vec<_> = probes
            .iter()
            .map(|probe| (Instant::now(), scope.spawn(move || run(probe))))
            .collect();
        handles
            .into_iter()
            .map(|(start, handle)| {
                handle.join().unwrap_or_else(|_| ProbeReport {
                    outcome: Outcome::Down(Failure::Other("probe panicked".to_owned())),
                    elapsed: start.elapsed(),
                })
            })
            .collect()
    })
}

fn remaining(deadline: Instant) -> Result<Duration, Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Failure::TimedOut)
    } else {
        Ok(left)
    }
}

/// Resolves within the budget. getaddrinfo cannot be cancelled, so the lookup runs in a
/// detached thread that we stop waiting for at the deadline.
fn resolve(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, Failure> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::sync_channel(1);
    let name = bare.to_owned();
    thread::Builder::new()
        .name("probe-resolve".to_owned())
        .spawn(move || {
            let result = (name.as_str(), port)
                .to_socket_addrs()
                .map(|addrs| addrs.collect::<Vec<_>>());
            // The receiver is gone if the probe already timed out; nothing to do then.
            let _ = tx.send(result);
        })
        .map_err(|e| Failure::Other(format!("cannot start resolver thread: {e}")))?;
    match rx.recv_timeout(remaining(deadline)?) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(Failure::Resolve("no addresses".to_owned())),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(Failure::Resolve(e.to_string())),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Failure::TimedOut),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(Failure::Other("resolver thread died".to_owned()))
        }
    }
}

fn check_tcp(host: &str, port: u16, deadline: Instant) -> Result<(), Failure> {
    let addrs = resolve(host, port, deadline)?;
    let mut last = Failure::Connect("no address to try".to_owned());
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, remaining(deadline)?) {
            Ok(_) => return Ok(()),
            Err(e) => last = io_failure(&e),
        }
    }
    Err(last)
}

fn io_failure(e: &io::Error) -> Failure {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::TimedOut,
        _ => Failure::Connect(e.to_string()),
    }
}

fn check_http(
    url: &str,
    expect_status: u16,
    expect_text: Option<&str>,
    insecure_tls: bool,
    deadline: Instant,
) -> Result<(), Failure> {
    let uri: Uri = url
        .parse()
        .map_err(|e| Failure::Other(format!("invalid URL {url:?}: {e}")))?;
    let https = uri.scheme_str() == Some("https");
    let host = uri
        .host()
        .ok_or_else(|| Failure::Other(format!("URL {url:?} has no host")))?;
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    // ureq reports a failed lookup as an unspecific io error; resolving first lets us
    // tell "name does not resolve" from "host refuses", at the cost of a second lookup.
    resolve(host, port, deadline)?;

    let agent = ureq::Agent::config_builder()
        // The probe compares statuses itself; 4xx/5xx are answers, not transport errors.
        .http_status_as_error(false)
        .max_redirects(MAX_REDIRECTS)
        // After the last redirect judge that response (a status mismatch), not an error.
        .max_redirects_will_error(false)
        // ureq's global timeout spans resolve, connect, TLS, request and body reads.
        .timeout_global(Some(remaining(deadline)?))
        // Probe the target itself: no proxy from the environment.
        .proxy(None)
        .tls_config(
            TlsConfig::builder()
                .disable_verification(insecure_tls)
                .build(),
        )
        .build()
        .new_agent();

    let mut response = agent.get(uri).call().map_err(|e| ureq_failure(e, https))?;
    let got = response.status().as_u16();
    if got != expect_status {
        return Err(Failure::Status {
            got,
            expected: expect_status,
        });
    }
    let Some(text) = expect_text else {
        return Ok(());
    };
    let mut body = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(BODY_CAP)
        .read_to_end(&mut body)
        // The body reader wraps ureq errors in io::Error; unwrap them for classification.
        .map_err(|e| ureq_failure(ureq::Error::from(e), https))?;
    if contains(&body, text.as_bytes()) {
        Ok(())
    } else {
        Err(Failure::TextMissing {
            text: text.to_owned(),
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

fn ureq_failure(e: ureq::Error, https: bool) -> Failure {
    match e {
        ureq::Error::Timeout(_) => Failure::TimedOut,
        ureq::Error::HostNotFound => Failure::Resolve(e.to_string()),
        // rustls handshake errors reach us as io::Error of kind InvalidData.
        ureq::Error::Io(io) if https && io.kind() == io::ErrorKind::InvalidData => {
            Failure::Tls(io.to_string())
        }
        ureq::Error::Io(io) => io_failure(&io),
        ureq::Error::ConnectionFailed => Failure::Connect(e.to_string()),
        ureq::Error::Tls(msg) => Failure::Tls(msg.to_owned()),
        ureq::Error::Rustls(tls) => Failure::Tls(tls.to_string()),
        other => Failure::Other(other.to_string()),
    }
}

/// Longest sleep between `try_wait` polls; short enough to keep `elapsed` honest.
const POLL_MAX: Duration = Duration::from_millis(20);

fn check_command(program: &str, args: &[String], deadline: Instant) -> Result<(), Failure> {
    // Null stdio: nothing to drain, so a chatty command cannot block on a full pipe.
    // Its own process group, so a timeout kills what it started too (a script's children).
    let mut child = Command::new(program)
        .process_group(0)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Failure::Spawn(e.to_string()))?;
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(Failure::Exit {
                    code: status.code(),
                });
            }
            Ok(None) => {}
            Err(e) => {
                kill_and_reap(&mut child);
                return Err(Failure::Other(format!("cannot wait for command: {e}")));
            }
        }
        let Ok(left) = remaining(deadline) else {
            kill_and_reap(&mut child);
            return Err(Failure::TimedOut);
        };
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(POLL_MAX);
    }
}

/// Kills the child's whole process group, then reaps the child.
fn kill_and_reap(child: &mut std::process::Child) {
    // Errors mean it already exited, which is what we want; wait() then reaps it.
    let pid = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}
