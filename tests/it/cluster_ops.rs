//! Cluster operations against real etcd: `member`, `endpoint`, `alarm`, `defrag`, `move-leader`
//! and `downgrade`, each compared with the reference etcdctl on the same cluster where etcdctl
//! has the command. Only what necessarily differs between two runs is normalised: how long a
//! health check took (and the table widths that follow from it), the order of concurrent
//! health answers, and member ids created by the test.

use crate::support;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Cluster, Etcd, Out};

const FORMATS: [&str; 5] = ["simple", "json", "fields", "table", "protobuf"];

/// A Go duration as health checks print them (`1.2ms`, `850.1µs`, `2s`).
fn is_duration(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
        && ["ns", "µs", "ms", "s"].iter().any(|u| s.ends_with(u))
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || "nµms".contains(c))
}

/// Health output with times masked and the endpoints in a fixed order (etcdctl prints answers
/// as they arrive; ectl's own order is checked on its own). etcdctl 3.4 writes the simple format to stderr, ectl to stdout.
fn normalise_health(format: &str, text: &str) -> String {
    match format {
        "simple" => {
            let mut lines: Vec<String> = text
                .lines()
                .filter(|l| l.contains(" is healthy") || l.contains(" is unhealthy"))
                .map(|l| match l.split_once("took = ") {
                    Some((head, _)) => format!("{head}took = <t>"),
                    None => l.to_string(),
                })
                .collect();
            lines.sort();
            lines.join("\n")
        }
        "json" => {
            let mut v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
            let list = v.as_array_mut().unwrap();
            for h in list.iter_mut() {
                h["took"] = "<t>".into();
            }
            list.sort_by_key(|h| h["endpoint"].to_string());
            v.to_string()
        }
        "fields" => {
            let mut blocks: Vec<String> = text
                .split("\n\n")
                .map(|b| {
                    b.lines()
                        .map(|l| {
                            if l.starts_with("\"Took\" : ") {
                                "\"Took\" : <t>"
                            } else {
                                l
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .collect();
            blocks.sort();
            blocks.join("\n\n")
        }
        "table" => {
            // Cells without padding; the widths follow from the times.
            let mut rows: Vec<String> = text
                .lines()
                .filter(|l| l.starts_with('|'))
                .map(|l| {
                    l.split('|')
                        .map(|c| {
                            if is_duration(c.trim()) {
                                "<t>"
                            } else {
                                c.trim()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("|")
                })
                .collect();
            let header = rows.remove(0);
            rows.sort();
            format!("{header}\n{}", rows.join("\n"))
        }
        _ => text.to_string(),
    }
}

/// Every `127.0.0.1:PORT` in `text`, in the order printed (each health line, entry or row
/// names one endpoint).
fn endpoints_in_order(text: &str) -> Vec<String> {
    text.match_indices("127.0.0.1:")
        .map(|(at, marker)| {
            let port: String = text[at + marker.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            format!("{marker}{port}")
        })
        .collect()
}

/// Waits until a young cluster has stopped writing raft entries of its own (members publishing
/// their attributes, the cluster version being set), so two runs see the same raft indexes.
fn settle(cluster: &Cluster) {
    let status = || {
        cluster
            .ectl()
            .args(["endpoint", "status", "-w", "json"])
            .run()
            .stdout_str()
    };
    let mut last = status();
    eventually(Duration::from_secs(15), || {
        std::thread::sleep(Duration::from_millis(700));
        let now = status();
        let settled = now == last;
        last = now;
        settled.then_some(())
    });
}

#[test]
fn endpoint_commands_match_etcdctl() {
    let cluster = Cluster::new();
    settle(&cluster);
    for cluster_flag in [false, true] {
        for sub in ["status", "hashkv", "health"] {
            for format in FORMATS {
                let mut args = vec!["endpoint", sub, "-w", format];
                if cluster_flag {
                    args.push("--cluster");
                }
                let what = args.join(" ");
                let reference = cluster.etcdctl().args(&args).run();
                let ours = cluster.ectl().args(&args).run();
                if sub != "health" || format == "protobuf" {
                    support::assert_same_as_etcdctl(&reference, &ours, &what);
                    if format != "protobuf" {
                        let endpoints = ours.stdout_str().matches("127.0.0.1:").count();
                        assert!(endpoints >= 3, "{what}: {}", ours.stdout_str());
                    }
                    continue;
                }
                let reference_text = if format == "simple" {
                    reference.stderr_str()
                } else {
                    reference.stdout_str()
                };
                assert_eq!(
                    (normalise_health(format, &reference_text), reference.code),
                    (normalise_health(format, &ours.stdout_str()), ours.code),
                    "{what}\n--- etcdctl ---\n{reference_text}\n--- ectl ---\n{}",
                    ours.stdout_str()
                );
                assert_eq!(ours.code, 0, "{what}");
                // The order compared away above is ectl's promise (README): --endpoints order,
                // or with --cluster the order member list gives.
                let expected = if cluster_flag {
                    member_ids(&cluster).into_iter().map(|(e, _)| e).collect()
                } else {
                    cluster
                        .members()
                        .iter()
                        .map(Etcd::endpoint)
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    endpoints_in_order(&ours.stdout_str()),
                    expected,
                    "{what}: not in the documented order\n{}",
                    ours.stdout_str()
                );
            }
        }
    }
    // `--hashkv --rev` of a past revision, and the flag after the subcommand or before it.
    cluster.ectl().args(["put", "a", "1"]).run().assert_ok();
    cluster.ectl().args(["put", "a", "2"]).run().assert_ok();
    for args in [
        &["endpoint", "hashkv", "--rev=2"][..],
        &[
            "endpoint",
            "--cluster",
            "hashkv",
            "-w",
            "json",
            "--rev",
            "3",
        ],
    ] {
        support::assert_same_as_etcdctl(
            &cluster.etcdctl().args(args).run(),
            &cluster.ectl().args(args).run(),
            &args.join(" "),
        );
    }
}

#[test]
fn endpoint_commands_with_a_dead_member() {
    let cluster = Cluster::new();
    let follower = (cluster.leader() + 1) % 3;
    cluster[follower].kill();
    let dead = cluster[follower].endpoint();

    // Status and hash: the live members are printed, the dead one is reported, exit 1.
    for sub in ["status", "hashkv"] {
        let out = cluster
            .ectl()
            .args(["endpoint", sub, "--command-timeout=3s"])
            .run();
        assert_eq!(out.code, 1, "{sub}: {out:?}");
        assert_eq!(out.stdout_str().lines().count(), 2, "{sub}: {out:?}");
        assert!(
            out.stderr_str().contains(&format!("of endpoint {dead} (")),
            "{sub}: {}",
            out.stderr_str()
        );
    }

    // Health: one line per endpoint on stdout, the dead one unhealthy, exit 1.
    let out = cluster.ectl().args(["endpoint", "health"]).run();
    assert_eq!(out.code, 1, "{out:?}");
    let text = out.stdout_str();
    assert_eq!(
        text.matches(" is healthy: successfully committed proposal")
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains(&format!("{dead} is unhealthy: failed to commit proposal: ")),
        "{text}"
    );
    assert_eq!(out.stderr_str(), "Error: unhealthy cluster\n");
    let json = cluster
        .ectl()
        .args(["endpoint", "health", "-w", "json"])
        .run();
    assert_eq!(json.code, 1);
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let unhealthy: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["health"] == false)
        .collect();
    assert_eq!(unhealthy.len(), 1, "{list}");
    assert_eq!(unhealthy[0]["endpoint"], dead.as_str());
    assert!(
        unhealthy[0]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
}

#[test]
fn alarm_list_and_disarm_on_a_fresh_cluster() {
    let cluster = Cluster::new();
    // Asking one member: the header names the member that answers (etcd 3.5 fills it in).
    let member = &cluster[0];
    for sub in ["list", "disarm"] {
        // etcdctl 3.4 crashes printing an alarm response in the fields format (no header).
        for format in ["simple", "json", "table", "protobuf"] {
            let args = ["alarm", sub, "-w", format];
            support::assert_same_as_etcdctl(
                &member.etcdctl().args(args).run(),
                &member.ectl().args(args).run(),
                &args.join(" "),
            );
        }
        // It prints the header the server sent: empty from etcd 3.4, filled in by 3.5.
        let fields = member.ectl().args(["alarm", sub, "-w", "fields"]).run();
        fields.assert_ok();
        let json = member.ectl().args(["alarm", sub, "-w", "json"]).run();
        let header = &serde_json::from_slice::<serde_json::Value>(&json.stdout).unwrap()["header"];
        let field = |name: &str| header.get(name).and_then(|v| v.as_u64()).unwrap_or(0);
        assert_eq!(
            fields.stdout_str(),
            format!(
                "\"ClusterID\" : {}\n\"MemberID\" : {}\n\"Revision\" : {}\n\"RaftTerm\" : {}\n",
                field("cluster_id"),
                field("member_id"),
                field("revision"),
                field("raft_term")
            )
        );
        if support::server_version() < (3, 5) {
            assert_eq!(field("cluster_id"), 0, "etcd 3.4 sends no alarm header");
        }
        let args = ["alarm", sub, "extra"];
        support::assert_same_as_etcdctl(
            &member.etcdctl().args(args).run(),
            &member.ectl().args(args).run(),
            &args.join(" "),
        );
    }
}

/// A NOSPACE alarm raised by a tiny quota: listed, then disarmed, as etcdctl prints them.
#[test]
fn alarm_raised_by_quota() {
    let etcd = Etcd::start(support::Options {
        extra_args: vec!["--quota-backend-bytes=200000".into()],
        ..Default::default()
    });
    let value = "v".repeat(50_000);
    for i in 0..20 {
        let out = etcd
            .ectl()
            .args(["put", &format!("k{i}")])
            .stdin(value.clone())
            .run();
        if out.code != 0 {
            assert!(
                out.stderr_str().contains("database space exceeded"),
                "{out:?}"
            );
            break;
        }
    }
    for format in ["simple", "json", "protobuf"] {
        let args = ["alarm", "list", "-w", format];
        let ours = etcd.ectl().args(args).run();
        support::assert_same_as_etcdctl(&etcd.etcdctl().args(args).run(), &ours, &args.join(" "));
        assert!(!ours.stdout.is_empty(), "{format}: no alarm listed");
    }
    let ours = etcd.ectl().args(["alarm", "list"]).run();
    assert!(ours.stdout_str().ends_with(" alarm:NOSPACE \n"), "{ours:?}");
    let disarm = etcd.ectl().args(["alarm", "disarm"]).run();
    disarm.assert_ok();
    assert_eq!(disarm.stdout_str(), ours.stdout_str());
    let after = etcd.ectl().args(["alarm", "list"]).run();
    assert_eq!(after.stdout_str(), "");
}

#[test]
fn defrag_across_the_cluster() {
    let cluster = Cluster::new();
    for args in [
        &["defrag"][..],
        &["defrag", "--cluster"],
        &["defrag", "-w", "json"],
    ] {
        let ours = cluster.ectl().args(args).run();
        support::assert_same_as_etcdctl(
            &cluster.etcdctl().args(args).run(),
            &ours,
            &args.join(" "),
        );
        assert_eq!(
            ours.stdout_str()
                .matches("Finished defragmenting etcd member[")
                .count(),
            3
        );
    }
    let follower = (cluster.leader() + 1) % 3;
    cluster[follower].kill();
    let out = cluster.ectl().args(["defrag"]).run();
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout_str().lines().count(), 2, "{out:?}");
    assert!(out.stderr_str().contains(&format!(
        "Failed to defragment etcd member[{}] (",
        cluster[follower].endpoint()
    )));
}

/// Member ids by client endpoint (`127.0.0.1:PORT`), from `member list -w json`.
fn member_ids(cluster: &Cluster) -> Vec<(String, u64)> {
    let out = cluster.ectl().args(["member", "list", "-w", "json"]).run();
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let url = m["clientURLs"][0].as_str().unwrap();
            (
                url.trim_start_matches("http://").to_string(),
                m["ID"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn id_of(ids: &[(String, u64)], etcd: &Etcd) -> u64 {
    ids.iter().find(|(ep, _)| *ep == etcd.endpoint()).unwrap().1
}

#[test]
fn move_leader_to_a_follower_and_back() {
    let cluster = Cluster::new();
    let ids = member_ids(&cluster);
    // A young cluster may still hold an election or two: wait until its leader has settled.
    let mut leader = cluster.leader();
    eventually(Duration::from_secs(20), || {
        std::thread::sleep(Duration::from_secs(1));
        let now = cluster.leader();
        let settled = now == leader;
        leader = now;
        settled.then_some(())
    });
    let follower = (leader + 1) % 3;
    let (leader_id, follower_id) = (
        id_of(&ids, &cluster[leader]),
        id_of(&ids, &cluster[follower]),
    );

    // Refused before anything moves: a bad id, no leader among the endpoints, a format that
    // cannot print the answer.
    let only_follower = format!("--endpoints={}", cluster[follower].endpoint());
    let all = format!("--endpoints={}", cluster.endpoints());
    for args in [
        vec![all.clone(), "move-leader".into(), "zz".into()],
        vec![all.clone(), "move-leader".into()],
        vec![
            only_follower.clone(),
            "move-leader".into(),
            format!("{leader_id:x}"),
        ],
    ] {
        let reference = support::etcdctl().args(&args).run();
        let ours = support::ectl().args(&args).run();
        support::assert_same_as_etcdctl(&reference, &ours, &format!("{args:?}"));
        assert_eq!(ours.code, 128, "{args:?}");
    }
    let ours = support::ectl()
        .arg(&only_follower)
        .args(["move-leader", &format!("{leader_id:x}")])
        .run();
    assert_eq!(
        ours.stderr_str(),
        format!(
            "Error: no leader endpoint given at [{}]\n",
            cluster[follower].endpoint()
        )
    );
    let table = cluster
        .ectl()
        .args(["move-leader", &format!("{follower_id:x}"), "-w", "table"])
        .run();
    assert_eq!(table.code, 4);
    assert_eq!(cluster.leader(), leader);

    // To the follower, and back.
    for (from, to, to_index) in [
        (leader_id, follower_id, follower),
        (follower_id, leader_id, leader),
    ] {
        let out = cluster
            .ectl()
            .args(["move-leader", &format!("{to:x}")])
            .run();
        out.assert_ok();
        assert_eq!(
            out.stdout_str(),
            format!("Leadership transferred from {from:x} to {to:x}\n")
        );
        assert_eq!(cluster.leader(), to_index);
    }
}

#[test]
fn member_errors_match_etcdctl() {
    let etcd = Etcd::single();
    let list = etcd.ectl().args(["member", "list", "-w", "json"]).run();
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let own = format!("{:x}", v["members"][0]["ID"].as_u64().unwrap());
    let cases: Vec<Vec<&str>> = vec![
        vec!["member", "remove"],
        vec!["member", "remove", "zz"],
        vec!["member", "remove", "1"],
        vec!["member", "remove", "1ffffffffffffffff"],
        vec!["member", "update", "1"],
        vec!["member", "update", "1", "--peer-urls=http://127.0.0.1:1"],
        vec!["member", "promote"],
        vec!["member", "promote", "1"],
        vec!["member", "promote", &own],
        vec!["member", "add"],
        vec!["member", "add", "x"],
        vec!["member", "add", "x", "http://127.0.0.1:1", "HTTPS://b"],
        vec!["member", "list", "--hex"],
    ];
    for args in cases {
        support::assert_same_as_etcdctl(
            &etcd.etcdctl().args(&args).run(),
            &etcd.ectl().args(&args).run(),
            &args.join(" "),
        );
    }
    for format in FORMATS {
        let args = ["member", "list", "-w", format];
        support::assert_same_as_etcdctl(
            &etcd.etcdctl().args(args).run(),
            &etcd.ectl().args(args).run(),
            &args.join(" "),
        );
    }
    // Peer URLs are checked before anything is sent, with clientv3's messages.
    for urls in [
        "notaurl",
        "127.0.0.1:1",
        "http://a",
        "http://a:1/p",
        "ftp://a:1",
    ] {
        for args in [
            vec!["member", "add", "x", "--learner", "--peer-urls", urls],
            vec!["member", "update", &own, "--peer-urls", urls],
        ] {
            let reference = etcd.etcdctl().args(&args).run();
            let ours = etcd.ectl().args(&args).run();
            support::assert_same_as_etcdctl(&reference, &ours, &args.join(" "));
            let reference_error: String = reference
                .stderr_str()
                .lines()
                .filter(|l| l.starts_with("Error: "))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(ours.stderr_str(), reference_error, "{}", args.join(" "));
        }
    }
}

/// The loopback address of the member this file starts by hand. Other tests pick free ports on
/// 127.0.0.1 in parallel, and the joiner's peer port is chosen at `member add`, seconds before
/// etcd binds it: a private address keeps them from taking it meanwhile.
const JOINER_HOST: &str = "127.0.3.2";

fn free_port() -> u16 {
    TcpListener::bind((JOINER_HOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A member started from the `ETCD_*` lines `member add` printed; killed on drop.
struct Joiner {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Joiner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_joiner(env_lines: &str, client_port: u16) -> Joiner {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("etcd.log")).unwrap();
    let mut cmd = Command::new(support::etcd_bin());
    for line in env_lines.lines() {
        if let Some((key, value)) = line.split_once('=') {
            cmd.env(key, value.trim_matches('"'));
        }
    }
    let peer_url = env_lines
        .lines()
        .find_map(|l| l.strip_prefix("ETCD_INITIAL_ADVERTISE_PEER_URLS="))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let client_url = format!("http://{JOINER_HOST}:{client_port}");
    cmd.arg(format!("--data-dir={}", dir.path().join("data").display()))
        .arg(format!("--listen-peer-urls={peer_url}"))
        .arg(format!("--listen-client-urls={client_url}"))
        .arg(format!("--advertise-client-urls={client_url}"))
        .arg(format!(
            "--listen-metrics-urls=http://{JOINER_HOST}:{}",
            free_port()
        ))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    Joiner {
        child: cmd.spawn().expect("start etcd"),
        _dir: dir,
    }
}

/// Retries `f` until it returns `Some` or `timeout` passes.
fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "condition not met within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn member_add_learner_list_promote_update_remove() {
    let cluster = Cluster::new();
    let peer_port = free_port();
    let peer_url = format!("http://{JOINER_HOST}:{peer_port}");

    // Formats that cannot print a membership change are refused before anything is sent.
    for format in ["fields", "table"] {
        let out = cluster
            .ectl()
            .args([
                "member",
                "add",
                "nope",
                "--peer-urls",
                &peer_url,
                "-w",
                format,
            ])
            .run();
        assert_eq!(
            (out.code, out.stderr_str()),
            (
                4,
                format!("Error: {format} not supported as output format\n")
            )
        );
    }
    assert_eq!(member_ids(&cluster).len(), 3);

    // etcd refuses membership changes until its members have been connected for a while.
    let add = eventually(Duration::from_secs(20), || {
        let out = cluster
            .ectl()
            .args([
                "member",
                "add",
                "m3",
                "--learner",
                &format!("--peer-urls={peer_url}"),
            ])
            .run();
        if out.stderr_str().contains("unhealthy cluster") {
            return None;
        }
        Some(out)
    });
    add.assert_ok();
    let text = add.stdout_str();
    let (first, env_lines) = text.split_once("\n\n").unwrap();
    let words: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(
        (words[0], words[2], words[3], words[4]),
        ("Member", "added", "to", "cluster")
    );
    let new_id = u64::from_str_radix(words[1], 16).unwrap();
    let initial: Vec<String> = cluster
        .members()
        .iter()
        .map(|m| format!("{}={}", m.name(), m.peer_url()))
        .chain([format!("m3={peer_url}")])
        .collect();
    // The cluster lists members in id order; compare as sets.
    let printed = env_lines
        .lines()
        .find_map(|l| l.strip_prefix("ETCD_INITIAL_CLUSTER="))
        .unwrap()
        .trim_matches('"');
    let mut printed: Vec<&str> = printed.split(',').collect();
    printed.sort();
    let mut expected: Vec<&str> = initial.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(printed, expected);
    assert!(env_lines.starts_with("ETCD_NAME=\"m3\"\n"), "{env_lines}");
    assert!(env_lines.contains(&format!(
        "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"{peer_url}\"\n"
    )));
    assert!(env_lines.ends_with("ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n"));

    // Listed as an unstarted learner, identically by both tools in every format (asking one
    // member: etcdctl picks any of several endpoints, and the header names the one answering).
    for format in FORMATS {
        let args = ["member", "list", "-w", format];
        support::assert_same_as_etcdctl(
            &cluster[0].etcdctl().args(args).run(),
            &cluster[0].ectl().args(args).run(),
            &args.join(" "),
        );
    }
    let list = cluster.ectl().args(["member", "list"]).run().stdout_str();
    assert!(
        list.contains(&format!("{new_id:x}, unstarted, , {peer_url}, , true\n")),
        "{list}"
    );

    // Promotion is refused while the learner has not caught up (it is not even running).
    let hex = format!("{new_id:x}");
    let promote = ["member", "promote", hex.as_str()];
    let reference = cluster[0].etcdctl().args(promote).run();
    let refused = cluster[0].ectl().args(promote).run();
    support::assert_same_as_etcdctl(&reference, &refused, "promote before start");
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr_str().contains("learner"),
        "{}",
        refused.stderr_str()
    );

    // Started with the printed environment, it joins; then the promotion goes through.
    let client_port = free_port();
    let _joiner = start_joiner(env_lines, client_port);
    eventually(Duration::from_secs(20), || {
        let out = cluster.ectl().args(["member", "list"]).run().stdout_str();
        out.contains(&format!("{new_id:x}, started, m3, "))
            .then_some(())
    });
    let promoted = eventually(Duration::from_secs(20), || {
        let out = cluster.ectl().args(promote).run();
        (out.code == 0).then_some(out)
    });
    let cluster_id = {
        let out = cluster.ectl().args(["member", "list", "-w", "json"]).run();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["header"]["cluster_id"].as_u64().unwrap()
    };
    assert_eq!(
        promoted.stdout_str(),
        format!("Member {new_id:16x} promoted in cluster {cluster_id:16x}\n")
    );
    let list = cluster.ectl().args(["member", "list"]).run().stdout_str();
    assert!(
        list.contains(&format!(
            "{new_id:x}, started, m3, {peer_url}, http://{JOINER_HOST}:{client_port}, false\n"
        )),
        "{list}"
    );

    // Update its peer URLs (to the same URL plus a second one on the same port's host name).
    let urls = format!("{peer_url},http://localhost:{peer_port}");
    let update = cluster
        .ectl()
        .args(["member", "update", &hex, &format!("--peer-urls={urls}")])
        .run();
    update.assert_ok();
    assert_eq!(
        update.stdout_str(),
        format!("Member {new_id:16x} updated in cluster {cluster_id:16x}\n")
    );
    let list = cluster.ectl().args(["member", "list"]).run().stdout_str();
    assert!(list.contains(&format!(", m3, {urls}, ")), "{list}");

    // And remove it.
    let remove = cluster
        .ectl()
        .args(["member", "remove", &hex, "-w", "json"])
        .run();
    remove.assert_ok();
    let v: serde_json::Value = serde_json::from_slice(&remove.stdout).unwrap();
    assert_eq!(v["header"]["cluster_id"].as_u64(), Some(cluster_id));
    assert_eq!(v["members"].as_array().unwrap().len(), 3);
    assert_eq!(member_ids(&cluster).len(), 3);
    let again = ["member", "remove", hex.as_str()];
    support::assert_same_as_etcdctl(
        &cluster[0].etcdctl().args(again).run(),
        &cluster[0].ectl().args(again).run(),
        "remove a removed member",
    );
}

#[test]
fn downgrade_refusals_say_why() {
    let etcd = Etcd::single();
    // etcd 3.5 has the RPC and refuses these requests itself: its words, passed through.
    let before_3_5 = support::server_version() < (3, 5);
    for (args, from_3_5) in [
        (
            &["downgrade", "validate", "3.3.0"][..],
            "Error: etcdserver: invalid downgrade target version\n",
        ),
        (
            &["downgrade", "enable", "3.3.0"],
            "Error: etcdserver: invalid downgrade target version\n",
        ),
        (
            &["downgrade", "cancel"],
            "Error: etcdserver: no inflight downgrade job\n",
        ),
    ] {
        let out = etcd.ectl().args(args).run();
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        if before_3_5 {
            assert!(
                out.stderr_str()
                    .starts_with("Error: downgrade is not supported by this server"),
                "{args:?}: {}",
                out.stderr_str()
            );
        } else {
            assert_eq!(out.stderr_str(), from_3_5, "{args:?}");
        }
    }
    let out = etcd.ectl().args(["downgrade", "enable"]).run();
    assert_eq!(
        (out.code, out.stderr_str()),
        (128, "Error: TARGET_VERSION not provided\n".to_string())
    );
}

/// Over TLS, each endpoint's own connection (and `--cluster`'s https:// URLs from the member
/// list) uses the same certificates.
#[test]
fn endpoint_commands_over_tls() {
    let etcd = Etcd::start(support::Options {
        tls: Some(support::Tls::new()),
        ..Default::default()
    });
    for args in [
        &["endpoint", "status", "--cluster"][..],
        &["endpoint", "hashkv", "--cluster", "-w", "table"],
        &["endpoint", "status", "-w", "json"],
        &["member", "list", "-w", "table"],
        &["defrag", "--cluster"],
    ] {
        let ours = etcd.ectl().args(args).run();
        support::assert_same_as_etcdctl(&etcd.etcdctl().args(args).run(), &ours, &args.join(" "));
        assert!(ours.stdout_str().contains("127.0.0.1:"), "{args:?}");
    }
    let health = etcd.ectl().args(["endpoint", "health", "--cluster"]).run();
    health.assert_ok();
    assert!(
        health
            .stdout_str()
            .starts_with(&format!("{} is healthy: ", etcd.client_url())),
        "{}",
        health.stdout_str()
    );
}

/// With authentication on, each endpoint's connection authenticates; a user without any
/// permission still finds the member healthy (permission denied went through consensus).
#[test]
fn endpoint_commands_with_auth() {
    let etcd = Etcd::single();
    etcd.enable_auth("rootpw");
    etcd.etcdctl()
        .args(["--user=root:rootpw", "user", "add", "nobody:pw"])
        .run()
        .assert_ok();
    // Each authentication is a raft entry, so the raft index columns differ between the runs.
    let args = ["--user=root:rootpw", "endpoint", "status", "--cluster"];
    let mask = |out: &Out| -> (String, i32) {
        let text = out.stdout_str();
        let mut columns: Vec<&str> = text.trim_end_matches('\n').split(", ").collect();
        assert_eq!(columns.len(), 10, "{text}");
        columns[7] = "<index>";
        columns[8] = "<index>";
        (columns.join(", "), out.code)
    };
    assert_eq!(
        mask(&etcd.etcdctl().args(args).run()),
        mask(&etcd.ectl().args(args).run())
    );
    for args in [
        &["--user=root:rootpw", "endpoint", "hashkv"][..],
        &["--user=root:rootpw", "member", "list"],
        &["--user=root:rootpw", "alarm", "list"],
    ] {
        let ours = etcd.ectl().args(args).run();
        support::assert_same_as_etcdctl(&etcd.etcdctl().args(args).run(), &ours, &args.join(" "));
    }
    let args = ["--user=nobody:pw", "endpoint", "health", "-w", "json"];
    let reference = etcd.etcdctl().args(args).run();
    let ours = etcd.ectl().args(args).run();
    assert_eq!(
        normalise_health("json", &reference.stdout_str()),
        normalise_health("json", &ours.stdout_str())
    );
    assert_eq!((reference.code, ours.code), (0, 0));
    let dir = tempfile::tempdir().unwrap();
    let out = etcd
        .ectl()
        .arg("--user=root:rootpw")
        .args(["snapshot", "save"])
        .arg(dir.path().join("auth.db"))
        .run();
    out.assert_ok();
}
