//! `-w json` for cluster responses: etcd's messages through Go's `encoding/json`, and etcdctl's
//! own endpoint structs as top-level arrays.

use std::io;

use super::{ClusterPrinter, EndpointHash, EndpointHealth, EndpointStatus};
use crate::go;
use crate::output::json::{JsonPrinter, Object, header, object};
use crate::pb::etcdserverpb::{
    AlarmResponse, DowngradeResponse, HashKvResponse, Member, MemberAddResponse,
    MemberListResponse, MemberPromoteResponse, MemberRemoveResponse, MemberUpdateResponse,
    MoveLeaderResponse, StatusResponse,
};

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
    fn member_add(&mut self, resp: &MemberAddResponse) -> io::Result<()> {
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
