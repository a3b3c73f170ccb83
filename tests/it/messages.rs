//! The messages a person meets at the edges, against a real etcd: etcdctl's `Error:` lines kept
//! byte for byte with ectl's `hint:` beside them, mistakes refused before any request, exit
//! codes that match the documented table, `ECTL_*` variables (and their former names), and
//! `du`'s sizes as a terminal shows them.

use std::os::unix::ffi::OsStrExt;

use crate::support::{self, Etcd, ectl, etcdctl};

/// The `Error:` lines of `stderr`.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("Error:")).collect()
}

#[test]
fn a_negative_watch_revision_is_refused_before_any_request() {
    // Nothing listens on port 1: a request would fail with a connection error instead.
    let out = ectl()
        .args(["--endpoints=127.0.0.1:1", "watch", "--rev", "-5", "k"])
        .run();
    out.assert_code(128);
    assert_eq!(
        out.stderr_str(),
        "Error: --rev -5 is negative: give a revision from 1 on, or 0 to watch from now\n"
    );
}

#[test]
fn watch_without_a_key_keeps_etcdctls_error_and_adds_a_hint() {
    let etcd = Etcd::single();
    let ours = etcd.ectl().arg("watch").run();
    let theirs = etcd.etcdctl().arg("watch").run();
    assert_eq!(ours.code, theirs.code);
    assert_eq!(
        error_lines(&ours.stderr_str()),
        error_lines(&theirs.stderr_str())
    );
    let stderr = ours.stderr_str();
    assert!(
        stderr.starts_with("hint: name what to watch: `watch KEY`"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_comparison_keeps_etcdctls_error_and_shows_the_right_form() {
    let etcd = Etcd::single();
    let input = "value(k1) == v1\n\nput k v\n\n";
    let ours = etcd.ectl().arg("txn").stdin(input).run();
    let theirs = etcd.etcdctl().arg("txn").stdin(input).run();
    assert_eq!(ours.code, 3);
    assert_eq!(ours.code, theirs.code);
    assert_eq!(
        error_lines(&ours.stderr_str()),
        error_lines(&theirs.stderr_str())
    );
    let hint = ours
        .stderr_str()
        .lines()
        .find(|l| l.starts_with("hint: "))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("a hint: {ours:?}"));
    assert!(
        hint.starts_with(r#"hint: write it as value("k1") = "v1"; "#),
        "{hint}"
    );
}

#[test]
fn a_put_over_the_members_limit_gets_the_size_advice() {
    // Under ectl's 2 MiB client limit, over etcd's 1.5 MiB: the member refuses it.
    let etcd = Etcd::single();
    let value = vec![b'x'; 1_600_000];
    let ours = etcd.ectl().args(["put", "big"]).stdin(value.clone()).run();
    let theirs = etcd.etcdctl().args(["put", "big"]).stdin(value).run();
    assert_eq!((ours.code, theirs.code), (1, 1));
    let stderr = ours.stderr_str();
    assert_eq!(
        stderr.lines().next(),
        Some("Error: etcdserver: request is too large")
    );
    assert_eq!(
        error_lines(&stderr),
        error_lines(&theirs.stderr_str()),
        "{stderr}"
    );
    assert!(
        stderr.contains("--max-request-bytes (1.5 MiB by default)"),
        "{stderr}"
    );
}

#[test]
fn import_of_a_missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.ndjson");
    let out = ectl().arg("import").arg(&missing).run();
    out.assert_code(6);
    assert_eq!(
        out.stderr_str(),
        format!(
            "Error: open {}: no such file or directory\n",
            missing.display()
        )
    );
    // A file that is there but holds no dump is invalid input.
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, "not a dump\n").unwrap();
    ectl().arg("import").arg(&bad).run().assert_code(3);
}

#[test]
fn debug_lines_quote_binary_range_bounds() {
    let etcd = Etcd::single();
    for i in 0..6u8 {
        let bytes = [b'b', 0x01, 0x1b, b'[', b'2', b'J', 0xff, b'0' + i];
        let key = std::ffi::OsStr::from_bytes(&bytes);
        etcd.etcdctl()
            .arg("put")
            .arg(key)
            .arg("v")
            .run()
            .assert_ok();
    }
    let out = etcd
        .ectl()
        .args(["--debug", "du", "--page-keys", "2"])
        .run();
    out.assert_ok();
    let stderr = out.stderr_str();
    assert!(stderr.contains("page"), "no page lines: {stderr}");
    assert!(
        !out.stderr
            .iter()
            .any(|&b| b == 0x1b || b == 0x01 || b == 0xff),
        "raw bytes on stderr: {stderr:?}"
    );
    // Go's %q, once: every byte that is not printable text escaped, none replaced.
    assert!(stderr.contains(r#" bound="b\x01\x1b[2J\xff"#), "{stderr}");
}

#[test]
fn ectl_variables_and_their_former_names() {
    let etcd = Etcd::single();
    for k in ["/c/1", "/c/2"] {
        etcd.etcdctl().args(["put", k, "v"]).run().assert_ok();
    }
    // Asked for confirmation by either name, there is no terminal to ask on: refused.
    for var in ["ECTL_CONFIRM", "ETCDCTL_CONFIRM"] {
        let out = etcd
            .ectl()
            .env(var, "1")
            .args(["del", "--prefix", "/c/"])
            .run();
        out.assert_code(1);
        assert!(
            out.stderr_str().contains("refusing to delete 2 keys"),
            "{var}: {out:?}"
        );
    }
    // The new name wins over the former one.
    let out = etcd
        .ectl()
        .env("ECTL_CONFIRM", "0")
        .env("ETCDCTL_CONFIRM", "1")
        .args(["del", "--prefix", "/c/", "--dry-run"])
        .run();
    out.assert_ok();
    for var in ["ECTL_PRINT_CURL", "ETCDCTL_PRINT_CURL"] {
        let out = etcd.ectl().env(var, "true").args(["get", "/c/1"]).run();
        out.assert_ok();
        assert!(out.stderr_str().contains("curl "), "{var}: {out:?}");
    }
    let out = etcd
        .ectl()
        .env("ECTL_PRINT_CURL", "false")
        .env("ETCDCTL_PRINT_CURL", "true")
        .args(["get", "/c/1"])
        .run();
    assert_eq!(out.stderr_str(), "", "{out:?}");
}

#[test]
fn du_shows_human_sizes_on_a_terminal_and_exact_numbers_in_a_pipe() {
    let etcd = Etcd::single();
    etcd.etcdctl()
        .args(["put", "/big/a"])
        .stdin("x".repeat(150_000))
        .run()
        .assert_ok();
    etcd.etcdctl()
        .args(["put", "/small/b", "y"])
        .run()
        .assert_ok();
    let (shown, code) = support::pty::transcript(&format!(
        "{} --endpoints={} du",
        env!("CARGO_BIN_EXE_ectl"),
        etcd.endpoint()
    ));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(" 150 kB |"), "{shown}");
    assert!(!shown.contains("150000"), "{shown}");
    // Prefixes read from the left.
    assert!(shown.contains("| /big/ "), "{shown}");
    let piped = etcd.ectl().arg("du").run();
    piped.assert_ok();
    assert!(
        piped.stdout_str().starts_with("1\t6\t150000\t150006\t"),
        "{piped:?}"
    );
    let json = etcd.ectl().args(["du", "-w", "json"]).run();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["prefixes"][0]["value_bytes"], 150_000);
}

#[test]
fn the_import_summary_names_skipped_keys_only_with_if_absent() {
    let etcd = Etcd::single();
    etcd.etcdctl().args(["put", "/i/a", "1"]).run().assert_ok();
    let dump = etcd.ectl().args(["export", "--prefix", "/i/"]).run();
    dump.assert_ok();
    let plain = etcd
        .ectl()
        .args(["import", "-"])
        .stdin(dump.stdout.clone())
        .run();
    assert_eq!(plain.stdout_str(), "Imported 1 keys\n");
    let cas = etcd
        .ectl()
        .args(["import", "--if-absent", "-"])
        .stdin(dump.stdout.clone())
        .run();
    assert_eq!(
        cas.stdout_str(),
        "Imported 0 keys, skipped 1 present ones\n"
    );
    // The etcdctl view agrees.
    let got = etcdctl()
        .arg(format!("--endpoints={}", etcd.endpoint()))
        .args(["get", "/i/a", "--print-value-only"])
        .run();
    assert_eq!(got.stdout_str(), "1\n");
}
