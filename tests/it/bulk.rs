//! `export` / `import` (ectl only) between real clusters: a round trip gives the same keyspace,
//! an export continued with `--after` equals one in a piece, and `--if-absent` keeps what exists.

use crate::support;

use support::Etcd;

/// Keys and values (simple format, raw bytes) of the whole keyspace.
fn keyspace(etcd: &Etcd) -> Vec<u8> {
    let out = etcd.ectl().args(["get", "", "--from-key"]).run();
    out.assert_ok();
    out.stdout
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
}

fn export_to(etcd: &Etcd, args: &[&str], path: &std::path::Path) {
    let out = etcd.ectl().arg("export").args(args).run();
    out.assert_ok();
    std::fs::write(path, &out.stdout).unwrap();
}

#[test]
fn round_trip_gives_an_identical_keyspace() {
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
    assert_eq!(
        out.stdout_str(),
        format!("Imported {keys} keys, skipped 0 present ones\n")
    );
    assert_eq!(keyspace(&dest), keyspace(&source));
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
    let got = dest.ectl().args(["get", "--prefix", "/new/"]).run();
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
