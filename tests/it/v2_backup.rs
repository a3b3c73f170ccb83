//! The v2 `backup` engine (`ectl::storage::backup`) on a real etcd 3.4 data directory, next to
//! the reference `ETCDCTL_API=2 etcdctl backup` of the same directory: both backups must boot a
//! new etcd with `--force-new-cluster` and serve the same v2 keys (and, with `--with-v3`, the
//! same v3 keys), and both tools must report the same dropped entries. As etcd's
//! tests/e2e/ctl_v2_test.go testCtlV2Backup, with snapshot-count 0 (no snap file, every entry in
//! the WAL) and 1 (a snap file per write).

use crate::support;
use std::path::{Path, PathBuf};

use ectl::storage::backup::{BackupOptions, backup};
use ectl::storage::wal::{self, ServerMetadata, WalSnapshot, WalWriter};
use prost::Message;
use support::{Cmd, Etcd, Options, Out};

/// A member serving v2, with `--snapshot-count` set when given.
fn v2_member(snapshot_count: Option<u32>, data_dir: Option<&Path>, wal_dir: Option<&Path>) -> Etcd {
    let mut extra_args = vec!["--enable-v2=true".to_string()];
    if let Some(count) = snapshot_count {
        extra_args.push(format!("--snapshot-count={count}"));
    }
    if let Some(dir) = data_dir {
        // After the harness's own --data-dir, so this one wins; the backup names a member that
        // is not this one, which --force-new-cluster resolves.
        extra_args.push(format!("--data-dir={}", dir.display()));
        extra_args.push("--force-new-cluster".into());
    }
    if let Some(dir) = wal_dir {
        extra_args.push(format!("--wal-dir={}", dir.display()));
    }
    Etcd::start(Options {
        extra_args,
        ..Options::default()
    })
}

fn v2(etcd: &Etcd) -> Cmd {
    support::etcdctl()
        .env("ETCDCTL_API", "2")
        .arg(format!("--endpoints={}", etcd.client_url()))
}

/// What a member serves: every v2 key under `/` and every v3 key.
fn served(etcd: &Etcd) -> (String, String) {
    let ls = v2(etcd).args(["ls", "-r", "--sort", "/"]).run();
    ls.assert_ok();
    let mut v2_values = ls.stdout_str();
    for key in ls.stdout_str().lines().filter(|k| k.contains("foo")) {
        let got = v2(etcd).args(["get", key]).run();
        got.assert_ok();
        v2_values.push_str(&format!("{key}={}", got.stdout_str()));
    }
    let v3 = etcd.ectl().args(["get", "", "--from-key"]).run();
    v3.assert_ok();
    (v2_values, v3.stdout_str())
}

/// etcdctl's log lines without their `2006-01-02 15:04:05.000000 I | ` prefix.
fn log_lines(out: &Out) -> Vec<String> {
    out.stderr_str()
        .lines()
        .map(|l| l.split_once(" | ").map_or(l, |(_, m)| m).to_string())
        .collect()
}

/// One backup scenario.
#[derive(Default, Clone, Copy)]
struct Case {
    /// The source member's `--snapshot-count` (etcd's default when `None`).
    snapshot_count: Option<u32>,
    with_v3: bool,
    /// `--backup-wal-dir` next to the backup dir.
    separate_wal: bool,
    /// Rewrite the source WAL without its snapshot records, which backup repairs.
    lose_wal_snapshots: bool,
}

/// Rewrites the member's WAL as one file holding the same entries and hard state but no
/// snapshot record beyond the initial empty one.
fn drop_snapshot_records(data_dir: &Path) {
    let dir = data_dir.join("member/wal");
    let all = wal::read_all(&dir, WalSnapshot::default()).expect("source wal");
    let metadata = ServerMetadata::decode(all.metadata.as_slice()).unwrap();
    let mut writer = WalWriter::create(&metadata);
    writer.save(&all.state, &all.entries);
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(wal::FIRST_FILE), writer.bytes()).unwrap();
}

/// Backs up a member as `case` says, by both tools, and boots a member from each backup.
fn scenario(case: Case) {
    let Case {
        snapshot_count,
        with_v3,
        separate_wal,
        lose_wal_snapshots,
    } = case;
    let etcd = v2_member(snapshot_count, None, None);
    for i in 1..=3 {
        v2(&etcd)
            .args(["set", &format!("/dir/foo{i}"), &format!("bar{i}")])
            .run()
            .assert_ok();
    }
    v2(&etcd).args(["mkdir", "/empty"]).run().assert_ok();
    etcd.ectl()
        .args(["put", "v3key", "v3value"])
        .run()
        .assert_ok();
    let before = served(&etcd);
    etcd.kill();
    if lose_wal_snapshots {
        drop_snapshot_records(&etcd.data_dir());
    }

    let work = tempfile::tempdir().unwrap();
    let ours_dir = work.path().join("ours");
    let theirs_dir = work.path().join("theirs");
    let wal_dir = |dir: &Path| separate_wal.then(|| dir.with_extension("wal"));
    let report = backup(&BackupOptions {
        data_dir: etcd.data_dir(),
        backup_dir: ours_dir.clone(),
        backup_wal_dir: wal_dir(&ours_dir),
        with_v3,
        ..BackupOptions::default()
    })
    .expect("backup");
    let mut reference = support::etcdctl().env("ETCDCTL_API", "2").args([
        "backup".as_ref(),
        "--data-dir".as_ref(),
        etcd.data_dir().as_os_str(),
        "--backup-dir".as_ref(),
        theirs_dir.as_os_str(),
    ]
        as [&std::ffi::OsStr; 5]);
    if with_v3 {
        reference = reference.arg("--with-v3");
    }
    if let Some(dir) = wal_dir(&theirs_dir) {
        reference = reference.arg("--backup-wal-dir").arg(dir);
    }
    let reference = reference.run();
    reference.assert_ok();
    assert_eq!(report.log, log_lines(&reference), "dropped entries");
    if lose_wal_snapshots {
        assert!(
            report.log[0].starts_with("Failed to find the match snapshot record {Index:"),
            "{:?}",
            report.log
        );
    }
    assert_ne!(report.node_id, 0);
    assert_eq!(snap_files(&ours_dir), snap_files(&theirs_dir));
    // The backends differ in page layout but must hold the same buckets, keys and values (the
    // consistent index without --with-v3; no membership buckets with it).
    let status = |dir: &Path| {
        let s = ectl::storage::bbolt::status(&dir.join("member/snap/db")).expect("backup db");
        (s.hash, s.total_key, s.revision)
    };
    assert_eq!(
        status(&ours_dir),
        status(&theirs_dir),
        "backup backends differ"
    );

    let mut results = Vec::new();
    for dir in [&ours_dir, &theirs_dir] {
        let restored = v2_member(snapshot_count, Some(dir), wal_dir(dir).as_deref());
        results.push(served(&restored));
    }
    assert_eq!(
        results[0], results[1],
        "ours and etcdctl's backups serve different data"
    );
    let (v2_keys, v3_keys) = &results[0];
    assert_eq!(*v2_keys, before.0, "the backup lost v2 keys");
    if with_v3 {
        assert_eq!(*v3_keys, before.1, "the backup lost v3 keys");
    } else {
        assert_eq!(*v3_keys, "", "v3 keys survive a backup without --with-v3");
    }
}

/// The `.snap` file names in a backup.
fn snap_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("member/snap"))
        .unwrap()
        .map(|e| PathBuf::from(e.unwrap().file_name()))
        .filter(|n| n.extension().is_some_and(|e| e == "snap"))
        .collect();
    names.sort();
    names
}

#[test]
fn backup_without_snapshot_file() {
    scenario(Case::default());
}

#[test]
fn backup_with_snapshot_file() {
    scenario(Case {
        snapshot_count: Some(1),
        ..Case::default()
    });
}

#[test]
fn backup_with_v3_without_snapshot_file() {
    scenario(Case {
        with_v3: true,
        ..Case::default()
    });
}

#[test]
fn backup_with_v3_with_snapshot_file() {
    scenario(Case {
        snapshot_count: Some(1),
        with_v3: true,
        ..Case::default()
    });
}

#[test]
fn backup_to_a_separate_wal_dir() {
    scenario(Case {
        snapshot_count: Some(1),
        separate_wal: true,
        ..Case::default()
    });
}

#[test]
fn backup_repairs_a_wal_without_the_snapshot_record() {
    scenario(Case {
        snapshot_count: Some(1),
        lose_wal_snapshots: true,
        ..Case::default()
    });
}

#[test]
fn backup_refuses_a_used_backup_dir_and_a_missing_data_dir() {
    let work = tempfile::tempdir().unwrap();
    let err = backup(&BackupOptions {
        data_dir: work.path().join("missing"),
        backup_dir: work.path().join("b"),
        ..BackupOptions::default()
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("missing/member/snap: no such file or directory"),
        "{err}"
    );
    let snap = work.path().join("b/member/snap");
    std::fs::write(snap.join("x"), "").unwrap();
    let err = backup(&BackupOptions {
        data_dir: work.path().join("missing"),
        backup_dir: work.path().join("b"),
        ..BackupOptions::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("to be empty"), "{err}");
}
