//! `ectl maintain` on real 3-member clusters after churn: every member's file shrinks, the
//! leadership moves before the old leader is defragmented, a writer running throughout loses
//! no acknowledged write and `endpoint hashkv --cluster` is the same before and after; a dry
//! run changes nothing; a member that fails stops it, naming the step.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::support::{Cluster, Options, ectl};

/// `rounds` writes of the same `keys` keys of 1 KiB, through `ectl import`.
fn churn(cluster: &Cluster, keys: usize, rounds: usize) {
    let mut dump =
        String::from(r#"{"format":"ectl-dump","version":1,"cluster_id":0,"revision":0}"#);
    dump.push('\n');
    let value = STANDARD.encode([b'x'; 1024]);
    for i in 0..keys {
        let key = STANDARD.encode(format!("churn/{i:06}"));
        dump.push_str(&format!(
            r#"{{"key":"{key}","value":"{value}","lease":0,"create_revision":0,"mod_revision":0,"version":0}}"#
        ));
        dump.push('\n');
    }
    for _ in 0..rounds {
        cluster
            .ectl()
            .args(["import", "-"])
            .stdin(dump.clone())
            .run()
            .assert_ok();
    }
}

fn revision(cluster: &Cluster) -> i64 {
    let out = cluster.ectl().args(["get", "k", "-w", "json"]).run();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["header"]["revision"].as_i64().unwrap()
}

/// Each member's DB size once the backends have committed what was written (etcd commits its
/// batches in the background, so the file grows a little after a write is acknowledged).
fn settled_sizes(cluster: &Cluster) -> BTreeMap<String, i64> {
    let mut last = db_sizes(cluster);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = db_sizes(cluster);
        if now == last {
            return now;
        }
        last = now;
    }
}

/// Each member's name and DB size, from `status -w json`.
fn db_sizes(cluster: &Cluster) -> BTreeMap<String, i64> {
    let out = cluster.ectl().args(["status", "-w", "json"]).run();
    out.assert_ok();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["db_size"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Each endpoint's hash at `rev`, from `endpoint hashkv --cluster`.
fn hashes(cluster: &Cluster, rev: i64) -> BTreeMap<String, u64> {
    let out = cluster
        .ectl()
        .args(["endpoint", "hashkv", "--cluster", "-w", "json"])
        .arg(format!("--rev={rev}"))
        .run();
    out.assert_ok();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["Endpoint"].as_str().unwrap().to_string(),
                h["HashKV"]["hash"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn maintain_shrinks_every_member_moves_leadership_first_and_loses_no_write() {
    let cluster = Cluster::new();
    churn(&cluster, 1000, 6);
    let compacted = revision(&cluster);
    cluster
        .ectl()
        .args(["compaction", "--physical", &compacted.to_string()])
        .run()
        .assert_ok();
    // HashKV answers for revisions after the compacted one: hash at a write past it.
    cluster
        .ectl()
        .args(["put", "marker", "x"])
        .run()
        .assert_ok();
    let hashed = revision(&cluster);
    let before_hashes = hashes(&cluster, hashed);
    assert_eq!(before_hashes.len(), 3);
    assert_eq!(
        before_hashes
            .values()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        1,
        "{before_hashes:?}"
    );
    let before = settled_sizes(&cluster);
    let old_leader = cluster[cluster.leader()].name().to_string();

    // A writer throughout: every put it saw acknowledged must be there afterwards.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let endpoints = cluster.endpoints();
        std::thread::spawn(move || {
            let mut acked = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let out = ectl()
                    .arg(format!("--endpoints={endpoints}"))
                    .args(["put", &format!("w/{i:06}"), "v"])
                    .run();
                if out.code == 0 {
                    acked.push(format!("w/{i:06}"));
                }
                i += 1;
            }
            acked
        })
    };
    let out = cluster
        .ectl()
        .args(["--command-timeout=60s", "maintain", "--wait", "1s"])
        .timeout(Duration::from_secs(240))
        .run();
    stop.store(true, Ordering::Relaxed);
    let acked = writer.join().unwrap();
    out.assert_ok();
    // Piped: no progress on stderr.
    assert!(out.stderr.is_empty(), "{out:?}");
    let text = out.stdout_str();

    // Followers first, then the move, then the former leader; each line before and after.
    let lines: Vec<&str> = text.lines().collect();
    let member_line = |name: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(&format!("{name} (")) && l.contains("(defragmented in "))
            .unwrap_or_else(|| panic!("no line for {name}: {text}"))
    };
    let moved = lines
        .iter()
        .position(|l| l.starts_with(&format!("moved leadership from {old_leader} (")))
        .unwrap_or_else(|| panic!("leadership not moved: {text}"));
    let leader_line = member_line(&old_leader);
    assert!(lines[leader_line].starts_with(&format!("{old_leader} (leader): db ")));
    for name in ["m0", "m1", "m2"] {
        let at = member_line(name);
        if name == old_leader {
            assert!(moved < at, "moved after the leader's defrag: {text}");
        } else {
            assert!(at < moved, "{name} after the leader move: {text}");
        }
    }
    assert_ne!(cluster[cluster.leader()].name(), old_leader);
    // The final table, one row per member.
    assert!(text.contains("| MEMBER |"), "{text}");
    assert_eq!(text.matches(" defragmented |").count(), 3, "{text}");

    // Every member's file shrank.
    let after = db_sizes(&cluster);
    for (name, size) in &before {
        assert!(
            after[name] < *size,
            "{name}: {size} -> {}\n{text}",
            after[name]
        );
    }
    // Nothing acknowledged was lost, and the history hashes are unchanged.
    assert!(!acked.is_empty());
    let keys = cluster
        .ectl()
        .args(["get", "w/", "--prefix", "--keys-only"])
        .run()
        .stdout_str();
    let stored: std::collections::HashSet<&str> = keys.lines().filter(|l| !l.is_empty()).collect();
    for key in &acked {
        assert!(stored.contains(key.as_str()), "acknowledged {key} is gone");
    }
    assert_eq!(hashes(&cluster, hashed), before_hashes);

    // On a terminal: a bar naming the member at work, and the table.
    let (shown, code) = crate::support::pty::transcript(&format!(
        "{} --endpoints={} maintain --wait 1s",
        env!("CARGO_BIN_EXE_ectl"),
        cluster.endpoints()
    ));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains('█'), "no progress bar: {shown:?}");
    assert!(shown.contains(" 0/3 defragmenting m"), "{shown:?}");
    assert!(shown.contains("| MEMBER |"), "{shown:?}");
}

#[test]
fn a_dry_run_prints_the_plan_and_changes_nothing() {
    let mut cluster = Cluster::new();
    let learner = cluster.add_learner();
    let learner_name = cluster[learner].name().to_string();
    // The health gate counts the learner too: wait until it has caught up. It takes a second or
    // two; the bound only stops a hang, and once, under the whole suite's load against etcd
    // 3.5.1, 30 s was not enough.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while cluster.ectl().args(["status"]).run().code != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the learner never caught up"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    churn(&cluster, 200, 3);
    let rev = revision(&cluster);
    let leader = cluster[cluster.leader()].name().to_string();
    let before = settled_sizes(&cluster);
    let out = cluster
        .ectl()
        .args(["maintain", "--dry-run", "--compact-keep", "1"])
        .run();
    out.assert_ok();
    let text = out.stdout_str();
    assert!(
        text.starts_with(&format!("would compact at revision {rev}\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("would move leadership from {leader} (")),
        "{text}"
    );
    assert_eq!(text.matches(": would defragment\n").count(), 3, "{text}");
    // etcd refuses to defragment a learner online: it is skipped, saying so.
    assert!(
        text.contains(&format!("{learner_name} (learner): db "))
            && text.contains(": skipped: a learner: etcd refuses to defragment it online\n"),
        "{text}"
    );
    // The JSON plan says the same.
    let json = cluster
        .ectl()
        .args(["maintain", "--dry-run", "--compact-keep", "1", "-w", "json"])
        .run();
    json.assert_ok();
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["events"][0]["step"], "compact");
    assert_eq!(v["events"][0]["done"], false);
    assert_eq!(v["members"].as_array().unwrap().len(), 4);
    assert_eq!(v["members"][3]["role"], "leader");
    assert_eq!(v["members"][3]["result"], "planned");

    // Nothing changed: no compaction, the same leader, the same files.
    cluster
        .ectl()
        .args(["get", "churn/000000", "--rev=2"])
        .run()
        .assert_ok();
    assert_eq!(cluster[cluster.leader()].name(), leader);
    assert_eq!(db_sizes(&cluster), before);

    // --only-if-fragmented: nothing is free enough in an uncompacted file.
    let out = cluster
        .ectl()
        .args(["maintain", "--dry-run", "--only-if-fragmented", "0.9"])
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str().matches(": skipped: ").count(),
        4,
        "{}",
        out.stdout_str()
    );
}

#[test]
fn a_failing_member_stops_it_with_the_step_named() {
    let cluster = Cluster::new();
    churn(&cluster, 200, 3);
    let leader = cluster.leader();
    let leader_name = cluster[leader].name().to_string();
    let running = cluster
        .ectl()
        .args([
            "--dial-timeout=2s",
            "maintain",
            "--compact-keep",
            "1",
            "--wait",
            "5s",
        ])
        .timeout(Duration::from_secs(60))
        .spawn();
    // While it waits (5 s) after the first follower, the second one stops.
    running.wait_for_stdout("(follower): db ");
    let first = String::from_utf8_lossy(&running.stdout_so_far())
        .lines()
        .find(|l| l.contains("(follower): db "))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let second = (0..3)
        .find(|&i| i != leader && cluster[i].name() != first)
        .unwrap();
    let second_name = cluster[second].name().to_string();
    cluster[second].kill();
    let out = running.wait();
    assert_eq!(out.code, 1, "{out:?}");
    let text = out.stdout_str();
    assert!(text.starts_with("compacted at revision "), "{text}");
    // It stopped there: the leader kept its leadership and was not defragmented.
    assert!(!text.contains("moved leadership"), "{text}");
    assert!(text.contains(" not reached |"), "{text}");
    assert!(
        text.contains(&format!("{second_name} (follower): db ")) && text.contains(": failed: "),
        "{text}"
    );
    // The kill lands in the wait, so the member's first request (its status) fails; on a
    // machine slow enough to let the wait pass first, its defragmentation does.
    let stderr = out.stderr_str();
    let step = stderr
        .strip_prefix("Error: maintain stopped at step ")
        .and_then(|rest| rest.split_once(&format!(" on member {second_name} (")))
        .map(|(step, _)| step.to_string());
    assert!(
        matches!(step.as_deref(), Some("status" | "defrag")),
        "{stderr}"
    );
    assert_eq!(cluster[cluster.leader()].name(), leader_name);

    // With a member down, the health gate stops it before anything is touched.
    let out = cluster.ectl().args(["--dial-timeout=2s", "maintain"]).run();
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr_str()
            .starts_with("Error: maintain stopped at step health, before changing anything: "),
        "{}",
        out.stderr_str()
    );
}

#[test]
fn a_cluster_out_of_space_is_compacted_defragmented_and_its_alarms_disarmed() {
    let cluster = Cluster::start(
        3,
        Options {
            extra_args: vec!["--quota-backend-bytes=300000".into()],
            ..Options::default()
        },
    );
    // Overwrite one key until the history fills the quota.
    let value = "v".repeat(50_000);
    let full = (0..100).any(|_| {
        let out = cluster.ectl().args(["put", "k"]).stdin(value.clone()).run();
        out.code != 0 && out.stderr_str().contains("database space exceeded")
    });
    assert!(full, "the quota was never reached");
    let alarms = cluster.ectl().args(["alarm", "list"]).run().stdout_str();
    assert!(alarms.contains("alarm:NOSPACE"), "{alarms}");

    let out = cluster
        .ectl()
        .args(["--command-timeout=60s", "maintain", "--compact-keep", "1"])
        .run();
    out.assert_ok();
    let text = out.stdout_str();
    assert!(text.starts_with("compacted at revision "), "{text}");
    assert!(text.contains("disarmed NOSPACE alarm of "), "{text}");
    assert_eq!(
        cluster.ectl().args(["alarm", "list"]).run().stdout_str(),
        ""
    );
    cluster.ectl().args(["put", "k", "small"]).run().assert_ok();
}
