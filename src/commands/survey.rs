//! One look at the whole cluster, which `status` prints and `maintain` starts from: the member
//! list (and the alarm list beside it), then every member's status and health, all members at
//! once. A member that does not answer stays a row with its error; only a failed member list
//! fails the survey. Also the one health check, shared with `endpoint health`.

use std::future::Future;
use std::time::Instant;

use crate::client::Client;
use crate::commands::prelude::Workbench;
use crate::go;
use crate::output::EndpointHealth;
use crate::output::report::status::{ClusterView, MemberState};
use crate::pb::etcdserverpb::alarm_request::AlarmAction;
use crate::pb::etcdserverpb::{AlarmRequest, RangeRequest};

/// Runs `jobs` at once on this thread (the client's futures are not `Send`), and gives their
/// outputs in the jobs' order.
pub async fn all_at_once<T, F>(jobs: Vec<F>) -> anyhow::Result<Vec<T>>
where
    T: 'static,
    F: Future<Output = T> + 'static,
{
    let local = tokio::task::LocalSet::new();
    let mut results: Vec<Option<T>> = jobs.iter().map(|_| None).collect();
    local
        .run_until(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, job) in jobs.into_iter().enumerate() {
                tasks.spawn_local(async move { (i, job.await) });
            }
            while let Some(done) = tasks.join_next().await {
                let (i, output) = done?;
                results[i] = Some(output);
            }
            anyhow::Ok(())
        })
        .await?;
    Ok(results.into_iter().flatten().collect())
}

/// One endpoint's health, and the hint its failure comes with (the same one `get` would give).
pub async fn check_health(
    endpoint: String,
    client: anyhow::Result<Client>,
    serializable: bool,
) -> (EndpointHealth, Option<String>) {
    match client {
        Ok(client) => health_of(endpoint, &client, serializable).await,
        Err(e) => unreachable(endpoint, &e),
    }
}

/// The health of an endpoint no client could be made for.
fn unreachable(endpoint: String, e: &anyhow::Error) -> (EndpointHealth, Option<String>) {
    let health = EndpointHealth {
        endpoint,
        health: false,
        took: String::new(),
        error: format!("{e:#}"),
    };
    (health, crate::error::hint(e))
}

/// etcdctl's check is a linearizable read of the key "health"; a learner serves none, so for a
/// learner (`serializable`) the read is a serializable one, which proves it answers and applies.
async fn health_of(
    endpoint: String,
    client: &Client,
    serializable: bool,
) -> (EndpointHealth, Option<String>) {
    let started = Instant::now();
    let request = RangeRequest {
        key: b"health".to_vec(),
        serializable,
        ..Default::default()
    };
    let result = client.range(request).await;
    let took = go::duration(started.elapsed());
    match result {
        // A permission error went through consensus too: the member is healthy.
        Ok(_) => (healthy(endpoint, took), None),
        Err(e) if e.code() == Some(tonic::Code::PermissionDenied) => {
            (healthy(endpoint, took), None)
        }
        Err(e) => {
            let health = EndpointHealth {
                endpoint,
                health: false,
                took,
                error: e.to_string(),
            };
            (health, e.hint())
        }
    }
}

fn healthy(endpoint: String, took: String) -> EndpointHealth {
    EndpointHealth {
        endpoint,
        health: true,
        took,
        error: String::new(),
    }
}

/// The alarm list request (`alarm list`'s).
pub fn alarm_list() -> AlarmRequest {
    AlarmRequest {
        action: AlarmAction::Get as i32,
        ..Default::default()
    }
}

/// The whole cluster as it is now. Fails only when the member list cannot be had.
pub async fn survey(ctx: &mut Workbench<'_>) -> anyhow::Result<ClusterView> {
    let client = ctx.client()?;
    let (members, alarms) = tokio::join!(
        client.member_list(Default::default()),
        client.alarm(alarm_list())
    );
    let members = members?;
    let cluster_id = members.header.as_ref().map_or(0, |h| h.cluster_id);
    // Alarms are the cluster's, not one member's; without them each member still answers for
    // itself, so a failed alarm list is no reason to give up the view.
    let alarms = alarms.map(|a| a.alarms).unwrap_or_default();
    let mut jobs = Vec::new();
    for member in members.members {
        let endpoint = member.client_ur_ls.first().cloned().unwrap_or_default();
        let client = if endpoint.is_empty() {
            Err(anyhow::anyhow!("the member has not started"))
        } else {
            ctx.endpoint_client(&endpoint)
        };
        let member_alarms: Vec<i32> = alarms
            .iter()
            .filter(|a| a.member_id == member.id)
            .map(|a| a.alarm)
            .collect();
        jobs.push(async move {
            let learner = member.is_learner;
            let (status, health) = match client {
                Ok(client) => {
                    let health = health_of(endpoint.clone(), &client, learner);
                    let (status, (health, _)) = tokio::join!(client.status(), health);
                    (status.map_err(|e| e.to_string()), health)
                }
                Err(e) => (Err(format!("{e:#}")), unreachable(endpoint.clone(), &e).0),
            };
            MemberState {
                name: member.name,
                id: member.id,
                endpoint,
                is_learner: learner,
                status,
                health,
                alarms: member_alarms,
            }
        });
    }
    Ok(ClusterView {
        cluster_id,
        members: all_at_once(jobs).await?,
    })
}
