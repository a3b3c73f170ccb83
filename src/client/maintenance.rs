//! The Maintenance service beyond its unary RPCs (those are rows of [`rpc`]): snapshots as a
//! stream, and clients for one endpoint, since most maintenance answers describe one member.

use super::rpc::{self, service};
use super::{Client, Config, Error, Grpc};
use crate::pb::etcdserverpb::maintenance_client::MaintenanceClient;
use crate::pb::etcdserverpb::{SnapshotRequest, SnapshotResponse};

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

    /// The member's backend as a stream of chunks; no command timeout applies.
    pub async fn snapshot(&self) -> Result<tonic::Streaming<SnapshotResponse>, Error> {
        let connection = self.stream_connection().await?;
        let request = connection.request(rpc::SNAPSHOT, SnapshotRequest {})?;
        let grpc = Grpc {
            channel: connection.grpc.channel.clone(),
            max_request_bytes: connection.grpc.max_request_bytes,
            max_recv_bytes: connection.grpc.max_recv_bytes,
        };
        match service!(MaintenanceClient, grpc).snapshot(request).await {
            Ok(response) => Ok(response.into_inner()),
            Err(status) => {
                self.stream_broken(&connection, &status);
                Err(Error::Rpc(status))
            }
        }
    }
}
