//! `make-mirror`: copy a prefix to another cluster, then keep applying its changes.
//!
//! The copy is read page by page at one pinned revision ([`crate::paged`]) and written in txns
//! of at most `--max-txn-ops` puts. Changes are then watched from the pinned revision + 1; each
//! source revision goes into one destination txn (several only when `--max-txn-ops` forces
//! it), so the destination never shows half a source txn. The source's watch resumes on another
//! member when one is lost. A destination txn whose outcome is unknown (its member died) is
//! sent again: it holds one revision's final puts and deletes, so applying it twice leaves the
//! same keys and values as applying it once.

use std::cell::Cell;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::cli::values::go_int64;
use crate::client::{self, Client, Credentials, TlsOptions};
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::commands::process::{Sigint, die_of_sigint};
use crate::error::CliError;
use crate::keys::prefix_range;
use crate::paged::{DEFAULT_PAGE_BYTES, Pages};
use crate::pb::etcdserverpb::request_op::Request;
use crate::pb::etcdserverpb::{
    DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest, WatchCreateRequest,
};
use crate::pb::mvccpb::event::EventType;
use crate::term;

/// etcd's own default for `--max-txn-ops`, so a default server accepts every txn.
const DEFAULT_MAX_TXN_OPS: u32 = 128;
/// Bytes of keys and values per copy txn: well under etcd's 1.5 MiB request limit.
const MAX_TXN_BYTES: usize = 1 << 20;
/// etcdctl prints the running count this often.
const COUNT_EVERY: Duration = Duration::from_secs(30);
/// Pause before sending a txn again to a destination that is unreachable, doubling up to the
/// maximum.
const RETRY_START: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);

/// Makes a mirror at the destination etcd cluster
///
/// Copies the keys (under --prefix) to the destination, then applies every later change, one
/// source revision per destination txn, until interrupted. Every 30 seconds it prints the
/// number of keys synced so far. On Ctrl-C it says on stderr which revision was applied last;
/// `--rev` with the next one resumes from there.
///
/// Examples:
///   ectl make-mirror 10.0.0.9:2379                      everything, to another cluster
///   ectl make-mirror --prefix /app --dest-prefix /copy 10.0.0.9:2379
///   ectl make-mirror --rev 4711 10.0.0.9:2379           resume: apply changes from 4711 on
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct MakeMirrorArgs {
    /// Key-value prefix to mirror
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// destination prefix to mirror a prefix to a different prefix in the destination cluster
    #[arg(long, default_value = "")]
    pub dest_prefix: String,
    /// mirror key-values to the root of the destination cluster
    #[arg(long)]
    pub no_dest_prefix: bool,
    /// Identify secure client using this TLS certificate file for the destination cluster
    #[arg(long, default_value = "")]
    pub dest_cert: String,
    /// Identify secure client using this TLS key file
    #[arg(long, default_value = "")]
    pub dest_key: String,
    /// Verify certificates of TLS enabled secure servers using this CA bundle
    #[arg(long, default_value = "")]
    pub dest_cacert: String,
    /// Disable transport security for client connections
    #[arg(long, default_value = "true")]
    pub dest_insecure_transport: bool,
    /// Destination username[:password] for authentication (prompt if password is not supplied)
    #[arg(long, default_value = "")]
    pub dest_user: String,
    /// Destination password for authentication (if this option is used, --user option shouldn't include password)
    #[arg(long, default_value = "", hide_default_value = true)]
    pub dest_password: String,
    /// Specify the kv revision to start to mirror
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub rev: i64,
    /// Maximum number of operations permitted in a transaction during syncing updates.
    #[arg(long, default_value_t = DEFAULT_MAX_TXN_OPS)]
    pub max_txn_ops: u32,
    /// <destination>: an endpoint, or several separated by commas (ectl only)
    #[arg(value_name = "DESTINATION")]
    pub args: Vec<OsString>,
}

/// What to copy where, resolved from the flags without I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub destinations: Vec<String>,
    pub prefix: Vec<u8>,
    pub dest_prefix: Vec<u8>,
    /// The first source revision to apply, skipping the copy; `None` copies first.
    pub resume_from: Option<i64>,
    pub max_txn_ops: usize,
}

impl Plan {
    /// Where `key` (under the source prefix) goes: etcdctl replaces the prefix by the
    /// destination prefix.
    fn dest_key(&self, key: &[u8]) -> Vec<u8> {
        let rest = key.strip_prefix(self.prefix.as_slice()).unwrap_or(key);
        [self.dest_prefix.as_slice(), rest].concat()
    }

    /// The source range: the prefix, or every key.
    fn range(&self) -> (Vec<u8>, Vec<u8>) {
        prefix_range(&self.prefix)
    }
}

pub fn plan(args: &MakeMirrorArgs) -> Result<Plan, CliError> {
    let [destination] = args.args.as_slice() else {
        return Err(CliError::bad_args(
            "make-mirror takes one destination argument",
        ));
    };
    if args.no_dest_prefix && !args.dest_prefix.is_empty() {
        return Err(CliError::bad_args(
            "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one",
        ));
    }
    let dest_prefix = match (args.no_dest_prefix, args.dest_prefix.is_empty()) {
        (true, _) => Vec::new(),
        (false, true) => args.prefix.as_bytes().to_vec(),
        (false, false) => args.dest_prefix.as_bytes().to_vec(),
    };
    let destinations = String::from_utf8_lossy(&arg_bytes(destination))
        .split(',')
        .filter(|e| !e.trim().is_empty())
        .map(str::to_string)
        .collect::<Vec<_>>();
    if destinations.is_empty() {
        return Err(CliError::bad_args(
            "make-mirror takes one destination argument",
        ));
    }
    // As etcdctl 3.5: `--rev R` watches from R on without copying; R <= 1 copies everything.
    let resume_from = (args.rev > 1).then_some(args.rev);
    Ok(Plan {
        destinations,
        prefix: args.prefix.as_bytes().to_vec(),
        dest_prefix,
        resume_from,
        max_txn_ops: (args.max_txn_ops as usize).max(1),
    })
}

/// The destination client's settings: the source's timeouts, the `--dest-*` TLS and user.
fn dest_config(
    args: &MakeMirrorArgs,
    plan: &Plan,
    ctx: &mut Workbench<'_>,
) -> anyhow::Result<client::Config> {
    let path = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
    let tls_given =
        !(args.dest_cert.is_empty() && args.dest_key.is_empty() && args.dest_cacert.is_empty());
    let tls = (tls_given || !args.dest_insecure_transport).then(|| TlsOptions {
        ca_file: path(&args.dest_cacert),
        cert_file: path(&args.dest_cert),
        key_file: path(&args.dest_key),
        skip_verify: false,
        server_name: None,
    });
    let credentials = if args.dest_user.is_empty() {
        None
    } else if !args.dest_password.is_empty() {
        Some((args.dest_user.clone(), args.dest_password.clone()))
    } else if let Some((user, password)) = args.dest_user.split_once(':') {
        Some((user.to_string(), password.to_string()))
    } else {
        let password = crate::term::prompt::ask_password(&mut *ctx.out, "Destination Password: ")?;
        Some((args.dest_user.clone(), password))
    };
    Ok(client::Config {
        endpoints: plan.destinations.clone(),
        tls,
        credentials: credentials
            .filter(|(_, password)| !password.is_empty())
            .map(|(user, password)| Credentials { user, password }),
        ..ctx.settings.client.clone()
    })
}

/// Asks the destination once, before anything is read from the source: a wrong address, TLS
/// file or user then fails at once, naming the destination, rather than after the copy (or,
/// with nothing to copy, never).
async fn check_destination(dest: &Client, plan: &Plan) -> anyhow::Result<()> {
    let (key, range_end) = prefix_range(&plan.dest_prefix);
    let probe = RangeRequest {
        key,
        range_end,
        limit: 1,
        keys_only: true,
        ..RangeRequest::default()
    };
    match dest.range(probe).await {
        Ok(_) => Ok(()),
        // The user may write the prefix without reading it, and writing is all a mirror does.
        Err(e) if e.code() == Some(tonic::Code::PermissionDenied) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A failure of the destination, named as such, with its hints naming the DESTINATION
/// argument and the `--dest-*` flags (the client words them for the global flags); the exit
/// code stays the one the failure has. etcd's own answers keep etcdctl's `Error:` line byte for
/// byte, so the destination is named on the hint line there.
fn destination_error(err: anyhow::Error, plan: &Plan) -> anyhow::Error {
    let code = crate::error::classify(&err);
    let hint = crate::error::hint(&err).map(|h| client::for_destination(&h));
    let dests = plan.destinations.join(",");
    let answered = matches!(
        err.downcast_ref::<client::Error>(),
        Some(client::Error::Rpc(_) | client::Error::Authentication(_))
    );
    if answered {
        let hint = match hint {
            Some(hint) => format!("the destination {dests} answered: {hint}"),
            None => format!("the destination {dests} answered"),
        };
        return CliError::new(code, crate::error::render(&err))
            .with_hint(Some(hint))
            .into();
    }
    let message = client::for_destination(&crate::error::render(&err));
    // Connection failures name each endpoint already; settings errors do not.
    let named = plan
        .destinations
        .iter()
        .any(|d| message.contains(d.as_str()));
    let what = if named {
        "destination".to_string()
    } else {
        format!("destination {dests}")
    };
    CliError::new(code, format!("{what}: {message}"))
        .with_hint(hint)
        .into()
}

/// Progress shared between the mirroring and the loop that reports it.
#[derive(Default)]
struct Progress {
    /// Keys put or deleted at the destination: etcdctl's running count.
    synced: Cell<u64>,
    /// The last source revision whose changes are all at the destination; 0 during the copy.
    applied: Cell<i64>,
    /// The revision the copy is read at.
    copy_revision: Cell<i64>,
}

pub async fn run(args: MakeMirrorArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let dest_config = dest_config(&args, &plan, ctx)?;
    let dest = ctx
        .new_client(dest_config)
        .map_err(|e| destination_error(e.into(), &plan))?;
    check_destination(&dest, &plan)
        .await
        .map_err(|e| destination_error(e, &plan))?;
    let mut sigint = Sigint::install()?;
    let (source, out) = ctx.client_and_out()?;
    let progress = Progress::default();
    let bar = term::progress::bar(None, "{spinner} {msg}");
    let work = mirror(&plan, source, &dest, &progress);
    tokio::pin!(work);
    let start = tokio::time::Instant::now();
    let mut count = tokio::time::interval_at(start + COUNT_EVERY, COUNT_EVERY);
    let mut redraw = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            biased;
            _ = sigint.recv() => {
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                crate::term::warn(interrupted_message(&progress));
                return Err(die_of_sigint(out));
            }
            result = &mut work => {
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                return result;
            }
            _ = count.tick() => {
                let line = format!("{}\n", progress.synced.get());
                match &bar {
                    Some(bar) => bar.suspend(|| out.write_all(line.as_bytes()).and_then(|()| out.flush()))?,
                    None => {
                        out.write_all(line.as_bytes())?;
                        out.flush()?;
                    }
                }
            }
            _ = redraw.tick(), if bar.is_some() => {
                if let Some(bar) = &bar {
                    bar.set_message(progress_message(&progress));
                }
            }
        }
    }
}

fn progress_message(progress: &Progress) -> String {
    let synced = progress.synced.get();
    match progress.applied.get() {
        0 => format!(
            "copying at revision {}: {synced} keys synced",
            progress.copy_revision.get()
        ),
        applied => format!("{synced} keys synced, revision {applied} applied"),
    }
}

fn interrupted_message(progress: &Progress) -> String {
    match progress.applied.get() {
        0 => format!(
            "make-mirror: interrupted during the initial copy at revision {}; start again without --rev",
            progress.copy_revision.get()
        ),
        applied => format!(
            "make-mirror: interrupted; last revision applied: {applied} (resume with --rev={})",
            applied + 1
        ),
    }
}

/// Copies, then applies changes until the source's watch ends.
async fn mirror(
    plan: &Plan,
    source: &Client,
    dest: &Client,
    progress: &Progress,
) -> anyhow::Result<()> {
    let (key, range_end) = plan.range();
    let next_revision = match plan.resume_from {
        Some(revision) => revision,
        None => copy(plan, source, dest, progress, key.clone(), range_end.clone()).await? + 1,
    };
    progress.applied.set(next_revision - 1);
    let mut watches = source.watches();
    watches.add(WatchCreateRequest {
        key,
        range_end,
        start_revision: next_revision,
        progress_notify: true,
        ..WatchCreateRequest::default()
    });
    let mut txn = Batch::new(plan.max_txn_ops);
    // The destination answered before this (its check at start, and the copy): a member lost
    // under the first live txn is waited for like any later one, not taken for a wrong
    // destination.
    txn.reached = true;
    loop {
        let response = match watches.next().await? {
            client::watch::Delivery::Response { response, .. } => response,
            client::watch::Delivery::Closed { error, .. } => anyhow::bail!(error),
            client::watch::Delivery::Canceled { .. } => {
                anyhow::bail!("watch canceled by the server")
            }
        };
        if response.compact_revision != 0 {
            anyhow::bail!("etcdserver: mvcc: required revision has been compacted");
        }
        let Some(last) = response.events.last().and_then(|e| e.kv.as_ref()) else {
            // A progress notification: every change up to its revision was delivered.
            let revision = response.header.map_or(0, |h| h.revision);
            progress.applied.set(progress.applied.get().max(revision));
            continue;
        };
        let last_revision = last.mod_revision;
        let mut revision = 0;
        for event in response.events {
            let Some(kv) = event.kv else { continue };
            if revision != 0 && kv.mod_revision != revision {
                txn.commit(dest, plan).await?;
                progress.applied.set(revision);
            }
            revision = kv.mod_revision;
            if txn.is_full() {
                txn.commit(dest, plan).await?;
            }
            let key = plan.dest_key(&kv.key);
            let op = if event.r#type == EventType::Delete as i32 {
                Request::RequestDeleteRange(DeleteRangeRequest {
                    key,
                    ..DeleteRangeRequest::default()
                })
            } else {
                Request::RequestPut(PutRequest {
                    key,
                    value: kv.value,
                    ..PutRequest::default()
                })
            };
            txn.push(op, 0);
            progress.synced.set(progress.synced.get() + 1);
        }
        txn.commit(dest, plan).await?;
        progress.applied.set(last_revision);
    }
}

/// The initial copy at one revision; returns that revision.
async fn copy(
    plan: &Plan,
    source: &Client,
    dest: &Client,
    progress: &Progress,
    key: Vec<u8>,
    range_end: Vec<u8>,
) -> anyhow::Result<i64> {
    let request = RangeRequest {
        key,
        range_end,
        ..RangeRequest::default()
    };
    let mut pages = Pages::new(source, request, DEFAULT_PAGE_BYTES);
    let mut txn = Batch::new(plan.max_txn_ops);
    while let Some(page) = pages.next().await? {
        progress.copy_revision.set(pages.revision());
        for kv in page.kvs {
            let bytes = kv.key.len() + kv.value.len();
            if txn.is_full() || txn.bytes + bytes > MAX_TXN_BYTES {
                txn.commit(dest, plan).await?;
            }
            let put = PutRequest {
                key: plan.dest_key(&kv.key),
                value: kv.value,
                ..PutRequest::default()
            };
            txn.push(Request::RequestPut(put), bytes);
            progress.synced.set(progress.synced.get() + 1);
        }
    }
    txn.commit(dest, plan).await?;
    Ok(pages.revision())
}

/// Operations for one destination txn.
struct Batch {
    ops: Vec<RequestOp>,
    bytes: usize,
    max_ops: usize,
    /// Whether a txn ever succeeded: until then a failure is the user's to see (a wrong
    /// destination), afterwards an unreachable destination is waited for.
    reached: bool,
}

impl Batch {
    fn new(max_ops: usize) -> Batch {
        Batch {
            ops: Vec::new(),
            bytes: 0,
            max_ops,
            reached: false,
        }
    }

    fn is_full(&self) -> bool {
        self.ops.len() >= self.max_ops
    }

    fn push(&mut self, request: Request, bytes: usize) {
        self.ops.push(RequestOp {
            request: Some(request),
        });
        self.bytes += bytes;
    }

    /// Sends the txn, again and again while the destination is unreachable.
    async fn commit(&mut self, dest: &Client, plan: &Plan) -> anyhow::Result<()> {
        if self.ops.is_empty() {
            return Ok(());
        }
        let request = TxnRequest {
            success: std::mem::take(&mut self.ops),
            ..TxnRequest::default()
        };
        self.bytes = 0;
        let mut pause = RETRY_START;
        loop {
            match dest.txn(request.clone()).await {
                Ok(_) => {
                    self.reached = true;
                    return Ok(());
                }
                // Including a txn in flight when its member died, which may or may not have
                // been applied: sending it again is safe, as the module doc says.
                Err(e) if self.reached && crate::paged::member_lost(&e) => {
                    tracing::debug!(error = %e, "destination txn failed; sending it again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(RETRY_MAX);
                }
                Err(e) => return Err(destination_error(e.into(), plan)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(argv: &[&str]) -> Result<Plan, CliError> {
        let parsed: MakeMirrorArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan(&parsed)
    }

    #[test]
    fn destination_prefix_rules_are_etcdctls() {
        let p = plan_of(&["--prefix", "o_", "h:1"]).unwrap();
        assert_eq!(p.dest_key(b"o_key1"), b"o_key1");
        let p = plan_of(&["--prefix", "o_", "--dest-prefix", "d_", "h:1"]).unwrap();
        assert_eq!(p.dest_key(b"o_key1"), b"d_key1");
        let p = plan_of(&["--prefix", "o_", "--no-dest-prefix", "h:1"]).unwrap();
        assert_eq!(p.dest_key(b"o_key1"), b"key1");
        let p = plan_of(&["--dest-prefix", "d_", "h:1"]).unwrap();
        assert_eq!(p.dest_key(b"key"), b"d_key");
        assert_eq!(p.range(), (vec![0], vec![0]));
    }

    #[test]
    fn argument_errors() {
        let e = plan_of(&[]).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                crate::error::ExitCode::BadArgs,
                "make-mirror takes one destination argument"
            )
        );
        assert!(plan_of(&["a:1", "b:2"]).is_err());
        let e = plan_of(&["--dest-prefix", "d", "--no-dest-prefix", "h:1"]).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::BadArgs);
    }

    #[test]
    fn resuming_and_destinations() {
        let p = plan_of(&["--rev", "7", "--max-txn-ops", "0", "a:1,b:2"]).unwrap();
        assert_eq!(p.resume_from, Some(7));
        assert_eq!(p.max_txn_ops, 1);
        assert_eq!(p.destinations, ["a:1", "b:2"]);
        assert_eq!(plan_of(&["--rev", "1", "a:1"]).unwrap().resume_from, None);
    }
}
