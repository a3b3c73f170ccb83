//! Printers for cluster maintenance: member, endpoint, alarm, move-leader and downgrade
//! responses, one module per format that writes them by hand; protobuf writes each message as
//! it is, and what a format cannot print is refused by the trait's defaults (see
//! [`Format::supports`](super::Format::supports)).

mod fields;
mod json;
mod rows;
mod simple;
mod table;

use std::io;

use super::{Fallback, ResponseKind};
use crate::pb::etcdserverpb::{
    AlarmResponse, DowngradeResponse, HashKvResponse, MemberAddResponse, MemberListResponse,
    MemberPromoteResponse, MemberRemoveResponse, MemberUpdateResponse, MoveLeaderResponse,
    StatusResponse,
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
    fn member_add(&mut self, resp: &MemberAddResponse) -> io::Result<()> {
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
