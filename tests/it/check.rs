//! `check perf` and `check datascale` against a local member: etcdctl's refusals byte for byte,
//! the `--load s` workloads with their verdict lines, and no keys left behind, even on Ctrl-C.

use crate::support;

use std::thread;
use std::time::{Duration, Instant};

use support::{Etcd, Out};

fn same(ours: &Out, theirs: &Out) {
    assert_eq!(
        (ours.code, ours.stdout_str(), ours.stderr_str()),
        (theirs.code, theirs.stdout_str(), theirs.stderr_str()),
        "ectl {ours:?}\netcdctl {theirs:?}"
    );
}

fn keys_under(etcd: &Etcd, prefix: &str) -> String {
    let out = etcd
        .ectl()
        .args(["get", "--prefix", "--keys-only", prefix])
        .run();
    out.assert_ok();
    out.stdout_str()
}

#[test]
fn refusals_match_etcdctl() {
    let etcd = Etcd::single();
    for args in [
        &["check", "perf", "--load", "x"][..],
        &["check", "datascale", "--load=xlarge"],
    ] {
        same(
            &etcd.ectl().args(args).run(),
            &etcd.etcdctl().args(args).run(),
        );
    }
    etcd.ectl()
        .args(["put", "/etcdctl-check-perf/k", "v"])
        .run()
        .assert_ok();
    etcd.ectl().args(["put", "/mine/k", "v"]).run().assert_ok();
    for args in [
        &["check", "perf"][..],
        &["check", "perf", "--prefix", "/mine/"],
        &["check", "datascale", "--prefix=/mine/"],
    ] {
        same(
            &etcd.ectl().args(args).run(),
            &etcd.etcdctl().args(args).run(),
        );
    }
    // Bare `check` shows its help and succeeds, as etcdctl's does.
    etcd.ectl().arg("check").run().assert_ok();
}

/// The verdict lines are etcdctl's whatever the machine's speed; the exit status follows them.
#[test]
fn perf_load_s_judges_and_cleans_up() {
    let etcd = Etcd::single();
    let out = etcd
        .ectl()
        .args([
            "check",
            "perf",
            "--load",
            "s",
            "--auto-compact",
            "--auto-defrag",
        ])
        .timeout(Duration::from_secs(150))
        .run();
    let stdout = out.stdout_str();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= 8, "{out:?}");
    assert!(lines[0].starts_with("Compacting with revision "), "{out:?}");
    assert!(lines[1].starts_with("Compacted with revision "), "{out:?}");
    assert_eq!(lines[2], format!("Defragmenting \"{}\"", etcd.endpoint()));
    assert_eq!(lines[3], format!("Defragmented \"{}\"", etcd.endpoint()));
    let verdicts = &lines[4..];
    let throughput = verdicts[verdicts.len() - 4];
    assert!(
        throughput.starts_with("PASS: Throughput is ")
            || throughput.starts_with("FAIL: Throughput too low: "),
        "{out:?}"
    );
    let passed = *verdicts.last().unwrap() == "PASS";
    assert_eq!(out.code, if passed { 0 } else { 1 }, "{out:?}");
    if passed {
        assert!(verdicts.iter().all(|l| l.starts_with("PASS")), "{out:?}");
    }
    assert_eq!(keys_under(&etcd, "/etcdctl-check-perf/"), "");
}

#[test]
fn datascale_load_s_reports_memory_and_cleans_up() {
    let etcd = Etcd::single();
    let out = etcd
        .ectl()
        .args(["check", "datascale", "--load=s", "--prefix", "/ds/"])
        .timeout(Duration::from_secs(120))
        .run();
    out.assert_ok();
    let stdout = out.stdout_str();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "Start data scale check for work load [10000 key-value pairs, 1024 bytes per key-value, 50 concurrent clients].",
        "{out:?}"
    );
    let last = lines.last().unwrap();
    let mb = last
        .strip_prefix("PASS: Approximate system memory used : ")
        .and_then(|rest| rest.strip_suffix(" MB."))
        .unwrap_or_else(|| panic!("{out:?}"));
    let (_, decimals) = mb.split_once('.').expect("two decimals");
    assert_eq!(decimals.len(), 2, "{out:?}");
    assert_eq!(keys_under(&etcd, "/ds/"), "");
}

#[test]
fn ctrl_c_deletes_the_keys_written_so_far() {
    let etcd = Etcd::single();
    let running = etcd
        .ectl()
        .args(["check", "perf", "--prefix", "/int/"])
        .spawn();
    // Ctrl-C once check perf has written something (perf runs 60 s, so it is still writing).
    let deadline = Instant::now() + Duration::from_secs(30);
    while keys_under(&etcd, "/int/").is_empty() {
        assert!(
            Instant::now() < deadline,
            "check perf wrote no key in 30 s: {}",
            running.stderr_so_far()
        );
        thread::sleep(Duration::from_millis(100));
    }
    running.interrupt();
    let out = running.wait();
    assert_eq!(out.code, 130, "{out:?}");
    assert_eq!(keys_under(&etcd, "/int/"), "");
}
