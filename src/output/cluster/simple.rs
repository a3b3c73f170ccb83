//! `-w simple` for cluster responses: etcdctl's sentences, and one comma-separated line per
//! member or endpoint.

use std::io;

use super::rows::{hash_rows, member_rows, status_rows};
use super::{ClusterPrinter, EndpointHash, EndpointHealth, EndpointStatus, NewMember, alarm_name};
use crate::go;
use crate::output::simple::SimplePrinter;
use crate::pb::etcdserverpb::{
    AlarmMember, AlarmResponse, DowngradeResponse, MemberAddResponse, MemberListResponse,
    MemberPromoteResponse, MemberRemoveResponse, MemberUpdateResponse, MoveLeaderResponse,
    ResponseHeader,
};

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
mod tests {
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
