//! The Cluster service: membership changes and the member list.

use super::{Client, Error, Grpc, Retry, rpc};
use crate::pb::etcdserverpb::cluster_client::ClusterClient;
use crate::pb::etcdserverpb::{
    MemberAddRequest, MemberAddResponse, MemberListRequest, MemberListResponse,
    MemberPromoteRequest, MemberPromoteResponse, MemberRemoveRequest, MemberRemoveResponse,
    MemberUpdateRequest, MemberUpdateResponse,
};

fn cluster(grpc: Grpc) -> ClusterClient<tonic::transport::Channel> {
    ClusterClient::new(grpc.channel)
        .max_encoding_message_size(grpc.max_request_bytes)
        .max_decoding_message_size(grpc.max_recv_bytes)
}

impl Client {
    /// etcdctl 3.4's request, with no consistency chosen.
    pub async fn member_list(&self) -> Result<MemberListResponse, Error> {
        self.member_list_with(MemberListRequest::default()).await
    }

    pub async fn member_list_with(
        &self,
        request: MemberListRequest,
    ) -> Result<MemberListResponse, Error> {
        self.unary(rpc::MEMBER_LIST, Retry::Safe, request, |g, r| async move {
            cluster(g).member_list(r).await
        })
        .await
    }

    pub async fn member_add(&self, request: MemberAddRequest) -> Result<MemberAddResponse, Error> {
        self.unary(rpc::MEMBER_ADD, Retry::Unsafe, request, |g, r| async move {
            cluster(g).member_add(r).await
        })
        .await
    }

    pub async fn member_remove(&self, id: u64) -> Result<MemberRemoveResponse, Error> {
        self.unary(
            rpc::MEMBER_REMOVE,
            Retry::Unsafe,
            MemberRemoveRequest { id },
            |g, r| async move { cluster(g).member_remove(r).await },
        )
        .await
    }

    /// Setting the same peer URLs twice has the same effect as once.
    pub async fn member_update(
        &self,
        request: MemberUpdateRequest,
    ) -> Result<MemberUpdateResponse, Error> {
        self.unary(
            rpc::MEMBER_UPDATE,
            Retry::Safe,
            request,
            |g, r| async move { cluster(g).member_update(r).await },
        )
        .await
    }

    pub async fn member_promote(&self, id: u64) -> Result<MemberPromoteResponse, Error> {
        self.unary(
            rpc::MEMBER_PROMOTE,
            Retry::Unsafe,
            MemberPromoteRequest { id },
            |g, r| async move { cluster(g).member_promote(r).await },
        )
        .await
    }
}
