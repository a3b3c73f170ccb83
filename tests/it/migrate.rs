//! `migrate` on a real etcd 3.4 data dir, next to the reference etcdctl 3.4.23's `migrate` of a
//! copy of the same dir: both print the same lines and exit alike, and etcd 3.4 started on
//! each result serves the same v3 keys (headers aside). The v2 data is written through v2
//! (`ETCDCTL_API=2 etcdctl`) to a member started with `--enable-v2=true`, then the member is
//! stopped; with `--snapshot-count` small, part of the store comes from a raft snapshot file.

use crate::support;
use std::path::{Path, PathBuf};

use support::{Cmd, Etcd, Options, Out, start_restored};

fn v2_member(snapshot_count: Option<u32>) -> Etcd {
    let mut extra_args = vec!["--enable-v2=true".to_string()];
    if let Some(count) = snapshot_count {
        extra_args.push(format!("--snapshot-count={count}"));
    }
    Etcd::start(Options {
        extra_args,
        ..Options::default()
    })
}

fn v2(etcd: &Etcd, args: &[&str]) {
    support::etcdctl()
        .env("ETCDCTL_API", "2")
        .arg(format!("--endpoints={}", etcd.client_url()))
        .args(args)
        .run()
        .assert_ok();
}

/// Files, directories, an in-order key, a swap, an update, deletes, a hidden key, non-ASCII
/// names, a TTL that runs out (the leader's SYNC expires it) and TTLs that do not, and one v3
/// key whose revision a v2 index takes over.
fn fill(etcd: &Etcd) {
    v2(etcd, &["set", "/a", "1"]);
    v2(etcd, &["set", "/dir/b", "2"]);
    v2(etcd, &["set", "--ttl", "1000", "/dir/c", "3"]);
    v2(etcd, &["mkdir", "/empty"]);
    v2(etcd, &["mkdir", "--ttl", "1000", "/tdir"]);
    v2(etcd, &["set", "/tdir/inside", "t"]);
    v2(etcd, &["mk", "/made", "x"]);
    v2(etcd, &["mk", "--in-order", "/queue", "job1"]);
    v2(etcd, &["mk", "--in-order", "/queue", "job2"]);
    v2(etcd, &["update", "/a", "11"]);
    v2(etcd, &["set", "/_hidden", "h"]);
    v2(etcd, &["set", "/dir/_under", "h"]);
    v2(etcd, &["rm", "/made"]);
    v2(etcd, &["set", "/swap", "old"]);
    v2(etcd, &["set", "--swap-with-value", "old", "/swap", "new"]);
    v2(etcd, &["set", "/uni/ключ", "значение <&>"]);
    etcd.ectl().args(["put", "v3key", "v3"]).run().assert_ok();
    v2(etcd, &["set", "--ttl", "1", "/short", "gone"]);
    // Wait for the expiry to go through raft (a SYNC entry in the WAL).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let out = support::etcdctl()
            .env("ETCDCTL_API", "2")
            .arg(format!("--endpoints={}", etcd.client_url()))
            .args(["get", "/short"])
            .run();
        if out.code != 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "/short never expired");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    v2(etcd, &["set", "/last", "end"]);
}

fn copy_of(dir: &Path, to: &Path) -> PathBuf {
    Cmd::new("cp")
        .args(["-a"])
        .arg(dir)
        .arg(to)
        .run()
        .assert_ok();
    to.to_path_buf()
}

/// stdout without etcdctl's zap JSON lines (its `migrate` logs to stdout; ectl logs nothing).
fn said(out: &Out) -> (i32, String, String) {
    let stdout = out
        .stdout_str()
        .lines()
        .filter(|line| !line.starts_with("{\"level\":"))
        .map(|line| format!("{line}\n"))
        .collect();
    (out.code, stdout, out.stderr_str())
}

fn migrate(tool: Cmd, args: &[&str]) -> Out {
    tool.arg("migrate").args(args).run()
}

/// The v3 keys etcd serves from `data_dir`, as `get "" --prefix -w json` prints them without
/// the header.
fn served(data_dir: &Path, name: &str, peer_url: &str) -> serde_json::Value {
    let etcd = start_restored(data_dir, name, peer_url);
    let out = support::ectl()
        .args([
            &format!("--endpoints={}", etcd.endpoint),
            "get",
            "",
            "--prefix",
            "-w",
            "json",
        ])
        .run();
    out.assert_ok();
    let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_object_mut().unwrap().remove("header");
    json
}

fn key_names(json: &serde_json::Value) -> Vec<String> {
    use base64::Engine;
    json["kvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| {
            let key = base64::engine::general_purpose::STANDARD
                .decode(kv["key"].as_str().unwrap())
                .unwrap();
            String::from_utf8(key).unwrap()
        })
        .collect()
}

fn same_migration(snapshot_count: Option<u32>) {
    let etcd = v2_member(snapshot_count);
    fill(&etcd);
    etcd.kill();
    let dir = tempfile::tempdir().unwrap();
    if snapshot_count.is_some() {
        let snaps = std::fs::read_dir(etcd.data_dir().join("member/snap"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("snap".as_ref()))
            .count();
        assert!(snaps > 0, "no raft snapshot was written");
    }
    for (case, args) in [("default", &[][..]), ("no-ttl", &["--no-ttl"])] {
        let theirs = copy_of(&etcd.data_dir(), &dir.path().join(format!("{case}-theirs")));
        let ours = copy_of(&etcd.data_dir(), &dir.path().join(format!("{case}-ours")));
        let data_dir = |d: &Path| format!("--data-dir={}", d.display());
        let reference = migrate(
            support::etcdctl(),
            &[args, &[data_dir(&theirs).as_str()]].concat(),
        );
        let out = migrate(
            support::ectl(),
            &[args, &[data_dir(&ours).as_str()]].concat(),
        );
        assert_eq!(said(&out), said(&reference), "{case}: ectl vs etcdctl");
        assert_eq!(
            said(&out),
            (
                0,
                "using default transformer\nfinished transforming keys\n".into(),
                String::new()
            )
        );
        // Before etcd touches them, the two backends hold the same buckets, keys and values
        // (ectl's file is compact, so only the size may differ).
        let contents = |dir: &Path| {
            let out = support::ectl()
                .args(["snapshot", "status", "-w", "json"])
                .arg(dir.join("member/snap/db"))
                .run();
            out.assert_ok();
            let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            json.as_object_mut().unwrap().remove("totalSize");
            json
        };
        assert_eq!(
            contents(&ours),
            contents(&theirs),
            "{case}: backends differ"
        );
        let by_etcdctl = served(&theirs, etcd.name(), &etcd.peer_url());
        let by_ectl = served(&ours, etcd.name(), &etcd.peer_url());
        assert_eq!(by_ectl, by_etcdctl, "{case}: keyspaces differ");
        let mut expected = vec![
            "/a",
            "/dir/b",
            "/dir/c",
            "/last",
            "/queue/00000000000000000008",
            "/queue/00000000000000000009",
            "/swap",
            "/tdir/inside",
            "/uni/ключ",
        ];
        if case == "no-ttl" {
            expected.retain(|k| *k != "/dir/c");
        }
        // v2 keys only: the v3 key stays unless a v2 index took its revision, alike in both.
        let mut keys: Vec<String> = key_names(&by_ectl)
            .into_iter()
            .filter(|k| k.starts_with('/'))
            .collect();
        keys.sort();
        // The in-order names are v2 indexes: compare their shape, not their numbers.
        let shape = |k: &str| {
            k.strip_prefix("/queue/")
                .map_or(k.to_string(), |n| format!("/queue/{}", n.len()))
        };
        assert_eq!(
            keys.iter().map(|k| shape(k)).collect::<Vec<_>>(),
            expected.iter().map(|k| shape(k)).collect::<Vec<_>>(),
            "{case}"
        );
    }
}

#[test]
fn migrated_keys_equal_etcdctls_from_the_wal() {
    same_migration(None);
}

#[test]
fn migrated_keys_equal_etcdctls_from_a_snapshot_and_the_wal() {
    same_migration(Some(5));
}

/// What fails fails as etcdctl's does: a missing data dir, a member with no v2 keys, a
/// transformer that fails (after which nothing is written) or cannot be found.
#[test]
fn failures_and_empty_stores_as_etcdctl() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("--data-dir={}", dir.path().join("none").display());
    let reference = migrate(support::etcdctl(), &[&missing]);
    let out = migrate(support::ectl(), &[&missing]);
    assert_eq!(said(&out), said(&reference));
    assert_eq!(out.code, 1);

    let etcd = v2_member(None);
    etcd.ectl().args(["put", "only", "v3"]).run().assert_ok();
    etcd.kill();
    let theirs = copy_of(&etcd.data_dir(), &dir.path().join("v3-theirs"));
    let ours = copy_of(&etcd.data_dir(), &dir.path().join("v3-ours"));
    let reference = migrate(
        support::etcdctl(),
        &[&format!("--data-dir={}", theirs.display())],
    );
    let out = migrate(
        support::ectl(),
        &[&format!("--data-dir={}", ours.display())],
    );
    assert_eq!(said(&out), said(&reference));
    assert_eq!(
        out.stdout_str(),
        "using default transformer\nno v2 keys to migrate\n"
    );

    let etcd = v2_member(None);
    fill(&etcd);
    etcd.kill();
    for transformer in [
        "false",
        "no-such-transformer-anywhere",
        "/no/such/transformer",
    ] {
        let theirs = copy_of(&etcd.data_dir(), &dir.path().join("t-theirs"));
        let ours = copy_of(&etcd.data_dir(), &dir.path().join("t-ours"));
        let db = ours.join("member/snap/db");
        let before = std::fs::read(&db).unwrap();
        let flag = format!("--transformer={transformer}");
        let reference = migrate(
            support::etcdctl(),
            &[&flag, &format!("--data-dir={}", theirs.display())],
        );
        let out = migrate(
            support::ectl(),
            &[&flag, &format!("--data-dir={}", ours.display())],
        );
        assert_eq!(said(&out), said(&reference), "{transformer}");
        assert_eq!(out.code, 1, "{transformer}");
        assert!(
            std::fs::read(&db).unwrap() == before,
            "{transformer}: the db changed"
        );
        std::fs::remove_dir_all(&theirs).unwrap();
        std::fs::remove_dir_all(&ours).unwrap();
    }
}

/// A user's transformer: both tools hand it the same JSON nodes (TTLs, which count down, aside)
/// and write the keys it answers with, so etcd serves the same keyspace from both results.
#[test]
fn a_transformer_gets_etcds_json_and_its_keys_are_written() {
    use ectl::pb::mvccpb::KeyValue;
    use prost::Message;
    use std::os::unix::fs::PermissionsExt;

    let etcd = v2_member(None);
    fill(&etcd);
    etcd.kill();
    let dir = tempfile::tempdir().unwrap();
    let mut frames = Vec::new();
    for (key, value, create, modified, version) in [
        ("/t/x", "from the transformer", 3, 5, 2),
        ("/t/y", "", 7, 7, 1),
    ] {
        let kv = KeyValue {
            key: key.into(),
            value: value.into(),
            create_revision: create,
            mod_revision: modified,
            version,
            lease: 0,
        }
        .encode_to_vec();
        frames.extend_from_slice(&(kv.len() as u64).to_le_bytes());
        frames.extend_from_slice(&kv);
    }
    let frames_path = dir.path().join("frames.bin");
    std::fs::write(&frames_path, &frames).unwrap();
    let mut results = Vec::new();
    for (tool, name) in [(support::etcdctl(), "theirs"), (support::ectl(), "ours")] {
        let data_dir = copy_of(&etcd.data_dir(), &dir.path().join(name));
        let seen = dir.path().join(format!("{name}.json"));
        let script = dir.path().join(format!("{name}.sh"));
        std::fs::write(
            &script,
            format!(
                // The pause: etcdctl waits for its transformer concurrently with reading
                // its output, and Go's `Wait` closes the pipe once the program has exited, so
                // keys still in the pipe are lost when it exits at once (etcdctl's race).
                "#!/bin/sh\ncat > '{}'\ncat '{}'\nsleep 1\n",
                seen.display(),
                frames_path.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = migrate(
            tool,
            &[
                &format!("--transformer={}", script.display()),
                &format!("--data-dir={}", data_dir.display()),
            ],
        );
        let json = std::fs::read_to_string(&seen).unwrap();
        results.push((
            said(&out),
            support::mask_number_after(&json, "\"ttl\":", "N"),
            data_dir,
        ));
    }
    let (theirs, ours) = (&results[0], &results[1]);
    assert_eq!(ours.0, theirs.0);
    assert_eq!(
        ours.0,
        (0, "finished transforming keys\n".into(), String::new())
    );
    assert_eq!(ours.1, theirs.1, "the JSON handed to the transformer");
    assert!(
        ours.1
            .contains(r#""key":"/uni/ключ","value":"значение \u003c\u0026\u003e""#)
    );
    let by_etcdctl = served(&theirs.2, etcd.name(), &etcd.peer_url());
    let by_ectl = served(&ours.2, etcd.name(), &etcd.peer_url());
    assert_eq!(by_ectl, by_etcdctl);
    let keys = key_names(&by_ectl);
    assert!(
        keys.contains(&"/t/x".to_string()) && !keys.contains(&"/a".to_string()),
        "{keys:?}"
    );
}
