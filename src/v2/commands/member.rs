//! The member commands (`member list|add|remove|update`) and `cluster-health`, on
//! `/v2/members` and each member's `/health`.

use std::time::Instant;

use super::{Result, Workbench, exit, handle, new_client, no_args, stderr_trace, synced_client};
use crate::term::warn;
use crate::v2::api;
use crate::v2::client::Client;
use crate::v2::error::{EXIT_SERVER_ERROR, Error, Exit};
use crate::v2::url::{self, Url};

async fn members(
    client: &mut Client,
    deadline: Option<Instant>,
) -> std::result::Result<Vec<api::Member>, Error> {
    let resp = client.send(&api::members_list(), deadline).await?;
    api::parse_members(&resp)
}

pub(super) async fn member_list(ctx: &mut Workbench<'_>) -> Result<()> {
    no_args(ctx)?;
    let mut client = synced_client(ctx).await?;
    let deadline = ctx.deadline();
    let list = members(&mut client, deadline)
        .await
        .map_err(|e| exit(1, e.to_string()))?;
    let leader = async {
        let resp = client.send(&api::members_leader(), deadline).await?;
        api::parse_member(&resp, 200)
    }
    .await
    .map_err(|e| exit(1, format!("Failed to get leader:  {e}")))?;
    for m in &list {
        if m.name.is_empty() {
            writeln!(
                ctx.out,
                "{}[unstarted]: peerURLs={}",
                m.id,
                m.peer_urls.join(",")
            )?;
        } else {
            writeln!(
                ctx.out,
                "{}: name={} peerURLs={} clientURLs={} isLeader={}",
                m.id,
                m.name,
                m.peer_urls.join(","),
                m.client_urls.join(","),
                m.id == leader.id
            )?;
        }
    }
    Ok(())
}

/// etcd's `types.NewURLs` check of peer URLs, with its texts.
fn check_peer_urls(urls: &[String]) -> std::result::Result<(), Error> {
    if urls.is_empty() {
        return Err(Error::other("no valid URLs given"));
    }
    for raw in urls {
        let u = Url::parse_endpoint(raw).map_err(Error::Other)?;
        if !matches!(u.scheme.as_str(), "http" | "https" | "unix" | "unixs") || !raw.contains("://")
        {
            return Err(Error::other(format!(
                "URL scheme must be http, https, unix, or unixs: {raw}"
            )));
        }
        if !u.host.contains(':') {
            return Err(Error::other(format!(
                "URL address does not have the form \"host:port\": {raw}"
            )));
        }
        if !u.path.is_empty() {
            return Err(Error::other(format!("URL must not contain a path: {raw}")));
        }
    }
    Ok(())
}

pub(super) async fn member_add(ctx: &mut Workbench<'_>) -> Result<()> {
    if ctx.run.args.len() != 2 {
        return Err(exit(1, "Provide a name and a single member peerURL"));
    }
    let mut client = synced_client(ctx).await?;
    let (name, peer) = (ctx.run.args[0].clone(), ctx.run.args[1].clone());
    let deadline = ctx.deadline();
    let added = async {
        check_peer_urls(std::slice::from_ref(&peer))?;
        let resp = client.send(&api::member_add(&peer), deadline).await?;
        if resp.status == 201 {
            api::parse_member(&resp, 201)
        } else {
            api::member_result(&resp, 201, &[409]).map(|()| api::Member::default())
        }
    }
    .await
    .map_err(|e| exit(1, e.to_string()))?;
    writeln!(
        ctx.out,
        "Added member named {name} with ID {} to cluster",
        added.id
    )?;
    let list = members(&mut client, deadline)
        .await
        .map_err(|e| exit(1, e.to_string()))?;
    let mut conf = Vec::new();
    for m in &list {
        for u in &m.peer_urls {
            let n = if m.id == added.id { &name } else { &m.name };
            conf.push(format!("{n}={u}"));
        }
    }
    let q = |s: &str| crate::go::quote(s.as_bytes());
    write!(
        ctx.out,
        "\nETCD_NAME={}\nETCD_INITIAL_CLUSTER={}\nETCD_INITIAL_CLUSTER_STATE=\"existing\"\n",
        q(&name),
        q(&conf.join(","))
    )?;
    Ok(())
}

pub(super) async fn member_remove(ctx: &mut Workbench<'_>) -> Result<()> {
    if ctx.run.args.len() != 1 {
        return Err(exit(1, "Provide a single member ID"));
    }
    let id = ctx.run.args[0].clone();
    let mut client = synced_client(ctx).await?;
    let deadline = ctx.deadline();
    let list = members(&mut client, deadline).await.map_err(|e| {
        exit(
            1,
            format!("Error while verifying ID against known members: {e}"),
        )
    })?;
    let mut found = false;
    for m in &list {
        found |= m.id == id;
        if m.name == id {
            warn(format_args!(
                "Found a member named {}; if this is correct, please use its ID, eg:\n\tetcdctl member remove {}\n\
                 For more details, read the documentation at https://github.com/etcd-io/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n",
                m.name, m.id
            ));
        }
    }
    if !found {
        return Err(exit(
            1,
            format!("Couldn't find a member in the cluster with an ID of {id}."),
        ));
    }
    let removed = async {
        let resp = client.send(&api::member_remove(&id), deadline).await?;
        if resp.status == 204 || resp.status == 410 {
            Ok(())
        } else {
            Err(Error::other(format!(
                "unexpected status code {}",
                resp.status
            )))
        }
    }
    .await;
    if let Err(e) = removed {
        warn(format_args!(
            "Received an error trying to remove member {id}: {e}"
        ));
        return Err(exit(1, String::new()));
    }
    writeln!(ctx.out, "Removed member {id} from cluster")?;
    Ok(())
}

pub(super) async fn member_update(ctx: &mut Workbench<'_>) -> Result<()> {
    if ctx.run.args.len() != 2 {
        return Err(exit(
            1,
            "Provide an ID and a list of comma separated peerURL (0xabcd http://example.com,http://example1.com)",
        ));
    }
    let mut client = synced_client(ctx).await?;
    let id = ctx.run.args[0].clone();
    let urls: Vec<String> = ctx.run.args[1].split(',').map(str::to_string).collect();
    let deadline = ctx.deadline();
    async {
        check_peer_urls(&urls)?;
        let resp = client
            .send(&api::member_update(&id, &urls), deadline)
            .await?;
        api::member_result(&resp, 204, &[404, 409])
    }
    .await
    .map_err(|e| exit(1, e.to_string()))?;
    writeln!(ctx.out, "Updated member with ID {id} in cluster")?;
    Ok(())
}

pub(super) async fn cluster_health(ctx: &mut Workbench<'_>) -> Result<()> {
    let forever = ctx.run.flags.bool("forever");
    let mut client = new_client(ctx)?;
    if ctx.global().debug {
        let eps = client.endpoints().join(", ");
        warn(format_args!("Cluster-Endpoints: {eps}"));
        client.set_trace(stderr_trace());
    }
    let list = match members(&mut client, None).await {
        Ok(list) => list,
        Err(e) => {
            writeln!(ctx.out, "cluster may be unhealthy: failed to list members")?;
            return Err(handle(EXIT_SERVER_ERROR, &e));
        }
    };
    let mut probe = client.plain();
    loop {
        let mut healthy = 0;
        for m in &list {
            if m.client_urls.is_empty() {
                writeln!(
                    ctx.out,
                    "member {} is unreachable: no available published client urls",
                    m.id
                )?;
                continue;
            }
            let mut checked = false;
            for u in &m.client_urls {
                let outcome = tokio::select! {
                    o = health(&mut probe, u) => o,
                    _ = tokio::signal::ctrl_c(), if forever => return Ok(()),
                };
                match outcome {
                    Err(e) => {
                        writeln!(
                            ctx.out,
                            "failed to check the health of member {} on {u}: {e}",
                            m.id
                        )?;
                    }
                    Ok(ok) => {
                        checked = true;
                        if ok {
                            writeln!(
                                ctx.out,
                                "member {} is healthy: got healthy result from {u}",
                                m.id
                            )?;
                            healthy += 1;
                        } else {
                            writeln!(
                                ctx.out,
                                "member {} is unhealthy: got unhealthy result from {u}",
                                m.id
                            )?;
                        }
                        break;
                    }
                }
            }
            if !checked {
                writeln!(
                    ctx.out,
                    "member {} is unreachable: [{}] are all unreachable",
                    m.id,
                    m.client_urls.join(" ")
                )?;
            }
        }
        let verdict = match healthy {
            n if n == list.len() => "cluster is healthy",
            0 => "cluster is unavailable",
            _ => "cluster is degraded",
        };
        writeln!(ctx.out, "{verdict}")?;
        ctx.out.flush()?;
        if !forever {
            if healthy == list.len() {
                return Ok(());
            }
            return Err(
                Exit::new(crate::v2::error::EXIT_CLUSTER_NOT_HEALTHY, String::new()).into(),
            );
        }
        write!(ctx.out, "\nnext check after 10 second...\n\n")?;
        ctx.out.flush()?;
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// One `GET <url>/health`, as a plain Go `http.Client.Get`: `Ok(healthy)` or the error text.
async fn health(probe: &mut Client, client_url: &str) -> std::result::Result<bool, String> {
    let target = format!("{client_url}/health");
    let get_error = |e: &dyn std::fmt::Display| format!("Get {target:?}: {e}");
    let url = Url::parse_endpoint(client_url).map_err(|e| get_error(&e))?;
    let path = url::join(&[&url.path, "/health"]);
    let resp = probe
        .get_once(&url, &path)
        .await
        .map_err(|e| get_error(&e))?;
    if let Some(e) = crate::go::json_start_error(&resp.body) {
        return Err(e);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&resp.body).map_err(|e| crate::go::json_error(&e))?;
    let health = value
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("health")))
        .map(|(_, v)| v);
    Ok(match health {
        Some(serde_json::Value::String(s)) => s == "true",
        Some(serde_json::Value::Bool(b)) => *b,
        _ => false,
    })
}
