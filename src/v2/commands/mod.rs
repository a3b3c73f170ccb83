//! Running one v2 command: the client set-up etcdctl does first (endpoints, TLS, credentials,
//! the member-list sync), then the command's own checks, request and output, each failing with
//! etcdctl v2's text and exit code. One module per group of commands.

mod auth;
mod backup;
mod keys;
mod member;

use std::io::Write;
use std::time::{Duration, Instant};

use super::api;
use super::cli::{Cmd, Global, Run};
use super::client::{Client, Config};
use super::error::{EXIT_BAD_ARGS, EXIT_BAD_CONNECTION, EXIT_SERVER_ERROR, Error, Exit};
use super::output::{self, Format, Printed};
use super::url::Url;
use crate::settings::{check_tls_files, split_user, tls_files};
use crate::term::prompt::ask_password;
use crate::term::warn;

/// etcdctl v2's `defaultDialTimeout`.
const DIAL_TIMEOUT: Duration = Duration::from_secs(30);

type Result<T> = std::result::Result<T, anyhow::Error>;

fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    Exit::new(code, message).into()
}

fn handle(code: u8, err: &Error) -> anyhow::Error {
    Exit::handle(code, err).into()
}

/// The state a command runs with: settings, its flags and arguments, the output.
struct Workbench<'a> {
    run: Run,
    out: &'a mut dyn Write,
}

impl Workbench<'_> {
    fn global(&self) -> &Global {
        &self.run.global
    }

    fn format(&self) -> Format {
        Format::parse(&self.run.global.output)
    }

    fn simple(&self) -> bool {
        self.run.global.output == "simple"
    }

    fn arg(&self, i: usize) -> Option<&str> {
        self.run.args.get(i).map(String::as_str)
    }

    fn deadline(&self) -> Option<Instant> {
        Some(Instant::now() + self.run.global.total_timeout)
    }

    fn print_key(&mut self, resp: &api::KeysResponse) -> Result<()> {
        let format = self.format();
        if output::print_response(self.out, resp, format)? == Printed::UnsupportedFormat {
            warn(format_args!(
                "Unsupported output format: {}",
                self.run.global.output
            ));
        }
        Ok(())
    }
}

fn no_args(ctx: &Workbench<'_>) -> Result<()> {
    if ctx.run.args.is_empty() {
        Ok(())
    } else {
        Err(exit(1, "No arguments accepted"))
    }
}
pub async fn run(run: Run, out: &mut dyn Write) -> Result<()> {
    let mut ctx = Workbench { run, out };
    match ctx.run.cmd {
        Cmd::Backup => backup::backup(&ctx.run),
        Cmd::Get => keys::get(&mut ctx).await,
        Cmd::Ls => keys::ls(&mut ctx).await,
        Cmd::Set | Cmd::Mk | Cmd::Update => keys::set(&mut ctx).await,
        Cmd::Mkdir | Cmd::Setdir | Cmd::Updatedir => keys::mkdir(&mut ctx).await,
        Cmd::Rm | Cmd::Rmdir => keys::rm(&mut ctx).await,
        Cmd::Watch => keys::watch(&mut ctx).await,
        Cmd::ExecWatch => keys::exec_watch(&mut ctx).await,
        Cmd::ClusterHealth => member::cluster_health(&mut ctx).await,
        Cmd::MemberList => member::member_list(&mut ctx).await,
        Cmd::MemberAdd => member::member_add(&mut ctx).await,
        Cmd::MemberRemove => member::member_remove(&mut ctx).await,
        Cmd::MemberUpdate => member::member_update(&mut ctx).await,
        Cmd::UserAdd
        | Cmd::UserGet
        | Cmd::UserList
        | Cmd::UserRemove
        | Cmd::UserGrant
        | Cmd::UserRevoke
        | Cmd::UserPasswd => auth::user(&mut ctx).await,
        Cmd::RoleAdd
        | Cmd::RoleGet
        | Cmd::RoleList
        | Cmd::RoleRemove
        | Cmd::RoleGrant
        | Cmd::RoleRevoke => auth::role(&mut ctx).await,
        Cmd::AuthEnable | Cmd::AuthDisable => auth::auth(&mut ctx).await,
    }
}

/// etcdctl's `newClient`: endpoints (discovered or given), TLS files, credentials.
fn new_client(ctx: &mut Workbench<'_>) -> Result<Client> {
    let g = ctx.global().clone();
    let discovered = match &g.discovery_srv {
        Some(domain) => super::discover_endpoints(domain, g.insecure_discovery)
            .map_err(|e| exit(EXIT_BAD_ARGS, e.to_string()))?,
        None => Vec::new(),
    };
    let raw = if discovered.is_empty() {
        g.endpoints.clone()
    } else {
        discovered
    };
    let endpoints = raw
        .iter()
        .map(|e| Url::parse_endpoint(e))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| exit(EXIT_BAD_ARGS, e))?;
    let tls = tls_files(
        g.ca_file.as_deref(),
        g.cert_file.as_deref(),
        g.key_file.as_deref(),
    );
    check_tls_files(&tls).map_err(|e| exit(EXIT_BAD_ARGS, e))?;
    let credentials = match g.username.as_deref().map(split_user) {
        Some((user, Some(password))) => Some((user.to_string(), password.to_string())),
        Some((user, None)) => Some((user.to_string(), ask_password(ctx.out, "Password: ")?)),
        None => None,
    };
    let client = Client::new(Config {
        endpoints,
        tls,
        timeout: g.timeout,
        dial_timeout: match g.total_timeout {
            t if !t.is_zero() && t < DIAL_TIMEOUT => t,
            _ => DIAL_TIMEOUT,
        },
        credentials,
    })
    .map_err(|e| exit(EXIT_BAD_ARGS, e.to_string()))?;
    Ok(client)
}

fn stderr_trace() -> super::client::Trace {
    Box::new(|line: &str| warn(line))
}

/// etcdctl's `mustNewClient`: a client synced from `/v2/members` unless `--no-sync`.
async fn synced_client(ctx: &mut Workbench<'_>) -> Result<Client> {
    let mut client = new_client(ctx)?;
    let g = ctx.global().clone();
    if g.debug {
        client.set_trace(stderr_trace());
    }
    if !g.no_sync {
        if g.debug {
            let eps = client.endpoints().join(",");
            client.trace(&format!("start to sync cluster using endpoints({eps})"));
        }
        match sync(&mut client, ctx.deadline()).await {
            Err(Error::NoEndpoints) => {
                return Err(exit(
                    EXIT_SERVER_ERROR,
                    format!(
                        "etcd cluster has no published client endpoints.\n\
                         Try '--no-sync' if you want to access non-published client endpoints({}).\n\
                         Error:  {}",
                        client.endpoints().join(","),
                        Error::NoEndpoints
                    ),
                ));
            }
            Err(e) if e.is_connection() => return Err(handle(EXIT_BAD_CONNECTION, &e)),
            // etcdctl goes on with the endpoints it was given.
            Err(_) | Ok(()) => {}
        }
        if g.debug {
            let eps = client.endpoints().join(",");
            client.trace(&format!("got endpoints({eps}) after sync"));
        }
    }
    if g.debug {
        let eps = client.endpoints().join(", ");
        client.trace(&format!("Cluster-Endpoints: {eps}"));
    }
    Ok(client)
}

/// The client's `Sync`: the members' advertised client URLs replace the endpoints.
async fn sync(client: &mut Client, deadline: Option<Instant>) -> std::result::Result<(), Error> {
    let resp = client.send(&api::members_list(), deadline).await?;
    let members = api::parse_members(&resp)?;
    let urls: Vec<String> = members.into_iter().flat_map(|m| m.client_urls).collect();
    if urls.is_empty() {
        return Err(Error::NoEndpoints);
    }
    let endpoints = urls
        .iter()
        .map(|u| Url::parse_endpoint(u))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::Other)?;
    client.set_endpoints(endpoints);
    Ok(())
}

/// A client for the auth commands, which print the endpoints once more under `--debug`.
async fn auth_client(ctx: &mut Workbench<'_>) -> Result<Client> {
    let mut client = synced_client(ctx).await?;
    if ctx.global().debug {
        let eps = client.endpoints().join(", ");
        client.trace(&format!("Cluster-Endpoints: {eps}"));
    }
    Ok(client)
}
