//! Safe deletes against a real member: `del --dry-run`, `--confirm` (answered through a real
//! pty made by `script(1)`), `ETCDCTL_CONFIRM=1`, and `--save-undo` undone from its file.

use std::fs::File;
use std::io::BufReader;

use crate::support::{Cmd, Etcd};

fn keys(etcd: &Etcd, prefix: &str) -> String {
    let out = etcd
        .etcdctl()
        .args(["get", "--prefix", "--keys-only", prefix])
        .run();
    out.assert_ok();
    out.stdout_str()
}

fn seeded() -> Etcd {
    let etcd = Etcd::single();
    for k in ["a", "b", "c", "d"] {
        etcd.etcdctl()
            .args(["put", &format!("/x/{k}"), &format!("v{k}")])
            .run()
            .assert_ok();
    }
    etcd.etcdctl().args(["put", "/y", "keep"]).run().assert_ok();
    etcd
}

/// `ectl ARGS` on a pseudo-terminal, with `answer` typed into it.
fn on_terminal(etcd: &Etcd, args: &[&str], answer: &str) -> crate::support::Out {
    let line = std::iter::once(env!("CARGO_BIN_EXE_ectl").to_string())
        .chain(std::iter::once(format!("--endpoints={}", etcd.endpoint())))
        .chain(args.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    Cmd::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(answer.as_bytes().to_vec())
        .run()
}

#[test]
fn dry_run_reports_and_deletes_nothing() {
    let etcd = seeded();
    let before = keys(&etcd, "/");
    let out = etcd
        .ectl()
        .args(["del", "--prefix", "/x/", "--dry-run"])
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        "dry run: would delete 4 keys (at revision 6); nothing was deleted\n\
         first: \"/x/a\"\nlast:  \"/x/d\"\nsample:\n  \"/x/a\"\n  \"/x/b\"\n  \"/x/c\"\n  \"/x/d\"\n"
    );
    let out = etcd
        .ectl()
        .args(["-w", "json", "del", "/x/a", "/x/c", "--dry-run"])
        .run();
    out.assert_ok();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["count"], 2);
    assert_eq!(report["last"], "L3gvYg==", "/x/b in base64");
    assert_eq!(keys(&etcd, "/"), before);
}

#[test]
fn confirm_asks_on_a_terminal_and_refuses_without_one() {
    let etcd = seeded();
    let out = on_terminal(&etcd, &["del", "--prefix", "/x/", "--confirm"], "n\n");
    out.assert_code(1);
    let text = out.stdout_str();
    assert!(
        text.contains("delete 4 keys from \"/x/a\" to \"/x/d\"? [y/N]"),
        "{out:?}"
    );
    assert!(
        text.contains("delete cancelled: nothing was deleted"),
        "{out:?}"
    );
    assert_eq!(
        keys(&etcd, "/x/").lines().count(),
        8,
        "keys and blank lines"
    );

    // The variable turns it on for a shell; without a terminal nothing is deleted.
    let out = etcd
        .ectl()
        .env("ETCDCTL_CONFIRM", "1")
        .args(["del", "--prefix", "/x/"])
        .run();
    out.assert_code(1);
    assert!(
        out.stderr_str().contains("refusing to delete 4 keys"),
        "{out:?}"
    );
    // One key needs no question.
    etcd.ectl()
        .env("ETCDCTL_CONFIRM", "1")
        .args(["del", "/y"])
        .run()
        .assert_ok();

    let out = on_terminal(&etcd, &["del", "--prefix", "/x/", "--confirm"], "y\n");
    out.assert_ok();
    // The terminal echoes the answer wherever it was typed; del's count comes last.
    let text = out.stdout_str();
    assert!(text.contains("? [y/N] "), "{out:?}");
    assert!(text.trim_end().ends_with('4'), "{out:?}");
    assert_eq!(keys(&etcd, "/"), "");

    // The flag beats the variable; a value that is not a Go boolean is ignored, as etcdctl
    // ignores variables it cannot use.
    for (variable, flag) in [("1", Some("--confirm=false")), ("yes", None), ("", None)] {
        for k in ["/x/a", "/x/b"] {
            etcd.etcdctl().args(["put", k, "v"]).run().assert_ok();
        }
        let out = etcd
            .ectl()
            .env("ETCDCTL_CONFIRM", variable)
            .args(["del", "--prefix", "/x/"])
            .args(flag)
            .run();
        out.assert_ok();
        assert_eq!(out.stdout_str(), "2\n");
    }
}

#[test]
fn save_undo_writes_a_file_that_puts_the_keys_back() {
    let etcd = seeded();
    let dir = tempfile::tempdir().expect("tempdir");
    let undo = dir.path().join("undo.ndjson");
    let before = etcd
        .etcdctl()
        .args(["get", "--prefix", "/x/", "--print-value-only"])
        .run();

    // What etcdctl scripts see is unchanged: the count, without the prev-kvs.
    let out = etcd
        .ectl()
        .args(["del", "--prefix", "/x/", "--save-undo"])
        .arg(&undo)
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "4\n");
    assert_eq!(keys(&etcd, "/x/"), "");

    let mut reader =
        ectl::dump::Reader::new(BufReader::new(File::open(&undo).expect("undo"))).expect("header");
    assert_eq!(reader.header.revision, 6, "the revision before the delete");
    let mut restored = 0;
    while let Some(kv) = reader.next_key().expect("record") {
        assert_eq!(kv.version, 1);
        etcd.etcdctl()
            .arg("put")
            .arg(String::from_utf8(kv.key).expect("utf-8 key"))
            .arg(String::from_utf8(kv.value).expect("utf-8 value"))
            .run()
            .assert_ok();
        restored += 1;
    }
    assert_eq!(restored, 4);
    let after = etcd
        .etcdctl()
        .args(["get", "--prefix", "/x/", "--print-value-only"])
        .run();
    assert_eq!(after.stdout_str(), before.stdout_str());

    // The undo as an operator runs it: delete again, then `ectl import` of the file.
    etcd.ectl()
        .args(["del", "--prefix", "/x/"])
        .run()
        .assert_ok();
    let import = etcd.ectl().arg("import").arg(&undo).run();
    import.assert_ok();
    assert_eq!(import.stdout_str(), "Imported 4 keys\n");
    let imported = etcd
        .etcdctl()
        .args(["get", "--prefix", "/x/", "--print-value-only"])
        .run();
    assert_eq!(imported.stdout_str(), before.stdout_str());

    // An unwritable file deletes nothing.
    let out = etcd
        .ectl()
        .args([
            "del",
            "--prefix",
            "/x/",
            "--save-undo",
            "/nonexistent/dir/undo",
        ])
        .run();
    out.assert_code(6);
    assert!(
        out.stderr_str()
            .contains("--save-undo /nonexistent/dir/undo"),
        "{out:?}"
    );
    assert_eq!(keys(&etcd, "/x/").lines().count(), 8);
}

#[test]
fn save_undo_keeps_an_existing_file_unless_told_and_says_where_the_undo_went() {
    let etcd = seeded();
    let dir = tempfile::tempdir().expect("tempdir");
    let undo = dir.path().join("undo.ndjson");
    let said = format!(
        "saved 4 keys to {path}; undo with: ectl import {path}\n",
        path = undo.display()
    );
    // At a terminal, as a person meets it: the count on stdout, where the undo went after it.
    let flag = format!("--save-undo={}", undo.display());
    let out = on_terminal(&etcd, &["del", "--prefix", "/x/", &flag], "");
    out.assert_ok();
    let mut screen: Vec<String> = out
        .stdout_str()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect();
    screen.sort();
    assert_eq!(screen, ["4", said.trim_end()], "{out:?}");
    let first = std::fs::read(&undo).expect("undo file");
    let names = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(), ["undo.ndjson"], "no part file left behind");

    // A second delete into the same file would lose the first undo: refused, nothing deleted.
    for k in ["a", "b", "c", "d"] {
        etcd.etcdctl()
            .args(["put", &format!("/x/{k}"), "second"])
            .run()
            .assert_ok();
    }
    let out = etcd.ectl().args(["del", "--prefix", "/x/", &flag]).run();
    out.assert_code(128);
    assert_eq!(
        out.stderr_str(),
        format!(
            "Error: --save-undo {}: the file exists (it may be the undo of an earlier delete); \
             choose another file, or pass --overwrite-undo to replace it\n",
            undo.display()
        )
    );
    assert_eq!(keys(&etcd, "/x/").lines().count(), 8, "nothing deleted");
    assert_eq!(std::fs::read(&undo).expect("undo file"), first);

    // --overwrite-undo replaces it, with the keys of this delete.
    let out = etcd
        .ectl()
        .args(["del", "--prefix", "/x/", &flag, "--overwrite-undo"])
        .run();
    out.assert_ok();
    assert_eq!((out.stdout_str(), out.stderr_str()), ("4\n".into(), said));
    assert_eq!(names(), ["undo.ndjson"]);
    let import = etcd.ectl().arg("import").arg(&undo).run();
    import.assert_ok();
    let values = etcd
        .etcdctl()
        .args(["get", "--prefix", "/x/", "--print-value-only"])
        .run();
    assert_eq!(values.stdout_str(), "second\n".repeat(4));
}

#[test]
fn the_confirm_refusal_names_what_asked_for_it() {
    let etcd = seeded();
    let out = etcd
        .ectl()
        .env("ETCDCTL_CONFIRM", "1")
        .args(["del", "--prefix", "/x/"])
        .run();
    out.assert_code(1);
    assert_eq!(
        out.stderr_str(),
        "Error: ETCDCTL_CONFIRM asks to confirm deletes, but there is no terminal to ask on: \
         refusing to delete 4 keys (preview with --dry-run; unset ETCDCTL_CONFIRM for scripts)\n"
    );
    let out = etcd
        .ectl()
        .env("ETCDCTL_CONFIRM", "0")
        .args(["del", "--prefix", "/x/", "--confirm"])
        .run();
    out.assert_code(1);
    assert_eq!(
        out.stderr_str(),
        "Error: --confirm asks to confirm deletes, but there is no terminal to ask on: \
         refusing to delete 4 keys (preview with --dry-run)\n"
    );
    assert_eq!(keys(&etcd, "/x/").lines().count(), 8, "nothing deleted");
}
