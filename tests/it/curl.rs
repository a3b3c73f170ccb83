//! `--print-curl`, `--debug` and error hints, against real etcd and a real `curl`.
//!
//! The printed lines are run with `sh -c`, and what etcd's JSON gateway answers is compared with
//! ectl's own `-w json` output for the same request. Writes run on twin members started and
//! filled identically (ectl on one, the printed lines on the other, so both see the same state);
//! reads run the printed lines on the member ectl used.

use crate::support;

use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use serde_json::Value;
use support::{Cluster, Cmd, Etcd, Options, Out, Tls, ectl};

const ROOT_PASSWORD: &str = "s3cret-r00t-pw";
/// A lease granted with this ID on every twin, so `put --lease` means the same on both.
const LEASE_ID: i64 = 0x1234;

/// Runs `script` with `sh -c`, with `env` added to the clean environment.
fn sh(script: &str, env: &[(&str, &str)]) -> Out {
    static CURL: OnceLock<bool> = OnceLock::new();
    let installed =
        *CURL.get_or_init(|| Cmd::new("sh").args(["-c", "command -v curl"]).run().code == 0);
    assert!(
        installed,
        "curl not found: apt-get install curl (scripts/test installs it)"
    );
    let mut cmd = Cmd::new("sh").args(["-c", script]);
    for (key, value) in env {
        cmd = cmd.env(key, value);
    }
    cmd.run()
}

/// The lines `--print-curl` printed: assignments and curl commands, not comments or errors.
fn printed_lines(out: &Out) -> Vec<String> {
    out.stderr_str()
        .lines()
        .filter(|l| l.starts_with("curl ") || l.starts_with("TOKEN=$(curl "))
        .map(str::to_string)
        .collect()
}

/// Every JSON value in `bytes`, one after the other (the gateway ends none with a newline).
fn json_values(bytes: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// The data of a response with the gateway's and etcdctl's spellings made alike: numbers as
/// strings, default values dropped, etcdctl's `{"Response": {...}}` oneof wrappers unwrapped, and
/// the header's member-specific ids and term removed.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        Value::Object(map) => {
            if let (1, Some(inner)) = (map.len(), map.get("Response")) {
                return canonical(inner);
            }
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                let mut value = canonical(value);
                if key == "header"
                    && let Value::Object(header) = &mut value
                {
                    for id in ["cluster_id", "member_id", "raft_term"] {
                        header.remove(id);
                    }
                }
                let is_default = match &value {
                    Value::Null => true,
                    Value::Bool(b) => !b,
                    Value::String(s) => s.is_empty() || s == "0",
                    Value::Array(a) => a.is_empty(),
                    Value::Object(o) => o.is_empty(),
                    Value::Number(_) => false,
                };
                if !is_default {
                    out.insert(snake_case_oneof(key), value);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// etcdctl names a txn's oneof responses as Go does (`ResponsePut`); the gateway by the proto
/// field (`response_put`).
fn snake_case_oneof(key: &str) -> String {
    if !key.starts_with("Response") {
        return key.to_string();
    }
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `args` with `--print-curl -w json` through `ectl` (connected to one member), then the
/// printed lines on `curl_member` (the same member, or its twin), and returns ectl's JSON and
/// the gateway's answers.
fn ectl_and_curl(
    ectl: &Etcd,
    curl_member: &Etcd,
    args: &[&str],
    stdin: &str,
) -> (Value, Vec<Value>) {
    let ours = ectl
        .ectl()
        .args(["--print-curl", "-w", "json"])
        .args(args)
        .stdin(stdin)
        .run();
    ours.assert_ok();
    let lines = printed_lines(&ours);
    assert!(!lines.is_empty(), "no curl line printed\n{ours:?}");
    let script = lines
        .join("\n")
        .replace(&ectl.endpoint(), &curl_member.endpoint());
    let curl = sh(&script, &[]);
    curl.assert_ok();
    assert!(curl.stderr.is_empty(), "{curl:?}");
    let answers = json_values(&curl.stdout);
    for answer in &answers {
        assert!(
            answer.get("error").is_none(),
            "{args:?}: the gateway said {answer}\n{script}"
        );
    }
    let ours_json = json_values(&ours.stdout);
    assert_eq!(ours_json.len(), 1, "{ours:?}");
    (ours_json.into_iter().next().unwrap(), answers)
}

/// Twin single members with the same keys, revisions and lease.
fn twins() -> (Etcd, Etcd) {
    let (a, b) = (Etcd::single(), Etcd::single());
    for member in [&a, &b] {
        let grant = sh(
            &format!(
                "curl -sS -X POST http://{}/v3/lease/grant -d '{{\"ID\":\"{LEASE_ID}\",\"TTL\":\"600\"}}'",
                member.endpoint()
            ),
            &[],
        );
        grant.assert_ok();
        assert!(grant.stdout_str().contains("\"TTL\":\"600\""), "{grant:?}");
        for (key, value) in [
            ("a", "1"),
            ("b", "2"),
            ("b", "22"),
            ("c", "3"),
            ("it's a \"key\"", "v'\"$HOME`x`"),
            ("zz", "last"),
        ] {
            member.ectl().args(["put", key, value]).run().assert_ok();
        }
    }
    (a, b)
}

#[test]
fn printed_lines_do_what_ectl_does_for_kv_and_cluster_commands() {
    let (a, b) = twins();
    let binary_key = std::ffi::OsStr::from_bytes(b"bin\xff\x01k");
    // Reads and writes; each write runs on both twins, so later reads still agree.
    let cases: &[(&[&str], &str)] = &[
        (&["get", "a"], ""),
        (&["get", "a", "c"], ""),
        (&["get", "--prefix", "b"], ""),
        (&["get", "--from-key", "b"], ""),
        (&["get", "--rev=3", "b"], ""),
        (&["get", "--prefix", "--limit=2", ""], ""),
        (
            &[
                "get",
                "--prefix",
                "--keys-only",
                "--order=DESCEND",
                "--sort-by=VALUE",
                "",
            ],
            "",
        ),
        (&["get", "--prefix", "--rev=4", ""], ""),
        (&["get", "it's a \"key\""], ""),
        (&["put", "p", "v"], ""),
        (&["put", "--prev-kv", "p", "v2"], ""),
        (&["put", "--lease=1234", "leased", "v"], ""),
        (&["put", "it's a \"key\"", "new 'value' \"$x\""], ""),
        (&["del", "c"], ""),
        (&["del", "--prev-kv", "--prefix", "b"], ""),
        (
            &["txn"],
            "value(\"a\") = \"1\"\n\nput p txn-put\nget a\n\ndel zz\n\n",
        ),
        (&["txn"], "mod(\"a\") > \"100\"\n\nput never x\n\nget p\n\n"),
    ];
    for (args, stdin) in cases {
        let (ours, answers) = ectl_and_curl(&a, &b, args, stdin);
        assert_eq!(answers.len(), 1, "{args:?}: {answers:?}");
        assert_eq!(canonical(&ours), canonical(&answers[0]), "{args:?}");
    }

    // A key that is not UTF-8 goes out base64-encoded like any other.
    for member in [&a, &b] {
        member
            .ectl()
            .arg("put")
            .arg(binary_key)
            .arg("x")
            .run()
            .assert_ok();
    }
    let ours = a
        .ectl()
        .args(["--print-curl", "-w", "json", "get"])
        .arg(binary_key)
        .run();
    ours.assert_ok();
    let script = printed_lines(&ours)
        .join("\n")
        .replace(&a.endpoint(), &b.endpoint());
    let answer = json_values(&sh(&script, &[]).stdout);
    assert_eq!(
        canonical(&json_values(&ours.stdout)[0]),
        canonical(&answer[0])
    );
    assert!(script.contains("\"Ymlu/wFr\""), "{script}");

    // Compaction prints no JSON: the gateway's answer is a success with the same revision.
    let ours = a.ectl().args(["--print-curl", "compaction", "5"]).run();
    ours.assert_ok();
    let script = printed_lines(&ours)
        .join("\n")
        .replace(&a.endpoint(), &b.endpoint());
    assert!(
        script.ends_with("/v3/kv/compaction -d '{\"revision\":\"5\"}'"),
        "{script}"
    );
    let answer = json_values(&sh(&script, &[]).stdout);
    assert!(answer[0].get("header").is_some(), "{answer:?}");
    let after = b.ectl().args(["get", "a", "--rev=4"]).run();
    assert!(
        after
            .stderr_str()
            .contains("required revision has been compacted"),
        "{after:?}"
    );

    // Read-only cluster commands: the printed lines, on the same member, answer the same.
    for args in [&["member", "list"][..], &["alarm", "list"][..]] {
        let (ours, answers) = ectl_and_curl(&a, &a, args, "");
        assert_eq!(answers.len(), 1, "{args:?}: {answers:?}");
        assert_eq!(canonical(&ours), canonical(&answers[0]), "{args:?}");
    }
    // Per-endpoint commands print `[{"Endpoint": ..., "<Kind>": <the response>}]`.
    {
        let (ours, answers) = ectl_and_curl(&a, &a, &["endpoint", "status"], "");
        assert_eq!(answers.len(), 1, "{answers:?}");
        let mut ours = canonical(&ours[0]["Status"]);
        let mut theirs = canonical(&answers[0]);
        for status in [&mut ours, &mut theirs] {
            // The member's own bookkeeping moves between two calls.
            for moving in ["raftIndex", "raftAppliedIndex", "dbSizeInUse"] {
                status.as_object_mut().unwrap().remove(moving);
            }
        }
        assert_eq!(ours, theirs);
    }
    // etcd's gateway has no path for HashKV (it shares Hash's, which serves Hash).
    let hashkv = a.ectl().args(["--print-curl", "endpoint", "hashkv"]).run();
    hashkv.assert_ok();
    assert_eq!(
        hashkv.stderr_str(),
        format!(
            "# {}: /etcdserverpb.Maintenance/HashKV has no JSON gateway path\n",
            a.endpoint()
        )
    );
}

/// Runs `args` with `--print-curl -w json` on `etcd`, and its one printed line (with `extra`
/// appended) on the same member: ectl's JSON and the gateway's answers.
fn lease_step(etcd: &Etcd, args: &[&str], extra: &str) -> (Value, Vec<Value>, String) {
    let ours = etcd
        .ectl()
        .args(["--print-curl", "-w", "json"])
        .args(args)
        .run();
    ours.assert_ok();
    let lines = printed_lines(&ours);
    assert_eq!(lines.len(), 1, "{ours:?}");
    let run = sh(&format!("{}{extra}", lines[0]), &[]);
    let answers = json_values(&run.stdout);
    assert!(!answers.is_empty(), "{run:?}");
    let ours_json = json_values(&ours.stdout).remove(0);
    (ours_json, answers, lines[0].clone())
}

#[test]
fn lease_lines_do_what_ectl_does() {
    let etcd = Etcd::single();
    let (ours, answers, line) = lease_step(&etcd, &["lease", "grant", "600"], "");
    assert!(
        line.ends_with("/v3/lease/grant -d '{\"TTL\":\"600\"}'"),
        "{line}"
    );
    assert_eq!(canonical(&ours["TTL"]), canonical(&answers[0]["TTL"]));
    let ours_id = canonical(&ours["ID"]);
    let theirs_id = canonical(&answers[0]["ID"]);
    assert_ne!(theirs_id, Value::String(String::new()), "{answers:?}");
    let ours_id = ours_id.as_str().unwrap().to_string();
    let hex = format!("{:x}", ours_id.parse::<i64>().unwrap());
    etcd.ectl()
        .args(["put", "--lease", &hex, "leased", "v"])
        .run()
        .assert_ok();

    let (ours, answers, _) = lease_step(&etcd, &["lease", "timetolive", "--keys", &hex], "");
    assert_eq!(canonical(&ours["id"]), canonical(&answers[0]["ID"]));
    assert_eq!(
        canonical(&ours["granted-ttl"]),
        canonical(&answers[0]["grantedTTL"])
    );
    assert_eq!(canonical(&ours["keys"]), canonical(&answers[0]["keys"]));
    assert_eq!(answers[0]["keys"][0], "bGVhc2Vk", "{answers:?}");

    let (ours, answers, _) = lease_step(&etcd, &["lease", "list"], "");
    let ids = |leases: &Value, field: &str| -> Vec<Value> {
        let mut ids: Vec<Value> = leases
            .as_array()
            .unwrap()
            .iter()
            .map(|l| canonical(&l[field]))
            .collect();
        ids.sort_by_key(|id| id.to_string());
        ids
    };
    assert_eq!(ids(&ours["leases"], "id"), ids(&answers[0]["leases"], "ID"));
    assert_eq!(ids(&ours["leases"], "id").len(), 2);

    // A stream: curl keeps it open, so it is stopped after 2 s.
    let (ours, answers, line) =
        lease_step(&etcd, &["lease", "keep-alive", "--once", &hex], " -m 2");
    assert!(line.starts_with("curl -sS -N -X POST "), "{line}");
    assert_eq!(
        canonical(&ours["ID"]),
        canonical(&answers[0]["result"]["ID"])
    );
    assert_eq!(canonical(&answers[0]["result"]["TTL"]), "600");

    // Revoking through the printed line (aimed at the lease curl granted) works the same.
    let ours = etcd
        .ectl()
        .args(["--print-curl", "lease", "revoke", &hex])
        .run();
    ours.assert_ok();
    let line = printed_lines(&ours).remove(0);
    assert!(line.contains(&format!("\"ID\":\"{ours_id}\"")), "{line}");
    let run = sh(&line.replace(&ours_id, theirs_id.as_str().unwrap()), &[]);
    assert!(
        json_values(&run.stdout)[0].get("header").is_some(),
        "{run:?}"
    );
    let left = etcd.ectl().args(["lease", "list"]).run();
    assert_eq!(left.stdout_str(), "found 0 leases\n", "{left:?}");

    // A recipe prints each call it makes, in order: `lock` is a session lease, the lock, the
    // command, the unlock and the lease's end.
    let lock = etcd
        .ectl()
        .args(["--print-curl", "lock", "my-lock", "echo", "held"])
        .run();
    lock.assert_ok();
    assert_eq!(lock.stdout_str(), "held\n");
    let paths: Vec<&str> = printed_lines(&lock)
        .iter()
        .filter_map(|l| l.split(" -d ").next()?.rsplit('/').next())
        .map(|p| match p {
            "grant" => "lease/grant",
            "lock" => "lock/lock",
            "unlock" => "lock/unlock",
            "revoke" => "lease/revoke",
            "keepalive" => "lease/keepalive",
            _ => "?",
        })
        .filter(|p| *p != "lease/keepalive")
        .collect();
    assert_eq!(
        paths,
        ["lease/grant", "lock/lock", "lock/unlock", "lease/revoke"],
        "{lock:?}"
    );
}

fn auth_member() -> Etcd {
    let etcd = Etcd::single();
    etcd.enable_auth(ROOT_PASSWORD);
    etcd
}

#[test]
fn with_auth_the_lines_run_in_order_and_never_show_a_password() {
    let etcd = auth_member();
    let user = format!("--user=root:{ROOT_PASSWORD}");
    let mut script = Vec::new();
    for args in [
        &["put", "k", "v"][..],
        &["user", "add", "alice", "--new-user-password=al1ce-pw"][..],
        &["role", "add", "reader"][..],
        &["role", "grant-permission", "reader", "read", "k"][..],
        &["user", "grant-role", "alice", "reader"][..],
        &["user", "list"][..],
        &["get", "k"][..],
    ] {
        let out = etcd.ectl().args([&user, "--print-curl"]).args(args).run();
        out.assert_ok();
        let stderr = out.stderr_str();
        assert!(
            !stderr.contains(ROOT_PASSWORD) && !stderr.contains("al1ce-pw"),
            "{out:?}"
        );
        let lines = printed_lines(&out);
        assert!(lines[0].starts_with("TOKEN=$(curl "), "{out:?}");
        assert!(
            lines[1..]
                .iter()
                .all(|l| l.contains("-H \"Authorization: $TOKEN\"")),
            "{out:?}"
        );
        script.extend(lines);
    }
    // Replayed in order on a fresh member, the lines rebuild the same state.
    let twin = auth_member();
    let script = script
        .join("\n")
        .replace(&etcd.endpoint(), &twin.endpoint());
    let run = sh(
        &script,
        &[
            ("ETCDCTL_PASSWORD", ROOT_PASSWORD),
            ("ECTL_NEW_PASSWORD", "al1ce-pw"),
        ],
    );
    run.assert_ok();
    let answers = json_values(&run.stdout);
    assert!(
        answers.iter().all(|a| a.get("error").is_none()),
        "{answers:?}"
    );
    let last = answers.last().unwrap();
    assert_eq!(last["kvs"][0]["value"], "dg==", "{answers:?}");
    let alice = twin
        .ectl()
        .args(["--user=alice:al1ce-pw", "get", "k", "--print-value-only"])
        .run();
    alice.assert_ok();
    assert_eq!(alice.stdout_str(), "v\n");
    // Without the variable the shell stops the line and says what to set.
    let unset = sh(&script, &[]);
    assert!(unset.stderr_str().contains("ETCDCTL_PASSWORD"), "{unset:?}");

    // Reads of users and roles: the gateway answers what ectl prints.
    for args in [
        &["user", "list"][..],
        &["user", "get", "alice"][..],
        &["role", "list"][..],
        &["role", "get", "reader"][..],
        &["get", "k"][..],
    ] {
        let ours = etcd
            .ectl()
            .args([&user, "--print-curl", "-w", "json"])
            .args(args)
            .run();
        ours.assert_ok();
        let run = sh(
            &printed_lines(&ours).join("\n"),
            &[("ETCDCTL_PASSWORD", ROOT_PASSWORD)],
        );
        run.assert_ok();
        let answers = json_values(&run.stdout);
        // The authentication's answer goes into $TOKEN, not to stdout.
        assert_eq!(answers.len(), 1, "{args:?}: {run:?}");
        assert_eq!(
            canonical(&json_values(&ours.stdout)[0]),
            canonical(&answers[0]),
            "{args:?}"
        );
    }
}

#[test]
fn with_tls_the_lines_carry_the_certificates() {
    let etcd = Etcd::start(Options {
        tls: Some(Tls::new()),
        ..Options::default()
    });
    let out = etcd
        .ectl()
        .env("ETCDCTL_PRINT_CURL", "true")
        .args(["put", "k", "v"])
        .run();
    out.assert_ok();
    let tls = etcd.tls().unwrap();
    let line = &printed_lines(&out)[0];
    for path in [tls.ca(), tls.client_cert(), tls.client_key()] {
        assert!(line.contains(&path.display().to_string()), "{line}");
    }
    assert!(
        line.contains(&format!("https://{}/v3/kv/put", etcd.endpoint())),
        "{line}"
    );
    let run = sh(line, &[]);
    run.assert_ok();
    assert!(
        json_values(&run.stdout)[0]["header"]["revision"].is_string(),
        "{run:?}"
    );
    assert_eq!(
        etcd.ectl()
            .args(["get", "k", "--print-value-only"])
            .run()
            .stdout_str(),
        "v\n"
    );
}

#[test]
fn failover_shows_the_dead_endpoint_then_the_live_one_and_debug_names_both() {
    let cluster = Cluster::new();
    cluster[0].kill();
    cluster.leader();
    let (dead, live) = (cluster[0].endpoint(), cluster[1].endpoint());
    let out = cluster.ectl().args(["--print-curl", "put", "k", "v"]).run();
    out.assert_ok();
    let stderr = out.stderr_str();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with(&format!("# {dead}: not reached: ")),
        "{out:?}"
    );
    assert!(
        lines[0].contains(&format!("is etcd running at {dead}?")),
        "{out:?}"
    );
    assert!(
        lines[1].starts_with("curl ") && lines[1].contains(&live),
        "{out:?}"
    );
    let run = sh(lines[1], &[]);
    run.assert_ok();
    assert!(
        json_values(&run.stdout)[0].get("header").is_some(),
        "{run:?}"
    );

    let debug = cluster.ectl().args(["--debug", "get", "k"]).run();
    debug.assert_ok();
    let stderr = debug.stderr_str();
    let dial_failed = stderr
        .lines()
        .find(|l| l.contains("dial failed"))
        .unwrap_or_else(|| panic!("{debug:?}"));
    assert!(dial_failed.contains(&dead), "{debug:?}");
    let sent = stderr
        .lines()
        .find(|l| l.contains("request sent"))
        .unwrap_or_else(|| panic!("{debug:?}"));
    assert!(
        sent.contains(&live) && sent.contains("/etcdserverpb.KV/Range"),
        "{debug:?}"
    );
    assert!(
        stderr.lines().any(|l| l.contains("response OK")),
        "{debug:?}"
    );
}

#[test]
fn a_watch_that_fails_over_prints_the_stream_again_for_the_next_member() {
    let cluster = Cluster::new();
    let (first, second) = (cluster[0].endpoint(), cluster[1].endpoint());
    let watch = cluster
        .ectl()
        .args(["--print-curl", "watch", "k"])
        .timeout(std::time::Duration::from_secs(40))
        .spawn();
    let put = |member: &Etcd, value: &str| {
        member.ectl().args(["put", "k", value]).run().assert_ok();
    };
    // The watch may not be created yet when the first put lands: put until it shows.
    let mut shown = false;
    for attempt in 0..50 {
        put(&cluster[2], &format!("before-{attempt}"));
        std::thread::sleep(std::time::Duration::from_millis(100));
        if String::from_utf8_lossy(&watch.stdout_so_far()).contains("before-") {
            shown = true;
            break;
        }
    }
    assert!(shown, "the watch never saw a put");
    cluster[0].kill();
    // Writes wait for a leader, which may have been the member just killed.
    cluster.leader();
    put(&cluster[2], "after");
    watch.wait_for_stdout("after");
    watch.interrupt();
    let out = watch.wait();
    let lines = printed_lines(&out);
    assert_eq!(lines.len(), 2, "{out:?}");
    let body = "/v3/watch -d '{\"create_request\":{\"key\":\"aw==\"}}'";
    assert_eq!(
        lines[0],
        format!("curl -sS -N -X POST http://{first}{body}"),
        "{out:?}"
    );
    // Resumed after the last event seen, as etcdctl resumes.
    assert!(
        lines[1].starts_with(&format!("curl -sS -N -X POST http://{second}/v3/watch -d ")),
        "{out:?}"
    );
    assert!(lines[1].contains("\"start_revision\":\""), "{out:?}");

    // The printed stream, run on a live member, creates the same watch (curl stops it at 2 s).
    let run = sh(&format!("{} -m 2", lines[1]), &[]);
    let answers = json_values(&run.stdout);
    assert!(answers[0]["result"]["created"] == true, "{run:?}");
}

#[test]
fn errors_say_which_flag_to_check() {
    // Nothing listens: the endpoint is named with the flag to check.
    let refused = ectl().args(["--endpoints=127.0.0.1:1", "get", "k"]).run();
    refused.assert_code(2);
    assert_eq!(
        refused.stderr_str(),
        "Error: 127.0.0.1:1: Connection refused (os error 111); \
         is etcd running at 127.0.0.1:1? check --endpoints\n"
    );

    // TLS: the wrong CA, and no client certificate.
    let etcd = Etcd::start(Options {
        tls: Some(Tls::new()),
        ..Options::default()
    });
    let tls = etcd.tls().unwrap();
    let endpoint = format!("--endpoints={}", etcd.endpoint());
    let wrong_ca = ectl()
        .args([&endpoint, &format!("--cacert={}", tls.other_ca().display())])
        .args(["get", "k"])
        .run();
    assert!(
        wrong_ca.stderr_str().contains("pass that CA with --cacert"),
        "{wrong_ca:?}"
    );
    let no_cert = ectl()
        .args([&endpoint, &format!("--cacert={}", tls.ca().display())])
        .args(["get", "k"])
        .run();
    assert_ne!(no_cert.code, 0);
    assert!(
        no_cert.stderr_str().contains("pass --cert and --key"),
        "{no_cert:?}"
    );
    let plain_to_tls = ectl()
        .args([&endpoint, "--dial-timeout=500ms", "get", "k"])
        .run();
    assert!(
        plain_to_tls
            .stderr_str()
            .contains("use https:// or --cacert"),
        "{plain_to_tls:?}"
    );

    // Auth: the hint comes first; the last line stays the one etcdctl prints.
    let auth = auth_member();
    let ours = auth.ectl().args(["get", "k"]).run();
    let theirs = auth.etcdctl().args(["get", "k"]).run();
    assert_eq!(ours.code, theirs.code);
    let ours_lines: Vec<String> = ours.stderr_str().lines().map(String::from).collect();
    assert_eq!(
        ours_lines,
        [
            "hint: the cluster has authentication enabled: pass --user=NAME[:PASSWORD] (or set ETCDCTL_USER)",
            "Error: etcdserver: user name is empty"
        ],
        "{ours:?}"
    );
    assert_eq!(
        theirs.stderr_str().lines().last(),
        Some(ours_lines[1].as_str())
    );
    // Errors etcdctl prints the same keep their exact bytes and get no hint.
    let user = format!("--user=root:{ROOT_PASSWORD}");
    auth.ectl()
        .args([&user, "user", "add", "bob:b0b"])
        .run()
        .assert_ok();
    let denied = auth.ectl().args(["--user=bob:b0b", "put", "k", "v"]).run();
    assert_eq!(
        denied.stderr_str(),
        "Error: etcdserver: permission denied\n"
    );
}

#[test]
fn unit_canonical_form_matches_gateway_and_etcdctl_spellings() {
    let etcdctl: Value = serde_json::from_str(
        r#"{"header":{"cluster_id":1,"member_id":2,"revision":5,"raft_term":2},"succeeded":true,
            "responses":[{"Response":{"ResponsePut":{"header":{"revision":5}}}}],"count":0}"#,
    )
    .unwrap();
    let gateway: Value = serde_json::from_str(
        r#"{"header":{"cluster_id":"9","member_id":"8","revision":"5","raft_term":"3"},
            "succeeded":true,"responses":[{"response_put":{"header":{"revision":"5"}}}]}"#,
    )
    .unwrap();
    assert_eq!(canonical(&etcdctl), canonical(&gateway));
    let newer: Value =
        serde_json::from_str(r#"{"header":{"revision":"6"},"succeeded":true}"#).unwrap();
    assert_ne!(canonical(&etcdctl), canonical(&newer));
}
