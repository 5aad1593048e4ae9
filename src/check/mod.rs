//! The morning check's machinery outside the pure domain: running the configured probes.

pub mod probe;
pub mod report;

use crate::domain::check::{CheckResult, ProbeDef, ProbeTarget, SystemDef};
use probe::{Outcome, Probe, ProbeReport, ProbeSpec};
use std::time::Duration;

/// A probe's verdict as a check result, with what it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeFinding {
    pub system: String,
    pub result: CheckResult,
    pub elapsed_ms: u128,
    pub failure: Option<probe::Failure>,
}

fn to_probe(def: &ProbeDef) -> Probe {
    let spec = match &def.target {
        ProbeTarget::Tcp { host, port } => ProbeSpec::Tcp {
            host: host.clone(),
            port: *port,
        },
        ProbeTarget::Http {
            url,
            expect_status,
            expect_text,
            insecure_tls,
        } => ProbeSpec::Http {
            url: url.clone(),
            expect_status: *expect_status,
            expect_text: expect_text.clone(),
            insecure_tls: *insecure_tls,
        },
        ProbeTarget::Command { program, args } => ProbeSpec::Command {
            program: program.clone(),
            args: args.clone(),
        },
    };
    Probe {
        spec,
        timeout: Duration::from_millis(def.timeout_ms),
        slow_after: def.slow_after_ms.map(Duration::from_millis),
    }
}

fn finding(system: &SystemDef, report: ProbeReport) -> ProbeFinding {
    let (result, failure) = match report.outcome {
        Outcome::Up => (CheckResult::Ok, None),
        Outcome::Slow => (CheckResult::Slow, None),
        Outcome::Down(f) => (CheckResult::Down, Some(f)),
    };
    ProbeFinding {
        system: system.id.clone(),
        result,
        elapsed_ms: report.elapsed.as_millis(),
        failure,
    }
}

/// Run every configured probe of `systems` at once; systems without a probe are skipped.
/// Takes as long as the slowest probe's timeout, not the sum.
pub fn run_probes(systems: &[SystemDef]) -> Vec<ProbeFinding> {
    let with_probe: Vec<(&SystemDef, Probe)> = systems
        .iter()
        .filter_map(|s| s.probe.as_ref().map(|p| (s, to_probe(p))))
        .collect();
    let probes: Vec<&Probe> = with_probe.iter().map(|(_, p)| p).collect();
    let reports = probe::run_all(&probes);
    with_probe
        .iter()
        .zip(reports)
        .map(|((s, _), r)| finding(s, r))
        .collect()
}

/// What a probe saw, in the operator's language (kept as the result's detail).
pub fn describe_finding(cat: &crate::i18n::Catalog, f: &ProbeFinding) -> String {
    use probe::Failure;
    let ms = f.elapsed_ms.to_string();
    match &f.failure {
        None if f.result == CheckResult::Slow => cat.f("probe.slow", &[("ms", &ms)]),
        None => cat.f("probe.up", &[("ms", &ms)]),
        Some(Failure::Resolve(d)) => cat.f("probe.resolve", &[("detail", d)]),
        Some(Failure::Connect(d)) => cat.f("probe.connect", &[("detail", d)]),
        Some(Failure::TimedOut) => cat.f("probe.timed_out", &[("ms", &ms)]),
        Some(Failure::Tls(d)) => cat.f("probe.tls", &[("detail", d)]),
        Some(Failure::Status { got, expected }) => {
            cat.f("probe.status", &[("got", got), ("expected", expected)])
        }
        Some(Failure::TextMissing { text }) => cat.f("probe.text_missing", &[("text", text)]),
        Some(Failure::Exit { code: Some(c) }) => cat.f("probe.exit", &[("code", c)]),
        Some(Failure::Exit { code: None }) => cat.t("probe.signal"),
        Some(Failure::Spawn(d)) => cat.f("probe.spawn", &[("detail", d)]),
        Some(Failure::Other(d)) => cat.f("probe.other", &[("detail", d)]),
    }
}

/// The incident ticket for a failed check: filed with the system's group and application,
/// its priority from the result (`[morning_check.incident]`).
pub fn incident_ticket(
    cat: &crate::i18n::Catalog,
    org: &crate::domain::org::Organisation,
    date: chrono::NaiveDate,
    entry: &crate::domain::check::Entry,
) -> crate::domain::ticket::NewTicket {
    let system = org.check.system(&entry.system);
    let name = report::system_name(org, cat, &entry.system);
    let result = report::result_label(cat, Some(entry.result));
    let levels = org.check.incident_levels(entry.result);
    let by = org
        .operator(&entry.by)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| entry.by.clone());
    let at = entry
        .at
        .with_timezone(&org.time_zone)
        .format("%H:%M")
        .to_string();
    let mut description = cat.f(
        "check.incident.description",
        &[
            ("date", &date.format("%d/%m/%Y")),
            ("system", &name),
            ("result", &result),
            ("by", &by),
            ("at", &at),
        ],
    );
    for extra in [&entry.note, &entry.detail] {
        if !extra.trim().is_empty() {
            description.push_str("\n\n");
            description.push_str(extra.trim());
        }
    }
    let known = |list: &[crate::domain::org::Coded], id: &str| {
        list.iter().any(|c| c.id == id).then(|| id.to_string())
    };
    crate::domain::ticket::NewTicket {
        title: cat.f(
            "check.incident.title",
            &[("system", &name), ("result", &result)],
        ),
        description,
        kind: known(&org.kinds, "incident"),
        channel: known(&org.channels, "monitoring"),
        application: system.and_then(|s| s.application.clone()),
        impact: levels.map(|l| l.impact.clone()),
        urgency: levels.map(|l| l.urgency.clone()),
        group: system.map(|s| s.group.clone()),
        ..Default::default()
    }
}
