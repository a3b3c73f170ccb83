//! `make-mirror` between real clusters: etcd's e2e cases side by side with etcdctl, a writer
//! running while members of both clusters are killed, and resuming with `--rev`.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use support::{Cluster, Cmd, Etcd, Running, ectl};

/// Polls `check` until it holds, panicking with `what` after `limit`.
fn wait_until(limit: Duration, what: &str, check: impl FnMut() -> bool) {
    wait_showing(limit, what, check, String::new);
}

/// [`wait_until`], with `context()` (say, the mirror's stderr so far) in the panic message.
fn wait_showing(
    limit: Duration,
    what: &str,
    mut check: impl FnMut() -> bool,
    context: impl Fn() -> String,
) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            context()
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// Keys and values under `prefix` (simple format: one line each), read through `cmd`.
fn keyspace(cmd: Cmd, prefix: &str) -> String {
    let out = cmd.args(["get", "--prefix", prefix]).run();
    out.assert_ok();
    out.stdout_str()
}

/// Starts `tool make-mirror FLAGS DEST` against `source` and waits until it has reached the
/// watch phase (a marker key written to the source shows up at the destination).
fn start_mirror(tool: Cmd, flags: &[&str], dest: &str) -> Running {
    tool.arg("make-mirror")
        .args(flags)
        .arg(dest)
        .timeout(Duration::from_secs(120))
        .spawn()
}

/// etcd's e2e cases (ctl_v3_make_mirror_test.go): a key present before the mirror started is
/// copied, keys put later arrive too, under the destination prefix, for etcdctl and ectl alike,
/// with the same exit status on Ctrl-C.
#[test]
fn e2e_prefix_cases_match_etcdctl() {
    // Flags, then the prefix of the source keys and of where they land.
    let cases: [(&[&str], &str, &str); 3] = [
        (&[], "", ""),
        (&["--prefix", "o_", "--dest-prefix", "d_"], "o_", "d_"),
        (&["--prefix", "o_", "--no-dest-prefix"], "o_", ""),
    ];
    for (flags, from, to) in cases {
        let source = Etcd::single();
        let (ectl_dest, etcdctl_dest) = (Etcd::single(), Etcd::single());
        source
            .ectl()
            .args(["put", &format!("{from}key0"), "val0"])
            .run()
            .assert_ok();
        let mirrors = [
            start_mirror(source.ectl(), flags, &ectl_dest.endpoint()),
            start_mirror(source.etcdctl(), flags, &etcdctl_dest.endpoint()),
        ];
        let dest_prefix = format!("{to}key");
        for dest in [&ectl_dest, &etcdctl_dest] {
            wait_until(Duration::from_secs(20), "the initial copy", || {
                !keyspace(dest.ectl(), &dest_prefix).is_empty()
            });
        }
        for i in 1..=3 {
            let key = format!("{from}key{i}");
            source
                .ectl()
                .args(["put", &key, &format!("val{i}")])
                .run()
                .assert_ok();
        }
        let expected: String = (0..=3).map(|i| format!("{to}key{i}\nval{i}\n")).collect();
        for dest in [&ectl_dest, &etcdctl_dest] {
            wait_until(Duration::from_secs(20), "the watched keys", || {
                keyspace(dest.ectl(), &dest_prefix) == expected
            });
        }
        let codes: Vec<i32> = mirrors
            .into_iter()
            .map(|m| {
                m.interrupt();
                m.wait().code
            })
            .collect();
        assert_eq!(
            codes[0], codes[1],
            "exit status on Ctrl-C, ectl vs etcdctl ({flags:?})"
        );
    }
}

/// Puts `count` keys `{prefix}{i}` in txns of 100 (under etcd's txn limit).
fn fill(cmd: impl Fn() -> Cmd, prefix: &str, count: usize) {
    for chunk in (0..count).collect::<Vec<_>>().chunks(100) {
        let puts: String = chunk
            .iter()
            .map(|i| format!("put {prefix}{i} initial{i}\n"))
            .collect();
        cmd()
            .arg("txn")
            .stdin(format!("\n{puts}\n\n"))
            .run()
            .assert_ok();
    }
}

/// Writes to `endpoints` until `stop`: single puts, and txns that put one key and delete
/// another, over 20 keys under `w/`. Counts the writes that succeeded in `done`.
fn writer(
    endpoints: String,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut i = 0usize;
        while !stop.load(Ordering::Relaxed) {
            i += 1;
            let cmd = ectl().arg(format!("--endpoints={endpoints}"));
            let out = if i.is_multiple_of(3) {
                let stdin = format!("\nput w/{} txn{i}\ndel w/{}\n\n", i % 20, (i + 7) % 20);
                cmd.arg("txn").stdin(stdin).run()
            } else {
                cmd.args(["put", &format!("w/{}", i % 20), &format!("v{i}")])
                    .run()
            };
            if out.code == 0 {
                done.fetch_add(1, Ordering::Relaxed);
            }
        }
    })
}

/// The text of the resume hint make-mirror prints on Ctrl-C: the revision after the last one
/// applied.
fn resume_revision(stderr: &str) -> i64 {
    let (_, rest) = stderr
        .split_once("resume with --rev=")
        .unwrap_or_else(|| panic!("no resume revision in {stderr:?}"));
    rest.trim_end_matches([')', '\n'])
        .parse()
        .expect("a revision")
}

/// The endpoints the mirror's `method` requests went to, in order, from its `--debug` trace.
fn sent_to(mirror: &Running, method: &str) -> Vec<String> {
    let suffix = format!(" method=\"{method}\"");
    mirror
        .trace_so_far()
        .iter()
        .filter_map(|line| {
            line.strip_prefix("request sent endpoint=")?
                .strip_suffix(&suffix)
        })
        .map(str::to_string)
        .collect()
}

/// Index of the member of `cluster` at `endpoint`.
fn member_at(cluster: &Cluster, endpoint: &str) -> usize {
    (0..3)
        .find(|&i| cluster[i].endpoint() == endpoint)
        .unwrap_or_else(|| panic!("{endpoint} is no member of this cluster"))
}

const WATCH: &str = "/etcdserverpb.Watch/Watch";
const TXN: &str = "/etcdserverpb.KV/Txn";

#[test]
fn mirrors_a_busy_cluster_through_the_loss_of_a_source_and_a_destination_member() {
    let (source, dest) = (Cluster::new(), Cluster::new());
    fill(|| source.ectl(), "w/", 200);
    // --debug: the trace says which member serves the watch and which one the txns, so the
    // members killed are the ones doing the work, and it shows the work moving on.
    let mirror = start_mirror(
        source.ectl().arg("--debug"),
        &["--prefix", "w/", "--max-txn-ops", "50"],
        &dest.endpoints(),
    );
    wait_until(Duration::from_secs(30), "the initial copy", || {
        keyspace(dest.ectl(), "w/199").contains("initial199")
    });
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicUsize::new(0));
    let writing = writer(source.endpoints(), stop.clone(), writes.clone());
    let trace = || mirror.trace_so_far().join("\n");
    // Live: the watch is open and a change it brought was applied.
    let mut applied = 0;
    wait_showing(
        Duration::from_secs(30),
        "a watched change applied",
        || {
            let watching = !sent_to(&mirror, WATCH).is_empty();
            if !watching {
                applied = sent_to(&mirror, TXN).len();
            }
            watching && sent_to(&mirror, TXN).len() > applied
        },
        trace,
    );

    // The source member serving the watch dies: the watch moves and changes keep coming.
    let watched = member_at(&source, sent_to(&mirror, WATCH).last().unwrap());
    // Counted before the kill: the watch may reopen elsewhere before `kill` returns.
    let watches = sent_to(&mirror, WATCH).len();
    source[watched].kill();
    wait_showing(
        Duration::from_secs(30),
        "the watch reopened on another source member",
        || sent_to(&mirror, WATCH).len() > watches,
        trace,
    );
    let applied = sent_to(&mirror, TXN).len();
    wait_showing(
        Duration::from_secs(30),
        "a change applied through the new watch",
        || sent_to(&mirror, TXN).len() > applied,
        trace,
    );

    // The destination member taking the txns dies: they go to another one.
    let target = member_at(&dest, sent_to(&mirror, TXN).last().unwrap());
    dest[target].kill();
    let applied = sent_to(&mirror, TXN).len();
    wait_showing(
        Duration::from_secs(30),
        "a txn sent to another destination member",
        || {
            sent_to(&mirror, TXN)[applied..]
                .iter()
                .any(|endpoint| *endpoint != dest[target].endpoint())
        },
        trace,
    );
    // The mirror carried on through both kills while the writer wrote; a busy machine may
    // have let it write little so far, so it writes on until there is a real load to check.
    wait_until(Duration::from_secs(60), "more than 10 writes", || {
        writes.load(Ordering::Relaxed) > 10
    });
    stop.store(true, Ordering::Relaxed);
    writing.join().expect("writer");
    let expected = keyspace(source.ectl(), "w/");
    // A mirror that gave up shows why here, not as a failed Ctrl-C of a process that is gone.
    wait_showing(
        Duration::from_secs(30),
        "the destination to catch up",
        || keyspace(dest.ectl(), "w/") == expected,
        || mirror.stderr_so_far(),
    );
    mirror.interrupt();
    let out = mirror.wait();
    assert_eq!(out.code, 130, "{out:?}");
    assert!(
        out.stderr_str().contains("last revision applied"),
        "{out:?}"
    );
    // Both losses hit the mirror's own connections.
    let trace = out.trace();
    for lost in [
        format!("stream broken endpoint={}", source[watched].endpoint()),
        format!("unpinned endpoint={}", dest[target].endpoint()),
    ] {
        assert!(
            trace
                .iter()
                .any(|line| *line == lost || line.starts_with(&format!("{lost} "))),
            "no {lost:?} in the trace: {out:?}"
        );
    }
}

#[test]
fn resumes_with_rev_after_ctrl_c_without_copying_again() {
    let (source, dest) = (Etcd::single(), Etcd::single());
    fill(|| source.ectl(), "r/", 5);
    let mirror = start_mirror(source.ectl(), &["--prefix", "r/"], &dest.endpoint());
    wait_until(Duration::from_secs(20), "the initial copy", || {
        keyspace(dest.ectl(), "r/").contains("initial4")
    });
    source
        .ectl()
        .args(["put", "r/1", "changed"])
        .run()
        .assert_ok();
    wait_until(Duration::from_secs(20), "the change", || {
        keyspace(dest.ectl(), "r/1").contains("changed")
    });
    mirror.interrupt();
    let out = mirror.wait();
    assert_eq!(out.code, 130, "{out:?}");
    let rev = resume_revision(&out.stderr_str());

    // Changes while no mirror runs, and a key removed at the destination only: a resumed
    // mirror applies the changes and, copying nothing again, leaves that key removed.
    source
        .ectl()
        .args(["put", "r/2", "while stopped"])
        .run()
        .assert_ok();
    source.ectl().args(["del", "r/3"]).run().assert_ok();
    source.ectl().args(["put", "r/9", "new"]).run().assert_ok();
    dest.ectl().args(["del", "r/0"]).run().assert_ok();
    let mirror = start_mirror(
        source.ectl(),
        &["--prefix", "r/", "--rev", &rev.to_string()],
        &dest.endpoint(),
    );
    let mut expected = keyspace(source.ectl(), "r/");
    expected = expected.replacen("r/0\ninitial0\n", "", 1);
    wait_until(Duration::from_secs(20), "the resumed changes", || {
        keyspace(dest.ectl(), "r/") == expected
    });
    mirror.interrupt();
    assert_eq!(mirror.wait().code, 130);
}

/// Port 1, where nothing listens (a free port could be taken by a member another test starts).
const DEAD: &str = "127.0.0.1:1";

/// A source member holding `/x/a`, written by etcdctl.
fn source_holding_x_a() -> Etcd {
    let source = Etcd::single();
    source
        .etcdctl()
        .args(["put", "/x/a", "1"])
        .run()
        .assert_ok();
    source
}

/// Source flags that must never appear in advice about the destination.
fn assert_names_no_source_flag(text: &str) {
    for flag in [
        "--endpoints",
        "--user",
        "--password",
        "--cacert",
        "--cert ",
        "--key",
    ] {
        assert!(!text.contains(flag), "{flag} in {text:?}");
    }
}

#[test]
fn a_dead_destination_fails_at_once_naming_it_and_the_destination_argument() {
    let source = source_holding_x_a();
    let dead = DEAD;
    // With an empty source prefix and with one: before, the first waited until Ctrl-C.
    for flags in [&[][..], &["--prefix", "/x/"][..]] {
        let out = source
            .ectl()
            .arg("make-mirror")
            .args(flags)
            .arg(dead)
            .timeout(Duration::from_secs(60))
            .run();
        out.assert_code(2);
        let text = out.stderr_str();
        assert!(
            text.starts_with(&format!("Error: destination: {dead}: ")),
            "{out:?}"
        );
        assert!(text.contains("check the DESTINATION argument"), "{out:?}");
        assert_names_no_source_flag(&text);
    }
    // As a person at a terminal meets it (the spinner never starts).
    let line = format!(
        "{} --endpoints={} make-mirror {dead}",
        env!("CARGO_BIN_EXE_ectl"),
        source.endpoint()
    );
    let (screen, code) = support::pty::transcript(&line);
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.starts_with(&format!("Error: destination: {dead}: ")),
        "{screen}"
    );

    // The source keeps its own advice.
    let dest = Etcd::single();
    let out = ectl()
        .arg(format!("--endpoints={dead}"))
        .args(["--dial-timeout=1s", "make-mirror"])
        .arg(dest.endpoint())
        .timeout(Duration::from_secs(60))
        .run();
    out.assert_code(2);
    assert!(out.stderr_str().contains("check --endpoints"), "{out:?}");
    assert!(!out.stderr_str().contains("destination"), "{out:?}");

    // A destination TLS file that is missing names its --dest-* flag.
    let out = source
        .ectl()
        .args(["make-mirror", "--dest-cacert=/nonexistent/ca.pem"])
        .arg(dest.endpoint())
        .run();
    out.assert_code(128);
    assert_eq!(
        out.stderr_str(),
        format!(
            "Error: destination {}: --dest-cacert: open /nonexistent/ca.pem: no such file or \
             directory\n",
            dest.endpoint()
        )
    );
}

#[test]
fn a_destination_with_auth_is_pointed_to_dest_user() {
    let source = source_holding_x_a();
    let dest = Etcd::single();
    dest.enable_auth("secret");
    let mirror = |extra: &[&str]| {
        source
            .ectl()
            .arg("make-mirror")
            .args(extra)
            .arg(dest.endpoint())
            .timeout(Duration::from_secs(60))
            .run()
    };
    let out = mirror(&[]);
    out.assert_code(1);
    assert_eq!(
        out.stderr_str(),
        format!(
            "hint: the destination {} answered: the cluster has authentication enabled: pass \
             --dest-user=NAME[:PASSWORD]\n\
             Error: etcdserver: user name is empty\n",
            dest.endpoint()
        )
    );
    let out = mirror(&["--dest-user=root:wrong"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr_str()
            .contains("--dest-user (and --dest-password)"),
        "{out:?}"
    );
    assert_names_no_source_flag(&out.stderr_str());

    // The right user mirrors.
    let running = source
        .ectl()
        .args(["make-mirror", "--dest-user=root:secret"])
        .arg(dest.endpoint())
        .timeout(Duration::from_secs(120))
        .spawn();
    wait_until(
        Duration::from_secs(60),
        "the key at the destination",
        || {
            dest.etcdctl()
                .args(["--user=root:secret", "get", "/x/a", "--print-value-only"])
                .run()
                .stdout_str()
                == "1\n"
        },
    );
    drop(running);
}
