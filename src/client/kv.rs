//! Typed facades over the generated gRPC clients: one method per RPC, each declaring whether it
//! is safe to send again to another member.

use super::{Client, Error, Grpc, Retry, rpc};
use crate::pb::etcdserverpb::kv_client::KvClient;
use crate::pb::etcdserverpb::{
    CompactionRequest, CompactionResponse, DeleteRangeRequest, DeleteRangeResponse, PutRequest,
    PutResponse, RangeRequest, RangeResponse, TxnRequest, TxnResponse,
};

fn kv(grpc: Grpc) -> KvClient<tonic::transport::Channel> {
    KvClient::new(grpc.channel)
        .max_encoding_message_size(grpc.max_request_bytes)
        .max_decoding_message_size(grpc.max_recv_bytes)
}

impl Client {
    /// A linearizable read asks for a member with a leader (etcd's `hasleader`, as etcdctl's
    /// watch does): one cut off from its peers then says "no leader" at once, and another
    /// member answers, instead of it holding the read until --command-timeout. A serializable
    /// read is a member's own copy and needs no leader.
    pub async fn range(&self, request: RangeRequest) -> Result<RangeResponse, Error> {
        let require_leader = !request.serializable;
        self.unary(
            rpc::RANGE,
            Retry::Safe,
            request,
            move |g, mut r| async move {
                if require_leader {
                    r.metadata_mut()
                        .insert("hasleader", "true".parse().expect("ASCII"));
                }
                kv(g).range(r).await
            },
        )
        .await
    }

    pub async fn put(&self, request: PutRequest) -> Result<PutResponse, Error> {
        self.unary(rpc::PUT, Retry::Unsafe, request, |g, r| async move {
            kv(g).put(r).await
        })
        .await
    }

    pub async fn delete_range(
        &self,
        request: DeleteRangeRequest,
    ) -> Result<DeleteRangeResponse, Error> {
        self.unary(
            rpc::DELETE_RANGE,
            Retry::Unsafe,
            request,
            |g, r| async move { kv(g).delete_range(r).await },
        )
        .await
    }

    /// A txn with only reads in every branch could be retried, but telling them apart is not
    /// worth the risk of repeating a write: txns are never resent once they reached a member.
    pub async fn txn(&self, request: TxnRequest) -> Result<TxnResponse, Error> {
        self.unary(rpc::TXN, Retry::Unsafe, request, |g, r| async move {
            kv(g).txn(r).await
        })
        .await
    }

    /// Compaction is idempotent: compacting twice at one revision is refused harmlessly.
    pub async fn compact(&self, request: CompactionRequest) -> Result<CompactionResponse, Error> {
        self.unary(rpc::COMPACT, Retry::Safe, request, |g, r| async move {
            kv(g).compact(r).await
        })
        .await
    }
}
