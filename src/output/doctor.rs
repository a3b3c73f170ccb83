//! `doctor`'s report and its three renderings: a table for people, one line per check for
//! pipes, JSON for scripts.

use std::io::{self, Write};

use serde::Serialize;

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
pub struct Report {
    pub healthy: bool,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failures(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .count()
    }
}

pub fn table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
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
    super::table::ascii_table(out, &["endpoint", "check", "result", "detail"], &rows)
}

/// One tab-separated line per check: endpoint, check, result, detail (and `fix: ...`).
pub fn simple(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for c in &report.checks {
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

pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::written;

    fn report() -> Report {
        Report {
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
            written(|out| simple(&report(), out)),
            "a:1\tdns\tok\tIP address\na:1\ttcp\tFAIL\tconnection refused\tfix: start etcd\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&written(|out| json(&report(), out))).unwrap();
        assert_eq!(v["healthy"], false);
        assert_eq!(v["checks"][1]["stage"], "tcp");
        assert_eq!(v["checks"][1]["verdict"], "fail");
        assert!(v["checks"][0].get("fix").is_none());
        let text = written(|out| table(&report(), out));
        assert!(text.contains("| ENDPOINT |"), "{text}");
        assert!(text.contains("fix: start etcd"), "{text}");
        assert_eq!(report().failures(), 1);
    }
}
