//! `check perf` and `check datascale`: etcdctl 3.4's workloads, pass/fail lines and exit codes.
//!
//! Both write keys of etcdctl's sizes under a prefix that must start empty, from as many
//! concurrent requests as etcdctl has clients (multiplexed over one connection here, which
//! the server treats alike), then delete the prefix. The deletion happens on Ctrl-C too, before
//! ectl dies of the signal, so an interrupted check leaves no keys behind (etcdctl leaves them).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::client::{Client, Endpoint, TlsOptions};
use crate::commands::prelude::Workbench;
use crate::commands::process::{Sigint, die_of_sigint};
use crate::error::{CliError, ExitCode};
use crate::go;
use crate::http1;
use crate::keys::prefix_end;
use crate::pb::etcdserverpb::{CompactionRequest, DeleteRangeRequest, PutRequest, RangeRequest};
use crate::term;

/// commands for checking properties of the etcd cluster
///
/// Examples:
///   ectl check perf --load m
///   ectl check datascale --load s --auto-compact --auto-defrag
#[derive(Debug, Clone, Args)]
#[command(arg_required_else_help = true)]
#[command(verbatim_doc_comment)]
pub struct CheckArgs {
    #[command(subcommand)]
    pub command: CheckCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CheckCommand {
    Perf(PerfArgs),
    Datascale(DatascaleArgs),
}

/// Check the performance of the etcd cluster
///
/// Writes at the workload's rate for 60 seconds and judges throughput and latency.
///
/// Examples:
///   ectl check perf                  50 clients, 150 writes/s
///   ectl check perf --load l --prefix /perf/
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct PerfArgs {
    /// The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)
    #[arg(long, default_value = "s")]
    pub load: String,
    /// The prefix for writing the performance check's keys.
    #[arg(long, default_value = "/etcdctl-check-perf/")]
    pub prefix: String,
    #[command(flatten)]
    pub after: AfterArgs,
}

/// Check the memory usage of holding data for different workloads on a given server endpoint.
///
/// If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.
///
/// Examples:
///   ectl check datascale             10,000 keys of 1 KiB from 50 clients
///   ectl --endpoints 10.0.0.5:2379 check datascale --load m
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DatascaleArgs {
    /// The datascale check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)
    #[arg(long, default_value = "s")]
    pub load: String,
    /// The prefix for writing the datascale check's keys.
    #[arg(long, default_value = "/etcdctl-check-datascale/")]
    pub prefix: String,
    #[command(flatten)]
    pub after: AfterArgs,
}

/// What both checks may do once their keys are deleted.
#[derive(Debug, Clone, Args)]
pub struct AfterArgs {
    /// Compact storage with last revision after test is finished.
    #[arg(long)]
    pub auto_compact: bool,
    /// Defragment storage after test is finished.
    #[arg(long)]
    pub auto_defrag: bool,
}

/// One workload: etcdctl's tables for `s`, `m`, `l` and `xl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    pub clients: usize,
    pub key_size: usize,
    pub value_size: usize,
    /// Perf: writes per second for `seconds`. Datascale: `total` writes as fast as they go.
    pub rate: u32,
    pub seconds: u64,
    pub total: u64,
}

/// etcdctl's load names and their aliases.
fn load_model(load: &str) -> Result<usize, CliError> {
    match load {
        "s" | "small" => Ok(0),
        "m" | "medium" => Ok(1),
        "l" | "large" => Ok(2),
        "xl" | "xLarge" => Ok(3),
        _ => Err(CliError::bad_feature(format!("unknown load option {load}"))),
    }
}

pub fn perf_workload(load: &str) -> Result<Workload, CliError> {
    let (rate, clients) = [(150, 50), (1000, 200), (8000, 500), (15000, 1000)][load_model(load)?];
    Ok(Workload {
        clients,
        key_size: 256,
        value_size: 1024,
        rate,
        seconds: 60,
        total: 0,
    })
}

pub fn datascale_workload(load: &str) -> Result<Workload, CliError> {
    let (total, clients) = [
        (10_000, 50),
        (100_000, 200),
        (1_000_000, 500),
        (3_000_000, 1000),
    ][load_model(load)?];
    Ok(Workload {
        clients,
        key_size: 512,
        value_size: 512,
        rate: 0,
        seconds: 0,
        total,
    })
}

pub async fn run(args: CheckArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    match args.command {
        CheckCommand::Perf(a) => {
            let workload = perf_workload(&a.load)?;
            check(ctx, Check::Perf, workload, &a.prefix, &a.after).await
        }
        CheckCommand::Datascale(a) => {
            let workload = datascale_workload(&a.load)?;
            check(ctx, Check::Datascale, workload, &a.prefix, &a.after).await
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Perf,
    Datascale,
}

/// What the requests measured, as etcd's `pkg/report` keeps it.
#[derive(Default)]
struct Stats {
    latencies: Vec<f64>,
    errors: BTreeMap<String, u64>,
    total: Duration,
}

impl Stats {
    fn rps(&self) -> f64 {
        self.latencies.len() as f64 / self.total.as_secs_f64()
    }

    fn slowest(&self) -> f64 {
        self.latencies.iter().copied().fold(0.0, f64::max)
    }

    /// The population standard deviation (NaN with no successful request, as in Go).
    fn stddev(&self) -> f64 {
        let n = self.latencies.len() as f64;
        let mean = self.latencies.iter().sum::<f64>() / n;
        (self
            .latencies
            .iter()
            .map(|l| (l - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt()
    }
}

async fn check(
    ctx: &mut Workbench<'_>,
    which: Check,
    workload: Workload,
    prefix: &str,
    after: &AfterArgs,
) -> anyhow::Result<()> {
    let config = ctx.client_config()?;
    let client = Rc::new(ctx.new_client(config)?);
    let prefix = prefix.as_bytes().to_vec();
    let existing = client
        .range(RangeRequest {
            key: prefix.clone(),
            range_end: prefix_end(&prefix),
            limit: 1,
            ..RangeRequest::default()
        })
        .await?;
    if !existing.kvs.is_empty() {
        let shown = String::from_utf8_lossy(&prefix);
        return Err(CliError::invalid_input(format!(
            "prefix {} has keys. Delete with etcdctl del --prefix {shown} first",
            go::quote(&prefix)
        ))
        .into());
    }
    let mut memory_before = 0.0;
    if which == Check::Datascale {
        let endpoint = &ctx.settings.client.endpoints[0];
        memory_before = match resident_memory(endpoint, client.config().tls.as_ref()).await {
            Ok(bytes) => bytes,
            Err(e) => return memory_failure(ctx.out, &e, "before"),
        };
        writeln!(
            ctx.out,
            "Start data scale check for work load [{} key-value pairs, {} bytes per key-value, {} concurrent clients].",
            workload.total,
            workload.key_size + workload.value_size,
            workload.clients
        )?;
        ctx.out.flush()?;
    }

    let mut sigint = Sigint::install()?;
    let stats = Rc::new(RefCell::new(Stats::default()));
    let stop = Rc::new(Notify::new());
    let local = tokio::task::LocalSet::new();
    let interrupted = {
        let load = local.run_until(write_load(
            client.clone(),
            workload,
            prefix.clone(),
            stats.clone(),
            stop.clone(),
        ));
        tokio::pin!(load);
        let interrupted = tokio::select! {
            () = &mut load => false,
            _ = sigint.recv() => true,
        };
        if interrupted {
            // A put already on the wire is applied even if its future is dropped, and one
            // applied after the delete would outlive it: stop sending and await the answers.
            stop.notify_one();
            load.await;
        }
        interrupted
    };
    drop(local);
    let deleted = client
        .delete_range(DeleteRangeRequest {
            key: prefix.clone(),
            range_end: prefix_end(&prefix),
            ..DeleteRangeRequest::default()
        })
        .await;
    if interrupted {
        return Err(die_of_sigint(ctx.out));
    }
    let memory_after = if which == Check::Datascale {
        let endpoint = &ctx.settings.client.endpoints[0];
        match resident_memory(endpoint, client.config().tls.as_ref()).await {
            Ok(bytes) => bytes,
            Err(e) => return memory_failure(ctx.out, &e, "after"),
        }
    } else {
        0.0
    };
    let revision = deleted?.header.map_or(0, |h| h.revision);
    if after.auto_compact {
        writeln!(ctx.out, "Compacting with revision {revision}")?;
        client
            .compact(CompactionRequest {
                revision,
                physical: true,
            })
            .await?;
        writeln!(ctx.out, "Compacted with revision {revision}")?;
    }
    if after.auto_defrag {
        for endpoint in client.config().endpoints.clone() {
            let quoted = go::quote(endpoint.as_bytes());
            writeln!(ctx.out, "Defragmenting {quoted}")?;
            client.for_endpoint(&endpoint)?.defragment().await?;
            writeln!(ctx.out, "Defragmented {quoted}")?;
        }
    }
    let stats = stats.take();
    let passed = match which {
        Check::Perf => judge_perf(ctx.out, &stats, workload)?,
        Check::Datascale => judge_datascale(ctx.out, &stats, memory_after - memory_before)?,
    };
    if !passed {
        ctx.out.flush()?;
        return Err(CliError::error(match which {
            Check::Perf => "the performance check failed",
            Check::Datascale => "the data scale check failed",
        })
        .into());
    }
    Ok(())
}

/// etcdctl's verdict lines for `check perf`; whether it passed.
fn judge_perf(out: &mut dyn Write, stats: &Stats, workload: Workload) -> std::io::Result<bool> {
    let mut ok = write_errors(out, stats)?;
    let rps = stats.rps();
    if rps / f64::from(workload.rate) <= 0.9 {
        writeln!(out, "FAIL: Throughput too low: {} writes/s", rps as i64 + 1)?;
        ok = false;
    } else {
        writeln!(out, "PASS: Throughput is {} writes/s", rps as i64 + 1)?;
    }
    let slowest = stats.slowest();
    if slowest > 0.5 {
        writeln!(
            out,
            "Slowest request took too long: {}s",
            crate::go::float(slowest)
        )?;
        ok = false;
    } else {
        writeln!(
            out,
            "PASS: Slowest request took {}s",
            crate::go::float(slowest)
        )?;
    }
    let stddev = stats.stddev();
    if stddev > 0.1 {
        writeln!(out, "Stddev too high: {}s", crate::go::float(stddev))?;
        ok = false;
    } else {
        writeln!(out, "PASS: Stddev is {}s", crate::go::float(stddev))?;
    }
    writeln!(out, "{}", if ok { "PASS" } else { "FAIL" })?;
    Ok(ok)
}

/// etcdctl's verdict for `check datascale`; whether it passed.
fn judge_datascale(out: &mut dyn Write, stats: &Stats, bytes_used: f64) -> std::io::Result<bool> {
    if !write_errors(out, stats)? {
        return Ok(false);
    }
    let mb = bytes_used / (1024.0 * 1024.0);
    writeln!(out, "PASS: Approximate system memory used : {mb:.2} MB.")?;
    Ok(true)
}

/// The failed requests by error, if any; whether there were none.
fn write_errors(out: &mut dyn Write, stats: &Stats) -> std::io::Result<bool> {
    if stats.errors.is_empty() {
        return Ok(true);
    }
    writeln!(out, "FAIL: too many errors")?;
    for (error, count) in &stats.errors {
        writeln!(out, "FAIL: ERROR({error}) -> {count}")?;
    }
    Ok(false)
}

fn memory_failure(out: &mut dyn Write, cause: &str, when: &str) -> anyhow::Result<()> {
    writeln!(out, "{cause}")?;
    writeln!(
        out,
        "FAIL: Could not read process_resident_memory_bytes {when} the put operations."
    )?;
    out.flush()?;
    Err(CliError::new(ExitCode::Error, "the data scale check failed").into())
}

/// Sends the workload's puts, at most `clients` at a time, recording each one's latency,
/// until the workload is done or `stop` is notified; either way it returns once every put
/// it sent has been answered.
async fn write_load(
    client: Rc<Client>,
    workload: Workload,
    prefix: Vec<u8>,
    stats: Rc<RefCell<Stats>>,
    stop: Rc<Notify>,
) {
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(workload.clients));
    let mut running = JoinSet::new();
    let bar = progress_bar(&workload);
    let mut keys = KeyMaker::new(prefix, workload.key_size);
    let value = vec![0u8; workload.value_size];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(workload.seconds);
    let mut pace = (workload.rate > 0).then(|| {
        let mut ticker =
            tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(workload.rate)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker
    });
    let mut sent = 0u64;
    loop {
        let next_permit = async {
            let more = match &mut pace {
                Some(ticker) => tokio::time::timeout_at(deadline, ticker.tick())
                    .await
                    .is_ok(),
                None => sent < workload.total,
            };
            if more {
                permits.clone().acquire_owned().await.ok()
            } else {
                None
            }
        };
        let permit = tokio::select! {
            biased;
            () = stop.notified() => None,
            permit = next_permit => permit,
        };
        let Some(permit) = permit else {
            break;
        };
        sent += 1;
        let request = PutRequest {
            key: keys.next(),
            value: value.clone(),
            ..PutRequest::default()
        };
        let (client, stats, task_bar) = (client.clone(), stats.clone(), bar.clone());
        let per_put = workload.rate == 0;
        running.spawn_local(async move {
            let start = Instant::now();
            let result = client.put(request).await;
            let mut stats = stats.borrow_mut();
            match result {
                Ok(_) => stats.latencies.push(start.elapsed().as_secs_f64()),
                Err(e) => *stats.errors.entry(e.to_string()).or_default() += 1,
            }
            if let (Some(bar), true) = (&task_bar, per_put) {
                bar.inc(1);
            }
            drop(permit);
        });
        if let (Some(bar), false) = (&bar, per_put) {
            bar.set_position(started.elapsed().as_secs().min(workload.seconds));
        }
        // Finished tasks are reaped as they go, so a long run holds no handles.
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    stats.borrow_mut().total = started.elapsed();
}

fn progress_bar(workload: &Workload) -> Option<term::progress::ProgressBar> {
    let length = if workload.rate > 0 {
        workload.seconds
    } else {
        workload.total
    };
    term::progress::bar(Some(length), "{bar:40} {pos}/{len} {elapsed}")
}

/// etcdctl's keys: the prefix, then a random varint padded with zero bytes to the key size.
struct KeyMaker {
    prefix: Vec<u8>,
    size: usize,
    state: u64,
}

impl KeyMaker {
    fn new(prefix: Vec<u8>, size: usize) -> KeyMaker {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9, |d| d.as_nanos() as u64);
        KeyMaker {
            prefix,
            size,
            state: seed | 1,
        }
    }

    fn next(&mut self) -> Vec<u8> {
        // xorshift64*: plenty for spreading keys; Go's `rand.Int63n` is no better here.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let random = (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 1) as i64;
        let mut key = self.prefix.clone();
        let start = key.len();
        // Go's binary.PutVarint: zig-zag, then 7 bits a byte.
        let mut zigzag = ((random << 1) ^ (random >> 63)) as u64;
        while zigzag >= 0x80 {
            key.push(zigzag as u8 | 0x80);
            zigzag >>= 7;
        }
        key.push(zigzag as u8);
        key.resize(start + self.size, 0);
        key
    }
}

/// etcd's `process_resident_memory_bytes` from the member's `/metrics` (on its client URL),
/// or etcdctl's line saying why not.
async fn resident_memory(endpoint: &str, tls: Option<&TlsOptions>) -> Result<f64, String> {
    const KEY: &str = "process_resident_memory_bytes";
    let body = fetch_metrics(endpoint, tls)
        .await
        .map_err(|e| format!("fetch error: {e}"))?;
    let value = body
        .lines()
        .find_map(|line| line.strip_prefix(KEY))
        .map(str::trim)
        .ok_or_else(|| format!("could not find: {KEY}"))?;
    value.parse().map_err(|e| format!("parse error: {e}"))
}

async fn fetch_metrics(endpoint: &str, tls: Option<&TlsOptions>) -> Result<String, String> {
    let parsed = Endpoint::parse(endpoint).map_err(|e| e.to_string())?;
    let tcp = tokio::net::TcpStream::connect((parsed.host.as_str(), parsed.port))
        .await
        .map_err(|e| e.to_string())?;
    let connected = if parsed.uses_tls(tls.is_some()) {
        let config =
            http1::tls_config(&tls.cloned().unwrap_or_default()).map_err(|e| e.to_string())?;
        let name = rustls::pki_types::ServerName::try_from(parsed.host.clone())
            .map_err(|e| e.to_string())?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        http1::handshake(stream).await
    } else {
        http1::handshake(tcp).await
    };
    let mut sender = connected.map_err(|e| e.to_string())?;
    let authority = parsed.authority();
    let headers = [("Host", authority.as_str()), ("Accept", "text/plain")];
    let response = http1::get(&mut sender, "/metrics", &headers)
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(response.body()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_their_aliases_are_etcdctls() {
        assert_eq!(perf_workload("small").unwrap(), perf_workload("s").unwrap());
        assert_eq!(perf_workload("xLarge").unwrap().rate, 15000);
        assert_eq!(datascale_workload("m").unwrap().total, 100_000);
        let e = perf_workload("xlarge").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (ExitCode::BadFeature, "unknown load option xlarge")
        );
    }

    #[test]
    fn keys_are_the_prefix_and_a_padded_varint() {
        let mut keys = KeyMaker::new(b"/p/".to_vec(), 256);
        let (a, b) = (keys.next(), keys.next());
        assert_eq!((a.len(), b.len()), (259, 259));
        assert!(a.starts_with(b"/p/") && a != b);
    }

    #[test]
    fn verdicts_read_like_etcdctls() {
        let stats = Stats {
            latencies: vec![0.01, 0.03],
            errors: BTreeMap::new(),
            total: Duration::from_secs(1),
        };
        let mut out = Vec::new();
        let workload = perf_workload("s").unwrap();
        assert!(!judge_perf(&mut out, &stats, workload).unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "FAIL: Throughput too low: 3 writes/s\nPASS: Slowest request took 0.030000s\n\
             PASS: Stddev is 0.010000s\nFAIL\n"
        );
        let mut out = Vec::new();
        assert!(judge_datascale(&mut out, &stats, 3.5 * 1024.0 * 1024.0).unwrap());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "PASS: Approximate system memory used : 3.50 MB.\n"
        );
        assert_eq!(crate::go::float(Stats::default().stddev()), "NaN");
    }
}
