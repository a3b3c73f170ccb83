//! `export` and `import` (ectl only): a keyspace as NDJSON, streamed at one revision, and
//! written back in txns.
//!
//! The dump's first line is a header naming its format, the cluster, member and revision; each
//! further line is one key: key and value in base64, lease, create and mod revision, version.
//! Export reads pages at one revision ([`crate::paged`]), so memory stays flat and the dump
//! is one consistent state. Cut short (Ctrl-C, a failure, not a reader closing the pipe), it
//! says on stderr how to continue: the same `--rev`, and `--after` the last key written. On a
//! terminal it shows a count of keys as it goes and ends with a summary line. Import reads a dump line by line and
//! writes txns of at most 128 puts (etcd's default txn limit).

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use clap::Args;

use crate::client::Client;
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::commands::process::{Sigint, die_of_sigint};
use crate::commands::range::RangeArgs;
use crate::dump;
use crate::error::{CliError, ExitCode};
use crate::paged::{DEFAULT_PAGE_BYTES, KvSource, Pages};
use crate::pb::etcdserverpb::compare::{CompareResult, CompareTarget, TargetUnion};
use crate::pb::etcdserverpb::request_op::Request;
use crate::pb::etcdserverpb::{Compare, PutRequest, RangeRequest, RequestOp, TxnRequest};
use crate::term;

/// etcd's default `--max-txn-ops`.
const TXN_OPS: usize = 128;
/// Bytes of keys and values per txn: well under etcd's 1.5 MiB request limit.
const TXN_BYTES: usize = 1 << 20;

/// Writes a range of keys as NDJSON at one revision (ectl only)
///
/// The first line is a header (format, cluster id, member id, revision); each further line is
/// a key: key and value base64, lease, create_revision, mod_revision, version. Without a key,
/// the whole keyspace. Cut short, it prints on stderr the --rev and --after that continue it.
///
/// Examples:
///   ectl export > dump.ndjson                   every key
///   ectl export --prefix /registry > k8s.ndjson
///   ectl export --rev 4711 --after /registry/pods/x --prefix /registry >> k8s.ndjson
#[derive(Debug, Clone, Args)]
#[command(
    verbatim_doc_comment,
    mut_arg("prefix", |a| a.help("Export keys with matching prefix")),
    mut_arg("from_key", |a| a.help("Export keys that are greater than or equal to the given key")),
    mut_arg("rev", |a| a.help("The revision to export (default: the current one)")),
    mut_arg("args", |a| a.help("[key [range_end]]")),
)]
pub struct ExportArgs {
    #[command(flatten)]
    pub range: RangeArgs,
    /// Start just after this key (continues a cut export; no header line then)
    #[arg(long)]
    pub after: Option<OsString>,
}

/// Writes the keys of an `ectl export` dump back (ectl only)
///
/// Keys are written in txns of up to 128 puts, without their leases (lease ids belong to the
/// cluster that granted them). Prints how many keys were written and skipped.
///
/// Examples:
///   ectl import dump.ndjson
///   ectl import --strip-prefix /old/ --dest-prefix /new/ dump.ndjson
///   ectl import --if-absent - < dump.ndjson     keep keys that already exist
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// Remove this prefix from the keys that start with it
    #[arg(long, default_value = "")]
    pub strip_prefix: String,
    /// Put this prefix in front of every key (after --strip-prefix)
    #[arg(long, default_value = "")]
    pub dest_prefix: String,
    /// Write only keys that do not exist (a compare on create_revision = 0)
    #[arg(long)]
    pub if_absent: bool,
    /// The dump to read; - for stdin
    #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub file: OsString,
}

pub fn export_plan(args: &ExportArgs) -> Result<RangeRequest, CliError> {
    // No key at all: the whole keyspace.
    let key = args.range.key();
    let whole = key.is_none();
    let range = args.range.range_from(key.unwrap_or_default(), whole)?;
    let mut request = RangeRequest {
        key: range.key,
        range_end: range.range_end,
        revision: args.range.rev.max(0),
        ..RangeRequest::default()
    };
    if let Some(after) = &args.after {
        let mut next = arg_bytes(after);
        next.push(0);
        request.key = request.key.max(next);
    }
    Ok(request)
}

pub async fn export(args: ExportArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let request = export_plan(&args)?;
    let mut sigint = Sigint::install()?;
    let (source, out) = ctx.source_and_out()?;
    let started = std::time::Instant::now();
    // A dump scrolling past on the terminal is its own progress; a spinner would garble it.
    let bar = (!term::stdout_is_terminal())
        .then(|| term::progress::bar(None, "{spinner} {pos} keys exported {per_sec}"))
        .flatten();
    let mut state = Exported {
        bar,
        ..Exported::default()
    };
    let result = tokio::select! {
        result = write_dump(source, request, args.after.is_none(), out, &mut state) => result,
        _ = sigint.recv() => {
            let _ = out.flush();
            if let Some(bar) = &state.bar {
                bar.finish_and_clear();
            }
            if let Some(hint) = state.resume_hint() {
                crate::term::warn(format!("export: interrupted; {hint}"));
            }
            return Err(die_of_sigint(out));
        }
    };
    if let Some(bar) = &state.bar {
        bar.finish_and_clear();
    }
    if let Err(e) = result {
        let _ = out.flush();
        // A closed pipe (`ectl export | head`) is the reader's choice, not a cut: no resume.
        if !crate::error::is_broken_pipe(&e)
            && let Some(hint) = state.resume_hint()
        {
            crate::term::warn(format!("export: cut short; {hint}"));
        }
        return Err(e);
    }
    if state.bar.is_some() {
        out.flush()?;
        crate::term::warn(format!(
            "exported {} keys at revision {} in {:.2}s",
            state.keys,
            state.revision,
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

/// How far an export got, and its progress on a terminal.
#[derive(Default)]
struct Exported {
    revision: i64,
    last_key: Option<Vec<u8>>,
    keys: u64,
    bar: Option<term::progress::ProgressBar>,
}

impl Exported {
    fn resume_hint(&self) -> Option<String> {
        let key = self.last_key.as_ref()?;
        Some(format!(
            "continue with --rev={} --after={}",
            self.revision,
            shell_word(key)
        ))
    }
}

/// `key` as one shell word: single-quoted, or `$'...'` with escapes when it is not plain text.
fn shell_word(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(text) if !text.chars().any(char::is_control) => crate::observe::curl::sh_quote(text),
        _ => {
            let escaped: String = key.iter().map(|b| format!("\\x{b:02x}")).collect();
            format!("$'{escaped}'")
        }
    }
}

async fn write_dump(
    source: &dyn KvSource,
    request: RangeRequest,
    header: bool,
    out: &mut dyn Write,
    state: &mut Exported,
) -> anyhow::Result<()> {
    let mut pages = Pages::new(source, request, DEFAULT_PAGE_BYTES);
    let mut first = true;
    while let Some(page) = pages.next().await? {
        state.revision = pages.revision();
        if std::mem::take(&mut first) && header {
            let h = page.header.unwrap_or_default();
            dump::write_header(
                &mut *out,
                &dump::Header::new(h.cluster_id, pages.revision()),
            )?;
        }
        for kv in &page.kvs {
            dump::write_key(&mut *out, kv)?;
        }
        // A key counts as written once it left the process.
        out.flush()?;
        if let Some(kv) = page.kvs.last() {
            state.last_key = Some(kv.key.clone());
        }
        state.keys += page.kvs.len() as u64;
        if let Some(bar) = &state.bar {
            bar.inc(page.kvs.len() as u64);
        }
    }
    Ok(())
}

/// Key rewriting and the CAS choice, resolved from the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    pub strip_prefix: Vec<u8>,
    pub dest_prefix: Vec<u8>,
    pub if_absent: bool,
}

impl ImportPlan {
    fn dest_key(&self, key: &[u8]) -> Vec<u8> {
        let rest = key
            .strip_prefix(self.strip_prefix.as_slice())
            .unwrap_or(key);
        [self.dest_prefix.as_slice(), rest].concat()
    }
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
struct Imported {
    written: u64,
    skipped: u64,
}

pub async fn import(args: ImportArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let plan = ImportPlan {
        strip_prefix: args.strip_prefix.as_bytes().to_vec(),
        dest_prefix: args.dest_prefix.as_bytes().to_vec(),
        if_absent: args.if_absent,
    };
    let (input, size): (Box<dyn Read>, Option<u64>) = if args.file == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        // A file that cannot be read is an I/O error (exit 6); a dump it holds that is not
        // one is invalid input (exit 3).
        let file = File::open(&args.file).map_err(|e| {
            CliError::new(
                ExitCode::Io,
                crate::go::path_error("open", Path::new(&args.file), &e),
            )
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let bar = term::progress::bar(size, "{bar:40} {bytes}/{total_bytes} {eta}");
    let counted = Counted {
        inner: input,
        bar: bar.clone(),
    };
    let mut reader = dump::Reader::new(BufReader::with_capacity(1 << 20, counted))
        .map_err(|e| CliError::invalid_input(e.to_string()))?;
    let (client, out) = ctx.client_and_out()?;
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    let mut done = Imported::default();
    while let Some(kv) = reader
        .next_key()
        .map_err(|e| CliError::invalid_input(e.to_string()))?
    {
        let key = plan.dest_key(&kv.key);
        let value = kv.value;
        if batch.len() == TXN_OPS || batch_bytes + key.len() + value.len() > TXN_BYTES {
            write_batch(
                client,
                std::mem::take(&mut batch),
                plan.if_absent,
                &mut done,
            )
            .await?;
            batch_bytes = 0;
        }
        batch_bytes += key.len() + value.len();
        batch.push((key, value));
    }
    write_batch(client, batch, plan.if_absent, &mut done).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Only --if-absent skips keys; without it "skipped 0" would suggest it might have.
    if plan.if_absent {
        writeln!(
            out,
            "Imported {} keys, skipped {} present ones",
            done.written, done.skipped
        )?;
    } else {
        writeln!(out, "Imported {} keys", done.written)?;
    }
    Ok(())
}

/// The dump's bytes as they are read, counted on the progress bar.
struct Counted {
    inner: Box<dyn Read>,
    bar: Option<term::progress::ProgressBar>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(read as u64);
        }
        Ok(read)
    }
}

fn put(key: Vec<u8>, value: Vec<u8>) -> RequestOp {
    RequestOp {
        request: Some(Request::RequestPut(PutRequest {
            key,
            value,
            ..PutRequest::default()
        })),
    }
}

fn absent(key: &[u8]) -> Compare {
    Compare {
        result: CompareResult::Equal as i32,
        target: CompareTarget::Create as i32,
        key: key.to_vec(),
        target_union: Some(TargetUnion::CreateRevision(0)),
        ..Compare::default()
    }
}

/// Writes one batch. With `if_absent`, the batch is one txn guarded by every key's absence;
/// when some key exists, each key is tried on its own so the absent ones are still written.
async fn write_batch(
    client: &Client,
    batch: Vec<(Vec<u8>, Vec<u8>)>,
    if_absent: bool,
    done: &mut Imported,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let count = batch.len() as u64;
    if !if_absent {
        let success = batch.into_iter().map(|(k, v)| put(k, v)).collect();
        client
            .txn(TxnRequest {
                success,
                ..TxnRequest::default()
            })
            .await?;
        done.written += count;
        return Ok(());
    }
    let compare = batch.iter().map(|(k, _)| absent(k)).collect();
    let success = batch
        .iter()
        .map(|(k, v)| put(k.clone(), v.clone()))
        .collect();
    let all = client
        .txn(TxnRequest {
            compare,
            success,
            ..TxnRequest::default()
        })
        .await?;
    if all.succeeded {
        done.written += count;
        return Ok(());
    }
    for (key, value) in batch {
        let one = client
            .txn(TxnRequest {
                compare: vec![absent(&key)],
                success: vec![put(key, value)],
                ..TxnRequest::default()
            })
            .await?;
        if one.succeeded {
            done.written += 1;
        } else {
            done.skipped += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(argv: &[&str]) -> RangeRequest {
        let parsed: ExportArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        export_plan(&parsed).expect("a plan")
    }

    #[test]
    fn export_ranges() {
        let r = plan_of(&[]);
        assert_eq!((r.key, r.range_end), (vec![0], vec![0]));
        let r = plan_of(&["--prefix", "/a/", "--rev=9"]);
        assert_eq!(
            (r.key.as_slice(), r.range_end.as_slice(), r.revision),
            (&b"/a/"[..], &b"/a0"[..], 9)
        );
        let r = plan_of(&["--prefix", "/a/", "--after", "/a/m"]);
        assert_eq!(r.key, b"/a/m\0");
        // A resume key before the range's start changes nothing.
        assert_eq!(plan_of(&["b", "c", "--after", "a"]).key, b"b");
    }

    #[test]
    fn resume_hints_are_shell_words() {
        assert_eq!(shell_word(b"/reg/x"), "/reg/x");
        assert_eq!(shell_word(b"it's"), r"'it'\''s'");
        assert_eq!(shell_word(b"\x00\xff"), r"$'\x00\xff'");
    }

    #[test]
    fn import_key_rewriting() {
        let plan = ImportPlan {
            strip_prefix: b"/old/".to_vec(),
            dest_prefix: b"/new/".to_vec(),
            if_absent: false,
        };
        assert_eq!(plan.dest_key(b"/old/k"), b"/new/k");
        assert_eq!(plan.dest_key(b"other"), b"/new/other");
    }
}
