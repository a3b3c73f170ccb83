//! `--db`: read commands answered from an etcd backend file with no server, compared with the
//! same commands against the live server holding the same state. Only headers may differ (a
//! file knows no cluster or member id); everything else must be the same bytes.

use std::path::{Path, PathBuf};

use crate::support::{Etcd, ectl};

/// Keys of several shapes: versions, a lease, deletions, a value bigger than a page, keys
/// outside the prefix.
fn fill(etcd: &Etcd) {
    let mut txn = String::from("\n");
    for i in 0..40 {
        txn.push_str(&format!("put /a/{i:02} value-{i}-{}\n", "x".repeat(i * 3)));
    }
    txn.push_str("put /b/1 b1\nput other o\n\n\n");
    etcd.ectl().arg("txn").stdin(txn).run().assert_ok();
    for i in 0..5 {
        etcd.ectl()
            .args(["put", &format!("/a/{i:02}"), &format!("again-{i}")])
            .run()
            .assert_ok();
    }
    let lease = etcd
        .ectl()
        .args(["lease", "grant", "600"])
        .run()
        .granted_lease();
    etcd.ectl()
        .args(["put", "/a/leased", "l", &format!("--lease={lease}")])
        .run()
        .assert_ok();
    etcd.ectl()
        .args(["put", "/a/big"])
        .stdin("B".repeat(9000))
        .run()
        .assert_ok();
    etcd.ectl()
        .args(["del", "/a/10", "/a/13"])
        .run()
        .assert_ok();
}

fn revision(etcd: &Etcd) -> i64 {
    let out = etcd.ectl().args(["get", "x", "-w", "json"]).run();
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["header"]["revision"].as_i64().unwrap()
}

fn snapshot(etcd: &Etcd, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    etcd.save_snapshot(&path);
    path
}

/// `out` without its response header: JSON without `header`, fields without the header lines,
/// protobuf without field 1 of the top-level message.
fn headless(format: &str, out: &[u8]) -> Vec<u8> {
    match format {
        "json" => {
            let mut v: serde_json::Value = serde_json::from_slice(out).expect("json");
            v.as_object_mut().map(|o| o.remove("header"));
            serde_json::to_vec(&v).unwrap()
        }
        "fields" => String::from_utf8_lossy(out)
            .lines()
            .filter(|l| {
                ![
                    "\"ClusterID\"",
                    "\"MemberID\"",
                    "\"Revision\"",
                    "\"RaftTerm\"",
                ]
                .iter()
                .any(|h| l.starts_with(h))
            })
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        "protobuf" => without_field_1(out),
        _ => out.to_vec(),
    }
}

/// A protobuf message without its field 1 (the header), other fields kept as they are.
fn without_field_1(mut bytes: &[u8]) -> Vec<u8> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let mut value = 0;
        for shift in (0..64).step_by(7) {
            let b = bytes[0];
            *bytes = &bytes[1..];
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
        }
        value
    }
    let mut kept = Vec::new();
    while !bytes.is_empty() {
        let start = bytes;
        let tag = varint(&mut bytes);
        match tag & 7 {
            0 => {
                varint(&mut bytes);
            }
            2 => {
                let len = varint(&mut bytes) as usize;
                bytes = &bytes[len..];
            }
            other => panic!("wire type {other} in a RangeResponse"),
        }
        let field = &start[..start.len() - bytes.len()];
        if tag >> 3 != 1 {
            kept.extend_from_slice(field);
        }
    }
    kept
}

/// The same `get` online (at `rev`) and offline must print the same, headers aside.
fn same_get(etcd: &Etcd, db: &Path, rev: i64, args: &[&str], format: &str) {
    let online = etcd
        .ectl()
        .args(["get", &format!("--rev={rev}"), "-w", format])
        .args(args)
        .run();
    let offline = ectl()
        .arg("--db")
        .arg(db)
        .args(["get", &format!("--rev={rev}"), "-w", format])
        .args(args)
        .run();
    assert_eq!(
        (online.code, online.stderr_str()),
        (offline.code, offline.stderr_str()),
        "get {args:?} -w {format}"
    );
    assert_eq!(
        String::from_utf8_lossy(&headless(format, &online.stdout)),
        String::from_utf8_lossy(&headless(format, &offline.stdout)),
        "get {args:?} -w {format}"
    );
}

#[test]
fn get_du_export_from_a_snapshot_match_the_server() {
    let etcd = Etcd::single();
    fill(&etcd);
    let before = revision(&etcd);
    etcd.ectl()
        .args(["put", "/a/00", "latest"])
        .run()
        .assert_ok();
    let rev = revision(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let db = snapshot(&etcd, dir.path(), "snap.db");

    let ranges: &[&[&str]] = &[
        &["/a/00"],
        &["--prefix", "/a/"],
        &["/a/", "/b/"],
        &["--from-key", "/a/3"],
        &["--prefix", ""],
        &["--prefix", "/a/", "--limit", "3"],
        &["--prefix", "/a/", "--order=DESCEND", "--limit=4"],
        // etcd sorts on other fields with Go's unstable sort: ties among more than 12 keys
        // may come in another order (docs/offline-reads.md), so these ranges have fewer.
        &["--prefix", "/a/0", "--sort-by=MODIFY", "--order=DESCEND"],
        &["--prefix", "/a/0", "--sort-by=VERSION", "--limit=2"],
        &["--prefix", "/a/", "--sort-by=VALUE", "--order=ASCEND"],
        &["--prefix", "/a/", "--keys-only"],
        &["--prefix", "/a/", "--min-mod-rev=3", "--max-create-rev=40"],
        &["--prefix", "/a/", "--page-size=200"],
        &["--prefix", "/a/", "--page-size=200", "--order=DESCEND"],
        &["/missing"],
    ];
    for format in ["simple", "json", "fields", "protobuf"] {
        for args in ranges {
            same_get(&etcd, &db, rev, args, format);
        }
    }
    same_get(
        &etcd,
        &db,
        rev,
        &["--prefix", "/a/", "--count-only"],
        "fields",
    );
    same_get(
        &etcd,
        &db,
        rev,
        &["--prefix", "/a/", "--print-value-only"],
        "simple",
    );
    same_get(&etcd, &db, rev, &["--prefix", "--hex", "/a/0"], "simple");
    // Within the history the file holds, and past its end.
    same_get(&etcd, &db, before, &["--prefix", "/a/"], "json");
    same_get(&etcd, &db, rev + 5, &["/a/00"], "simple");

    for args in [&["du", "-w", "json"][..], &["du", "/a/", "-w", "simple"]] {
        let online = etcd.ectl().args(args).run();
        let offline = ectl().arg("--db").arg(&db).args(args).run();
        online.assert_ok();
        assert_eq!(online.stdout_str(), offline.stdout_str(), "{args:?}");
    }

    // export: the same keys; the header line names the cluster online, none offline.
    let online = etcd.ectl().args(["export", "--prefix", "/a/"]).run();
    let offline = ectl()
        .arg("--db")
        .arg(&db)
        .args(["export", "--prefix", "/a/"])
        .run();
    offline.assert_ok();
    let (on, off) = (online.stdout_str(), offline.stdout_str());
    let (on_head, on_keys) = on.split_once('\n').unwrap();
    let (off_head, off_keys) = off.split_once('\n').unwrap();
    assert_eq!(on_keys, off_keys);
    assert!(
        off_head.contains(&format!("\"revision\":{rev}")),
        "{off_head}"
    );
    assert!(
        on_head.contains(&format!("\"revision\":{rev}")),
        "{on_head}"
    );
}

#[test]
fn commands_that_need_a_server_say_so_under_db() {
    let etcd = Etcd::single();
    let dir = tempfile::tempdir().unwrap();
    let db = snapshot(&etcd, dir.path(), "snap.db");
    for args in [&["put", "k", "v"][..], &["member", "list"], &["watch", "k"]] {
        let out = ectl().arg("--db").arg(&db).args(args).run();
        out.assert_code(128);
        assert!(
            out.stderr_str()
                .contains("this command needs a server; --db reads a file"),
            "{args:?}: {}",
            out.stderr_str()
        );
    }
    let out = ectl().args(["--db", "/nonexistent/db", "get", "k"]).run();
    out.assert_code(3);
    assert_eq!(
        out.stderr_str(),
        "Error: cannot read /nonexistent/db: open /nonexistent/db: no such file or directory\n"
    );
}

/// A data dir copied while its member runs: the file is read as the member last committed it.
#[test]
fn a_data_dir_copied_from_a_running_member() {
    let etcd = Etcd::single();
    fill(&etcd);
    let rev = revision(&etcd);
    let dir = tempfile::tempdir().unwrap();
    // etcd commits its backend in batches; copy again until the copy holds the last write.
    let copy = dir.path().join("data");
    let mut attempts = 0;
    loop {
        let _ = std::fs::remove_dir_all(&copy);
        copy_dir(&etcd.data_dir(), &copy);
        let out = ectl()
            .arg("--db")
            .arg(&copy)
            .args(["get", "x", "-w", "json"])
            .run();
        if out.code == 0 && out.stdout_str().contains(&format!("\"revision\":{rev}")) {
            break;
        }
        attempts += 1;
        assert!(
            attempts < 100,
            "the copy never held revision {rev}: {}",
            out.stderr_str()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for format in ["simple", "json"] {
        same_get(&etcd, &copy, rev, &["--prefix", "/a/"], format);
    }
    same_get(
        &etcd,
        &copy.join("member/snap/db"),
        rev,
        &["--prefix", ""],
        "simple",
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The case: a key written 20 times, deleted, re-created, then compacted halfway.
/// `history` online and from a snapshot print the same, and both say where it was compacted.
#[test]
fn history_of_a_compacted_key_online_and_offline() {
    let etcd = Etcd::single();
    let mut revs = Vec::new();
    for i in 1..=20 {
        etcd.ectl()
            .args(["put", "k", &format!("{{\"n\":{i},\"name\":\"k\"}}")])
            .run()
            .assert_ok();
        etcd.ectl()
            .args(["put", "other", &i.to_string()])
            .run()
            .assert_ok();
        revs.push(revision(&etcd) - 1);
    }
    etcd.ectl().args(["del", "k"]).run().assert_ok();
    etcd.ectl().args(["put", "k", "reborn"]).run().assert_ok();
    let half = revs[10];
    etcd.ectl()
        .args(["compaction", &half.to_string()])
        .run()
        .assert_ok();
    let dir = tempfile::tempdir().unwrap();
    let db = snapshot(&etcd, dir.path(), "snap.db");

    for extra in [&[][..], &["-w", "json"], &["--size-only"], &["--diff"]] {
        let online = etcd.ectl().arg("history").args(extra).arg("k").run();
        let offline = ectl()
            .arg("--db")
            .arg(&db)
            .arg("history")
            .args(extra)
            .arg("k")
            .run();
        online.assert_ok();
        offline.assert_ok();
        assert_eq!(online.stdout_str(), offline.stdout_str(), "{extra:?}");
    }
    let out = etcd.ectl().args(["history", "k"]).run();
    let text = out.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("# compacted at revision {half}: older versions are gone")
    );
    // Versions 11 to 20 (the one at the compacted revision is the oldest left), the
    // deletion, and the new key.
    let heads: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(" PUT \"k\"") || l.contains(" DELETE \"k\""))
        .collect();
    assert_eq!(heads.len(), 12, "{text}");
    assert!(heads[0].starts_with(&format!("{half} PUT \"k\" create_revision=2 version=11 ")));
    assert!(heads[10].ends_with("DELETE \"k\""), "{text}");
    assert!(heads[11].contains("create_revision=") && heads[11].contains("version=1 "));
    assert_eq!(lines.last(), Some(&"reborn"));
    // A diff between consecutive JSON values names the changed field only.
    let diff = etcd
        .ectl()
        .args(["history", "--diff", "k"])
        .run()
        .stdout_str();
    assert!(diff.contains("-  \"n\": 11,\n+  \"n\": 12,\n"), "{diff}");
    // Reading below the compaction fails the same way online and offline.
    same_get(&etcd, &db, half - 1, &["k"], "simple");
}

#[test]
fn diff_a_file_against_the_cluster_and_two_files() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let old = snapshot(&etcd, dir.path(), "old.db");
    etcd.ectl()
        .args(["put", "/a/00", "changed"])
        .run()
        .assert_ok();
    etcd.ectl().args(["del", "/a/01"]).run().assert_ok();
    let new = snapshot(&etcd, dir.path(), "new.db");

    let against_cluster = etcd
        .ectl()
        .arg("--db")
        .arg(&old)
        .args(["diff", "/a/"])
        .run();
    against_cluster.assert_code(1);
    let two_files = ectl()
        .arg("--db")
        .arg(&old)
        .args(["diff", "/a/", "--db-b"])
        .arg(&new)
        .run();
    two_files.assert_code(1);
    let body = |text: String| text.lines().skip(2).map(String::from).collect::<Vec<_>>();
    assert_eq!(
        body(against_cluster.stdout_str()),
        body(two_files.stdout_str())
    );
    let listing = two_files.stdout_str();
    assert!(listing.contains("+\"/a/00\" = \"changed\""), "{listing}");
    assert!(listing.contains("-\"/a/01\" = "), "{listing}");
    assert!(
        listing.starts_with(&format!("--- {} (revision ", old.display())),
        "{listing}"
    );
}
