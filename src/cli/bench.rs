//! `hotro bench writers`: many operator processes writing one database at once (a SQLite
//! file or a PostgreSQL database), a realistic mix of create, reply, assign, escalate and
//! resolve; then proof that nothing was lost and the figures (commits per second, latency
//! percentiles). `hotro bench worker` is one of
//! those processes (started by `writers`, not by hand).

use super::{Env, UserError, out};
use crate::domain::ticket::{Change, Ctx, NewTicket};
use crate::store::StoreError;
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What one worker did: acknowledged operations (one line each, written after the commit
/// returned), its latencies, and the failures it saw by kind.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
struct WorkerSummary {
    ops: u64,
    refused: u64,
    locked: u64,
    other_errors: Vec<String>,
    latencies_us: Vec<u64>,
}

/// What `hotro bench writers` measured and found (latencies in ms).
#[derive(Debug, Serialize)]
pub struct WritersReport {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    pub procs: usize,
    pub secs: f64,
    pub commits: u64,
    pub commits_per_sec: f64,
    pub refused: u64,
    pub locked: u64,
    pub other_errors: Vec<String>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub acknowledged_missing: u64,
    pub duplicate_keys: u64,
    /// SQLite's `integrity_check` said `ok`. PostgreSQL has no such check of its own: true
    /// there, and the audit below (chain, every ticket row against its events) stands in.
    pub integrity_ok: bool,
    /// Problems the whole audit found (`hotro db verify`: chain, ticket rows, versions).
    pub audit_problems: i64,
    pub version_mismatches: i64,
    pub count_mismatches: i64,
    pub broken_chain: bool,
    pub tickets: i64,
    pub events: i64,
}

impl WritersReport {
    /// Everything acknowledged is there, the database is sound, and nobody saw "locked"
    /// (SQLite) or any other error (either engine).
    pub fn clean(&self) -> bool {
        self.acknowledged_missing == 0
            && self.duplicate_keys == 0
            && self.integrity_ok
            && self.audit_problems == 0
            && self.version_mismatches == 0
            && self.count_mismatches == 0
            && !self.broken_chain
            && self.locked == 0
            && self.other_errors.is_empty()
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

/// One worker: open the store once, then write for `secs` seconds.
pub(super) fn worker(env: &Env<'_>, id: usize, secs: f64, log: &Path) -> Result<i32> {
    let org = &env.cfg.org;
    let operators: Vec<&str> = org.operators.iter().map(|o| o.login.as_str()).collect();
    let actor = operators
        .get(id % operators.len().max(1))
        .copied()
        .unwrap_or("nguyenvanan");
    let mut store = env.open()?;
    let mut acks = std::fs::File::create(log.with_extension("acks"))
        .with_context(|| format!("creating {}", log.display()))?;
    let mut rng = crate::demo::Rng::new(0x5eed ^ ((id as u64 + 1) * 7919));
    let mut mine: Vec<String> = Vec::new();
    let mut summary = WorkerSummary::default();
    let end = Instant::now() + Duration::from_secs_f64(secs);
    while Instant::now() < end {
        let roll = rng.below(100);
        let target = if mine.is_empty() || roll < 40 {
            None
        } else {
            mine.get(rng.below(mine.len())).cloned()
        };
        let ctx = Ctx {
            org,
            actor,
            now: crate::clock::now(),
            by: None,
        };
        let started = Instant::now();
        let outcome = match &target {
            None => store
                .create_ticket(
                    &NewTicket {
                        title: format!(
                            "Soak {id}: không đăng nhập được TABMIS lần {}",
                            summary.ops
                        ),
                        description: "Người dùng báo lỗi khi đăng nhập buổi sáng.".into(),
                        application: Some("TABMIS".into()),
                        ..NewTicket::default()
                    },
                    ctx,
                )
                .map(|(t, e)| (t.key, e.version, "create")),
            Some(key) => {
                let (change, name) = match roll {
                    40..=59 => (
                        Change::Reply {
                            text: "Đã hướng dẫn người dùng đặt lại mật khẩu.".into(),
                        },
                        "reply",
                    ),
                    60..=74 => (
                        Change::Assign {
                            to: operators
                                .get(rng.below(operators.len()))
                                .map(|s| s.to_string()),
                            group: None,
                        },
                        "assign",
                    ),
                    75..=84 => (
                        Change::Escalate {
                            group: None,
                            reason: "Cần tuyến trên hỗ trợ.".into(),
                            external_ref: None,
                        },
                        "escalate",
                    ),
                    _ => (
                        Change::Resolve {
                            resolution: "Đã mở khóa tài khoản.".into(),
                        },
                        "resolve",
                    ),
                };
                store
                    .change_ticket(key, None, change, ctx)
                    .map(|(t, e)| (t.key, e.version, name))
            }
        };
        let took = started.elapsed();
        match outcome {
            Ok((key, version, name)) => {
                summary.latencies_us.push(took.as_micros() as u64);
                summary.ops += 1;
                writeln!(acks, "{name} {key} {version} {actor}")?;
                if name == "create" {
                    mine.push(key);
                }
            }
            // A change the rules refuse (resolving twice, escalating past the top) is part
            // of a realistic mix: nothing was written and nothing was acknowledged.
            Err(StoreError::Domain(_)) => summary.refused += 1,
            // SQLite's "database is locked". On PostgreSQL serialization failures are
            // retried inside the store: any error that reaches here is shown, and counted.
            Err(StoreError::Locked { .. }) => summary.locked += 1,
            Err(e) => summary.other_errors.push(e.to_string()),
        }
    }
    acks.flush()?;
    std::fs::write(log, serde_json::to_vec(&summary)?)?;
    Ok(0)
}

/// Start `procs` workers on one database (a file or a PostgreSQL database), wait, then
/// check and measure.
pub(super) fn writers(env: &Env<'_>, procs: usize, secs: f64, json: bool) -> Result<i32> {
    let db = env.db_path()?;
    // Create and migrate before the race, as `hotro init` would on a real desk.
    let engine = env.open()?.engine();
    let on_postgres = engine == crate::store::EngineKind::Postgres;
    let exe = std::env::current_exe().context("finding the hotro binary")?;
    let dir = tempfile_dir(&db, on_postgres)?;
    let mut children = Vec::new();
    for id in 0..procs {
        let log = dir.join(format!("worker-{id}.json"));
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("--db").arg(&db);
        if let Some(c) = &env.cli.config {
            cmd.arg("--config").arg(c);
        }
        cmd.args([
            "bench",
            "worker",
            "--id",
            &id.to_string(),
            "--secs",
            &secs.to_string(),
        ])
        .arg("--log")
        .arg(&log)
        .stdin(std::process::Stdio::null());
        children.push((cmd.spawn().context("starting a worker")?, log));
    }
    let started = Instant::now();
    let mut summaries = Vec::new();
    for (mut child, log) in children {
        let status = child.wait()?;
        if !status.success() {
            return Err(UserError {
                message: env.cat.f("bench.worker_failed", &[("status", &status)]),
                code: 1,
            }
            .into());
        }
        let s: WorkerSummary = serde_json::from_slice(&std::fs::read(&log)?)?;
        summaries.push((s, log.with_extension("acks")));
    }
    let wall = started.elapsed().as_secs_f64().max(secs);

    let mut store = env.open()?;
    let mut latencies: Vec<u64> = Vec::new();
    let mut report = WritersReport {
        engine: if on_postgres { "postgres" } else { "sqlite" },
        procs,
        secs: wall,
        commits: 0,
        commits_per_sec: 0.0,
        refused: 0,
        locked: 0,
        other_errors: Vec::new(),
        p50_ms: 0.0,
        p95_ms: 0.0,
        p99_ms: 0.0,
        max_ms: 0.0,
        acknowledged_missing: 0,
        duplicate_keys: 0,
        integrity_ok: false,
        audit_problems: 0,
        version_mismatches: 0,
        count_mismatches: 0,
        broken_chain: false,
        tickets: 0,
        events: 0,
    };
    let mut created = std::collections::HashSet::new();
    for (s, acks) in &summaries {
        report.commits += s.ops;
        report.refused += s.refused;
        report.locked += s.locked;
        report.other_errors.extend(s.other_errors.iter().cloned());
        latencies.extend(&s.latencies_us);
        let text = std::fs::read_to_string(acks)?;
        for line in text.lines() {
            let mut parts = line.split(' ');
            let (Some(op), Some(key), Some(version), Some(actor)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if op == "create" && !created.insert(key.to_string()) {
                report.duplicate_keys += 1;
            }
            let version: i64 = version.parse().unwrap_or(-1);
            // Acknowledged means: that ticket has that version, written by that operator.
            let present = match store.ticket_with_timeline(key) {
                Ok((_, events)) => events
                    .iter()
                    .any(|e| e.version == version && e.actor == actor),
                Err(_) => false,
            };
            if !present {
                report.acknowledged_missing += 1;
            }
        }
    }
    latencies.sort_unstable();
    report.p50_ms = percentile(&latencies, 0.50);
    report.p95_ms = percentile(&latencies, 0.95);
    report.p99_ms = percentile(&latencies, 0.99);
    report.max_ms = latencies.last().map(|v| *v as f64 / 1000.0).unwrap_or(0.0);
    report.commits_per_sec = report.commits as f64 / wall;
    if on_postgres {
        // No integrity check of the engine's own: the same counts read on either engine,
        // and the whole audit below.
        let tally = store.write_tally().map_err(|e| env.store_err(e))?;
        report.integrity_ok = true;
        report.duplicate_keys += tally.duplicate_keys.max(0) as u64;
        report.version_mismatches = tally.version_mismatches;
        report.count_mismatches = tally.count_mismatches;
        report.tickets = tally.tickets;
    } else {
        let check = store.check(&[]).map_err(|e| env.store_err(e))?;
        report.integrity_ok = check.integrity == ["ok"];
        report.version_mismatches = check.version_mismatches;
        report.count_mismatches = check.count_mismatches;
        report.tickets = check.tickets;
    }
    let verify = store.verify_events().map_err(|e| env.store_err(e))?;
    report.broken_chain = verify.first_broken.is_some();
    report.audit_problems = verify.problems;
    report.events = verify.events;
    let _ = std::fs::remove_dir_all(&dir);
    if json {
        out::json(&report)?;
    } else {
        say!(
            "{}",
            env.cat.f(
                "bench.writers",
                &[
                    ("procs", &procs),
                    ("secs", &format!("{wall:.1}")),
                    ("commits", &report.commits),
                    ("rate", &format!("{:.0}", report.commits_per_sec)),
                    ("p50", &format!("{:.2}", report.p50_ms)),
                    ("p99", &format!("{:.2}", report.p99_ms)),
                    ("max", &format!("{:.1}", report.max_ms)),
                    ("refused", &report.refused),
                ],
            )
        );
        let verdict = if report.clean() {
            env.cat.t("bench.clean")
        } else {
            env.cat.f(
                "bench.not_clean",
                &[(
                    "detail",
                    &serde_json::to_string(&report).unwrap_or_default(),
                )],
            )
        };
        say!("{verdict}");
    }
    Ok(if report.clean() { 0 } else { 1 })
}

/// Worker logs live beside the database file, in a folder of their own (for a PostgreSQL
/// database, in the temporary folder).
fn tempfile_dir(db: &Path, on_postgres: bool) -> Result<PathBuf> {
    let parent = if on_postgres {
        None
    } else {
        db.parent().filter(|p| !p.as_os_str().is_empty())
    };
    let base = parent.map(Path::to_path_buf).unwrap_or_else(|| {
        if on_postgres {
            std::env::temp_dir()
        } else {
            PathBuf::from(".")
        }
    });
    let dir = base.join(format!(".hotro-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// What `hotro bench mail` measured.
#[derive(Debug, Serialize)]
pub struct MailBenchReport {
    pub mails: usize,
    pub secs: f64,
    pub mails_per_sec: f64,
    pub created: usize,
    pub replied: usize,
    pub held: usize,
    pub attachments: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

/// Generate `count` mails into a Maildir of a fresh temporary directory — 70 % new
/// requests from 500 senders, 20 % replies threaded through `References` to an earlier
/// mail, 10 % out-of-office replies; one in ten with a 20 KB attachment — and take them all
/// as the acting operator (the intake: `--as hotro-mail` on a test database), timing each
/// mail from reading the file to marking it seen.
pub(super) fn mail(env: &Env<'_>, count: usize, json: bool) -> Result<i32> {
    let dir = std::env::temp_dir().join(format!(
        "hotro-bench-mail-{}-{}",
        std::process::id(),
        crate::clock::now().timestamp_millis()
    ));
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).with_context(|| dir.display().to_string())?;
    }
    let attachment = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n".repeat(20 * 1024 / 38);
    for i in 0..count {
        let sender = i % 500;
        let mut head = format!(
            "From: =?UTF-8?Q?Ng=C6=B0=E1=BB=9Di_d=C3=B9ng_{sender}?= <user{sender}@kbnn.example>\r\n\
             To: hotro@kbnn.example\r\nMessage-ID: <bench-{i}@kbnn.example>\r\n\
             Date: Mon, 30 Nov 2026 08:00:00 +0700\r\n"
        );
        let kind = i % 10;
        if kind == 9 {
            head.push_str("Auto-Submitted: auto-replied\r\nSubject: Out of office\r\n");
        } else if kind >= 7 && i >= 10 {
            let earlier = i - 10 + (i % 3);
            head.push_str(&format!(
                "Subject: Re: request\r\nIn-Reply-To: <bench-{earlier}@kbnn.example>\r\n\
                 References: <bench-{earlier}@kbnn.example>\r\n"
            ));
        } else {
            head.push_str(&format!(
                "Subject: =?UTF-8?Q?L=E1=BB=97i_=C4=91=C4=83ng_nh=E1=BA=ADp_TABMIS_{i}?=\r\n"
            ));
        }
        let body = format!(
            "Kính gửi Trung tâm hỗ trợ,\r\nMáy trạm {i} không đăng nhập được TABMIS, báo lỗi sai mật khẩu.\r\nTrân trọng.\r\n"
        );
        let text = if i % 10 == 3 {
            format!(
                "{head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
                 --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}--b\r\n\
                 Content-Type: image/png; name=\"man-hinh-{i}.png\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{attachment}--b--\r\n"
            )
        } else {
            format!("{head}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}")
        };
        std::fs::write(
            dir.join("new").join(format!("{:012}.M{i}P1.bench", i)),
            text,
        )?;
    }
    let mut store = env.open()?;
    let session = env.session()?;
    crate::desk::Desk::new(&mut store, session, crate::clock::now())
        .may_fetch_mail()
        .map_err(|e| env.desk_err(e))?;
    let max = env.cfg.org.mail.max_bytes;
    let waiting = crate::mail::maildir::waiting(&dir).map_err(|e| env.user(e.to_string()))?;
    let mut lat = Vec::with_capacity(waiting.len());
    let (mut created, mut replied, mut held, mut attachments) = (0, 0, 0, 0);
    let started = Instant::now();
    for w in &waiting {
        let t0 = Instant::now();
        let mail = crate::mail::read_file(&w.path, max).map_err(|e| env.user(e.to_string()))?;
        let o = crate::desk::Desk::new(&mut store, session, crate::clock::now())
            .take_mail(&mail)
            .map_err(|e| env.desk_err(e))?;
        crate::mail::maildir::mark_seen(&dir, w).map_err(|e| env.user(e.to_string()))?;
        lat.push(t0.elapsed());
        match o.outcome.as_str() {
            "created" => created += 1,
            "replied" => replied += 1,
            _ => held += 1,
        }
        attachments += o.attachments;
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    let report = MailBenchReport {
        mails: waiting.len(),
        secs,
        mails_per_sec: waiting.len() as f64 / secs.max(1e-9),
        created,
        replied,
        held,
        attachments,
        p50_ms: pct(0.5),
        p95_ms: pct(0.95),
        max_ms: pct(1.0),
    };
    if json {
        out::json(&report)?;
    } else {
        say!(
            "{}",
            env.cat.f(
                "bench.mail_result",
                &[
                    ("mails", &report.mails),
                    ("secs", &format!("{:.1}", report.secs)),
                    ("rate", &format!("{:.0}", report.mails_per_sec)),
                    ("created", &report.created),
                    ("replied", &report.replied),
                    ("held", &report.held),
                    ("attachments", &report.attachments),
                    ("p50", &format!("{:.2}", report.p50_ms)),
                    ("p95", &format!("{:.2}", report.p95_ms)),
                ]
            )
        );
    }
    Ok(0)
}
