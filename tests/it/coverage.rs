//! Flags and commands that had no test of their own: `get`'s revision filters (judged by the
//! server's own JSON gateway, as neither etcdctl 3.4 nor 3.5 has them) and `--count-only`
//! (against etcdctl 3.5.1), `watch --progress-notify` (etcdctl 3.5.1), `snapshot restore
//! --initial-cluster-token`, `--max-recv-bytes` at its exact boundary, `make-mirror` to a TLS
//! and to an auth destination with every `--dest-*` flag, `downgrade` that succeeds on etcd
//! 3.5.1, and the ectl-only `du --separator/--rev`, `export --from-key`, `diff` and `context`
//! cases beyond their first tests.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::support::{
    self, Cmd, Etcd, Options, Out, RESTORED_HOST, Running, Tls, ectl, etcdctl_3_5, restored_port,
    start_restored,
};

fn put(etcd: &Etcd, key: &str, value: &str) {
    etcd.etcdctl().args(["put", key, value]).run().assert_ok();
}

/// Keys `k/a`..`k/e` with a history whose create and mod revisions differ:
/// k/a create 2 mod 5, k/b create 3 mod 7, k/c 4/4, k/d 6/6, k/e 8/8, and `z` at 9.
fn revision_history() -> Etcd {
    let etcd = Etcd::single();
    for (key, value) in [
        ("k/a", "1"),
        ("k/b", "1"),
        ("k/c", "1"),
        ("k/a", "2"),
        ("k/d", "1"),
        ("k/b", "2"),
        ("k/e", "1"),
        ("z", "1"),
    ] {
        put(&etcd, key, value);
    }
    etcd
}

/// One key-value as both JSON forms carry it: key, value (absent with keys-only), create and
/// mod revision, version.
type Kv = (String, Option<String>, i64, i64, i64);

/// The kvs, count and `more` of a range answer in etcdctl's `-w json` (numbers) or in the
/// gateway's proto3 JSON (int64 as strings, false and zero left out).
fn range_answer(v: &Value) -> (Vec<Kv>, i64, bool) {
    let int = |v: &Value| match v {
        Value::String(s) => s.parse().expect("an int64 string"),
        Value::Null => 0,
        v => v.as_i64().expect("a number"),
    };
    let kvs = v["kvs"]
        .as_array()
        .map(|kvs| {
            kvs.iter()
                .map(|kv| {
                    (
                        kv["key"].as_str().expect("key").to_owned(),
                        kv["value"].as_str().map(str::to_owned),
                        int(&kv["create_revision"]),
                        int(&kv["mod_revision"]),
                        int(&kv["version"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (kvs, int(&v["count"]), v["more"].as_bool().unwrap_or(false))
}

/// The filters reach the server as asked: each combination's `-w json` answer equals what the
/// server's JSON gateway answers to the same RangeRequest, and its keys are the ones the
/// history above makes true (so a filter both sides dropped would still fail).
#[test]
fn get_revision_filters_return_what_the_server_answers() {
    let etcd = revision_history();
    let b64 = |s: &str| STANDARD.encode(s);
    let end = b64("k0"); // the end of prefix k/
    // ectl's flags, the gateway's request body, and the keys expected in order.
    let cases: Vec<(Vec<&str>, String, Vec<&str>)> = vec![
        (
            vec!["k/", "--prefix", "--min-create-rev=4"],
            format!(
                r#"{{"key":"{}","range_end":"{end}","min_create_revision":4}}"#,
                b64("k/")
            ),
            vec!["k/c", "k/d", "k/e"],
        ),
        (
            vec!["k/", "--prefix", "--max-create-rev=3"],
            format!(
                r#"{{"key":"{}","range_end":"{end}","max_create_revision":3}}"#,
                b64("k/")
            ),
            vec!["k/a", "k/b"],
        ),
        (
            vec!["k/", "--prefix", "--min-mod-rev=5", "--max-mod-rev=7"],
            format!(
                r#"{{"key":"{}","range_end":"{end}","min_mod_revision":5,"max_mod_revision":7}}"#,
                b64("k/")
            ),
            vec!["k/a", "k/b", "k/d"],
        ),
        (
            vec![
                "k/",
                "--prefix",
                "--min-mod-rev=5",
                "--sort-by=MODIFY",
                "--order=DESCEND",
            ],
            format!(
                r#"{{"key":"{}","range_end":"{end}","min_mod_revision":5,"sort_order":"DESCEND","sort_target":"MOD"}}"#,
                b64("k/")
            ),
            vec!["k/e", "k/b", "k/d", "k/a"],
        ),
        (
            // The limit applies after the filter: k/a is filtered out, k/b is the first left.
            vec!["k/a", "--from-key", "--min-create-rev=3", "--limit=1"],
            format!(
                r#"{{"key":"{}","range_end":"AA==","min_create_revision":3,"limit":1}}"#,
                b64("k/a")
            ),
            vec!["k/b"],
        ),
        (
            vec![
                "k/",
                "--prefix",
                "--min-create-rev=3",
                "--max-mod-rev=6",
                "--keys-only",
            ],
            format!(
                r#"{{"key":"{}","range_end":"{end}","min_create_revision":3,"max_mod_revision":6,"keys_only":true}}"#,
                b64("k/")
            ),
            vec!["k/c", "k/d"],
        ),
        (
            // At revision 5: k/a (mod 5), k/b (3), k/c (4).
            vec!["k/", "--prefix", "--rev=5", "--min-mod-rev=4"],
            format!(
                r#"{{"key":"{}","range_end":"{end}","revision":5,"min_mod_revision":4}}"#,
                b64("k/")
            ),
            vec!["k/a", "k/c"],
        ),
    ];
    for (args, body, keys) in cases {
        let out = etcd.ectl().args(["get", "-w", "json"]).args(&args).run();
        out.assert_ok();
        let ours: Value = serde_json::from_slice(&out.stdout).expect("json");
        let server: Value =
            serde_json::from_str(&etcd.gateway("/v3/kv/range", &body)).expect("gateway json");
        let (ours_kvs, ours_count, ours_more) = range_answer(&ours);
        assert_eq!(
            (ours_kvs.clone(), ours_count, ours_more),
            range_answer(&server),
            "{args:?}: ectl (left) vs the server's own answer"
        );
        let got: Vec<String> = ours_kvs
            .iter()
            .map(|kv| String::from_utf8(STANDARD.decode(&kv.0).unwrap()).unwrap())
            .collect();
        assert_eq!(got, keys, "{args:?}");
    }
    // The simple format prints the filtered keys like any other answer.
    let out = etcd
        .ectl()
        .args(["get", "k/", "--prefix", "--min-mod-rev=7"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "k/b\n2\nk/e\n1\n");
    // A minimum above the maximum is refused before anything is sent, in etcdctl 3.6's words
    // and with its exit code (4, a bad feature).
    for (args, message) in [
        (
            ["--min-create-rev=5", "--max-create-rev=3"],
            "Error: getMinCreateRev(=5) > getMaxCreateRev(=3)\n",
        ),
        (
            ["--min-mod-rev=9", "--max-mod-rev=2"],
            "Error: getMinModRev(=9) > getMaxModRev(=2)\n",
        ),
    ] {
        let out = etcd.ectl().args(["get", "k/", "--prefix"]).args(args).run();
        assert_eq!(
            (out.code, out.stdout_str(), out.stderr_str()),
            (4, String::new(), message.to_owned()),
            "{args:?}"
        );
    }
}

/// `--count-only` as etcdctl 3.5.1 has it (3.4 lacks the flag): the count in `-w fields`, and
/// the same refusals for other formats and with `--keys-only`.
#[test]
fn count_only_matches_etcdctl_3_5() {
    let etcd = revision_history();
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    for args in [
        &["get", "k/", "--prefix", "--count-only", "-w", "fields"][..],
        &["get", "k/c", "--from-key", "--count-only", "-w", "fields"],
        &[
            "get",
            "",
            "--from-key",
            "--count-only",
            "--limit=2",
            "-w",
            "fields",
        ],
        &["get", "nothing", "--count-only", "-w", "fields"],
        &[
            "get",
            "k/",
            "--prefix",
            "--count-only",
            "--rev=4",
            "-w",
            "fields",
        ],
        &["get", "k/", "--prefix", "--count-only"],
        &["get", "k/", "--prefix", "--count-only", "-w", "json"],
        &[
            "get",
            "k/",
            "--prefix",
            "--count-only",
            "--keys-only",
            "-w",
            "fields",
        ],
    ] {
        support::assert_same_as_etcdctl(
            &etcdctl_3_5().arg(&endpoints).args(args).run(),
            &ectl().arg(&endpoints).args(args).run(),
            &format!("{args:?}"),
        );
    }
}

/// Lines of a watch's stdout with runs of the same progress line folded to one: how many
/// notifications arrive in a while depends on timing, their revisions and order do not.
fn folded(stdout: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in String::from_utf8_lossy(stdout).lines() {
        if line.starts_with("progress notify: ") && lines.last().is_some_and(|l| l == line) {
            continue;
        }
        lines.push(line.to_owned());
    }
    lines
}

/// `watch --progress-notify` against a server that sends progress every 200 ms: the same
/// `progress notify: REV` lines as etcdctl 3.5.1 (3.4 lacks the flag), with the revision
/// moving past a put; a watch without the flag prints none in the meantime.
#[test]
fn watch_progress_notify_matches_etcdctl_3_5() {
    let etcd = Etcd::start(Options {
        extra_args: vec!["--experimental-watch-progress-notify-interval=200ms".into()],
        ..Options::default()
    });
    put(&etcd, "other", "x");
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    let watch = |tool: Cmd, flags: &[&str]| -> Running {
        tool.arg(&endpoints)
            .args(["watch", "k"])
            .args(flags)
            .timeout(Duration::from_secs(60))
            .spawn()
    };
    let plain = watch(ectl(), &[]);
    let watches = [
        watch(etcdctl_3_5(), &["--progress-notify"]),
        watch(ectl(), &["--progress-notify"]),
    ];
    for w in &watches {
        w.wait_for_stdout("progress notify: 2\n");
    }
    put(&etcd, "k", "v");
    for w in &watches {
        w.wait_for_stdout("PUT\nk\nv\n");
    }
    // A write elsewhere moves the revision; progress reports it.
    put(&etcd, "other", "y");
    for w in &watches {
        w.wait_for_stdout("progress notify: 4\n");
    }
    plain.interrupt();
    let plain = plain.wait();
    assert_eq!(
        plain.stdout_str(),
        "PUT\nk\nv\n",
        "no --progress-notify: {plain:?}"
    );
    let [theirs, ours] = watches.map(|w| {
        w.interrupt();
        w.wait()
    });
    assert_eq!(
        folded(&theirs.stdout),
        ["progress notify: 2", "PUT", "k", "v", "progress notify: 4"],
        "{theirs:?}"
    );
    assert_eq!(folded(&ours.stdout), folded(&theirs.stdout), "{ours:?}");
    assert_eq!(ours.code, theirs.code, "exit code on Ctrl-C");
}

/// `snapshot restore --initial-cluster-token`: ectl's restore gives the cluster and member IDs
/// etcdctl's gives for the same token, a different token gives different ones, and etcd
/// serves the restored keys from each.
#[test]
fn restore_with_an_initial_cluster_token_gives_etcdctls_ids() {
    let etcd = Etcd::single();
    put(&etcd, "kept", "yes");
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.db");
    etcd.save_snapshot(&snap);
    let peer_url = format!("http://{RESTORED_HOST}:{}", restored_port());
    let restore = |tool: Cmd, token: &str, data_dir: &Path| {
        tool.args(["snapshot", "restore"])
            .arg(&snap)
            .args(["--name", "r1", "--initial-cluster"])
            .arg(format!("r1={peer_url}"))
            .args(["--initial-advertise-peer-urls", &peer_url])
            .arg(format!("--initial-cluster-token={token}"))
            .arg("--data-dir")
            .arg(data_dir)
            .run()
    };
    // Cluster id, member id, member count and the restored key, from a member started on `dir`.
    let ids = |data_dir: &Path| {
        let member = start_restored(data_dir, "r1", &peer_url);
        let at = format!("--endpoints={}", member.endpoint);
        let out = ectl().arg(&at).args(["member", "list", "-w", "json"]).run();
        out.assert_ok();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let kept = ectl()
            .arg(&at)
            .args(["get", "kept", "--print-value-only"])
            .run();
        (
            v["header"]["cluster_id"].as_u64().unwrap(),
            v["members"][0]["ID"].as_u64().unwrap(),
            v["members"].as_array().unwrap().len(),
            kept.stdout_str(),
        )
    };
    let mut seen = Vec::new();
    for token in ["token-one", "token-two"] {
        let theirs_dir = dir.path().join(format!("theirs-{token}"));
        let ours_dir = dir.path().join(format!("ours-{token}"));
        let theirs = restore(support::etcdctl(), token, &theirs_dir);
        let ours = restore(ectl(), token, &ours_dir);
        theirs.assert_ok();
        ours.assert_ok();
        assert_eq!(ours.stdout_str(), theirs.stdout_str());
        let theirs = ids(&theirs_dir);
        let ours = ids(&ours_dir);
        assert_eq!(
            ours, theirs,
            "token {token}: ectl's restore (left) vs etcdctl's"
        );
        assert_eq!((ours.2, ours.3.as_str()), (1, "yes\n"));
        seen.push(ours);
    }
    assert_ne!(
        (seen[0].0, seen[0].1),
        (seen[1].0, seen[1].1),
        "another token must give another cluster and member id"
    );
}

/// `--max-recv-bytes` (neither etcdctl 3.4 nor 3.5 has it): an answer of exactly the limit is
/// received, one byte over fails with exit code 1, grpc-go's words as etcdctl prints them, and
/// a line naming the flag.
#[test]
fn max_recv_bytes_refuses_an_answer_one_byte_over() {
    let etcd = Etcd::single();
    put(&etcd, "big", &"v".repeat(2000));
    let get = |limit: usize| {
        etcd.ectl()
            .arg(format!("--max-recv-bytes={limit}"))
            .args(["get", "big", "--print-value-only"])
            .run()
    };
    // The encoded RangeResponse is the value plus a header and key of a few dozen bytes.
    let fits = (2000..2200)
        .find(|&limit| get(limit).code == 0)
        .expect("an answer of about 2 kB fits in 2200 bytes");
    assert_eq!(get(fits).stdout_str(), format!("{}\n", "v".repeat(2000)));
    let over = get(fits - 1);
    assert_eq!(
        (over.code, over.stdout_str(), over.stderr_str()),
        (
            1,
            String::new(),
            format!(
                "Error: rpc error: code = ResourceExhausted desc = grpc: received message larger \
                 than max ({fits} vs. {limit})\nthe response is {fits} bytes, more than \
                 --max-recv-bytes allows ({limit} bytes): raise it, or ask for less (--limit, \
                 --keys-only)\n",
                limit = fits - 1
            )
        ),
    );
    // 0 means the default (2 GiB), not "nothing".
    get(0).assert_ok();
}

/// Starts `tool make-mirror FLAGS DEST` against `source`.
fn mirror(tool: Cmd, source: &Etcd, flags: &[String], dest: &str) -> Running {
    tool.arg(format!("--endpoints={}", source.endpoint()))
        .arg("make-mirror")
        .args(flags)
        .arg(dest)
        .timeout(Duration::from_secs(120))
        .spawn()
}

/// Polls `read` until it returns `want`, panicking with the last answer after `limit` (a bound
/// on a hang, far above the second or so a mirror takes).
fn wait_for(limit: Duration, what: &str, want: &str, mut read: impl FnMut() -> String) {
    let deadline = Instant::now() + limit;
    loop {
        let got = read();
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: wanted {want:?}, last saw {got:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The source keys under /src/, copied before and after the mirror starts, arrive under
/// /copy/ at each tool's own destination; both mirrors end alike on Ctrl-C.
fn mirror_side_by_side(
    source: &Etcd,
    tools: [(Cmd, &Etcd); 2],
    flags: &[String],
    read_dest: impl Fn(&Etcd) -> String,
) {
    put(source, "/src/before", "1");
    let running: Vec<Running> = tools
        .iter()
        .map(|(tool, dest)| mirror(tool.clone(), source, flags, &dest.endpoint()))
        .collect();
    for (_, dest) in &tools {
        wait_for(
            Duration::from_secs(60),
            "the copy",
            "/copy/before\n1\n",
            || read_dest(dest),
        );
    }
    put(source, "/src/after", "2");
    put(source, "/outside", "3");
    for (_, dest) in &tools {
        wait_for(
            Duration::from_secs(60),
            "the watched change",
            "/copy/after\n2\n/copy/before\n1\n",
            || read_dest(dest),
        );
    }
    let outs: Vec<Out> = running
        .into_iter()
        .map(|m| {
            m.interrupt();
            m.wait()
        })
        .collect();
    assert_eq!(
        outs[0].code, outs[1].code,
        "exit code on Ctrl-C, etcdctl then ectl: {:?} {:?}",
        outs[0], outs[1]
    );
}

/// To a TLS destination with --dest-cacert, --dest-cert, --dest-key and
/// --dest-insecure-transport=false (plus --prefix and --dest-prefix), side by side with
/// etcdctl 3.4; a destination whose CA does not match is refused by both alike.
#[test]
fn make_mirror_to_a_tls_destination_matches_etcdctl() {
    let source = Etcd::single();
    let tls = Tls::new();
    let opts = Options {
        tls: Some(tls.clone()),
        ..Options::default()
    };
    let (theirs, ours) = (Etcd::start(opts.clone()), Etcd::start(opts));
    let flags = vec![
        "--prefix=/src/".to_string(),
        "--dest-prefix=/copy/".to_string(),
        format!("--dest-cacert={}", tls.ca().display()),
        format!("--dest-cert={}", tls.client_cert().display()),
        format!("--dest-key={}", tls.client_key().display()),
        "--dest-insecure-transport=false".to_string(),
    ];
    mirror_side_by_side(
        &source,
        [(support::etcdctl(), &theirs), (ectl(), &ours)],
        &flags,
        |dest| {
            let out = dest.etcdctl().args(["get", "--prefix", "/"]).run();
            out.assert_ok();
            out.stdout_str()
        },
    );
}

/// To a destination with authentication, with --dest-user and --dest-password (etcdctl 3.5.1
/// has them, 3.4 does not), then --dest-user=name:password; a wrong password fails the same
/// way for both.
#[test]
fn make_mirror_to_an_auth_destination_matches_etcdctl_3_5() {
    let source = Etcd::single();
    let (theirs, ours) = (Etcd::single(), Etcd::single());
    for dest in [&theirs, &ours] {
        dest.enable_auth("secret");
    }
    let read = |dest: &Etcd| {
        let out = dest
            .etcdctl()
            .args(["--user=root:secret", "get", "--prefix", "/"])
            .run();
        out.assert_ok();
        out.stdout_str()
    };
    let flags: Vec<String> = [
        "--prefix=/src/",
        "--dest-prefix=/copy/",
        "--dest-user=root",
        "--dest-password=secret",
    ]
    .map(String::from)
    .to_vec();
    mirror_side_by_side(
        &source,
        [(etcdctl_3_5(), &theirs), (ectl(), &ours)],
        &flags,
        read,
    );
    // name:password in one flag.
    put(&source, "/src/third", "3");
    let m = mirror(
        ectl(),
        &source,
        &[
            "--prefix=/src/",
            "--dest-prefix=/copy/",
            "--dest-user=root:secret",
        ]
        .map(String::from),
        &ours.endpoint(),
    );
    wait_for(
        Duration::from_secs(60),
        "the copy with name:password",
        "/copy/after\n2\n/copy/before\n1\n/copy/third\n3\n",
        || read(&ours),
    );
    m.interrupt();
    m.wait();
    // Wrong or missing destination credentials: etcdctl's exit code and error line; ectl's
    // hint above it names the destination's flags, not the source's --user.
    let answered = format!("hint: the destination {} answered: ", ours.endpoint());
    for (flags, hint) in [
        (
            &["--dest-user=root", "--dest-password=wrong"][..],
            "--dest-user (and --dest-password)",
        ),
        (&[], "pass --dest-user=NAME[:PASSWORD]"),
    ] {
        let run = |tool: Cmd, dest: &Etcd| {
            tool.arg(format!("--endpoints={}", source.endpoint()))
                .arg("make-mirror")
                .args(flags)
                .arg(dest.endpoint())
                .run()
        };
        let theirs = run(etcdctl_3_5(), &theirs);
        let ours = run(ectl(), &ours);
        let error_line = |out: &Out| {
            out.stderr_str()
                .lines()
                .rfind(|l| l.starts_with("Error: "))
                .map(str::to_owned)
        };
        assert_eq!(
            (ours.code, error_line(&ours)),
            (theirs.code, error_line(&theirs)),
            "{flags:?}: ectl (left) vs etcdctl 3.5.1\n{ours:?}\n{theirs:?}"
        );
        let stderr = ours.stderr_str();
        let hint_line = stderr.lines().next().unwrap_or_default();
        assert!(
            hint_line.starts_with(&answered) && hint_line.contains(hint),
            "{ours:?}"
        );
    }
}

/// `downgrade` on etcd 3.5.1, which has the RPC (etcdctl 3.5 has no command for it): validate
/// succeeds for the one minor below, in every format; enable starts the job, though etcd 3.5.1
/// itself never answers that request (its own "request timed out" after 7 s, passed through);
/// the job is there all the same, as cancel shows: the first cancel ends it (and is not
/// answered either), the second finds none. Then validate succeeds again.
#[test]
fn downgrade_validates_enables_and_cancels_on_etcd_3_5() {
    let etcd = Etcd::start(Options {
        bin: Some(support::etcd_3_5_path("etcd", "ETCD_3_5_BIN")),
        ..Options::default()
    });
    // Long enough for etcd's own request timeout (5 s + two election timeouts) to answer.
    let run = |args: &[&str]| etcd.ectl().arg("--command-timeout=30s").args(args).run();
    let said = |out: Out| (out.code, out.stdout_str(), out.stderr_str());
    let ok = |line: &str| (0, format!("{line}\n"), String::new());
    let refused = |message: &str| (1, String::new(), format!("Error: {message}\n"));
    let validate = || {
        assert_eq!(
            said(run(&["downgrade", "validate", "3.4"])),
            ok("Downgrade validate success, cluster version 3.5.0")
        );
    };
    validate();
    let json = run(&["downgrade", "validate", "3.4", "-w", "json"]);
    json.assert_ok();
    let v: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["version"], "3.5.0", "{json:?}");
    assert!(v["header"]["revision"].as_i64().is_some(), "{json:?}");
    assert_eq!(
        said(run(&["downgrade", "validate", "3.3"])),
        refused("etcdserver: invalid downgrade target version")
    );
    assert_eq!(
        said(run(&["downgrade", "enable", "3.4"])),
        refused("etcdserver: request timed out")
    );
    assert_eq!(
        said(run(&["downgrade", "cancel"])),
        refused("etcdserver: request timed out")
    );
    assert_eq!(
        said(run(&["downgrade", "cancel"])),
        refused("etcdserver: no inflight downgrade job")
    );
    validate();
}

/// `du --separator :` groups on `:` at each depth, and `du --rev` reads the keyspace as it was:
/// exact rows (keys, key bytes, value bytes, total, leased, average and maximum version).
#[test]
fn du_groups_on_another_separator_and_reads_an_old_revision() {
    let etcd = Etcd::single();
    for (key, value) in [
        ("app:a:1", "xx"),
        ("app:a:2", "xxxx"),
        ("app:b:1", "x"),
        ("other:1", "y"),
    ] {
        put(&etcd, key, value);
    }
    let revision = 5;
    put(&etcd, "app:a:1", "xxxxxxxxxx");
    etcd.etcdctl().args(["del", "app:b:1"]).run().assert_ok();
    put(&etcd, "app:c:1", "z");
    let du = |args: &[&str]| {
        let out = etcd.ectl().arg("du").args(args).run();
        out.assert_ok();
        out.stdout_str()
    };
    // app:a: 2 keys (14 key bytes, 14 value bytes, versions 2 and 1), app:c: 1 key.
    assert_eq!(
        du(&["--separator", ":", "app:"]),
        "2\t14\t14\t28\t0\t1.5\t2\tapp:a:\n1\t7\t1\t8\t0\t1.0\t1\tapp:c:\n3\t21\t15\t36\t0\t1.3\t2\t(total)\n"
    );
    // At revision 5: app:a: 2 keys (6 value bytes), app:b: 1 key.
    let at = format!("--rev={revision}");
    assert_eq!(
        du(&["--separator", ":", &at, "app:"]),
        "2\t14\t6\t20\t0\t1.0\t1\tapp:a:\n1\t7\t1\t8\t0\t1.0\t1\tapp:b:\n3\t21\t7\t28\t0\t1.0\t1\t(total)\n"
    );
    // Depth 2 on `:` from the whole keyspace: app:a:1 and app:a:2 share a group; other:1 is
    // not that deep and is a group of its own.
    let mut groups: Vec<String> = du(&["--separator=:", "--depth=2", &at])
        .lines()
        .map(|line| line.rsplit('\t').next().unwrap().to_owned())
        .collect();
    groups.sort();
    assert_eq!(groups, ["(total)", "app:a:", "app:b:", "other:1"]);
    // The default `/` separator does not split these keys: each key is a group of its own
    // at depth 1, largest first.
    assert!(
        du(&["app:"]).starts_with("1\t7\t10\t17\t0\t2.0\t2\tapp:a:1\n"),
        "{}",
        du(&["app:"])
    );
    // A compacted revision is refused in etcd's words.
    etcd.etcdctl().args(["compact", "7"]).run().assert_ok();
    let out = etcd.ectl().args(["du", &at]).run();
    assert_eq!(
        (out.code, out.stdout_str(), out.stderr_str()),
        (
            1,
            String::new(),
            "Error: etcdserver: mvcc: required revision has been compacted\n".to_owned()
        )
    );
}

/// `export KEY --from-key` exports exactly the keys `etcdctl get KEY --from-key` returns, and
/// an import of it elsewhere holds the same keys and values.
#[test]
fn export_from_key_exports_what_get_from_key_returns() {
    let etcd = Etcd::single();
    for key in ["a", "b", "b/1", "c", "zz"] {
        put(&etcd, key, &format!("value of {key}"));
    }
    let out = etcd.ectl().args(["export", "b", "--from-key"]).run();
    out.assert_ok();
    let copy = Etcd::single();
    copy.ectl()
        .args(["import", "-"])
        .stdin(out.stdout.clone())
        .run()
        .assert_ok();
    let keys = |etcd: &Etcd, args: &[&str]| {
        let out = etcd.etcdctl().arg("get").args(args).run();
        out.assert_ok();
        out.stdout_str()
    };
    assert_eq!(
        keys(&copy, &["", "--from-key"]),
        keys(&etcd, &["b", "--from-key"])
    );
    assert_eq!(
        keys(&copy, &["", "--from-key", "--keys-only"]),
        "b\n\nb/1\n\nc\n\nzz\n\n"
    );
}

/// More `diff` cases: one --rev against now on a prefix, the whole keyspace between two
/// revisions in JSON, a deleted-then-recreated key with the same value (not a difference),
/// and a compacted revision refused.
#[test]
fn diff_more_cases() {
    let etcd = Etcd::single();
    put(&etcd, "/p/a", "1");
    put(&etcd, "/p/b", "1");
    put(&etcd, "/q", "1"); // revision 4
    etcd.etcdctl().args(["del", "/p/a"]).run().assert_ok();
    put(&etcd, "/p/a", "1"); // recreated, same value
    put(&etcd, "/q", "2");
    put(&etcd, "/p/c", "new"); // revision 8

    // Against now, under /p/: only /p/c; /p/a came back with its old value.
    let out = etcd.ectl().args(["diff", "--rev=4", "/p/"]).run();
    out.assert_code(1);
    assert_eq!(
        out.stdout_str(),
        "--- revision 4\n+++ revision 8\n+\"/p/c\" = \"new\"\n"
    );
    assert_eq!(out.stderr_str(), "1 difference\n");
    // The whole keyspace, revisions 4 and 8, as JSON.
    let out = etcd
        .ectl()
        .args(["-w", "json", "diff", "--rev=4", "--rev=8"])
        .run();
    out.assert_code(1);
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let changes: Vec<(String, String)> = report["comparisons"][0]["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            (
                String::from_utf8(STANDARD.decode(d["key"].as_str().unwrap()).unwrap()).unwrap(),
                d["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("/p/c".to_owned(), "added".to_owned()),
            ("/q".to_owned(), "changed".to_owned())
        ]
    );
    // Equal views: nothing printed, exit 0, even reversed.
    let out = etcd.ectl().args(["diff", "--rev=8", "--rev=8"]).run();
    out.assert_ok();
    assert_eq!(
        (out.stdout_str(), out.stderr_str()),
        (String::new(), String::new())
    );
    let out = etcd.ectl().args(["diff", "--rev=8", "--rev=4", "/q"]).run();
    out.assert_code(1);
    assert_eq!(
        out.stdout_str(),
        "--- revision 8\n+++ revision 4\n-\"/q\" = \"2\"\n+\"/q\" = \"1\"\n"
    );
    etcd.etcdctl().args(["compact", "6"]).run().assert_ok();
    let out = etcd.ectl().args(["diff", "--rev=4"]).run();
    assert_eq!(
        (out.code, out.stdout_str(), out.stderr_str()),
        (
            1,
            String::new(),
            "Error: etcdserver: mvcc: required revision has been compacted\n".to_owned()
        )
    );
}

/// More `context` cases: a TLS context (cacert, cert, key) reaches a TLS member, an
/// `ETCDCTL_CACERT` variable beats the context's, `context show` lists its settings, and a
/// bad duration, an unknown setting and a missing file are named.
#[test]
fn context_more_cases() {
    let tls = Tls::new();
    let etcd = Etcd::start(Options {
        tls: Some(tls.clone()),
        ..Options::default()
    });
    etcd.etcdctl().args(["put", "k", "tls"]).run().assert_ok();
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join("ectl")).expect("mkdir");
    let file = home.path().join("ectl/config.toml");
    let write = |text: &str| std::fs::write(&file, text).expect("write config");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = ectl().env("XDG_CONFIG_HOME", home.path());
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        cmd.args(args).run()
    };
    // No file yet: an empty list, no error (the hint to add one shows on a terminal only).
    let out = run(&["context", "list"], &[]);
    assert_eq!(
        (out.code, out.stdout_str(), out.stderr_str()),
        (0, String::new(), String::new())
    );
    write(&format!(
        "current-context = \"secure\"\n[contexts.secure]\nendpoints = [\"{}\"]\n\
         cacert = \"{}\"\ncert = \"{}\"\nkey = \"{}\"\ncommand-timeout = \"9s\"\n",
        etcd.client_url(),
        tls.ca().display(),
        tls.client_cert().display(),
        tls.client_key().display()
    ));
    let out = run(&["get", "k", "--print-value-only"], &[]);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "tls\n");
    // The variable wins: the other CA did not sign the server's certificate.
    let other_ca = tls.other_ca().display().to_string();
    let out = run(&["get", "k"], &[("ETCDCTL_CACERT", &other_ca)]);
    assert_ne!(out.code, 0, "the other CA must fail: {out:?}");
    let out = run(&["context", "show"], &[]);
    out.assert_ok();
    let shown = out.stdout_str();
    for line in [
        "name: secure\n".to_owned(),
        format!("endpoints: {}\n", etcd.client_url()),
        format!("cacert: {}\n", tls.ca().display()),
    ] {
        assert!(shown.contains(&line), "{line:?} in {shown:?}");
    }
    write("[contexts.slow]\ndial-timeout = \"soon\"\n");
    let out = run(&["--context=slow", "get", "k"], &[]);
    assert_eq!(out.code, 128, "{out:?}");
    assert!(
        out.stderr_str()
            .starts_with("Error: context \"slow\": dial-timeout: "),
        "{out:?}"
    );
    write("[contexts.odd]\ncolour = \"blue\"\n");
    let out = run(&["--context=odd", "get", "k"], &[]);
    assert_eq!(out.code, 128, "{out:?}");
    assert!(
        out.stderr_str().contains("unknown field `colour`"),
        "{out:?}"
    );
}
