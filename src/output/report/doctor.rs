//! `doctor`'s report and its three renderings: a table for people, one line per check for
//! pipes, JSON for scripts.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::output::{PrintOptions, ResponseKind};

/// Probe stages in the order `doctor` runs them on each endpoint; `Cluster` compares members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Dns,
    Tcp,
    Tls,
    Protocol,
    Auth,
    Member,
    Clock,
    Cluster,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Tls => "tls",
            Stage::Protocol => "protocol",
            Stage::Auth => "auth",
            Stage::Member => "member",
            Stage::Clock => "clock",
            Stage::Cluster => "cluster",
        }
    }
}

/// `Warn` is worth knowing but works today (a learner, a DB at 80% of its quota, a skewed
/// clock); only `Fail` makes `doctor` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl Verdict {
    fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub endpoint: String,
    pub stage: Stage,
    pub verdict: Verdict,
    pub detail: String,
    /// What to do about it, for warnings and failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct DoctorReport {
    pub healthy: bool,
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count()
    }
}

impl Report for DoctorReport {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Report
    }

    /// One tab-separated line per check: endpoint, check, result, detail (and `fix: ...`).
    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        for c in &self.checks {
            write!(
                out,
                "{}\t{}\t{}\t{}",
                c.endpoint,
                c.stage.name(),
                c.verdict.name(),
                c.detail
            )?;
            if let Some(fix) = &c.fix {
                write!(out, "\tfix: {fix}")?;
            }
            writeln!(out)?;
        }
        Ok(())
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        writeln!(out)
    }

    /// A person at a terminal reads blocks; `-w table` asks for the grid.
    fn table(&self, out: &mut dyn Write, width: Option<u16>, for_terminal: bool) -> io::Result<()> {
        match (for_terminal, width) {
            (true, Some(width)) => blocks(self, width, out),
            _ => table(self, width, out),
        }
    }
}

/// `-w table`: a grid, fitted into `width` columns when stdout is a terminal.
fn table(report: &DoctorReport, width: Option<u16>, out: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<Vec<String>> = report
        .checks
        .iter()
        .map(|c| {
            let detail = match &c.fix {
                Some(fix) => format!("{}\nfix: {fix}", c.detail),
                None => c.detail.clone(),
            };
            vec![
                c.endpoint.clone(),
                c.stage.name().to_string(),
                c.verdict.name().to_string(),
                detail,
            ]
        })
        .collect();
    crate::output::table::report_table(
        out,
        &["endpoint", "check", "result", "detail"],
        &rows,
        width,
        0,
    )
}

/// What a person at a terminal `width` columns wide reads: one block per endpoint, its name
/// on a line of its own, then a line per check (result, check, detail and fix), everything
/// left-aligned and wrapped at spaces under the detail's column.
fn blocks(report: &DoctorReport, width: u16, out: &mut dyn Write) -> io::Result<()> {
    const RESULT: usize = 6;
    const CHECK: usize = 10;
    let indent = 2 + RESULT + CHECK;
    let room = (width as usize).saturating_sub(indent).max(20);
    let mut endpoints: Vec<&str> = Vec::new();
    for c in &report.checks {
        if !endpoints.contains(&c.endpoint.as_str()) {
            endpoints.push(&c.endpoint);
        }
    }
    for (i, endpoint) in endpoints.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{endpoint}")?;
        for c in report.checks.iter().filter(|c| c.endpoint == *endpoint) {
            let mut lines = wrap(&c.detail, room);
            if let Some(fix) = &c.fix {
                lines.extend(wrap(&format!("fix: {fix}"), room));
            }
            for (n, line) in lines.iter().enumerate() {
                if n == 0 {
                    writeln!(
                        out,
                        "  {:<RESULT$}{:<CHECK$}{line}",
                        c.verdict.name(),
                        c.stage.name()
                    )?;
                } else {
                    writeln!(out, "{:indent$}{line}", "")?;
                }
            }
        }
    }
    Ok(())
}

/// `text` in lines of at most `room` characters, broken at spaces; a word longer than a whole
/// line (a long URL) is cut, the only way it fits.
fn wrap(text: &str, room: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            let used = line.chars().count();
            if used > 0 && used + 1 + word.len() > room {
                lines.push(std::mem::take(&mut line));
            }
            while word.len() > room {
                let rest = word.split_off(room);
                lines.push(word.into_iter().collect());
                word = rest;
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.extend(word);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::written;

    fn report() -> DoctorReport {
        DoctorReport {
            healthy: false,
            checks: vec![
                Check {
                    endpoint: "a:1".into(),
                    stage: Stage::Dns,
                    verdict: Verdict::Ok,
                    detail: "IP address".into(),
                    fix: None,
                },
                Check {
                    endpoint: "a:1".into(),
                    stage: Stage::Tcp,
                    verdict: Verdict::Fail,
                    detail: "connection refused".into(),
                    fix: Some("start etcd".into()),
                },
            ],
        }
    }

    #[test]
    fn renderings() {
        assert_eq!(
            written(|out| report().simple(out, &PrintOptions::default())),
            "a:1\tdns\tok\tIP address\na:1\ttcp\tFAIL\tconnection refused\tfix: start etcd\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&written(|out| report().json(out))).unwrap();
        assert_eq!(v["healthy"], false);
        assert_eq!(v["checks"][1]["stage"], "tcp");
        assert_eq!(v["checks"][1]["verdict"], "fail");
        assert!(v["checks"][0].get("fix").is_none());
        let text = written(|out| table(&report(), None, out));
        assert!(text.contains("| ENDPOINT |"), "{text}");
        assert!(text.contains("fix: start etcd"), "{text}");
        assert_eq!(report().failures(), 1);
    }

    #[test]
    fn blocks_fit_the_width_and_break_at_spaces() {
        let mut report = report();
        report.checks[1].detail = "dial tcp 127.0.0.1:1: connect: connection refused; is etcd \
             running at 127.0.0.1:1? check --endpoints and the member's --listen-client-urls"
            .into();
        for width in [40u16, 80, 120] {
            let text = written(|out| blocks(&report, width, out));
            assert!(
                text.starts_with("a:1\n  ok    dns       IP address\n"),
                "{text}"
            );
            for line in text.lines() {
                assert!(line.chars().count() <= width as usize, "{width}: {line:?}");
            }
            let words: Vec<&str> = text.split_whitespace().collect();
            for word in ["connection", "--listen-client-urls", "fix:", "etcd"] {
                assert!(words.contains(&word), "{word} split at {width}:\n{text}");
            }
        }
        // The fixed columns take 29 of them; the detail wraps in the 40 left.
        let wide = written(|out| table(&report, Some(70), out));
        for line in wide.lines() {
            assert!(line.chars().count() <= 70, "{line:?}\n{wide}");
        }
    }
}
