//! The rows of member and endpoint responses, shared by the simple format (one comma-separated
//! line per row) and the table format.

use super::{EndpointHash, EndpointHealth, EndpointStatus};
use crate::go::humanize_bytes;
use crate::pb::etcdserverpb::MemberListResponse;

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
