//! Probes against servers these tests start on 127.0.0.1; no external network.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use hotro::check::probe::{Failure, Outcome, Probe, ProbeSpec, run, run_all};

/// Generous bound: checks that a timeout holds, not how fast the machine is.
const HARD_BOUND: Duration = Duration::from_secs(5);
/// Test servers stop accepting after this, so nothing outlives a stuck test for long.
const SERVER_LIFETIME: Duration = Duration::from_secs(20);

/// Serves up to `max_conns` connections on 127.0.0.1, each in its own thread.
fn serve<F>(max_conns: usize, handler: F) -> SocketAddr
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let handler = Arc::new(handler);
    thread::spawn(move || {
        let until = Instant::now() + SERVER_LIFETIME;
        let mut served = 0;
        while served < max_conns && Instant::now() < until {
            match listener.accept() {
                Ok((stream, _)) => {
                    served += 1;
                    stream.set_nonblocking(false).unwrap();
                    let handler = Arc::clone(&handler);
                    thread::spawn(move || handler(stream));
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    addr
}

/// Reads until the end of the request headers (or the client gives up).
fn read_request(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn http_server(status: &'static str, body: &'static str) -> SocketAddr {
    serve(8, move |mut s| {
        read_request(&mut s);
        respond(&mut s, status, body);
    })
}

fn http_probe(addr: SocketAddr, expect_status: u16, expect_text: Option<&str>) -> Probe {
    Probe::new(
        ProbeSpec::Http {
            url: format!("http://{addr}/health"),
            expect_status,
            expect_text: expect_text.map(str::to_owned),
            insecure_tls: false,
        },
        Duration::from_secs(3),
    )
}

fn command(program: &str, args: &[&str], timeout: Duration) -> Probe {
    Probe::new(
        ProbeSpec::Command {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        },
        timeout,
    )
}

fn tcp(host: &str, port: u16) -> Probe {
    Probe::new(
        ProbeSpec::Tcp {
            host: host.to_owned(),
            port,
        },
        Duration::from_secs(3),
    )
}

/// Accepts, reads the request, then says nothing for longer than any probe waits.
fn silent_server() -> SocketAddr {
    serve(8, |mut s| {
        read_request(&mut s);
        thread::sleep(Duration::from_secs(4));
    })
}

// --- TCP ---

#[test]
fn tcp_listener_is_up() {
    let addr = serve(4, |_| {});
    let report = run(&tcp("127.0.0.1", addr.port()));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn tcp_localhost_tries_each_address() {
    // localhost may resolve to ::1 first, which refuses: the IPv4 address must still be tried.
    let addr = serve(4, |_| {});
    let report = run(&tcp("localhost", addr.port()));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn tcp_closed_port_is_connect_failure() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let report = run(&tcp("127.0.0.1", port));
    assert!(
        matches!(report.outcome, Outcome::Down(Failure::Connect(_))),
        "{report:?}"
    );
}

#[test]
fn unresolvable_host_is_resolve_failure() {
    // A NUL byte fails the lookup locally, without asking any DNS server.
    let report = run(&tcp("bad\0host", 80));
    assert!(
        matches!(report.outcome, Outcome::Down(Failure::Resolve(_))),
        "{report:?}"
    );
}

// --- HTTP ---

#[test]
fn http_200_with_expected_text_is_up() {
    let addr = http_server("200 OK", "status: all systems nominal");
    let report = run(&http_probe(addr, 200, Some("nominal")));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn http_200_without_text_check_is_up() {
    let addr = http_server("200 OK", "anything");
    let report = run(&http_probe(addr, 200, None));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn http_missing_text_is_down() {
    let addr = http_server("200 OK", "status: degraded");
    let report = run(&http_probe(addr, 200, Some("nominal")));
    assert_eq!(
        report.outcome,
        Outcome::Down(Failure::TextMissing {
            text: "nominal".to_owned()
        })
    );
}

#[test]
fn http_500_is_status_mismatch_not_transport_error() {
    let addr = http_server("500 Internal Server Error", "boom");
    let report = run(&http_probe(addr, 200, None));
    assert_eq!(
        report.outcome,
        Outcome::Down(Failure::Status {
            got: 500,
            expected: 200
        })
    );
}

#[test]
fn http_expected_500_is_up() {
    let addr = http_server("500 Internal Server Error", "boom");
    let report = run(&http_probe(addr, 500, Some("boom")));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn http_silent_server_times_out() {
    let addr = silent_server();
    let mut probe = http_probe(addr, 200, None);
    probe.timeout = Duration::from_millis(500);
    let report = run(&probe);
    assert_eq!(report.outcome, Outcome::Down(Failure::TimedOut));
    assert!(report.elapsed < HARD_BOUND, "{report:?}");
}

#[test]
fn http_trickling_body_times_out() {
    // Headers arrive at once, then one body byte every 100 ms: each read succeeds,
    // only the whole-probe budget can stop it.
    let addr = serve(4, |mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        for _ in 0..50 {
            if s.write_all(b"x").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let mut probe = http_probe(addr, 200, Some("never sent"));
    probe.timeout = Duration::from_millis(500);
    let report = run(&probe);
    assert_eq!(report.outcome, Outcome::Down(Failure::TimedOut));
    assert!(report.elapsed < HARD_BOUND, "{report:?}");
}

#[test]
fn http_trickling_headers_time_out() {
    let addr = serve(4, |mut s| {
        read_request(&mut s);
        for byte in b"HTTP/1.1 200 OK\r\nX-Padding: ".iter().cycle().take(50) {
            if s.write_all(&[*byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let mut probe = http_probe(addr, 200, None);
    probe.timeout = Duration::from_millis(500);
    let report = run(&probe);
    assert_eq!(report.outcome, Outcome::Down(Failure::TimedOut));
    assert!(report.elapsed < HARD_BOUND, "{report:?}");
}

#[test]
fn http_slow_answer_is_slow() {
    let addr = serve(4, |mut s| {
        read_request(&mut s);
        thread::sleep(Duration::from_millis(300));
        respond(&mut s, "200 OK", "ok");
    });
    let probe = http_probe(addr, 200, Some("ok")).slow_after(Duration::from_millis(100));
    let report = run(&probe);
    assert_eq!(report.outcome, Outcome::Slow, "{report:?}");
    assert!(report.elapsed >= Duration::from_millis(300), "{report:?}");
}

#[test]
fn http_fast_answer_within_slow_after_is_up() {
    let addr = http_server("200 OK", "ok");
    let probe = http_probe(addr, 200, None).slow_after(Duration::from_secs(2));
    assert_eq!(run(&probe).outcome, Outcome::Up);
}

#[test]
fn http_redirect_loop_stops_after_a_few_hops() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let addr = serve(20, move |mut s| {
        read_request(&mut s);
        counter.fetch_add(1, Ordering::SeqCst);
        let _ = s.write_all(
            b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    let report = run(&http_probe(addr, 200, None));
    assert_eq!(
        report.outcome,
        Outcome::Down(Failure::Status {
            got: 302,
            expected: 200
        })
    );
    let hits = hits.load(Ordering::SeqCst);
    assert!((2..=5).contains(&hits), "followed {hits} requests");
}

#[test]
fn https_to_plain_http_server_is_tls_failure() {
    // The server answers the ClientHello with plain HTTP, which no TLS client accepts.
    // insecure_tls only skips certificate checks, so it must fail as well.
    for insecure_tls in [false, true] {
        let addr = serve(2, |mut s| {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            respond(&mut s, "400 Bad Request", "plain http");
        });
        let probe = Probe::new(
            ProbeSpec::Http {
                url: format!("https://{addr}/"),
                expect_status: 200,
                expect_text: None,
                insecure_tls,
            },
            Duration::from_secs(3),
        );
        let report = run(&probe);
        assert!(
            matches!(report.outcome, Outcome::Down(Failure::Tls(_))),
            "insecure_tls={insecure_tls}: {report:?}"
        );
    }
}

#[test]
fn http_closed_port_is_connect_failure() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let report = run(&http_probe(addr, 200, None));
    assert!(
        matches!(report.outcome, Outcome::Down(Failure::Connect(_))),
        "{report:?}"
    );
}

#[test]
fn invalid_url_is_other() {
    let probe = Probe::new(
        ProbeSpec::Http {
            url: "not a url".to_owned(),
            expect_status: 200,
            expect_text: None,
            insecure_tls: false,
        },
        Duration::from_secs(1),
    );
    assert!(matches!(
        run(&probe).outcome,
        Outcome::Down(Failure::Other(_))
    ));
}

// --- Commands ---

#[test]
fn command_true_is_up() {
    let report = run(&command("true", &[], Duration::from_secs(3)));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn command_false_is_exit_1() {
    let report = run(&command("false", &[], Duration::from_secs(3)));
    assert_eq!(
        report.outcome,
        Outcome::Down(Failure::Exit { code: Some(1) })
    );
}

#[test]
fn command_killed_by_signal_has_no_code() {
    let report = run(&command(
        "sh",
        &["-c", "kill -9 $$"],
        Duration::from_secs(3),
    ));
    assert_eq!(report.outcome, Outcome::Down(Failure::Exit { code: None }));
}

#[test]
fn command_sleep_is_killed_at_timeout() {
    let report = run(&command("sleep", &["10"], Duration::from_millis(300)));
    assert_eq!(report.outcome, Outcome::Down(Failure::TimedOut));
    assert!(report.elapsed >= Duration::from_millis(300), "{report:?}");
    assert!(report.elapsed < HARD_BOUND, "{report:?}");
}

#[test]
fn command_with_lots_of_output_does_not_block() {
    let report = run(&command(
        "sh",
        &[
            "-c",
            "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2",
        ],
        Duration::from_secs(3),
    ));
    assert_eq!(report.outcome, Outcome::Up);
}

#[test]
fn missing_program_is_spawn_failure() {
    let report = run(&command(
        "hotro-no-such-program-x7q",
        &[],
        Duration::from_secs(3),
    ));
    assert!(
        matches!(report.outcome, Outcome::Down(Failure::Spawn(_))),
        "{report:?}"
    );
}

// --- run_all ---

#[test]
fn run_all_runs_in_parallel_and_keeps_order() {
    let listener = serve(4, |_| {});
    let silent = silent_server();
    let mut hanging_http = http_probe(silent, 200, None);
    hanging_http.timeout = Duration::from_millis(500);
    let probes = [
        tcp("127.0.0.1", listener.port()),
        hanging_http,
        command("sleep", &["10"], Duration::from_millis(500)),
        command("false", &[], Duration::from_secs(3)),
    ];
    let refs: Vec<&Probe> = probes.iter().collect();

    let start = Instant::now();
    let reports = run_all(&refs);
    let wall = start.elapsed();

    let outcomes: Vec<_> = reports.into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            Outcome::Up,
            Outcome::Down(Failure::TimedOut),
            Outcome::Down(Failure::TimedOut),
            Outcome::Down(Failure::Exit { code: Some(1) }),
        ]
    );
    assert!(wall < Duration::from_secs(3), "run_all took {wall:?}");
}

#[test]
fn run_all_of_nothing_is_empty() {
    assert!(run_all(&[]).is_empty());
}

// --- Display ---

#[test]
fn failures_display_in_plain_english() {
    let cases = [
        (Failure::TimedOut, "timed out"),
        (
            Failure::Status {
                got: 503,
                expected: 200,
            },
            "HTTP status 503, expected 200",
        ),
        (
            Failure::Exit { code: Some(2) },
            "command exited with code 2",
        ),
        (
            Failure::Exit { code: None },
            "command was killed by a signal",
        ),
        (
            Failure::TextMissing {
                text: "ok".to_owned(),
            },
            "response body does not contain \"ok\"",
        ),
    ];
    for (failure, text) in cases {
        assert_eq!(failure.to_string(), text);
    }
}
