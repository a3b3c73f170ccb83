//! `export` / `import` (ectl only) between real clusters, judged by the reference etcdctl: a
//! round trip gives the same keys and values (and the dump every field etcdctl shows),
//! an export continued with `--after` equals one in a piece, and `--if-absent` keeps what exists.

use crate::support;

use serde_json::Value;
use support::Etcd;

/// One key as the reference etcdctl's `get -w json` shows it (and as a dump line holds it):
/// key and value in base64, lease, create and mod revisions, version. etcdctl leaves out
/// fields that are zero; they read as 0 here.
#[derive(Debug, PartialEq, Eq)]
struct Kv {
    key: String,
    value: String,
    lease: i64,
    create_revision: i64,
    mod_revision: i64,
    version: i64,
}

impl Kv {
    fn from_json(kv: &Value) -> Kv {
        let text = |name: &str| kv[name].as_str().unwrap_or_default().to_string();
        let number = |name: &str| kv[name].as_i64().unwrap_or(0);
        Kv {
            key: text("key"),
            value: text("value"),
            lease: number("lease"),
            create_revision: number("create_revision"),
            mod_revision: number("mod_revision"),
            version: number("version"),
        }
    }
}

/// The whole keyspace, read by the reference etcdctl (`get "" --from-key -w json`), so ectl
/// is not the judge of its own round trip.
fn keyspace(etcd: &Etcd) -> Vec<Kv> {
    let out = etcd
        .etcdctl()
        .args(["get", "", "--from-key", "-w", "json"])
        .run();
    out.assert_ok();
    let json: Value = serde_json::from_slice(&out.stdout).expect("etcdctl's JSON");
    json["kvs"]
        .as_array()
        .map(|kvs| kvs.iter().map(Kv::from_json).collect())
        .unwrap_or_default()
}

/// Plain, binary and big keys and values, overwritten and deleted so revisions move on.
fn fill(etcd: &Etcd) {
    let big = "v".repeat(100_000);
    let mut puts = String::new();
    for i in 0..150 {
        puts.push_str(&format!("put /a/{i:03} value{i}\n"));
        if puts.lines().count() == 100 {
            etcd.ectl()
                .arg("txn")
                .stdin(format!("\n{puts}\n\n"))
                .run()
                .assert_ok();
            puts.clear();
        }
    }
    etcd.ectl()
        .arg("txn")
        .stdin(format!("\n{puts}\n\n"))
        .run()
        .assert_ok();
    etcd.ectl().args(["put", "/big", &big]).run().assert_ok();
    etcd.ectl()
        .args(["del", "/a/1", "--prefix"])
        .run()
        .assert_ok();
    etcd.ectl()
        .args(["put", "/a/000", "again"])
        .run()
        .assert_ok();
    let binary: std::ffi::OsString =
        std::os::unix::ffi::OsStringExt::from_vec(vec![0xff, 0x01, b'k']);
    etcd.ectl()
        .arg("put")
        .arg(&binary)
        .arg("\u{1}\u{2}")
        .run()
        .assert_ok();
    // A key on a lease, so the dump has a lease to carry (or, on import, not to).
    let lease = etcd
        .etcdctl()
        .args(["lease", "grant", "600"])
        .run()
        .granted_lease();
    etcd.etcdctl()
        .args(["put", "/leased", "x", "--lease", &lease])
        .run()
        .assert_ok();
}

fn export_to(etcd: &Etcd, args: &[&str], path: &std::path::Path) {
    let out = etcd.ectl().arg("export").args(args).run();
    out.assert_ok();
    std::fs::write(path, &out.stdout).unwrap();
}

#[test]
fn round_trip_copies_every_key_and_value_as_etcdctl_reads_them() {
    let (source, dest) = (Etcd::single(), Etcd::single());
    fill(&source);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("dump.ndjson");
    export_to(&source, &[], &dump);
    let text = std::fs::read_to_string(&dump).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with(r#"{"format":"ectl-dump","version":1,"cluster_id":"#),
        "{header}"
    );
    let out = dest.ectl().arg("import").arg(&dump).run();
    out.assert_ok();
    let keys = text.lines().count() - 1;
    assert_eq!(out.stdout_str(), format!("Imported {keys} keys\n"));

    // The dump holds each key as etcdctl reads it at the source: every field, lease included.
    let original = keyspace(&source);
    let dumped: Vec<Kv> = text
        .lines()
        .skip(1)
        .map(|line| Kv::from_json(&serde_json::from_str(line).expect("a dump line")))
        .collect();
    assert_eq!(dumped, original);
    assert!(
        original.iter().any(|kv| kv.lease != 0) && original.iter().any(|kv| kv.version > 1),
        "the fixture has a leased key and an overwritten one: {original:?}"
    );

    // At the destination, as etcdctl reads it: the same keys and values, each written once
    // by the import (version 1, created and modified by the same txn), with no lease (lease
    // ids belong to the source cluster; docs/export-import.md).
    let copied = keyspace(&dest);
    assert_eq!(copied.len(), original.len());
    for (copy, kv) in copied.iter().zip(&original) {
        assert_eq!(
            (&copy.key, &copy.value, copy.lease, copy.version),
            (&kv.key, &kv.value, 0, 1),
            "{copy:?} imported from {kv:?}"
        );
        assert_eq!(copy.create_revision, copy.mod_revision, "{copy:?}");
    }
}

#[test]
fn an_export_continued_after_a_key_equals_one_in_a_piece() {
    let etcd = Etcd::single();
    fill(&etcd);
    let whole = etcd.ectl().args(["export", "--prefix", "/a/"]).run();
    whole.assert_ok();
    let whole = whole.stdout_str();
    let lines: Vec<&str> = whole.lines().collect();
    let revision = &lines[0][lines[0].find("\"revision\":").unwrap() + 11..lines[0].len() - 1];
    // A write after the first piece must not show in the second.
    etcd.ectl()
        .args(["put", "/a/999", "late"])
        .run()
        .assert_ok();
    let first = etcd
        .ectl()
        .args(["export", "/a/", "/a/05", "--rev", revision])
        .run();
    let rest = etcd
        .ectl()
        .args([
            "export", "--prefix", "/a/", "--rev", revision, "--after", "/a/049",
        ])
        .run();
    first.assert_ok();
    rest.assert_ok();
    assert_eq!(
        format!("{}{}", first.stdout_str(), rest.stdout_str()),
        whole
    );
}

#[test]
fn if_absent_keeps_existing_keys_and_prefixes_are_rewritten() {
    let (source, dest) = (Etcd::single(), Etcd::single());
    for (k, v) in [("/old/a", "1"), ("/old/b", "2"), ("/old/c", "3")] {
        source.ectl().args(["put", k, v]).run().assert_ok();
    }
    dest.ectl()
        .args(["put", "/new/b", "kept"])
        .run()
        .assert_ok();
    let dump = source.ectl().args(["export", "--prefix", "/old/"]).run();
    dump.assert_ok();
    let out = dest
        .ectl()
        .args([
            "import",
            "--if-absent",
            "--strip-prefix",
            "/old/",
            "--dest-prefix",
            "/new/",
            "-",
        ])
        .stdin(dump.stdout.clone())
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        "Imported 2 keys, skipped 1 present ones\n"
    );
    let got = dest.etcdctl().args(["get", "--prefix", "/new/"]).run();
    got.assert_ok();
    assert_eq!(got.stdout_str(), "/new/a\n1\n/new/b\nkept\n/new/c\n3\n");
    // Not a dump at all: invalid input, nothing written.
    let bad = dest
        .ectl()
        .args(["import", "-"])
        .stdin("{\"key\":1}\n")
        .run();
    bad.assert_code(3);
    assert!(
        bad.stderr_str()
            .starts_with("Error: line 1: not an ectl-dump header"),
        "{bad:?}"
    );
}
