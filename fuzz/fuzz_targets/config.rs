//! `hotro::config::parse` on arbitrary text and on mutations of the shipped default.
//!
//! Input: first byte even = the rest is the config text as is (invalid UTF-8 replaced);
//! odd = the rest is a list of edits applied to `hotro::config::EMBEDDED`, 4 bytes each
//! (op, line index as u16, payload length), each followed by its payload bytes.
//!
//! Checks: no panic; every `ConfigError::Invalid` with a line names a line of the text
//! (1..=lines+1, where the +1 is the empty line after a final newline / end of file); the
//! error message renders; a config that parses parses again to the same organisation, has a
//! priority for every impact × urgency and for the defaults, and its intake group exists.
#![no_main]

use hotro::config::{ConfigError, EMBEDDED, Source, parse};
use libfuzzer_sys::fuzz_target;

fn mutate(edits: &[u8]) -> String {
    let mut lines: Vec<String> = EMBEDDED.lines().map(str::to_string).collect();
    let mut rest = edits;
    while rest.len() >= 4 && !lines.is_empty() {
        let op = rest[0];
        let at = u16::from_le_bytes([rest[1], rest[2]]) as usize % lines.len();
        let n = (rest[3] as usize).min(rest.len() - 4);
        let payload = String::from_utf8_lossy(&rest[4..4 + n]).into_owned();
        rest = &rest[4 + n..];
        match op % 8 {
            0 => {
                lines.remove(at);
            }
            1 => {
                let l = lines[at].clone();
                lines.insert(at, l);
            }
            2 => lines[at] = payload,
            3 => lines.insert(at, payload),
            4 => {
                // Move the line elsewhere (payload length picks where).
                let l = lines.remove(at);
                let to = n % (lines.len() + 1);
                lines.insert(to, l);
            }
            5 => {
                // Change the value of a `key = value` line.
                let key = lines[at].split('=').next().unwrap_or("").to_string();
                lines[at] = format!("{}= {payload}", key);
            }
            6 => {
                // Cut the line short (at a character boundary).
                let l = &lines[at];
                let cut = l
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(n)
                    .unwrap_or(l.len());
                lines[at] = l[..cut].to_string();
            }
            _ => {
                // Append the payload to the line.
                lines[at].push_str(&payload);
            }
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        mutate(rest)
    };
    let newlines = text.matches('\n').count();
    match parse(&text, Source::Embedded) {
        Ok(config) => {
            let again = parse(&text, Source::Embedded).expect("parsed once, fails the second time");
            assert_eq!(format!("{:?}", again.org), format!("{:?}", config.org));
            // A config that passes the checks gives every impact × urgency a priority, and
            // the defaults for a new ticket have one too.
            let org = &config.org;
            let m = &org.priority;
            for i in &m.impact {
                for u in &m.urgency {
                    assert!(
                        m.priority(&i.id, &u.id).is_some(),
                        "no priority for impact {} × urgency {}",
                        i.id,
                        u.id
                    );
                }
            }
            assert!(
                m.priority(&org.default_impact, &org.default_urgency).is_some(),
                "the default impact/urgency have no priority"
            );
            assert!(org.group(&org.intake_group).is_some(), "the intake group is not defined");
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.is_empty());
            match e {
                ConfigError::Invalid { line: Some(line), .. } => assert!(
                    (1..=newlines + 1).contains(&line),
                    "line {line} outside 1..={} in {shown}",
                    newlines + 1
                ),
                ConfigError::Invalid { line: None, .. } => {}
                ConfigError::Read { .. } => panic!("parse reported a read error: {shown}"),
            }
        }
    }
});
