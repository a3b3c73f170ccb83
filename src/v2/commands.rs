//! Running one v2 command: the client set-up etcdctl does first (endpoints, TLS, credentials,
//! the member-list sync), then the command's own checks, request and output, each failing with
//! etcdctl v2's text and exit code.

use crate::term::prompt::ask_password;
use crate::term::warn;
use std::io::{self, Read, Write};
use std::time::Instant;

use super::api::{self, DeleteOptions, Perm, PrevExist, SetOptions};
use super::cli::{Cmd, Global, Run};
use super::client::{Client, Config, Request};
use super::error::{EXIT_BAD_ARGS, EXIT_BAD_CONNECTION, EXIT_SERVER_ERROR, Error, Exit};
use super::output::{self, Format, Printed};
use super::url::{self, Url};
use crate::client::tls::TlsOptions;

type Result<T> = std::result::Result<T, anyhow::Error>;

fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    Exit::new(code, message).into()
}

fn handle(code: u8, err: &Error) -> anyhow::Error {
    Exit::handle(code, err).into()
}

/// The state a command runs with: settings, its flags and arguments, the output.
struct Ctx<'a> {
    run: Run,
    out: &'a mut dyn Write,
}

impl Ctx<'_> {
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

/// `backup`: offline, on a member's data directory (see `storage::backup`). etcdctl reports
/// through its logger on stderr, each line stamped; a failure is its fatal line, exit 1.
fn backup(run: &Run) -> Result<()> {
    let f = &run.flags;
    let path = |name: &str| f.string(name).filter(|p| !p.is_empty()).map(Into::into);
    let options = crate::storage::backup::BackupOptions {
        data_dir: f.string("data-dir").unwrap_or("").into(),
        wal_dir: path("wal-dir"),
        backup_dir: f.string("backup-dir").unwrap_or("").into(),
        backup_wal_dir: path("backup-wal-dir"),
        with_v3: f.bool("with-v3"),
    };
    match crate::storage::backup::backup(&options) {
        Ok(report) => {
            for line in &report.log {
                warn(format_args!("{} I | {line}", log_stamp()));
            }
            Ok(())
        }
        Err(e) => Err(exit(1, format!("{} I | {e}", log_stamp()))),
    }
}

/// The local time as etcd 3.4's logger stamps a line: `2006-01-02 15:04:05.000000`.
fn log_stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: localtime_r only writes the tm it is given.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_micros()
    )
}

pub async fn run(run: Run, out: &mut dyn Write) -> Result<()> {
    let mut ctx = Ctx { run, out };
    match ctx.run.cmd {
        Cmd::Backup => backup(&ctx.run),
        Cmd::Get => get(&mut ctx).await,
        Cmd::Ls => ls(&mut ctx).await,
        Cmd::Set | Cmd::Mk | Cmd::Update => set(&mut ctx).await,
        Cmd::Mkdir | Cmd::Setdir | Cmd::Updatedir => mkdir(&mut ctx).await,
        Cmd::Rm | Cmd::Rmdir => rm(&mut ctx).await,
        Cmd::Watch => watch(&mut ctx).await,
        Cmd::ExecWatch => exec_watch(&mut ctx).await,
        Cmd::ClusterHealth => cluster_health(&mut ctx).await,
        Cmd::MemberList => member_list(&mut ctx).await,
        Cmd::MemberAdd => member_add(&mut ctx).await,
        Cmd::MemberRemove => member_remove(&mut ctx).await,
        Cmd::MemberUpdate => member_update(&mut ctx).await,
        Cmd::UserAdd
        | Cmd::UserGet
        | Cmd::UserList
        | Cmd::UserRemove
        | Cmd::UserGrant
        | Cmd::UserRevoke
        | Cmd::UserPasswd => user(&mut ctx).await,
        Cmd::RoleAdd
        | Cmd::RoleGet
        | Cmd::RoleList
        | Cmd::RoleRemove
        | Cmd::RoleGrant
        | Cmd::RoleRevoke => role(&mut ctx).await,
        Cmd::AuthEnable | Cmd::AuthDisable => auth(&mut ctx).await,
    }
}

/// etcdctl's `newClient`: endpoints (discovered or given), TLS files, credentials.
fn new_client(ctx: &mut Ctx<'_>) -> Result<Client> {
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
    let tls = TlsOptions {
        ca_file: g.ca_file.clone().map(Into::into),
        cert_file: g.cert_file.clone().map(Into::into),
        key_file: g.key_file.clone().map(Into::into),
        skip_verify: false,
        server_name: None,
    };
    if tls.cert_file.is_some() != tls.key_file.is_some() {
        let shown = |p: &Option<std::path::PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        return Err(exit(
            EXIT_BAD_ARGS,
            format!(
                "KeyFile and CertFile must both be present[key: {}, cert: {}]",
                shown(&tls.key_file),
                shown(&tls.cert_file)
            ),
        ));
    }
    if tls != TlsOptions::default() {
        // etcdctl loads the files while building its transport, before any request: the key
        // pair first, then the CA.
        for path in [&tls.cert_file, &tls.key_file, &tls.ca_file]
            .into_iter()
            .flatten()
        {
            if let Err(e) = std::fs::metadata(path).and_then(|_| std::fs::File::open(path)) {
                let text = crate::go::errno_text(&e);
                return Err(exit(
                    EXIT_BAD_ARGS,
                    format!("open {}: {text}", path.display()),
                ));
            }
        }
        crate::client::tls::client_config(&tls).map_err(|e| exit(EXIT_BAD_ARGS, e.to_string()))?;
    }
    let credentials = match &g.username {
        Some(flag) => Some(match flag.split_once(':') {
            Some((user, password)) => (user.to_string(), password.to_string()),
            None => (flag.clone(), ask_password(ctx.out, "Password: ")?),
        }),
        None => None,
    };
    let client = Client::new(Config {
        endpoints,
        tls,
        timeout: g.timeout,
        credentials,
    })
    .map_err(|e| exit(EXIT_BAD_ARGS, e.to_string()))?;
    Ok(client)
}

fn stderr_trace() -> super::client::Trace {
    Box::new(|line: &str| warn(line))
}

/// etcdctl's `mustNewClient`: a client synced from `/v2/members` unless `--no-sync`.
async fn synced_client(ctx: &mut Ctx<'_>) -> Result<Client> {
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
async fn auth_client(ctx: &mut Ctx<'_>) -> Result<Client> {
    let mut client = synced_client(ctx).await?;
    if ctx.global().debug {
        let eps = client.endpoints().join(", ");
        client.trace(&format!("Cluster-Endpoints: {eps}"));
    }
    Ok(client)
}

/// A keys request and its answer; failures are etcdctl's server errors (exit 4).
async fn keys(
    client: &mut Client,
    req: &Request,
    deadline: Option<Instant>,
) -> Result<api::KeysResponse> {
    let resp = client
        .send(req, deadline)
        .await
        .map_err(|e| handle(EXIT_SERVER_ERROR, &e))?;
    match api::keys_response(&resp) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(handle(
            EXIT_SERVER_ERROR,
            &Error::other("client: response body is empty"),
        )),
        Err(e) => Err(handle(EXIT_SERVER_ERROR, &e)),
    }
}

fn key_required(ctx: &Ctx<'_>) -> Result<String> {
    ctx.arg(0)
        .map(str::to_string)
        .ok_or_else(|| handle(EXIT_BAD_ARGS, &Error::other("key required")))
}

async fn get(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let f = &ctx.run.flags;
    let req = api::get(&key, false, f.bool("sort"), f.bool("quorum"));
    let resp = keys(&mut client, &req, ctx.deadline()).await?;
    if let Some(node) = resp.node.as_ref().filter(|n| n.dir) {
        return Err(exit(1, format!("{}: is a directory", node.key)));
    }
    ctx.print_key(&resp)
}

async fn ls(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = ctx.arg(0).unwrap_or("/").to_string();
    let f = &ctx.run.flags;
    let req = api::get(&key, f.bool("recursive"), f.bool("sort"), f.bool("quorum"));
    let slash = f.bool("p");
    let resp = keys(&mut client, &req, ctx.deadline()).await?;
    let format = ctx.format();
    if output::print_ls(ctx.out, &resp, format, slash)? == Printed::UnsupportedFormat {
        warn(format_args!(
            "Unsupported output format: {}",
            ctx.global().output
        ));
    }
    Ok(())
}

/// etcdctl's `argOrStdin`: the argument, else all of stdin (which must not be empty).
fn value_arg(ctx: &Ctx<'_>) -> Result<String> {
    if let Some(v) = ctx.arg(1) {
        return Ok(v.to_string());
    }
    let mut buf = Vec::new();
    let read = io::stdin().read_to_end(&mut buf);
    match (read, String::from_utf8(buf)) {
        (Ok(_), Ok(v)) if !v.is_empty() => Ok(v),
        _ => Err(handle(EXIT_BAD_ARGS, &Error::other("value required"))),
    }
}

/// A count flag as Go's `uint64(int)` conversion turns it into an index.
fn index_flag(ctx: &Ctx<'_>, name: &str) -> u64 {
    ctx.run.flags.int(name) as u64
}

/// `--ttl`: seconds, ignored unless positive.
fn ttl(ctx: &Ctx<'_>) -> u64 {
    ctx.run.flags.int("ttl").max(0) as u64
}

async fn set(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let value = value_arg(ctx)?;
    let f = &ctx.run.flags;
    let req = match ctx.run.cmd {
        Cmd::Mk if f.bool("in-order") => api::create_in_order(&key, &value, ttl(ctx)),
        cmd => api::set(
            &key,
            &value,
            &SetOptions {
                prev_value: f.string("swap-with-value").unwrap_or("").to_string(),
                prev_index: index_flag(ctx, "swap-with-index"),
                prev_exist: match cmd {
                    Cmd::Mk => Some(PrevExist::NoExist),
                    Cmd::Update => Some(PrevExist::Exist),
                    _ => None,
                },
                ttl: ttl(ctx),
                dir: false,
            },
        ),
    };
    let resp = keys(&mut client, &req, ctx.deadline()).await?;
    ctx.print_key(&resp)
}

async fn mkdir(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let prev_exist = match ctx.run.cmd {
        Cmd::Mkdir => PrevExist::NoExist,
        Cmd::Updatedir => PrevExist::Exist,
        _ => PrevExist::Ignore,
    };
    let opts = SetOptions {
        prev_exist: Some(prev_exist),
        ttl: ttl(ctx),
        dir: true,
        ..SetOptions::default()
    };
    let resp = keys(&mut client, &api::set(&key, "", &opts), ctx.deadline()).await?;
    if !ctx.simple() {
        ctx.print_key(&resp)?;
    }
    Ok(())
}

async fn rm(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let f = &ctx.run.flags;
    let opts = if ctx.run.cmd == Cmd::Rmdir {
        DeleteOptions {
            dir: true,
            ..DeleteOptions::default()
        }
    } else {
        DeleteOptions {
            prev_value: f.string("with-value").unwrap_or("").to_string(),
            prev_index: index_flag(ctx, "with-index"),
            dir: f.bool("dir"),
            recursive: f.bool("recursive"),
        }
    };
    let resp = keys(&mut client, &api::delete(&key, &opts), ctx.deadline()).await?;
    let dir = resp.node.as_ref().is_some_and(|n| n.dir);
    if !dir || !ctx.simple() {
        ctx.print_key(&resp)?;
    }
    Ok(())
}

/// Waits for the next change after `index` (0: from now); `Ok(None)` on Ctrl-C.
async fn next_event(
    client: &mut Client,
    key: &str,
    index: u64,
    recursive: bool,
) -> Result<Option<api::KeysResponse>> {
    loop {
        let req = api::wait(key, index, recursive);
        let resp = tokio::select! {
            resp = client.send(&req, None) => resp,
            _ = tokio::signal::ctrl_c() => return Ok(None),
        };
        let resp = resp.map_err(|e| handle(EXIT_SERVER_ERROR, &e))?;
        match api::keys_response(&resp) {
            Ok(Some(r)) => return Ok(Some(r)),
            // The server ended the poll without an event: ask again.
            Ok(None) => continue,
            Err(e) => return Err(handle(EXIT_SERVER_ERROR, &e)),
        }
    }
}

fn first_wait_index(ctx: &Ctx<'_>) -> u64 {
    match ctx.run.flags.int("after-index") {
        n if n > 0 => n as u64 + 1,
        _ => 0,
    }
}

async fn watch(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let recursive = ctx.run.flags.bool("recursive");
    let forever = ctx.run.flags.bool("forever");
    let mut index = first_wait_index(ctx);
    while let Some(resp) = next_event(&mut client, &key, index, recursive).await? {
        let node = resp.node.clone().unwrap_or_default();
        index = node.modified_index + 1;
        if node.dir {
            continue;
        }
        if recursive {
            writeln!(ctx.out, "[{}] {}", resp.action, node.key)?;
        }
        ctx.print_key(&resp)?;
        ctx.out.flush()?;
        if !forever {
            break;
        }
    }
    Ok(())
}

/// exec-watch's arguments after urfave consumed a `--`: the key first when a later `--` is
/// still there, else the key is the last argument and the command comes before it.
fn exec_watch_args(args: &[String]) -> Option<(String, Vec<String>)> {
    if args.len() < 2 {
        return None;
    }
    if args.iter().skip(1).any(|a| a == "--") {
        return Some((args[0].clone(), args[2..].to_vec()));
    }
    let (key, cmd) = args.split_last()?;
    Some((key.clone(), cmd.to_vec()))
}

async fn exec_watch(ctx: &mut Ctx<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let Some((key, command)) = exec_watch_args(&ctx.run.args) else {
        return Err(handle(
            EXIT_BAD_ARGS,
            &Error::other("key and command to exec required"),
        ));
    };
    let recursive = ctx.run.flags.bool("recursive");
    let mut index = first_wait_index(ctx);
    while let Some(resp) = next_event(&mut client, &key, index, recursive).await? {
        let node = resp.node.clone().unwrap_or_default();
        index = node.modified_index + 1;
        if node.dir {
            warn(format_args!("Ignored dir {} change", node.key));
            continue;
        }
        ctx.out.flush()?;
        let Some((program, args)) = command.split_first() else {
            return Err(exit(1, "exec: no command"));
        };
        let child = std::process::Command::new(program)
            .args(args)
            .env("ETCD_WATCH_ACTION", &resp.action)
            .env("ETCD_WATCH_MODIFIED_INDEX", node.modified_index.to_string())
            .env("ETCD_WATCH_KEY", &node.key)
            .env("ETCD_WATCH_VALUE", &node.value)
            .spawn();
        match child {
            // etcdctl does not wait for the command before watching again; a thread reaps it.
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(e) => {
                let text = if e.kind() == io::ErrorKind::NotFound && !program.contains('/') {
                    format!("exec: {program:?}: executable file not found in $PATH")
                } else {
                    format!("fork/exec {program}: {}", crate::go::errno_text(&e))
                };
                return Err(exit(1, text));
            }
        }
    }
    Ok(())
}

async fn members(
    client: &mut Client,
    deadline: Option<Instant>,
) -> std::result::Result<Vec<api::Member>, Error> {
    let resp = client.send(&api::members_list(), deadline).await?;
    api::parse_members(&resp)
}

fn no_args(ctx: &Ctx<'_>) -> Result<()> {
    if ctx.run.args.is_empty() {
        Ok(())
    } else {
        Err(exit(1, "No arguments accepted"))
    }
}

async fn member_list(ctx: &mut Ctx<'_>) -> Result<()> {
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

async fn member_add(ctx: &mut Ctx<'_>) -> Result<()> {
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

async fn member_remove(ctx: &mut Ctx<'_>) -> Result<()> {
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

async fn member_update(ctx: &mut Ctx<'_>) -> Result<()> {
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

async fn cluster_health(ctx: &mut Ctx<'_>) -> Result<()> {
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
            return Err(Exit::new(super::error::EXIT_CLUSTER_NOT_HEALTHY, String::new()).into());
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
    if let Some(e) = api::go_json_start_error(&resp.body) {
        return Err(e);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&resp.body).map_err(|e| api::go_json_error(&e))?;
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

fn name_arg(ctx: &Ctx<'_>, missing: &str) -> Result<String> {
    if ctx.run.args.len() != 1 {
        return Err(exit(1, missing));
    }
    Ok(ctx.run.args[0].clone())
}

async fn send_ok(
    client: &mut Client,
    req: &Request,
    deadline: Option<Instant>,
) -> Result<super::client::Response> {
    client
        .send(req, deadline)
        .await
        .map_err(|e| exit(1, e.to_string()))
}

async fn user(ctx: &mut Ctx<'_>) -> Result<()> {
    const NO_NAME: &str = "Please provide a username";
    let cmd = ctx.run.cmd;
    if cmd == Cmd::UserList {
        no_args(ctx)?;
        let mut client = auth_client(ctx).await?;
        let resp = send_ok(&mut client, &api::users_list(), ctx.deadline()).await?;
        let names = api::parse_names(&resp, "users", "user").map_err(|e| exit(1, e.to_string()))?;
        for n in names {
            writeln!(ctx.out, "{n}")?;
        }
        return Ok(());
    }
    let roles = ctx.run.flags.slice("roles").to_vec();
    if matches!(cmd, Cmd::UserGrant | Cmd::UserRevoke) && roles.is_empty() {
        return Err(exit(1, "No roles specified; please use `--roles`"));
    }
    let arg = name_arg(ctx, NO_NAME)?;
    let mut client = auth_client(ctx).await?;
    let deadline = ctx.deadline();
    let path = |name: &str| api::auth_path("users", name);
    let fail = |e: Error| exit(1, e.to_string());
    match cmd {
        Cmd::UserAdd => {
            let user = arg.split(':').next().unwrap_or(&arg).to_string();
            let password = match arg.split_once(':') {
                Some((_, p)) => p.to_string(),
                None => ask_password(ctx.out, "New password: ")?,
            };
            let req = Request::new(hyper::Method::PUT, path(&user)).json(api::user_body(
                &user,
                Some(&password),
                &[],
                &[],
            ));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "User {user} created")?;
        }
        Cmd::UserRemove => {
            let req = Request::new(hyper::Method::DELETE, path(&arg));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "User {arg} removed")?;
        }
        Cmd::UserPasswd => {
            let password = ask_password(ctx.out, "New password: ")?;
            let req = Request::new(hyper::Method::PUT, path(&arg)).json(api::user_body(
                &arg,
                Some(&password),
                &[],
                &[],
            ));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::parse_user(&resp).map_err(fail)?;
            writeln!(ctx.out, "Password updated")?;
        }
        Cmd::UserGrant | Cmd::UserRevoke => {
            let (grant, revoke): (&[String], &[String]) = if cmd == Cmd::UserGrant {
                (&roles, &[])
            } else {
                (&[], &roles)
            };
            let req = Request::new(hyper::Method::PUT, path(&arg))
                .json(api::user_body(&arg, None, grant, revoke));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::parse_user(&resp).map_err(fail)?;
            writeln!(ctx.out, "User {arg} updated")?;
        }
        _ => {
            let req = Request::new(hyper::Method::GET, path(&arg));
            let resp = send_ok(&mut client, &req, deadline).await?;
            let user = api::parse_user(&resp).map_err(fail)?;
            writeln!(ctx.out, "User: {}", user.user)?;
            writeln!(ctx.out, "Roles: {}", user.roles.join(" "))?;
        }
    }
    Ok(())
}

async fn get_role(
    client: &mut Client,
    name: &str,
    deadline: Option<Instant>,
) -> std::result::Result<api::Role, Error> {
    let req = Request::new(hyper::Method::GET, api::auth_path("roles", name));
    let resp = client.send(&req, deadline).await?;
    api::parse_role(&resp)
}

async fn role(ctx: &mut Ctx<'_>) -> Result<()> {
    const NO_NAME: &str = "Please provide a role name";
    let cmd = ctx.run.cmd;
    let fail = |e: Error| exit(1, e.to_string());
    if cmd == Cmd::RoleList {
        no_args(ctx)?;
        let mut client = auth_client(ctx).await?;
        let req = Request::new(hyper::Method::GET, api::auth_path("roles", ""));
        let resp = send_ok(&mut client, &req, ctx.deadline()).await?;
        for n in api::parse_names(&resp, "roles", "role").map_err(fail)? {
            writeln!(ctx.out, "{n}")?;
        }
        return Ok(());
    }
    let change = if matches!(cmd, Cmd::RoleGrant | Cmd::RoleRevoke) {
        Some(role_change(ctx)?)
    } else {
        None
    };
    let name = name_arg(ctx, NO_NAME)?;
    let mut client = auth_client(ctx).await?;
    let deadline = ctx.deadline();
    let path = api::auth_path("roles", &name);
    match cmd {
        Cmd::RoleAdd => {
            if get_role(&mut client, &name, deadline).await.is_ok() {
                return Err(exit(1, format!("Role {name} already exists")));
            }
            let req = Request::new(hyper::Method::PUT, path).json(api::role_body(&name, None));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "Role {name} created")?;
        }
        Cmd::RoleRemove => {
            let req = Request::new(hyper::Method::DELETE, path);
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "Role {name} removed")?;
        }
        Cmd::RoleGrant | Cmd::RoleRevoke => {
            let (prefix, perm) = change.expect("checked above");
            let current = get_role(&mut client, &name, deadline).await.map_err(fail)?;
            let field = if cmd == Cmd::RoleGrant {
                "grant"
            } else {
                "revoke"
            };
            let paths = [prefix];
            let req = Request::new(hyper::Method::PUT, path)
                .json(api::role_body(&name, Some((field, perm, &paths))));
            let resp = send_ok(&mut client, &req, deadline).await?;
            let updated = api::parse_role(&resp).map_err(fail)?;
            if updated == current {
                // etcdctl prints this without a newline, before the next line.
                let done = if cmd == Cmd::RoleGrant {
                    "granted"
                } else {
                    "revoked"
                };
                write!(ctx.out, "Role unchanged; already {done}")?;
            }
            writeln!(ctx.out, "Role {name} updated")?;
        }
        _ => {
            let role = get_role(&mut client, &name, deadline).await.map_err(fail)?;
            writeln!(ctx.out, "Role: {}", role.role)?;
            writeln!(ctx.out, "KV Read:")?;
            for p in role.permissions.kv.read.iter().flatten() {
                writeln!(ctx.out, "\t{p}")?;
            }
            writeln!(ctx.out, "KV Write:")?;
            for p in role.permissions.kv.write.iter().flatten() {
                writeln!(ctx.out, "\t{p}")?;
            }
        }
    }
    Ok(())
}

/// role grant/revoke's checks, in etcdctl's order: a canonical `--path`, exactly one permission.
fn role_change(ctx: &Ctx<'_>) -> Result<(String, Perm)> {
    let f = &ctx.run.flags;
    let path = f.string("path").unwrap_or("");
    if path.is_empty() {
        return Err(exit(1, "No path specified; please use `--path`"));
    }
    let canonical = url::canonical(path);
    if canonical != path {
        return Err(exit(
            1,
            format!("Not canonical path; please use `--path={canonical}`"),
        ));
    }
    let perms = [
        (f.bool("read"), Perm::Read),
        (f.bool("write"), Perm::Write),
        (f.bool("readwrite"), Perm::ReadWrite),
    ];
    let chosen: Vec<Perm> = perms
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, p)| *p)
        .collect();
    match chosen.as_slice() {
        [one] => Ok((path.to_string(), *one)),
        _ => Err(exit(
            1,
            "Please specify exactly one of --read, --write or --readwrite",
        )),
    }
}

async fn auth(ctx: &mut Ctx<'_>) -> Result<()> {
    no_args(ctx)?;
    let enable = ctx.run.cmd == Cmd::AuthEnable;
    let mut client = auth_client(ctx).await?;
    let resp = send_ok(&mut client, &api::auth_enable(enable), ctx.deadline()).await?;
    api::auth_result(&resp, &[200, 201]).map_err(|e| exit(1, e.to_string()))?;
    writeln!(
        ctx.out,
        "Authentication {}",
        if enable { "Enabled" } else { "Disabled" }
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exec_watch_finds_key_and_command_as_etcdctl() {
        // urfave consumed the first `--`, so the key is last.
        assert_eq!(
            exec_watch_args(&strings(&["foo", "sh", "-c", "echo"])),
            Some(("echo".into(), strings(&["foo", "sh", "-c"])))
        );
        assert_eq!(
            exec_watch_args(&strings(&["foo", "--", "sh", "-c", "echo"])),
            Some(("foo".into(), strings(&["sh", "-c", "echo"])))
        );
        assert_eq!(exec_watch_args(&strings(&["foo"])), None);
    }
}
