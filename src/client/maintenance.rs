//! The Maintenance service: status, hashes, alarms, defragmentation, leader moves, snapshots and
//! downgrades. Most of these describe one member, so commands call them on a [`Client`] built
//! for that one endpoint.

use super::{Client, Config, Error, Grpc, Retry, rpc};
use crate::pb::etcdserverpb::maintenance_client::MaintenanceClient;
use crate::pb::etcdserverpb::{
    AlarmRequest, AlarmResponse, DefragmentRequest, DefragmentResponse, DowngradeRequest,
    DowngradeResponse, HashKvRequest, HashKvResponse, MoveLeaderRequest, MoveLeaderResponse,
    SnapshotRequest, SnapshotResponse, StatusRequest, StatusResponse,
};

fn maintenance(grpc: Grpc) -> MaintenanceClient<tonic::transport::Channel> {
    MaintenanceClient::new(grpc.channel)
        .max_encoding_message_size(grpc.max_request_bytes)
        .max_decoding_message_size(grpc.max_recv_bytes)
}

impl Client {
    /// Another client with `config` and this client's observer (so `--debug` traces it too).
    pub fn with_config(&self, config: Config) -> Result<Client, Error> {
        let mut client = Client::new(config)?.with_token(self.given_token.clone());
        client.observer = self.observer.clone();
        Ok(client)
    }

    /// A client for `endpoint` alone, with this client's settings: for commands that ask each
    /// member in turn.
    pub fn for_endpoint(&self, endpoint: &str) -> Result<Client, Error> {
        self.with_config(Config {
            endpoints: vec![endpoint.to_string()],
            ..self.config.clone()
        })
    }

    pub async fn status(&self) -> Result<StatusResponse, Error> {
        self.unary(
            rpc::STATUS,
            Retry::Safe,
            StatusRequest::default(),
            |g, r| async move { maintenance(g).status(r).await },
        )
        .await
    }

    pub async fn hash_kv(&self, revision: i64) -> Result<HashKvResponse, Error> {
        self.unary(
            rpc::HASH_KV,
            Retry::Safe,
            HashKvRequest { revision },
            |g, r| async move { maintenance(g).hash_kv(r).await },
        )
        .await
    }

    /// Listing and disarming alarms are both safe to repeat.
    pub async fn alarm(&self, request: AlarmRequest) -> Result<AlarmResponse, Error> {
        self.unary(rpc::ALARM, Retry::Safe, request, |g, r| async move {
            maintenance(g).alarm(r).await
        })
        .await
    }

    pub async fn defragment(&self) -> Result<DefragmentResponse, Error> {
        self.unary(
            rpc::DEFRAGMENT,
            Retry::Unsafe,
            DefragmentRequest::default(),
            |g, r| async move { maintenance(g).defragment(r).await },
        )
        .await
    }

    pub async fn move_leader(&self, target_id: u64) -> Result<MoveLeaderResponse, Error> {
        self.unary(
            rpc::MOVE_LEADER,
            Retry::Unsafe,
            MoveLeaderRequest { target_id },
            |g, r| async move { maintenance(g).move_leader(r).await },
        )
        .await
    }

    pub async fn downgrade(&self, request: DowngradeRequest) -> Result<DowngradeResponse, Error> {
        self.unary(rpc::DOWNGRADE, Retry::Unsafe, request, |g, r| async move {
            maintenance(g).downgrade(r).await
        })
        .await
    }

    /// The member's backend as a stream of chunks; no command timeout applies.
    pub async fn snapshot(&self) -> Result<tonic::Streaming<SnapshotResponse>, Error> {
        let connection = self.stream_connection().await?;
        let request = connection.request(rpc::SNAPSHOT, SnapshotRequest {})?;
        let grpc = Grpc {
            channel: connection.grpc.channel.clone(),
            max_request_bytes: connection.grpc.max_request_bytes,
            max_recv_bytes: connection.grpc.max_recv_bytes,
        };
        match maintenance(grpc).snapshot(request).await {
            Ok(response) => Ok(response.into_inner()),
            Err(status) => {
                self.stream_broken(&connection, &status);
                Err(Error::Rpc(status))
            }
        }
    }
}
