//! A session, as clientv3's `concurrency.Session`: a lease granted for a lock or an election
//! and kept alive while it is held, then revoked (which also deletes every key attached to it).

use super::lease::KeepAliveEvent;
use super::{Client, Error};

/// clientv3's session TTL when none (or a non-positive one) is asked for.
pub const DEFAULT_SESSION_TTL: i64 = 60;

pub struct Session<'c> {
    client: &'c Client,
    lease: i64,
}

/// Why a session ended on its own.
#[derive(Debug)]
pub enum SessionLost {
    /// The lease expired or was revoked by someone else.
    Expired,
    /// Keeping it alive failed in a way reconnecting cannot cure.
    Failed(Error),
}

impl<'c> Session<'c> {
    /// Grants the session's lease (`ttl` seconds; [`DEFAULT_SESSION_TTL`] when `ttl <= 0`).
    pub async fn start(client: &'c Client, ttl: i64) -> Result<Session<'c>, Error> {
        let ttl = if ttl > 0 { ttl } else { DEFAULT_SESSION_TTL };
        let granted = client.lease_grant(ttl).await?;
        Ok(Session {
            client,
            lease: granted.id,
        })
    }

    pub fn lease(&self) -> i64 {
        self.lease
    }

    /// Keeps the lease alive, across member failures, for as long as it is polled; returns
    /// only when the lease is lost.
    pub async fn keep_alive(&self) -> SessionLost {
        let mut keep_alive = self.client.lease_keep_alive(self.lease);
        loop {
            match keep_alive.next().await {
                Ok(KeepAliveEvent::Renewed(_)) => {}
                Ok(KeepAliveEvent::Gone(_) | KeepAliveEvent::NoAnswer) => {
                    return SessionLost::Expired;
                }
                Err(e) => return SessionLost::Failed(e),
            }
        }
    }

    /// Revokes the lease, releasing whatever was held with it.
    pub async fn close(&self) -> Result<(), Error> {
        self.client.lease_revoke(self.lease).await.map(drop)
    }
}
