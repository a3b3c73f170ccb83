//! Printers for cluster maintenance: member, endpoint, alarm, move-leader and downgrade
//! responses, each format in its section below; protobuf writes each message as it is, and
//! what a format cannot print is refused by the trait's defaults (see
//! [`Format::supports`](super::Format::supports)).

use std::io;

use super::fields::FieldsPrinter;
use super::json::{JsonPrinter, Object, header, object};
use super::simple::SimplePrinter;
use super::table::{TablePrinter, ascii_table};
use super::{Fallback, ResponseKind};
use crate::go::{self, humanize_bytes};
use crate::pb::etcdserverpb::{
    AlarmMember, AlarmResponse, DowngradeResponse, HashKvResponse, Member, MemberAddResponse,
    MemberListResponse, MemberPromoteResponse, MemberRemoveResponse, MemberUpdateResponse,
    MoveLeaderResponse, ResponseHeader, StatusResponse,
};

/// One endpoint's answer to `endpoint health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointHealth {
    pub endpoint: String,
    pub health: bool,
    /// How long the check took, in Go's notation (`1.2ms`); empty when no request was sent.
    pub took: String,
    pub error: String,
}

/// The member `member add` asked for, as the command line named it: the simple format prints
/// the `ETCD_*` lines to start it with, which the response alone cannot give (it holds no name
/// for the new member).
#[derive(Debug, Clone, Copy, Default)]
pub struct NewMember<'a> {
    pub name: &'a str,
    pub peer_urls: &'a str,
}

/// One endpoint's answer to `endpoint status`.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStatus {
    pub endpoint: String,
    pub status: StatusResponse,
}

/// One endpoint's answer to `endpoint hashkv`.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointHash {
    pub endpoint: String,
    pub hash: HashKvResponse,
}

pub trait ClusterPrinter: Fallback {
    fn member_add(&mut self, _new: NewMember, resp: &MemberAddResponse) -> io::Result<()> {
        self.fallback(ResponseKind::MemberChange, Some(resp))
    }
    fn member_remove(&mut self, _id: u64, resp: &MemberRemoveResponse) -> io::Result<()> {
        self.fallback(ResponseKind::MemberChange, Some(resp))
    }
    fn member_update(&mut self, _id: u64, resp: &MemberUpdateResponse) -> io::Result<()> {
        self.fallback(ResponseKind::MemberChange, Some(resp))
    }
    fn member_promote(&mut self, _id: u64, resp: &MemberPromoteResponse) -> io::Result<()> {
        self.fallback(ResponseKind::MemberChange, Some(resp))
    }
    fn member_list(&mut self, resp: &MemberListResponse) -> io::Result<()> {
        self.fallback(ResponseKind::MemberList, Some(resp))
    }
    // etcdctl's endpoint results are its own structs, which no format marshals as protobuf.
    fn endpoint_health(&mut self, _list: &[EndpointHealth]) -> io::Result<()> {
        self.fallback(ResponseKind::Endpoint, None)
    }
    fn endpoint_status(&mut self, _list: &[EndpointStatus]) -> io::Result<()> {
        self.fallback(ResponseKind::Endpoint, None)
    }
    fn endpoint_hash(&mut self, _list: &[EndpointHash]) -> io::Result<()> {
        self.fallback(ResponseKind::Endpoint, None)
    }
    fn move_leader(
        &mut self,
        _leader: u64,
        _target: u64,
        resp: &MoveLeaderResponse,
    ) -> io::Result<()> {
        self.fallback(ResponseKind::MoveLeader, Some(resp))
    }
    fn alarm(&mut self, resp: &AlarmResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Alarm, Some(resp))
    }
    /// `action` is the word etcdctl 3.6 prints in its success line (`validate`, `enable`,
    /// `cancel`).
    fn downgrade(&mut self, _action: &str, resp: &DowngradeResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Downgrade, Some(resp))
    }
}

/// etcd's alarm names (`pb.AlarmType.String()`), the number for unknown ones.
pub(super) fn alarm_name(alarm: i32) -> String {
    match alarm {
        0 => "NONE".into(),
        1 => "NOSPACE".into(),
        2 => "CORRUPT".into(),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Printer;
    use crate::output::protobuf::fixtures;
    use crate::pb::etcdserverpb::{Member, ResponseHeader};

    fn list() -> MemberListResponse {
        MemberListResponse {
            header: Some(ResponseHeader {
                cluster_id: 7801232528081817440,
                member_id: 13458989633860879742,
                revision: 0,
                raft_term: 2,
            }),
            members: vec![Member {
                id: 13458989633860879742,
                name: "default".into(),
                peer_ur_ls: vec!["http://127.0.0.1:23792".into()],
                client_ur_ls: vec!["http://127.0.0.1:23791".into()],
                is_learner: false,
            }],
        }
    }

    fn render(f: impl FnOnce(&mut dyn Printer) -> io::Result<()>, format: &str) -> String {
        let format = format.parse().unwrap();
        String::from_utf8(fixtures::render(format, Default::default(), f)).unwrap()
    }

    // Expected output captured from etcdctl 3.4.23 against a one-member etcd 3.4.23.
    #[test]
    fn member_list_in_every_text_format() {
        let resp = list();
        assert_eq!(
            render(|p| p.member_list(&resp), "simple"),
            "bac7efc361f1457e, started, default, http://127.0.0.1:23792, http://127.0.0.1:23791, false\n"
        );
        assert_eq!(
            render(|p| p.member_list(&resp), "json"),
            concat!(
                r#"{"header":{"cluster_id":7801232528081817440,"member_id":13458989633860879742,"raft_term":2},"#,
                r#""members":[{"ID":13458989633860879742,"name":"default","peerURLs":["http://127.0.0.1:23792"],"clientURLs":["http://127.0.0.1:23791"]}]}"#,
                "\n"
            )
        );
        assert_eq!(
            render(|p| p.member_list(&resp), "fields"),
            concat!(
                "\"ClusterID\" : 7801232528081817440\n\"MemberID\" : 13458989633860879742\n",
                "\"Revision\" : 0\n\"RaftTerm\" : 2\n\"ID\" : 13458989633860879742\n",
                "\"Name\" : \"default\"\n\"PeerURL\" : \"http://127.0.0.1:23792\"\n",
                "\"ClientURL\" : \"http://127.0.0.1:23791\"\n\"IsLearner\" : false\n\n"
            )
        );
        assert_eq!(
            render(|p| p.member_list(&resp), "table"),
            concat!(
                "+------------------+---------+---------+------------------------+------------------------+------------+\n",
                "|        ID        | STATUS  |  NAME   |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |\n",
                "+------------------+---------+---------+------------------------+------------------------+------------+\n",
                "| bac7efc361f1457e | started | default | http://127.0.0.1:23792 | http://127.0.0.1:23791 |      false |\n",
                "+------------------+---------+---------+------------------------+------------------------+------------+\n",
            )
        );
    }

    /// etcd >= 3.6 sends `hash_revision`: JSON shows it (as etcdctl 3.6's does), the other
    /// formats keep etcdctl 3.4's columns; a server that sends none prints 3.4's bytes.
    #[test]
    fn hashkv_hash_revision_only_in_json() {
        let hash = |hash_revision| {
            vec![EndpointHash {
                endpoint: "127.0.0.1:2379".into(),
                hash: HashKvResponse {
                    header: Some(ResponseHeader {
                        cluster_id: 1,
                        member_id: 2,
                        revision: 9,
                        raft_term: 3,
                    }),
                    hash: 1084519789,
                    compact_revision: 4,
                    hash_revision,
                },
            }]
        };
        let header = r#"{"cluster_id":1,"member_id":2,"revision":9,"raft_term":3}"#;
        assert_eq!(
            render(|p| p.endpoint_hash(&hash(9)), "json"),
            format!(
                "[{{\"Endpoint\":\"127.0.0.1:2379\",\"HashKV\":{{\"header\":{header},\"hash\":1084519789,\"compact_revision\":4,\"hash_revision\":9}}}}]\n"
            )
        );
        assert_eq!(
            render(|p| p.endpoint_hash(&hash(0)), "json"),
            format!(
                "[{{\"Endpoint\":\"127.0.0.1:2379\",\"HashKV\":{{\"header\":{header},\"hash\":1084519789,\"compact_revision\":4}}}}]\n"
            )
        );
        for format in ["simple", "table", "fields"] {
            assert_eq!(
                render(|p| p.endpoint_hash(&hash(9)), format),
                render(|p| p.endpoint_hash(&hash(0)), format),
                "{format}"
            );
        }
        assert_eq!(
            render(|p| p.endpoint_hash(&hash(9)), "simple"),
            "127.0.0.1:2379, 1084519789\n"
        );
    }

    #[test]
    fn endpoint_tables_and_lines() {
        let health = vec![EndpointHealth {
            endpoint: "127.0.0.1:31791".into(),
            health: true,
            took: "1.304416ms".into(),
            error: String::new(),
        }];
        assert_eq!(
            render(|p| p.endpoint_health(&health), "table"),
            concat!(
                "+-----------------+--------+------------+-------+\n",
                "|    ENDPOINT     | HEALTH |    TOOK    | ERROR |\n",
                "+-----------------+--------+------------+-------+\n",
                "| 127.0.0.1:31791 |   true | 1.304416ms |       |\n",
                "+-----------------+--------+------------+-------+\n",
            )
        );
        assert_eq!(
            render(|p| p.endpoint_health(&health), "json"),
            "[{\"endpoint\":\"127.0.0.1:31791\",\"health\":true,\"took\":\"1.304416ms\"}]\n"
        );
        let status = vec![EndpointStatus {
            endpoint: "127.0.0.1:31791".into(),
            status: StatusResponse {
                header: Some(ResponseHeader {
                    cluster_id: 10467661413407066551,
                    member_id: 6525594906366417942,
                    revision: 1,
                    raft_term: 2,
                }),
                version: "3.4.23".into(),
                db_size: 20480,
                leader: 6525594906366417942,
                raft_index: 7,
                raft_term: 2,
                raft_applied_index: 7,
                db_size_in_use: 16384,
                ..Default::default()
            },
        }];
        assert_eq!(
            render(|p| p.endpoint_status(&status), "simple"),
            "127.0.0.1:31791, 5a8f91fe46119c16, 3.4.23, 20 kB, true, false, 2, 7, 7, \n"
        );
        assert_eq!(
            render(|p| p.endpoint_status(&status), "table"),
            concat!(
                "+-----------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+\n",
                "|    ENDPOINT     |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |\n",
                "+-----------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+\n",
                "| 127.0.0.1:31791 | 5a8f91fe46119c16 |  3.4.23 |   20 kB |      true |      false |         2 |          7 |                  7 |        |\n",
                "+-----------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+\n",
            )
        );
        assert_eq!(
            render(|p| p.endpoint_status(&status), "json"),
            concat!(
                r#"[{"Endpoint":"127.0.0.1:31791","Status":{"header":{"cluster_id":10467661413407066551,"member_id":6525594906366417942,"revision":1,"raft_term":2},"#,
                r#""version":"3.4.23","dbSize":20480,"leader":6525594906366417942,"raftIndex":7,"raftTerm":2,"raftAppliedIndex":7,"dbSizeInUse":16384}}]"#,
                "\n"
            )
        );
    }

    #[test]
    fn empty_lists() {
        assert_eq!(render(|p| p.endpoint_hash(&[]), "json"), "[]\n");
        assert_eq!(render(|p| p.endpoint_hash(&[]), "simple"), "");
        assert_eq!(
            render(|p| p.alarm(&AlarmResponse::default()), "json"),
            "{}\n"
        );
    }

    /// etcdctl 3.6's lines (not runnable here: our server is 3.4).
    #[test]
    fn downgrade_success() {
        let resp = DowngradeResponse {
            header: None,
            version: "3.5.0".into(),
        };
        assert_eq!(
            render(|p| p.downgrade("validate", &resp), "simple"),
            "Downgrade validate success, cluster version 3.5.0\n"
        );
        assert_eq!(
            render(|p| p.downgrade("validate", &resp), "json"),
            "{\"version\":\"3.5.0\"}\n"
        );
    }
}

// The rows of member and endpoint responses, shared by the simple format (one
// comma-separated line per row) and the table format.

/// A table's header and its rows.
pub(super) type Rows = (Vec<&'static str>, Vec<Vec<String>>);

pub(super) fn member_rows(resp: &MemberListResponse) -> Rows {
    let header = vec![
        "ID",
        "Status",
        "Name",
        "Peer Addrs",
        "Client Addrs",
        "Is Learner",
    ];
    let rows = resp
        .members
        .iter()
        .map(|m| {
            vec![
                format!("{:x}", m.id),
                if m.name.is_empty() {
                    "unstarted"
                } else {
                    "started"
                }
                .to_string(),
                m.name.clone(),
                m.peer_ur_ls.join(","),
                m.client_ur_ls.join(","),
                m.is_learner.to_string(),
            ]
        })
        .collect();
    (header, rows)
}

pub(super) fn health_rows(list: &[EndpointHealth]) -> Rows {
    let rows = list
        .iter()
        .map(|h| {
            vec![
                h.endpoint.clone(),
                h.health.to_string(),
                h.took.clone(),
                h.error.clone(),
            ]
        })
        .collect();
    (vec!["endpoint", "health", "took", "error"], rows)
}

pub(super) fn status_rows(list: &[EndpointStatus]) -> Rows {
    let header = vec![
        "endpoint",
        "ID",
        "version",
        "db size",
        "is leader",
        "is learner",
        "raft term",
        "raft index",
        "raft applied index",
        "errors",
    ];
    let rows = list
        .iter()
        .map(|s| {
            let r = &s.status;
            let member_id = r.header.map(|h| h.member_id).unwrap_or_default();
            vec![
                s.endpoint.clone(),
                format!("{member_id:x}"),
                r.version.clone(),
                humanize_bytes(r.db_size as u64),
                (r.leader == member_id).to_string(),
                r.is_learner.to_string(),
                r.raft_term.to_string(),
                r.raft_index.to_string(),
                r.raft_applied_index.to_string(),
                r.errors.join(", "),
            ]
        })
        .collect();
    (header, rows)
}

pub(super) fn hash_rows(list: &[EndpointHash]) -> Rows {
    let rows = list
        .iter()
        .map(|h| vec![h.endpoint.clone(), h.hash.hash.to_string()])
        .collect();
    (vec!["endpoint", "hash"], rows)
}

// -w simple: etcdctl's sentences, and one comma-separated line per member or endpoint.

fn simple_alarm_line(a: &AlarmMember) -> String {
    // `%+v` of the gogo message: its compact text form.
    let mut s = String::new();
    if a.member_id != 0 {
        s.push_str(&format!("memberID:{} ", a.member_id));
    }
    if a.alarm != 0 {
        s.push_str(&format!("alarm:{} ", alarm_name(a.alarm)));
    }
    s
}

/// The `ETCD_*` lines etcdctl prints after adding a member, for starting it.
fn new_member_env(new: NewMember, resp: &MemberAddResponse) -> String {
    let new_id = resp.member.as_ref().map(|m| m.id);
    let mut conf = Vec::new();
    for m in &resp.members {
        for u in &m.peer_ur_ls {
            let n = if Some(m.id) == new_id {
                new.name
            } else {
                &m.name
            };
            conf.push(format!("{n}={u}"));
        }
    }
    format!(
        "\nETCD_NAME={}\nETCD_INITIAL_CLUSTER={}\nETCD_INITIAL_ADVERTISE_PEER_URLS={}\nETCD_INITIAL_CLUSTER_STATE=\"existing\"\n",
        go::quote(new.name.as_bytes()),
        go::quote(conf.join(",").as_bytes()),
        go::quote(new.peer_urls.as_bytes()),
    )
}

impl SimplePrinter<'_> {
    /// etcdctl's line for a member change: `what` is `added to`, `removed from`, ...
    fn member_change(&mut self, id: u64, what: &str, h: Option<&ResponseHeader>) -> io::Result<()> {
        let cluster = h.map(|h| h.cluster_id).unwrap_or_default();
        writeln!(self.out, "Member {id:16x} {what} cluster {cluster:16x}")
    }
}

impl ClusterPrinter for SimplePrinter<'_> {
    fn member_add(&mut self, new: NewMember, resp: &MemberAddResponse) -> io::Result<()> {
        let id = resp.member.as_ref().map(|m| m.id).unwrap_or_default();
        self.member_change(id, "added to", resp.header.as_ref())?;
        self.out.write_all(new_member_env(new, resp).as_bytes())
    }

    fn member_remove(&mut self, id: u64, resp: &MemberRemoveResponse) -> io::Result<()> {
        self.member_change(id, "removed from", resp.header.as_ref())
    }

    fn member_update(&mut self, id: u64, resp: &MemberUpdateResponse) -> io::Result<()> {
        self.member_change(id, "updated in", resp.header.as_ref())
    }

    fn member_promote(&mut self, id: u64, resp: &MemberPromoteResponse) -> io::Result<()> {
        self.member_change(id, "promoted in", resp.header.as_ref())
    }

    fn member_list(&mut self, resp: &MemberListResponse) -> io::Result<()> {
        self.comma_lines(&member_rows(resp).1)
    }

    /// etcdctl 3.4 writes these lines to stderr; ectl writes them to stdout, where a script
    /// can read them (see the README's deliberate differences).
    fn endpoint_health(&mut self, list: &[EndpointHealth]) -> io::Result<()> {
        let mut buf = String::new();
        for h in list {
            if h.error.is_empty() {
                buf.push_str(&format!(
                    "{} is healthy: successfully committed proposal: took = {}\n",
                    h.endpoint, h.took
                ));
            } else {
                buf.push_str(&format!(
                    "{} is unhealthy: failed to commit proposal: {}\n",
                    h.endpoint, h.error
                ));
            }
        }
        self.out.write_all(buf.as_bytes())
    }

    fn endpoint_status(&mut self, list: &[EndpointStatus]) -> io::Result<()> {
        self.comma_lines(&status_rows(list).1)
    }

    fn endpoint_hash(&mut self, list: &[EndpointHash]) -> io::Result<()> {
        self.comma_lines(&hash_rows(list).1)
    }

    fn move_leader(&mut self, leader: u64, target: u64, _: &MoveLeaderResponse) -> io::Result<()> {
        writeln!(
            self.out,
            "Leadership transferred from {leader:x} to {target:x}"
        )
    }

    fn alarm(&mut self, resp: &AlarmResponse) -> io::Result<()> {
        let mut buf = String::new();
        for a in &resp.alarms {
            buf.push_str(&simple_alarm_line(a));
            buf.push('\n');
        }
        self.out.write_all(buf.as_bytes())
    }

    fn downgrade(&mut self, action: &str, resp: &DowngradeResponse) -> io::Result<()> {
        writeln!(
            self.out,
            "Downgrade {action} success, cluster version {}",
            resp.version
        )
    }
}

#[cfg(test)]
mod new_member_tests {
    use super::*;
    use crate::pb::etcdserverpb::Member;

    #[test]
    fn env_lines_name_the_new_member() {
        let resp = MemberAddResponse {
            header: None,
            member: Some(Member {
                id: 2,
                peer_ur_ls: vec!["http://b:2380".into()],
                ..Default::default()
            }),
            members: vec![
                Member {
                    id: 1,
                    name: "a".into(),
                    peer_ur_ls: vec!["http://a:2380".into()],
                    ..Default::default()
                },
                Member {
                    id: 2,
                    peer_ur_ls: vec!["http://b:2380".into()],
                    ..Default::default()
                },
            ],
        };
        assert_eq!(
            new_member_env(
                NewMember {
                    name: "b",
                    peer_urls: "http://b:2380"
                },
                &resp
            ),
            "\nETCD_NAME=\"b\"\nETCD_INITIAL_CLUSTER=\"a=http://a:2380,b=http://b:2380\"\nETCD_INITIAL_ADVERTISE_PEER_URLS=\"http://b:2380\"\nETCD_INITIAL_CLUSTER_STATE=\"existing\"\n"
        );
    }
}

// -w json: etcd's messages through Go's `encoding/json`, and etcdctl's own endpoint structs
// as top-level arrays.

fn json_member(o: &mut Object, m: &Member) {
    o.scalar("ID", m.id);
    if !m.name.is_empty() {
        o.raw("name", &go::json_string(m.name.as_bytes()));
    }
    if !m.peer_ur_ls.is_empty() {
        o.raw("peerURLs", &go::json_strings(&m.peer_ur_ls));
    }
    if !m.client_ur_ls.is_empty() {
        o.raw("clientURLs", &go::json_strings(&m.client_ur_ls));
    }
    o.scalar("isLearner", m.is_learner);
}

fn json_status(o: &mut Object, r: &StatusResponse) {
    header(o, &r.header);
    if !r.version.is_empty() {
        o.raw("version", &go::json_string(r.version.as_bytes()));
    }
    o.scalar("dbSize", r.db_size);
    o.scalar("leader", r.leader);
    o.scalar("raftIndex", r.raft_index);
    o.scalar("raftTerm", r.raft_term);
    o.scalar("raftAppliedIndex", r.raft_applied_index);
    if !r.errors.is_empty() {
        o.raw("errors", &go::json_strings(&r.errors));
    }
    o.scalar("dbSizeInUse", r.db_size_in_use);
    o.scalar("isLearner", r.is_learner);
}

fn json_hash(o: &mut Object, r: &HashKvResponse) {
    header(o, &r.header);
    o.scalar("hash", r.hash);
    o.scalar("compact_revision", r.compact_revision);
    // etcd >= 3.6 only; Go leaves out the zero that older servers mean by sending nothing.
    o.scalar("hash_revision", r.hash_revision);
}

impl JsonPrinter<'_> {
    /// A top-level JSON array of objects (`[]` when empty, as etcdctl's non-nil slices).
    fn array<T>(&mut self, items: &[T], fields: impl Fn(&mut Object, &T)) -> io::Result<()> {
        let mut buf = vec![b'['];
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            object(&mut buf, |o| fields(o, item));
        }
        buf.extend_from_slice(b"]\n");
        self.out.write_all(&buf)
    }
}

impl ClusterPrinter for JsonPrinter<'_> {
    fn member_add(&mut self, _new: NewMember, resp: &MemberAddResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            if let Some(m) = &resp.member {
                o.object("member", |o| json_member(o, m));
            }
            o.list("members", &resp.members, json_member);
        })
    }

    fn member_remove(&mut self, _: u64, resp: &MemberRemoveResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            o.list("members", &resp.members, json_member);
        })
    }

    fn member_update(&mut self, _: u64, resp: &MemberUpdateResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            o.list("members", &resp.members, json_member);
        })
    }

    fn member_promote(&mut self, _: u64, resp: &MemberPromoteResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            o.list("members", &resp.members, json_member);
        })
    }

    fn member_list(&mut self, resp: &MemberListResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            o.list("members", &resp.members, json_member);
        })
    }

    fn endpoint_health(&mut self, list: &[EndpointHealth]) -> io::Result<()> {
        self.array(list, |o, h| {
            o.raw("endpoint", &go::json_string(h.endpoint.as_bytes()));
            o.raw("health", if h.health { "true" } else { "false" });
            o.raw("took", &go::json_string(h.took.as_bytes()));
            if !h.error.is_empty() {
                o.raw("error", &go::json_string(h.error.as_bytes()));
            }
        })
    }

    fn endpoint_status(&mut self, list: &[EndpointStatus]) -> io::Result<()> {
        self.array(list, |o, s| {
            o.raw("Endpoint", &go::json_string(s.endpoint.as_bytes()));
            o.object("Status", |o| json_status(o, &s.status));
        })
    }

    fn endpoint_hash(&mut self, list: &[EndpointHash]) -> io::Result<()> {
        self.array(list, |o, h| {
            o.raw("Endpoint", &go::json_string(h.endpoint.as_bytes()));
            o.object("HashKV", |o| json_hash(o, &h.hash));
        })
    }

    fn move_leader(&mut self, _: u64, _: u64, resp: &MoveLeaderResponse) -> io::Result<()> {
        self.print(|o| header(o, &resp.header))
    }

    fn alarm(&mut self, resp: &AlarmResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            o.list("alarms", &resp.alarms, |o, a| {
                o.scalar("memberID", a.member_id);
                o.scalar("alarm", a.alarm);
            });
        })
    }

    fn downgrade(&mut self, _: &str, resp: &DowngradeResponse) -> io::Result<()> {
        self.print(|o| {
            header(o, &resp.header);
            if !resp.version.is_empty() {
                o.raw("version", &go::json_string(resp.version.as_bytes()));
            }
        })
    }
}

// -w fields: one `"Name" : value` line per field.

impl ClusterPrinter for FieldsPrinter<'_> {
    fn member_list(&mut self, resp: &MemberListResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        let mut buf = String::new();
        for m in &resp.members {
            buf.push_str(&format!("\"ID\" : {}\n", m.id));
            buf.push_str(&format!("\"Name\" : {}\n", go::quote(m.name.as_bytes())));
            for u in &m.peer_ur_ls {
                buf.push_str(&format!("\"PeerURL\" : {}\n", go::quote(u.as_bytes())));
            }
            for u in &m.client_ur_ls {
                buf.push_str(&format!("\"ClientURL\" : {}\n", go::quote(u.as_bytes())));
            }
            buf.push_str(&format!("\"IsLearner\" : {}\n\n", m.is_learner));
        }
        self.out.write_all(buf.as_bytes())
    }

    fn endpoint_health(&mut self, list: &[EndpointHealth]) -> io::Result<()> {
        let mut buf = String::new();
        for h in list {
            buf.push_str(&format!(
                "\"Endpoint\" : {}\n\"Health\" : {}\n\"Took\" : {}\n\"Error\" : {}\n\n",
                go::quote(h.endpoint.as_bytes()),
                h.health,
                h.took,
                h.error
            ));
        }
        self.out.write_all(buf.as_bytes())
    }

    fn endpoint_status(&mut self, list: &[EndpointStatus]) -> io::Result<()> {
        for s in list {
            let r = &s.status;
            self.hdr(r.header.as_ref())?;
            let text = format!(
                concat!(
                    "\"Version\" : {}\n\"DBSize\" : {}\n\"Leader\" : {}\n\"IsLearner\" : {}\n",
                    "\"RaftIndex\" : {}\n\"RaftTerm\" : {}\n\"RaftAppliedIndex\" : {}\n",
                    "\"Errors\" : [{}]\n\"Endpoint\" : {}\n\n"
                ),
                go::quote(r.version.as_bytes()),
                r.db_size,
                r.leader,
                r.is_learner,
                r.raft_index,
                r.raft_term,
                r.raft_applied_index,
                r.errors.join(" "),
                go::quote(s.endpoint.as_bytes()),
            );
            self.out.write_all(text.as_bytes())?;
        }
        Ok(())
    }

    fn endpoint_hash(&mut self, list: &[EndpointHash]) -> io::Result<()> {
        for h in list {
            self.hdr(h.hash.header.as_ref())?;
            let text = format!(
                "\"Endpoint\" : {}\n\"Hash\" : {}\n\n",
                go::quote(h.endpoint.as_bytes()),
                h.hash.hash
            );
            self.out.write_all(text.as_bytes())?;
        }
        Ok(())
    }

    /// etcd 3.4 sends no header with alarm responses, and etcdctl 3.4 crashes on that; the
    /// header prints as zeros here.
    fn alarm(&mut self, resp: &AlarmResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        let mut buf = String::new();
        for a in &resp.alarms {
            buf.push_str(&format!(
                "\"MemberID\" : {}\n\"AlarmType\" : {}\n\n",
                a.member_id,
                alarm_name(a.alarm)
            ));
        }
        self.out.write_all(buf.as_bytes())
    }
}

// -w table: member lists and endpoint results as etcdctl's ASCII tables.

impl ClusterPrinter for TablePrinter<'_> {
    fn member_list(&mut self, resp: &MemberListResponse) -> io::Result<()> {
        let (header, rows) = member_rows(resp);
        ascii_table(self.out, &header, &rows)
    }

    fn endpoint_health(&mut self, list: &[EndpointHealth]) -> io::Result<()> {
        let (header, rows) = health_rows(list);
        ascii_table(self.out, &header, &rows)
    }

    fn endpoint_status(&mut self, list: &[EndpointStatus]) -> io::Result<()> {
        let (header, rows) = status_rows(list);
        ascii_table(self.out, &header, &rows)
    }

    fn endpoint_hash(&mut self, list: &[EndpointHash]) -> io::Result<()> {
        let (header, rows) = hash_rows(list);
        ascii_table(self.out, &header, &rows)
    }
}
