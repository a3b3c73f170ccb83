//! The one RPC whose request needs more than its row in [`rpc`]: a linearizable `Range` asks
//! for a member with a leader.

use super::rpc::{self, service};
use super::{Client, Error, Retry};
use crate::pb::etcdserverpb::kv_client::KvClient;
use crate::pb::etcdserverpb::{RangeRequest, RangeResponse};

impl Client {
    /// A linearizable read asks for a member with a leader (etcd's `hasleader`, as etcdctl's
    /// watch does): one cut off from its peers then says "no leader" at once, and another
    /// member answers, instead of it holding the read until --command-timeout. A serializable
    /// read is a member's own copy and needs no leader.
    pub async fn range(&self, request: RangeRequest) -> Result<RangeResponse, Error> {
        self.unary(rpc::RANGE, Retry::Safe, request, |g, mut r| async move {
            ask_for_leader(&mut r);
            service!(KvClient, g).range(r).await
        })
        .await
    }
}

/// Marks a linearizable range as needing a member with a leader (see [`Client::range`]); the
/// paged reader's streamed ranges ask the same.
pub(super) fn ask_for_leader(request: &mut tonic::Request<RangeRequest>) {
    if !request.get_ref().serializable {
        request.metadata_mut().insert(
            "hasleader",
            tonic::metadata::MetadataValue::from_static("true"),
        );
    }
}
