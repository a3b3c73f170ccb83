//! `snapshot save|status|restore`: fetch a member's backend to a file, describe such a file
//! offline, and make a new member's data directory from one.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};

use crate::client::Client;
use crate::commands::prelude::Workbench;
use crate::commands::process::Sigint;
use crate::error::{CliError, ExitCode};
use crate::output::ResponseKind;
use crate::storage::{DbStatus, PartFile};
use crate::term::progress;

pub mod restore;

/// Manages etcd node snapshots
///
/// Examples:
///   ectl snapshot save backup.db
///   ectl snapshot status backup.db -w table
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    pub command: SnapshotCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SnapshotCommand {
    /// Stores an etcd node backend snapshot to a given file
    ///
    /// The snapshot is written to <filename>.part, checked against the SHA-256 etcd appends to it,
    /// synced and only then renamed to <filename>: an interrupted or failed save leaves no
    /// <filename> behind. With one endpoint this is etcdctl's save. ectl's own additions:
    ///   - <filename> "-" writes the snapshot to stdout (progress on stderr when it is a terminal;
    ///     refused when stdout itself is a terminal);
    ///   - with several endpoints (which etcdctl refuses), the snapshot comes from the first one
    ///     that answers a status request and knows a leader, named on stderr;
    ///   - --verify reads the saved file back (hash trailer and bbolt structure) before it takes
    ///     the name <filename>, and prints its `snapshot status` figures.
    ///
    /// Examples:
    ///   ectl --endpoints=10.0.0.1:2379 snapshot save backup.db
    ///   ectl snapshot save - | gzip > backup.db.gz
    ///   ectl --endpoints=10.0.0.1:2379,10.0.0.2:2379 snapshot save --verify backup.db
    #[command(verbatim_doc_comment)]
    Save(FileArgs),
    Restore(RestoreArgs),
    /// Gets backend snapshot status of a given file
    ///
    /// When --write-out is set to simple, this command prints out comma-separated status lists
    /// for each endpoint. The items in the lists are hash, revision, total keys, total size.
    ///
    /// With --verify (ectl's own), the file must also end with the SHA-256 trailer etcd appends
    /// to a snapshot, and every page of its bbolt structure must read back; a file that fails is
    /// an error, not a status.
    ///
    /// Example:
    ///   ectl snapshot status backup.db -w table
    ///   ectl snapshot status --verify backup.db
    #[command(verbatim_doc_comment)]
    Status(FileArgs),
}

// `save` and `status` take the same arguments; each one's help is on its variant above.
#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// Check the file's SHA-256 trailer and read back every page of its bbolt structure; a file
    /// that fails is an error
    #[arg(long)]
    pub verify: bool,
    /// <filename>
    #[arg(value_name = "FILENAME", value_hint = clap::ValueHint::FilePath)]
    pub args: Vec<PathBuf>,
}

/// Restores an etcd member snapshot to an etcd directory
///
/// Makes a new member data directory (backend, WAL and raft snapshot) for the cluster given by
/// --initial-cluster, from which etcd starts serving the snapshot's keys. Example:
///   ectl snapshot restore backup.db --name m1 --data-dir m1.etcd \
///     --initial-cluster m1=http://10.0.0.1:2380 --initial-advertise-peer-urls http://10.0.0.1:2380
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct RestoreArgs {
    /// Path to the data directory
    #[arg(long, default_value = "", value_hint = clap::ValueHint::DirPath)]
    pub data_dir: String,
    /// Path to the WAL directory (use --data-dir if none given)
    #[arg(long, default_value = "", value_hint = clap::ValueHint::DirPath)]
    pub wal_dir: String,
    /// Initial cluster configuration for restore bootstrap
    #[arg(long, default_value = "default=http://localhost:2380")]
    pub initial_cluster: String,
    /// Initial cluster token for the etcd cluster during restore bootstrap
    #[arg(long, default_value = "etcd-cluster")]
    pub initial_cluster_token: String,
    /// List of this member's peer URLs to advertise to the rest of the cluster
    #[arg(long, default_value = "http://localhost:2380")]
    pub initial_advertise_peer_urls: String,
    /// Human-readable name for this member
    #[arg(long, default_value = "default")]
    pub name: String,
    /// Ignore snapshot integrity hash value (required if copied from data directory)
    #[arg(long)]
    pub skip_hash_check: bool,
    /// <filename>
    #[arg(value_name = "FILENAME", value_hint = clap::ValueHint::FilePath)]
    pub args: Vec<PathBuf>,
}

pub async fn run(args: SnapshotArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    match args.command {
        SnapshotCommand::Save(a) => {
            let [path] = a.args.as_slice() else {
                return Err(CliError::bad_args("snapshot save expects one argument").into());
            };
            let to_stdout = path.as_os_str() == "-";
            // A snapshot is binary: on a terminal it would only garble the screen.
            if to_stdout && crate::term::stdout_is_terminal() {
                return Err(CliError::bad_args(
                    "snapshot save - writes the snapshot to stdout, which is a terminal: redirect it or give a file name",
                )
                .into());
            }
            if a.verify {
                if to_stdout {
                    return Err(CliError::bad_args(
                        "--verify reads the saved file back, so it needs a file name, not \"-\"",
                    )
                    .into());
                }
                ctx.ensure_format(ResponseKind::DbStatus)?;
            }
            let started = std::time::Instant::now();
            // etcdctl exits 5 for every failed save.
            let interrupted =
                |e: anyhow::Error| CliError::new(ExitCode::Interrupted, format!("{e:#}"));
            let size = if to_stdout {
                save_to_stdout(ctx).await.map_err(interrupted)?
            } else {
                let (size, status) = save(path, a.verify, ctx).await.map_err(interrupted)?;
                writeln!(ctx.out, "Snapshot saved at {}", path.display())?;
                if let Some(status) = status {
                    ctx.printer(ctx.style()).db_status(&status)?;
                }
                size
            };
            if progress::shown() {
                // After etcdctl's line, on the terminal only: what a person wants to know next.
                ctx.out.flush()?;
                crate::term::warn(progress::summary(size, started.elapsed()));
            }
            Ok(())
        }
        SnapshotCommand::Status(a) => {
            let [path] = a.args.as_slice() else {
                return Err(
                    CliError::bad_args("snapshot status requires exactly one argument").into(),
                );
            };
            ctx.ensure_format(ResponseKind::DbStatus)?;
            let status = if a.verify {
                verify_file(path).map_err(|e| CliError::error(format!("{e:#}")))?
            } else {
                crate::storage::bbolt::status(path).map_err(CliError::error)?
            };
            ctx.printer(ctx.style()).db_status(&status)?;
            Ok(())
        }
        SnapshotCommand::Restore(a) => {
            let [path] = a.args.as_slice() else {
                return Err(
                    CliError::bad_args("snapshot restore requires exactly one argument").into(),
                );
            };
            let data_dir = if a.data_dir.is_empty() {
                PathBuf::from(format!("{}.etcd", a.name))
            } else {
                PathBuf::from(&a.data_dir)
            };
            let wal_dir = if a.wal_dir.is_empty() {
                data_dir.join("member").join("wal")
            } else {
                PathBuf::from(&a.wal_dir)
            };
            let plan = restore::Plan {
                snapshot: path.clone(),
                name: a.name,
                data_dir,
                wal_dir,
                peer_urls: a
                    .initial_advertise_peer_urls
                    .split(',')
                    .map(str::to_string)
                    .collect(),
                initial_cluster: a.initial_cluster,
                token: a.initial_cluster_token,
                skip_hash_check: a.skip_hash_check,
            };
            let started = std::time::Instant::now();
            // Any failure is etcdctl's plain error (exit 1).
            let (member, cluster) =
                restore::restore(&plan).map_err(|e| CliError::error(format!("{e:#}")))?;
            if progress::shown() {
                // On the terminal only, as save's: where the member is, and who it is.
                crate::term::warn(format!(
                    "restored {} to {} as member {member:x} of cluster {cluster:x} in {:.2}s",
                    path.display(),
                    plan.data_dir.display(),
                    started.elapsed().as_secs_f64()
                ));
            }
            Ok(())
        }
    }
}

/// The SHA-256 of everything but the last 32 bytes of a stream, and those 32 bytes: etcd sends
/// its backend followed by the backend's SHA-256.
#[derive(Default)]
pub struct TrailingHash {
    hasher: Sha256,
    tail: Vec<u8>,
    size: u64,
}

impl TrailingHash {
    pub fn update(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        if chunk.len() >= 32 {
            self.hasher.update(&self.tail);
            self.hasher.update(&chunk[..chunk.len() - 32]);
            self.tail.clear();
            self.tail.extend_from_slice(&chunk[chunk.len() - 32..]);
        } else {
            self.tail.extend_from_slice(chunk);
            let cut = self.tail.len().saturating_sub(32);
            self.hasher.update(&self.tail[..cut]);
            self.tail.drain(..cut);
        }
    }

    /// Checks the trailer as clientv3 and etcd's restore do: the backend is whole pages (of
    /// 512 bytes at least) plus the 32-byte hash, and the hash matches.
    pub fn verify(self) -> anyhow::Result<u64> {
        if self.size % 512 != 32 {
            anyhow::bail!("sha256 checksum not found [bytes: {}]", self.size);
        }
        let computed = self.hasher.finalize();
        if computed.as_slice() != self.tail.as_slice() {
            anyhow::bail!(
                "expected sha256 {}, got {}",
                hex(&self.tail),
                hex(computed.as_slice())
            );
        }
        Ok(self.size)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Saves the snapshot at `path`: the size of the file in bytes and, with `verify`, the status
/// of the file as read back from the disk before it took its name.
async fn save(
    path: &Path,
    verify: bool,
    ctx: &mut Workbench<'_>,
) -> anyhow::Result<(u64, Option<DbStatus>)> {
    let client = source(ctx).await?;
    let mut part_path = path.as_os_str().to_owned();
    part_path.push(".part");
    let part = PartFile::new(PathBuf::from(part_path));
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(part.path())
        .map_err(|e| {
            // clientv3's wording, with Go's `*PathError` as the cause.
            let cause = crate::go::path_error("open", part.path(), &e);
            anyhow::anyhow!("could not open {} ({cause})", part.path().display())
        })?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let size = interruptible(fetch(&client, &mut writer)).await?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    // Read back from the disk, not from memory: what a restore will read.
    let status = verify.then(|| verify_file(part.path())).transpose()?;
    std::fs::rename(part.path(), path).map_err(|e| {
        anyhow::anyhow!(
            "could not rename {} to {} ({e})",
            part.path().display(),
            path.display()
        )
    })?;
    part.keep();
    sync_parent(path);
    Ok((size, status))
}

/// `snapshot save -`: the snapshot on stdout, for a pipe (`| gzip > backup.db.gz`). The
/// trailer is checked as the bytes pass, so a bad stream still fails the command.
async fn save_to_stdout(ctx: &mut Workbench<'_>) -> anyhow::Result<u64> {
    let client = source(ctx).await?;
    let size = interruptible(fetch(&client, &mut *ctx.out)).await?;
    ctx.out.flush()?;
    Ok(size)
}

/// `work`, ended by Ctrl-C (dialling included) with etcdctl's failed-save exit; dropping the
/// caller's `PartFile` then removes the partial file.
async fn interruptible(work: impl Future<Output = anyhow::Result<u64>>) -> anyhow::Result<u64> {
    let mut sigint = Sigint::install()?;
    tokio::select! {
        result = work => result,
        _ = sigint.recv() => anyhow::bail!("interrupted: no snapshot saved"),
    }
}

/// The client to take the snapshot from. One endpoint is etcdctl's case, used as it is (its
/// errors are etcdctl's). Of several, the first that answers a status request and knows a
/// leader, so a dead or cut-off first member does not cost the backup; each endpoint passed
/// over and the one chosen are named on stderr.
async fn source(ctx: &mut Workbench<'_>) -> anyhow::Result<Client> {
    let endpoints = ctx.settings.client.endpoints.clone();
    if let [endpoint] = endpoints.as_slice() {
        return ctx.endpoint_client(endpoint);
    }
    for endpoint in &endpoints {
        let client = ctx.endpoint_client(endpoint)?;
        match client.status().await {
            Ok(status) if status.leader != 0 => {
                let member = status.header.map_or(0, |h| h.member_id);
                crate::term::warn(format!(
                    "taking the snapshot from {endpoint} (member {member:x})"
                ));
                return Ok(client);
            }
            Ok(_) => crate::term::warn(format!("skipping {endpoint}: it knows no leader")),
            Err(e) => {
                // Connection errors already start with the endpoint.
                let text = e.to_string();
                let cause = text.strip_prefix(&format!("{endpoint}: ")).unwrap_or(&text);
                crate::term::warn(format!("skipping {endpoint}: {cause}"))
            }
        }
    }
    anyhow::bail!("no healthy endpoint among [{}]", endpoints.join(" "))
}

/// Checks a saved snapshot as a restore would read it: the SHA-256 trailer over the whole
/// file, then every page of the bbolt structure (the walk `snapshot status` makes); its status.
fn verify_file(path: &Path) -> anyhow::Result<DbStatus> {
    let mut file = File::open(path)
        .map_err(|e| anyhow::anyhow!("{}", crate::go::path_error("open", path, &e)))?;
    let mut hash = TrailingHash::default();
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    hash.verify()?;
    Ok(crate::storage::bbolt::status(path)?)
}

/// Streams the snapshot into `out` and checks its SHA-256 trailer; the bytes written.
async fn fetch(client: &Client, out: &mut dyn Write) -> anyhow::Result<u64> {
    let mut stream = client.snapshot().await?;
    let mut hash = TrailingHash::default();
    // Made at the first message, which tells the total.
    let mut bar: Option<Option<progress::ProgressBar>> = None;
    loop {
        let Some(resp) = stream.message().await.map_err(crate::client::Error::Rpc)? else {
            break;
        };
        out.write_all(&resp.blob)?;
        hash.update(&resp.blob);
        let bar = bar.get_or_insert_with(|| progress::bytes(hash.size + resp.remaining_bytes));
        if let Some(bar) = bar {
            bar.set_position(hash.size);
        }
    }
    if let Some(Some(bar)) = bar {
        bar.finish_and_clear();
    }
    hash.verify()
}

/// Makes the rename durable; best effort, as a directory may not be openable.
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(body: &[u8]) -> Vec<u8> {
        let mut s = body.to_vec();
        s.extend_from_slice(&Sha256::digest(body));
        s
    }

    #[test]
    fn trailing_hash_in_any_chunking() {
        let body: Vec<u8> = (0..4096u32).map(|i| (i * 7) as u8).collect();
        let s = stream(&body);
        for chunk in [1, 5, 31, 32, 33, 1000, 5000] {
            let mut h = TrailingHash::default();
            for c in s.chunks(chunk) {
                h.update(c);
            }
            assert_eq!(h.verify().unwrap(), 4128, "chunk {chunk}");
        }
        let mut bad = s.clone();
        bad[10] ^= 1;
        let mut h = TrailingHash::default();
        h.update(&bad);
        assert!(
            h.verify()
                .unwrap_err()
                .to_string()
                .starts_with("expected sha256")
        );
        let mut h = TrailingHash::default();
        h.update(&s[..4000]);
        assert_eq!(
            h.verify().unwrap_err().to_string(),
            "sha256 checksum not found [bytes: 4000]"
        );
    }
}
