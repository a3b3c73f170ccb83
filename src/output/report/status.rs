//! `status`'s view of the cluster (the survey `maintain` starts from too) and its renderings:
//! one comma-separated line per member, one JSON object, or a table. A member that did not
//! answer is a row with its error and empty figures.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::go::humanize_bytes;
use crate::output::cluster::alarm_name;
use crate::output::{EndpointHealth, PrintOptions, ResponseKind};
use crate::pb::etcdserverpb::StatusResponse;

/// The whole cluster: every member of the member list, as it answered.
#[derive(Debug, Clone, Default)]
pub struct ClusterView {
    pub cluster_id: u64,
    pub members: Vec<MemberState>,
}

/// One member: what the member list says of it, its status (or why there is none), its health
/// and its alarms.
#[derive(Debug, Clone)]
pub struct MemberState {
    pub name: String,
    pub id: u64,
    /// Its first client URL; empty for a member that has not started.
    pub endpoint: String,
    pub is_learner: bool,
    pub status: Result<StatusResponse, String>,
    pub health: EndpointHealth,
    /// Active alarms raised by this member (etcd's AlarmType numbers).
    pub alarms: Vec<i32>,
}

impl MemberState {
    /// Answers, serves reads, and has no alarm and no error in its status.
    pub fn healthy(&self) -> bool {
        self.health.health
            && self.alarms.is_empty()
            && self.status.as_ref().is_ok_and(|s| s.errors.is_empty())
    }

    /// Whether the member says it is the leader.
    pub fn is_leader(&self) -> bool {
        self.status
            .as_ref()
            .is_ok_and(|s| s.leader != 0 && s.leader == self.id)
    }

    /// The first thing wrong with the member, in words; empty when nothing is.
    pub fn error(&self) -> String {
        match &self.status {
            _ if !self.health.error.is_empty() => self.health.error.clone(),
            Err(e) => e.clone(),
            Ok(s) if !s.errors.is_empty() => s.errors.join("; "),
            _ if !self.alarms.is_empty() => format!("alarm {}", self.alarm_names()),
            _ => String::new(),
        }
    }

    pub fn alarm_names(&self) -> String {
        let names: Vec<String> = self.alarms.iter().map(|a| alarm_name(*a)).collect();
        names.join(" ")
    }

    /// The DB's physical size and the share of it in use.
    pub fn db_sizes(&self) -> Option<(u64, u64)> {
        let s = self.status.as_ref().ok()?;
        Some((s.db_size.max(0) as u64, s.db_size_in_use.max(0) as u64))
    }
}

impl ClusterView {
    pub fn healthy(&self) -> bool {
        self.members.iter().all(MemberState::healthy)
    }

    pub fn leader(&self) -> Option<&MemberState> {
        self.members.iter().find(|m| m.is_leader())
    }

    /// How many raft entries `member` has yet to apply of those the leader has (of the most
    /// advanced member's, while no leader answers).
    pub fn applied_lag(&self, member: &MemberState) -> Option<u64> {
        let applied = member.status.as_ref().ok()?.raft_applied_index;
        let head = match self.leader() {
            Some(leader) => leader.status.as_ref().ok()?.raft_index,
            None => self
                .members
                .iter()
                .filter_map(|m| m.status.as_ref().ok())
                .map(|s| s.raft_index)
                .max()?,
        };
        Some(head.saturating_sub(applied))
    }
}

impl Report for ClusterView {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Report
    }

    /// One comma-separated line per member, in [`COLUMNS`]' order (as `endpoint status` prints).
    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        for m in &self.members {
            writeln!(out, "{}", cells(self, m).join(", "))?;
        }
        Ok(())
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let json = JsonView {
            cluster_id: self.cluster_id,
            healthy: self.healthy(),
            members: self.members.iter().map(|m| json_member(self, m)).collect(),
        };
        serde_json::to_writer(&mut *out, &json)?;
        writeln!(out)
    }

    /// `width`: the terminal's, which the cells wrap to.
    fn table(&self, out: &mut dyn Write, width: Option<u16>, _: bool) -> io::Result<()> {
        let rows: Vec<Vec<String>> = self.members.iter().map(|m| cells(self, m)).collect();
        crate::output::table::report_table(out, &COLUMNS, &rows, width, 0)
    }
}

const COLUMNS: [&str; 16] = [
    "name",
    "id",
    "endpoint",
    "leader",
    "learner",
    "version",
    "db size",
    "in use",
    "quota",
    "raft term",
    "raft index",
    "applied (lag)",
    "alarms",
    "health",
    "took",
    "error",
];

/// A member's cells in [`COLUMNS`]' order; figures a member did not give are empty.
fn size(n: i64) -> String {
    humanize_bytes(n.max(0) as u64)
}

fn cells(view: &ClusterView, m: &MemberState) -> Vec<String> {
    let figures = |f: fn(&StatusResponse) -> String| m.status.as_ref().map(f).unwrap_or_default();
    let applied = match (&m.status, view.applied_lag(m)) {
        (Ok(s), Some(lag)) => format!("{} ({lag})", s.raft_applied_index),
        _ => String::new(),
    };
    vec![
        m.name.clone(),
        format!("{:x}", m.id),
        m.endpoint.clone(),
        m.is_leader().to_string(),
        m.is_learner.to_string(),
        figures(|s| s.version.clone()),
        figures(|s| size(s.db_size)),
        figures(|s| size(s.db_size_in_use)),
        // Only etcd >= 3.6 reports its quota.
        figures(|s| match s.db_size_quota {
            0 => String::new(),
            q => size(q),
        }),
        figures(|s| s.raft_term.to_string()),
        figures(|s| s.raft_index.to_string()),
        applied,
        m.alarm_names(),
        if m.healthy() { "healthy" } else { "unhealthy" }.to_string(),
        m.health.took.clone(),
        m.error(),
    ]
}

#[derive(Serialize)]
struct JsonMember<'a> {
    name: &'a str,
    id: u64,
    endpoint: &'a str,
    leader: bool,
    learner: bool,
    version: Option<&'a str>,
    db_size: Option<i64>,
    db_size_in_use: Option<i64>,
    db_size_quota: Option<i64>,
    raft_term: Option<u64>,
    raft_index: Option<u64>,
    raft_applied_index: Option<u64>,
    applied_lag: Option<u64>,
    alarms: Vec<String>,
    healthy: bool,
    took: &'a str,
    error: String,
}

#[derive(Serialize)]
struct JsonView<'a> {
    cluster_id: u64,
    healthy: bool,
    members: Vec<JsonMember<'a>>,
}

fn json_member<'a>(view: &ClusterView, m: &'a MemberState) -> JsonMember<'a> {
    let s = m.status.as_ref().ok();
    JsonMember {
        name: &m.name,
        id: m.id,
        endpoint: &m.endpoint,
        leader: m.is_leader(),
        learner: m.is_learner,
        version: s.map(|s| s.version.as_str()),
        db_size: s.map(|s| s.db_size),
        db_size_in_use: s.map(|s| s.db_size_in_use),
        db_size_quota: s.map(|s| s.db_size_quota).filter(|q| *q > 0),
        raft_term: s.map(|s| s.raft_term),
        raft_index: s.map(|s| s.raft_index),
        raft_applied_index: s.map(|s| s.raft_applied_index),
        applied_lag: view.applied_lag(m),
        alarms: m.alarms.iter().map(|a| alarm_name(*a)).collect(),
        healthy: m.healthy(),
        took: &m.health.took,
        error: m.error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::etcdserverpb::ResponseHeader;

    fn member(name: &str, id: u64, status: Result<StatusResponse, String>) -> MemberState {
        let ok = status.is_ok();
        MemberState {
            name: name.into(),
            id,
            endpoint: format!("http://{name}:2379"),
            is_learner: false,
            status,
            health: EndpointHealth {
                endpoint: format!("http://{name}:2379"),
                health: ok,
                took: if ok { "1ms".into() } else { String::new() },
                error: if ok { String::new() } else { "down".into() },
            },
            alarms: Vec::new(),
        }
    }

    fn status(id: u64, leader: u64, index: u64, applied: u64) -> StatusResponse {
        StatusResponse {
            header: Some(ResponseHeader {
                member_id: id,
                ..Default::default()
            }),
            version: "3.4.23".into(),
            db_size: 20480,
            db_size_in_use: 16384,
            leader,
            raft_term: 2,
            raft_index: index,
            raft_applied_index: applied,
            ..Default::default()
        }
    }

    fn view() -> ClusterView {
        let mut learner = member("c", 0xc, Ok(status(0xc, 0xa, 9, 7)));
        learner.is_learner = true;
        learner.alarms = vec![1];
        ClusterView {
            cluster_id: 7,
            members: vec![
                member("a", 0xa, Ok(status(0xa, 0xa, 10, 10))),
                member("b", 0xb, Err("connection refused".into())),
                learner,
            ],
        }
    }

    #[test]
    fn simple_lines_keep_unreachable_members_and_measure_lag_from_the_leader() {
        let mut out = Vec::new();
        view().simple(&mut out, &PrintOptions::default()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a, a, http://a:2379, true, false, 3.4.23, 20 kB, 16 kB, , 2, 10, 10 (0), , healthy, 1ms, \n\
             b, b, http://b:2379, false, false, , , , , , , , , unhealthy, , down\n\
             c, c, http://c:2379, false, true, 3.4.23, 20 kB, 16 kB, , 2, 9, 7 (3), NOSPACE, unhealthy, 1ms, alarm NOSPACE\n"
        );
        assert!(!view().healthy());
    }

    #[test]
    fn on_a_terminal_only_the_error_column_wraps_to_the_width() {
        let mut v = view();
        v.members[1].health.error =
            "connection refused; is etcd running at b:2379? check it".into();
        let mut wide = Vec::new();
        v.table(&mut wide, None, false).unwrap();
        let wide = String::from_utf8(wide).unwrap();
        let longest = wide.lines().map(|l| l.chars().count()).max().unwrap();
        let mut narrow = Vec::new();
        v.table(&mut narrow, Some(longest as u16 - 20), false)
            .unwrap();
        let narrow = String::from_utf8(narrow).unwrap();
        assert!(
            narrow.lines().all(|l| l.chars().count() <= longest - 20),
            "{narrow}"
        );
        // The figures are whole; the error goes on over more lines.
        assert!(
            narrow.contains("| http://c:2379 |") && narrow.contains(" 7 (3) |"),
            "{narrow}"
        );
        assert!(narrow.lines().count() > wide.lines().count(), "{narrow}");
        // Too narrow to leave the error a readable column: nothing wraps.
        let mut cramped = Vec::new();
        v.table(&mut cramped, Some(40), false).unwrap();
        assert_eq!(String::from_utf8(cramped).unwrap(), wide);
    }

    #[test]
    fn json_has_nulls_for_what_an_unreachable_member_did_not_say() {
        let mut out = Vec::new();
        view().json(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["healthy"], false);
        assert_eq!(v["members"][0]["leader"], true);
        assert_eq!(v["members"][1]["db_size"], serde_json::Value::Null);
        assert_eq!(v["members"][1]["error"], "down");
        assert_eq!(v["members"][2]["applied_lag"], 3);
        assert_eq!(v["members"][2]["alarms"][0], "NOSPACE");
    }
}
