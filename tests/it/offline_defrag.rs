//! `defrag --data-dir` on a real member's files after heavy churn, and its edge cases side by
//! side with etcdctl 3.4.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nix::sys::signal::Signal;
use support::{Etcd, Out, ectl, etcdctl, start_restored};

/// Overwrites, deletes and a physical compaction: most of the file is then free pages.
fn churn(etcd: &Etcd) {
    let value = "x".repeat(2048);
    for round in 0..12 {
        let puts: String = (0..100)
            .map(|i| format!("put c/{:03} {round}{value}\n", (i * 7 + round) % 300))
            .collect();
        etcd.ectl()
            .arg("txn")
            .stdin(format!("\n{puts}\n\n"))
            .run()
            .assert_ok();
    }
    etcd.ectl()
        .args(["del", "c/1", "--prefix"])
        .run()
        .assert_ok();
    etcd.ectl().args(["put", "small", "kept"]).run().assert_ok();
    let status = etcd.ectl().args(["endpoint", "status", "-w", "json"]).run();
    let revision = json_number_after(&status.stdout_str(), "\"revision\":");
    etcd.ectl()
        .args(["compaction", "--physical", &revision.to_string()])
        .run()
        .assert_ok();
}

fn json_number_after(text: &str, marker: &str) -> i64 {
    let rest = &text[text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {text}"))
        + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a number")
}

/// What must survive defragmentation: every key with its revisions and value, and the KV hash
/// (the endpoint itself removed, as a restarted member listens elsewhere).
fn state(endpoint: &str) -> (String, String) {
    let keys = ectl()
        .args([
            &format!("--endpoints={endpoint}"),
            "get",
            "",
            "--from-key",
            "-w",
            "json",
        ])
        .run();
    keys.assert_ok();
    let keys = keys.stdout_str();
    let kvs = keys[keys.find("\"kvs\"").expect("keys")..].to_string();
    let hash = ectl()
        .args([&format!("--endpoints={endpoint}"), "endpoint", "hashkv"])
        .run();
    hash.assert_ok();
    let hash = hash.stdout_str();
    (kvs, hash[hash.find(", ").expect("hash line")..].to_string())
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

fn db_size(data_dir: &Path) -> u64 {
    std::fs::metadata(data_dir.join("member/snap/db"))
        .expect("db")
        .len()
}

fn defrag(tool: support::Cmd, data_dir: &Path) -> Out {
    tool.arg("defrag")
        .arg(format!("--data-dir={}", data_dir.display()))
        .run()
}

#[test]
fn a_churned_member_shrinks_and_restarts_with_every_key_and_the_same_hash() {
    let etcd = Etcd::single();
    churn(&etcd);
    let before = state(&etcd.endpoint());
    etcd.kill();
    let dir = tempfile::tempdir().unwrap();
    let (ours, theirs): (PathBuf, PathBuf) = (dir.path().join("ours"), dir.path().join("theirs"));
    copy_dir(&etcd.data_dir(), &ours);
    copy_dir(&etcd.data_dir(), &theirs);
    let original = db_size(&ours);

    let (ours_out, theirs_out) = (defrag(ectl(), &ours), defrag(etcdctl(), &theirs));
    assert_eq!(
        (ours_out.code, &ours_out.stdout, &ours_out.stderr),
        (theirs_out.code, &theirs_out.stdout, &theirs_out.stderr),
        "ectl {ours_out:?}\netcdctl {theirs_out:?}"
    );
    let (defragged, by_etcdctl) = (db_size(&ours), db_size(&theirs));
    assert!(
        defragged < original / 2,
        "{original} bytes became {defragged}"
    );
    assert!(
        defragged <= by_etcdctl + by_etcdctl / 10,
        "ectl left {defragged} bytes, etcdctl {by_etcdctl}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(ours.join("member/snap"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name != "db")
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");

    let restarted = start_restored(&ours, etcd.name(), &etcd.peer_url());
    assert_eq!(state(&restarted.endpoint), before);
    // The file takes writes again.
    let put = ectl()
        .args([
            &format!("--endpoints={}", restarted.endpoint),
            "put",
            "after",
            "defrag",
        ])
        .run();
    put.assert_ok();
}

#[test]
fn missing_directories_and_files_end_as_in_etcdctl() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let (ours, theirs) = (defrag(ectl(), &missing), defrag(etcdctl(), &missing));
    assert_eq!(ours.code, theirs.code, "{ours:?}\n{theirs:?}");
    let db = missing.join("member/snap/db");
    assert_eq!(
        ours.stderr_str(),
        format!(
            "Error: cannot open database at {} (open {}: no such file or directory)\n",
            db.display(),
            db.display()
        )
    );
    // An existing snap directory without a db: bbolt makes a new, empty one.
    for (tool, name) in [(ectl(), "ours"), (etcdctl(), "theirs")] {
        let data = dir.path().join(name);
        std::fs::create_dir_all(data.join("member/snap")).unwrap();
        let out = defrag(tool, &data);
        out.assert_ok();
        assert!(out.stdout.is_empty(), "{out:?}");
    }
    assert_eq!(
        db_size(&dir.path().join("ours")),
        db_size(&dir.path().join("theirs"))
    );
}

#[test]
fn a_running_member_is_waited_for_with_etcdctls_message() {
    let etcd = Etcd::single();
    let mut messages = Vec::new();
    for tool in [ectl(), etcdctl()] {
        let running = tool
            .arg("defrag")
            .arg(format!("--data-dir={}", etcd.data_dir().display()))
            .spawn();
        // The whole line, which ends in the advice, as etcdctl's does.
        running.wait_for_stderr("waiting for etcd to close");
        running.wait_for_stderr("omit --data-dir.\n");
        running.signal(Signal::SIGKILL);
        let out = running.wait();
        messages.push(out.stderr_str());
    }
    assert!(
        messages[0].contains("waiting for etcd to close"),
        "{messages:?}"
    );
    assert_eq!(messages[0], messages[1]);
    assert!(etcd.is_healthy(Duration::from_secs(2)));
}
