//! `watch` against real etcd. Differential where etcdctl has the behaviour: both tools watch the
//! same member at once (so headers, revisions and ids are identical), the same writes happen,
//! both are interrupted, and stdout and exit codes must match byte for byte. Then ectl alone on
//! a 3-member cluster: the member serving the watch is killed, or frozen, in the middle of a
//! thousand writes, and every event must still be printed exactly once, in revision order.

use crate::support;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::{Cluster, Cmd, Etcd, Running, ectl};

/// Arguments after the global flags, and extra environment variables.
type Case = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Waits until `check` holds, panicking with `what` after `limit`.
fn wait_until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Interrupts both watchers (Ctrl-C) once their output has been equal and unchanged for a
/// moment, and returns (ectl, etcdctl) outputs.
fn settle_and_interrupt(
    ours: Running,
    reference: Running,
    what: &str,
) -> (support::Out, support::Out) {
    let mut last = (Vec::new(), Vec::new());
    let mut stable_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(20);
    wait_until(Duration::from_secs(25), what, || {
        assert!(
            Instant::now() < deadline,
            "{what}: no equal output from both\n--- ectl ---\n{}\n--- etcdctl ---\n{}",
            ours.stdout_so_far().escape_ascii(),
            reference.stdout_so_far().escape_ascii()
        );
        let now = (ours.stdout_so_far(), reference.stdout_so_far());
        if now != last {
            last = now;
            stable_since = Instant::now();
            return false;
        }
        !last.1.is_empty()
            && last.0 == last.1
            && stable_since.elapsed() > Duration::from_millis(300)
    });
    ours.interrupt();
    reference.interrupt();
    (ours.wait(), reference.wait())
}

#[test]
fn every_format_prints_what_etcdctl_prints() {
    let etcd = Etcd::single();
    let put = |k: &str, v: &str| {
        etcd.ectl().args(["put", k, v]).run().assert_ok();
    };
    put("k/a", "before");
    // Every watcher starts at the next write's revision, so each sees the same responses
    // however late it connects.
    let current = etcd
        .ectl()
        .args(["get", "k/a", "-w", "json"])
        .run()
        .stdout_str();
    let revision: i64 = current
        .split("\"revision\":")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|n| n.parse().ok())
        .expect("header revision");
    let start = (revision + 1).to_string();
    let formats = ["simple", "json", "fields", "protobuf"];
    let flags: [&[&str]; 2] = [&["--prefix", "k/", "--prev-kv"], &["k/a", "k/c", "--hex"]];
    let mut pairs = Vec::new();
    for format in formats {
        for flags in flags {
            let args = |cmd: Cmd| {
                cmd.args(["watch", "-w", format, "--rev", &start])
                    .args(flags)
                    .spawn()
            };
            pairs.push((
                format!("{format} {flags:?}"),
                args(etcd.ectl()),
                args(etcd.etcdctl()),
            ));
        }
    }
    // Once every watcher printed this write, all are in step with the server.
    put("k/a", "ready");
    for (what, ours, reference) in &pairs {
        wait_until(Duration::from_secs(20), what, || {
            !ours.stdout_so_far().is_empty() && !reference.stdout_so_far().is_empty()
        });
    }
    put("k/a", "v1");
    put("k/b", "line\nbreak é \u{1}");
    etcd.ectl()
        .stdin("\nput \"k/\\xffz\" \"\\x00bin\\xff\"\n\n\n")
        .arg("txn")
        .run()
        .assert_ok();
    etcd.ectl().args(["del", "k/b"]).run().assert_ok();
    etcd.ectl()
        .stdin("\nput k/a t1\nput k/b t2\ndel \"k/\\xffz\"\n\n\n")
        .arg("txn")
        .run()
        .assert_ok();
    for (what, ours, reference) in pairs {
        let (ours, reference) = settle_and_interrupt(ours, reference, &what);
        assert_eq!(
            ours.stdout.escape_ascii().to_string(),
            reference.stdout.escape_ascii().to_string(),
            "{what}"
        );
        // Ctrl-C kills both (etcdctl has no handler; ectl re-raises it after flushing).
        assert_eq!((ours.code, reference.code), (130, 130), "{what}");
    }
}

#[test]
fn history_progress_and_compaction_match_etcdctl() {
    let etcd = Etcd::single();
    for v in ["1", "2", "3"] {
        etcd.ectl().args(["put", "h", v]).run().assert_ok();
    }
    etcd.ectl().args(["del", "h"]).run().assert_ok();
    for format in ["simple", "json", "fields", "protobuf"] {
        // A start revision in the past replays history, in one response.
        let args = ["watch", "h", "--rev", "2", "--prev-kv", "-w", format];
        let (ours, reference) = settle_and_interrupt(
            etcd.ectl().args(args).spawn(),
            etcd.etcdctl().args(args).spawn(),
            format,
        );
        assert_eq!(ours.stdout, reference.stdout, "{format}");
    }
    etcd.ectl().args(["compaction", "4"]).run().assert_ok();
    for format in ["simple", "json", "fields", "protobuf"] {
        let args = ["watch", "h", "--rev", "2", "-w", format];
        let ours = etcd.ectl().args(args).run();
        let reference = etcd.etcdctl().args(args).run();
        assert_eq!(ours.stdout, reference.stdout, "{format}");
        assert_eq!((ours.code, reference.code), (5, 5), "{format}");
        let first = "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n";
        assert!(reference.stderr_str().starts_with(first), "{reference:?}");
        assert!(ours.stderr_str().starts_with(first), "{ours:?}");
        // ectl's last line also says which revision is the oldest left.
        assert!(
            ours.stderr_str().ends_with(
                "Error: watch is canceled by the server: the revision to watch from has been \
                 compacted; the oldest one left is 4\n"
            ),
            "{ours:?}"
        );
    }
}

#[test]
fn argument_errors_match_etcdctl() {
    let etcd = Etcd::single();
    let cases: &[Case] = &[
        (&["watch"], &[]),
        (&["watch", "--rev", "1"], &[]),
        (&["watch", "a", "b", "--prefix"], &[]),
        (&["watch", "a", "--"], &[]),
        (&["watch", "a", "b", "--rev", "1", "--"], &[]),
        (&["watch", "--", "echo", "hi"], &[]),
        (&["watch", "a"], &[("ETCDCTL_WATCH_RANGE_END", "z")]),
        (&["watch", "a"], &[("ETCDCTL_WATCH_KEY", "a")]),
        (
            &["watch", "a", "b"],
            &[("ETCDCTL_WATCH_KEY", "a"), ("ETCDCTL_WATCH_RANGE_END", "b")],
        ),
        (&["watch", "a", "--", "echo"], &[("ETCDCTL_WATCH_KEY", "a")]),
        (&["watch", "-i"], &[("ETCDCTL_WATCH_RANGE_END", "z")]),
        // The table format has no watch printer (ectl says so before watching).
        (&["watch", "a", "-w", "table"], &[]),
    ];
    for (args, env) in cases {
        let run = |mut cmd: Cmd| {
            for (k, v) in *env {
                cmd = cmd.env(k, v);
            }
            // etcdctl only notices `-w table` at the first event: give it one.
            let running = cmd.args(*args).timeout(Duration::from_secs(20)).spawn();
            thread::sleep(Duration::from_millis(300));
            etcd.ectl().args(["put", "a", "x"]).run().assert_ok();
            running.wait()
        };
        let ours = run(etcd.ectl());
        let reference = run(etcd.etcdctl());
        assert_eq!(
            ours.code, reference.code,
            "{args:?} {env:?}\n{ours:?}\n{reference:?}"
        );
        assert_eq!(ours.stdout, reference.stdout, "{args:?} {env:?}");
        // etcdctl's lines, byte for byte; ectl's `hint:` lines come on top of them.
        let unhinted: String = ours
            .stderr_str()
            .lines()
            .filter(|l| !l.starts_with("hint: "))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(unhinted, reference.stderr_str(), "{args:?} {env:?}");
    }
}

#[test]
fn environment_key_and_range_end_select_the_watch() {
    let etcd = Etcd::single();
    for (k, v) in [("key1", "val1"), ("key3", "val3"), ("key2", "val2")] {
        etcd.ectl().args(["put", k, v]).run().assert_ok();
    }
    let cases: &[Case] = &[
        (&["--rev", "1"], &[("ETCDCTL_WATCH_KEY", "key2")]),
        (&["--rev", "1", "--prefix"], &[("ETCDCTL_WATCH_KEY", "key")]),
        (
            &["--rev", "1"],
            &[
                ("ETCDCTL_WATCH_KEY", "key"),
                ("ETCDCTL_WATCH_RANGE_END", "key3"),
            ],
        ),
        (&["key", "key3", "--rev", "1"], &[]),
        (&["key1", "key3", "extra", "--rev", "1"], &[]),
        (&["--rev=1", "--prefix=true", ""], &[]),
    ];
    for (args, env) in cases {
        let spawn = |mut cmd: Cmd| {
            for (k, v) in *env {
                cmd = cmd.env(k, v);
            }
            cmd.arg("watch").args(*args).spawn()
        };
        let (ours, reference) = settle_and_interrupt(
            spawn(etcd.ectl()),
            spawn(etcd.etcdctl()),
            &format!("{args:?}"),
        );
        assert_eq!(
            ours.stdout_str(),
            reference.stdout_str(),
            "{args:?} {env:?}"
        );
    }
}

#[test]
fn exec_commands_see_etcdctls_environment_and_failures_end_the_same_way() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "e", "plain"]).run().assert_ok();
    etcd.ectl()
        .args(["put", "e", "q\"u\\o\nté\u{1}"])
        .run()
        .assert_ok();
    etcd.ectl().args(["del", "e"]).run().assert_ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let envs = |tool: &str| {
        let file = dir.path().join(tool);
        let script = format!("env | grep ^ETCD >> {}; echo ran", file.display());
        (file, script)
    };
    let (ours_file, ours_script) = envs("ectl");
    let (ref_file, ref_script) = envs("etcdctl");
    let args =
        |script: &str| ["watch", "e", "--rev", "1", "--", "sh", "-c", script].map(String::from);
    let (ours, reference) = settle_and_interrupt(
        etcd.ectl()
            .args(args(&ours_script))
            .env("ETCD_WATCH_KEY", "stale")
            .spawn(),
        etcd.etcdctl()
            .args(args(&ref_script))
            .env("ETCD_WATCH_KEY", "stale")
            .spawn(),
        "exec",
    );
    assert_eq!(ours.stdout_str(), reference.stdout_str());
    assert_eq!(ours.stdout_str().matches("ran\n").count(), 3, "{ours:?}");
    let ours_env = std::fs::read(ours_file).expect("ectl's child wrote its env");
    let ref_env = std::fs::read(ref_file).expect("etcdctl's child wrote its env");
    assert_eq!(
        ours_env.escape_ascii().to_string(),
        ref_env.escape_ascii().to_string()
    );
    assert!(String::from_utf8_lossy(&ours_env).contains("ETCD_WATCH_EVENT_TYPE=\"DELETE\""));

    // A failing command ends the watch with etcdctl's line (no `Error:` prefix) and exit 1.
    for command in [
        &["false"][..],
        &["no-such-command-here"],
        &["sh", "-c", "kill -9 $$"],
        &["/no/such/file"],
    ] {
        let run = |cmd: Cmd| {
            cmd.args(["watch", "e", "--rev", "1", "--"])
                .args(command)
                .run()
        };
        let ours = run(etcd.ectl());
        let reference = run(etcd.etcdctl());
        assert_eq!(ours.code, 1, "{ours:?}");
        assert_eq!(ours.code, reference.code, "{command:?}");
        assert_eq!(ours.stdout, reference.stdout, "{command:?}");
        assert_eq!(ours.stderr_str(), reference.stderr_str(), "{command:?}");
    }
}

/// A watcher whose stdin stays open until `lines` have been written, `pause` apart, so the
/// interactive mode runs as it does at a terminal. Returns the child after closing stdin.
fn interactive(mut cmd: Command, lines: &[&str], between: impl Fn(usize)) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn interactive watch");
    let mut stdin = child.stdin.take().expect("stdin");
    for (i, line) in lines.iter().enumerate() {
        stdin.write_all(line.as_bytes()).expect("write a line");
        stdin.flush().expect("flush");
        between(i);
    }
    drop(stdin);
    child
}

/// The plain `Command` behind `cmd` (program, arguments, clean environment).
fn command_of(program: &str, endpoint: &str, etcdctl: bool) -> Command {
    let mut command = Command::new(program);
    command.env_clear();
    for key in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(key) {
            command.env(key, v);
        }
    }
    if etcdctl {
        command.env("ETCDCTL_API", "3");
    }
    command.args(["--endpoints", endpoint, "watch", "-i"]);
    command
}

#[test]
fn interactive_mode_reads_watch_and_progress_lines_like_etcdctl() {
    let lines = [
        "watch i\n",
        "progress\n",
        "bogus\n",
        "\n",
        "watch\n",
        "watch c --prefix d\n",
        "watch \"i\" --rev 1 -- echo ran\n",
        "progress\n",
    ];
    // One fresh member per tool, so both see the same history.
    let run = |program: &str, etcdctl: bool| {
        let etcd = Etcd::single();
        etcd.ectl().args(["put", "i", "0"]).run().assert_ok();
        let child = interactive(
            command_of(program, &etcd.endpoint(), etcdctl),
            &lines,
            |i| {
                thread::sleep(Duration::from_millis(400));
                if i == 1 {
                    etcd.ectl().args(["put", "i", "1"]).run().assert_ok();
                }
            },
        );
        let out = child
            .wait_with_output()
            .expect("interactive watch ends at EOF");
        (out.status.code(), out.stdout, out.stderr)
    };
    let ours = run(env!("CARGO_BIN_EXE_ectl"), false);
    let reference = run(&support::etcdctl_path().to_string_lossy(), true);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    // Each watch runs until stdin ends, which fails with etcdctl's invalid-input error (3).
    assert_eq!(ours.0, Some(3));
    assert_eq!(ours.0, reference.0);
    assert_eq!(text(&ours.1), text(&reference.1));
    // The last `progress` reaches both watches.
    assert!(
        text(&ours.1).ends_with("progress notify: 3\nprogress notify: 3\n"),
        "{}",
        text(&ours.1)
    );
    assert_eq!(text(&ours.2), text(&reference.2));
}

/// Keys written by [`write_keys`], in the order etcd applied them: the events a prefix watch
/// from before the first write must print.
fn applied_keys(cluster: &Cluster, members: &[usize]) -> Vec<(i64, String)> {
    let endpoints: Vec<String> = members.iter().map(|&i| cluster[i].endpoint()).collect();
    let out = ectl()
        .args([
            "--endpoints",
            &endpoints.join(","),
            "get",
            "--prefix",
            "w/",
            "-w",
            "fields",
        ])
        .run();
    out.assert_ok();
    let mut keys = Vec::new();
    let mut key = String::new();
    for line in out.stdout_str().lines() {
        if let Some(k) = line.strip_prefix("\"Key\" : ") {
            key = k.trim_matches('"').to_string();
        } else if let Some(rev) = line.strip_prefix("\"ModRevision\" : ") {
            keys.push((rev.parse().expect("revision"), key.clone()));
        }
    }
    keys.sort();
    keys
}

/// Puts `count` keys `w/00000`…, ten per transaction, through `members`; a failed transaction
/// (its member died under it) is not retried: whether it applied is read back afterwards.
fn write_keys(cluster: &Cluster, members: &[usize], count: usize) {
    let endpoints: Vec<String> = members.iter().map(|&i| cluster[i].endpoint()).collect();
    let endpoints = endpoints.join(",");
    for batch in 0..count / 10 {
        let mut input = String::from("\n");
        for i in 0..10 {
            let n = batch * 10 + i;
            input.push_str(&format!("put w/{n:05} v{n}\n"));
        }
        input.push_str("\n\n");
        let _ = ectl()
            .args(["--endpoints", &endpoints, "txn"])
            .stdin(input)
            .timeout(Duration::from_secs(30))
            .run();
    }
}

/// The (key, value) pairs a simple-format watch printed.
fn printed_puts(stdout: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() % 3, 0, "whole events only:\n{text}");
    lines
        .chunks(3)
        .map(|event| {
            assert_eq!(event[0], "PUT", "{event:?}");
            event[1].to_string()
        })
        .collect()
}

/// A prefix watch on member 0 (listed first, so it serves the watch) while 1,000 keys are
/// written through the others; `disrupt` strikes member 0 after 300 events.
fn watch_survives(disrupt: impl FnOnce(&Cluster)) {
    let cluster = Cluster::new();
    cluster
        .ectl()
        .args(["put", "w/", "start"])
        .run()
        .assert_ok();
    // From the first revision, so no write can slip by before the watch is in place.
    let watcher = cluster
        .ectl()
        .args(["watch", "--prefix", "w/", "--rev", "1"])
        .timeout(Duration::from_secs(120))
        .spawn();
    watcher.wait_for_stdout("start");
    thread::scope(|scope| {
        let writer = scope.spawn(|| write_keys(&cluster, &[1, 2], 1000));
        let seen = || printed_count(&watcher.stdout_so_far());
        wait_until(
            Duration::from_secs(60),
            "300 events before the disruption",
            || seen() >= 300,
        );
        disrupt(&cluster);
        writer.join().expect("writer");
    });
    let expected: Vec<String> = applied_keys(&cluster, &[1, 2])
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    assert!(
        expected.len() >= 900,
        "most writes applied: {}",
        expected.len()
    );
    let last = expected.last().expect("keys").clone();
    watcher.wait_for_stdout(&format!("{last}\n"));
    // Anything still in flight (a duplicate would be) has time to show up.
    thread::sleep(Duration::from_millis(500));
    watcher.interrupt();
    let out = watcher.wait();
    let printed = printed_puts(&out.stdout);
    let first_diff = printed.iter().zip(&expected).position(|(a, b)| a != b);
    assert!(
        printed == expected,
        "printed {} events, expected {}; first difference at {first_diff:?}\n{}",
        printed.len(),
        expected.len(),
        out.stderr_str()
    );
    // Failing over is silent; Ctrl-C ends the watch as it ends etcdctl's.
    assert_eq!(out.stderr_str(), "");
    assert_eq!(out.code, 130);
}

fn printed_count(stdout: &[u8]) -> usize {
    String::from_utf8_lossy(stdout).matches("PUT\n").count()
}

#[test]
fn a_prefix_watch_loses_and_repeats_nothing_when_its_member_is_killed() {
    watch_survives(|cluster| cluster[0].kill());
}

#[test]
fn a_prefix_watch_loses_and_repeats_nothing_when_its_member_freezes() {
    watch_survives(|cluster| cluster[0].freeze());
}
