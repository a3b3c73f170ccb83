//! `-w fields` for cluster responses: one `"Name" : value` line per field.

use std::io;

use super::{ClusterPrinter, EndpointHash, EndpointHealth, EndpointStatus, alarm_name};
use crate::go;
use crate::output::fields::FieldsPrinter;
use crate::pb::etcdserverpb::{AlarmResponse, MemberListResponse};

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
