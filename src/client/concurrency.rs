//! The lock and election services (`v3lock`, `v3election`; their unary RPCs are rows of
//! [`rpc`]). They run clientv3's concurrency
//! recipes on the server, with the same keys (`<name>/<lease in hex>`), so they contend with
//! etcdctl's client-side locks and elections on the same names.
//!
//! `Lock` and `Campaign` wait for as long as it takes, so they run on a stream connection
//! without `--command-timeout`. When their member goes away they are sent again to the next
//! one: both are idempotent for a given lease (the server finds the key it already made).

use super::lease::{RETRY_WAIT, grpc, is_transient};
use super::rpc::{self, service};
use super::{Client, Error, GrpcCall, StreamConnection};
use crate::pb::mvccpb::KeyValue;
use crate::pb::v3electionpb::election_client::ElectionClient;
use crate::pb::v3electionpb::{LeaderRequest, LeaderResponse};

impl Client {
    /// Follows the leaders of election `name`; see [`Observe::next`].
    pub fn observe(&self, name: Vec<u8>) -> Observe<'_> {
        Observe {
            client: self,
            name,
            stream: None,
            last: None,
        }
    }

    /// A request that may wait indefinitely, sent again on the next member when its member
    /// fails.
    pub(super) async fn waiting<Req: prost::Message + Clone, Resp>(
        &self,
        rpc: rpc::Rpc,
        request: Req,
        send: impl GrpcCall<Req, Resp>,
    ) -> Result<Resp, Error> {
        loop {
            let conn = self.stream_connection().await?;
            let req = conn.request(rpc, request.clone())?;
            match send(grpc(&conn), req).await {
                Ok(response) => return Ok(response.into_inner()),
                Err(status) if is_transient(&status) => self.stream_broken(&conn, &status),
                Err(status) => return Err(Error::Rpc(status)),
            }
            tokio::time::sleep(RETRY_WAIT).await;
        }
    }
}

/// A running observation of one election.
pub struct Observe<'c> {
    client: &'c Client,
    name: Vec<u8>,
    stream: Option<(StreamConnection<'c>, tonic::Streaming<LeaderResponse>)>,
    /// The last leader value handed out; a reopened stream starts with the current leader,
    /// which is skipped when it was already seen.
    last: Option<(Vec<u8>, i64)>,
}

impl Observe<'_> {
    /// The next leader (or new value of the leader), waiting as long as it takes; a broken
    /// stream is reopened on the next member without repeating or losing a leader.
    pub async fn next(&mut self) -> Result<LeaderResponse, Error> {
        loop {
            let (conn, stream) = match &mut self.stream {
                Some(open) => open,
                None => {
                    let conn = self.client.stream_connection().await?;
                    let req = conn.request(
                        rpc::OBSERVE,
                        LeaderRequest {
                            name: self.name.clone(),
                        },
                    )?;
                    let opened = service!(ElectionClient, grpc(&conn)).observe(req).await;
                    match opened {
                        Ok(response) => self.stream.insert((conn, response.into_inner())),
                        Err(status) if is_transient(&status) => {
                            self.client.stream_broken(&conn, &status);
                            tokio::time::sleep(RETRY_WAIT).await;
                            continue;
                        }
                        Err(status) => return Err(Error::Rpc(status)),
                    }
                }
            };
            let status = match stream.message().await {
                Ok(Some(resp)) => {
                    let seen = resp.kv.as_ref().map(identity);
                    if seen.is_some() && seen == self.last {
                        continue;
                    }
                    self.last = seen;
                    return Ok(resp);
                }
                Ok(None) => tonic::Status::unavailable("observe stream closed by the server"),
                Err(status) => status,
            };
            if !is_transient(&status) {
                return Err(Error::Rpc(status));
            }
            self.client.stream_broken(conn, &status);
            self.stream = None;
            tokio::time::sleep(RETRY_WAIT).await;
        }
    }
}

/// A leader value's identity: its key and the revision that wrote it.
fn identity(kv: &KeyValue) -> (Vec<u8>, i64) {
    (kv.key.clone(), kv.mod_revision)
}
