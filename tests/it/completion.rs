//! Live shell completion against a real etcd: keys come from the cluster the command line
//! points at, and a dead or frozen cluster never stalls the shell.

use crate::support;

use std::time::{Duration, Instant};

use support::{Etcd, ectl};

/// What ectl offers for the last word of `words`, through the fish protocol (one candidate per
/// line, a tab before any description): the simplest of the shells' calling conventions.
fn candidates(env: &[(&str, &str)], words: &[&str]) -> (Vec<String>, Duration) {
    let mut cmd = ectl()
        .env("ECTL_COMPLETE", "fish")
        .arg("--")
        .arg("ectl")
        .args(words);
    for (key, value) in env {
        cmd = cmd.env(key, value);
    }
    let started = Instant::now();
    let out = cmd.run();
    let took = started.elapsed();
    out.assert_ok();
    let offered = out
        .stdout_str()
        .lines()
        .map(|line| line.split('\t').next().unwrap_or_default().to_string())
        .collect();
    (offered, took)
}

fn seeded() -> Etcd {
    let etcd = Etcd::single();
    for key in ["/registry/a", "/registry/b", "/other"] {
        etcd.ectl().args(["put", key, "v"]).run().assert_ok();
    }
    etcd
}

#[test]
fn keys_under_the_typed_prefix_from_the_cluster_on_the_command_line() {
    let etcd = seeded();
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    for command in ["get", "del", "put"] {
        let (offered, _) = candidates(&[], &[&endpoints, command, "/reg"]);
        assert_eq!(offered, ["/registry/a", "/registry/b"], "{command}");
    }
    let (offered, _) = candidates(&[], &[&endpoints, "get", "/o"]);
    assert_eq!(offered, ["/other"]);
}

#[test]
fn the_environment_twin_of_endpoints_is_respected() {
    let etcd = seeded();
    let (offered, _) = candidates(
        &[("ETCDCTL_ENDPOINTS", etcd.endpoint().as_str())],
        &["get", "/registry/"],
    );
    assert_eq!(offered, ["/registry/a", "/registry/b"]);
}

#[test]
fn a_dead_or_frozen_cluster_offers_nothing_quickly() {
    let etcd = seeded();
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    etcd.freeze();
    let (offered, took) = candidates(&[], &[&endpoints, "get", "/reg"]);
    etcd.thaw();
    assert!(offered.is_empty(), "{offered:?}");
    assert!(took < Duration::from_secs(3), "completion took {took:?}");

    etcd.kill();
    let (offered, took) = candidates(&[], &[&endpoints, "get", "/reg"]);
    assert!(offered.is_empty(), "{offered:?}");
    assert!(took < Duration::from_secs(3), "completion took {took:?}");
}

#[test]
fn bash_loads_the_live_script_and_completes_keys_and_commands() {
    let etcd = seeded();
    let script = ectl().args(["completion", "bash"]).run();
    script.assert_ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ectl.bash");
    std::fs::write(&path, &script.stdout).expect("write script");
    let complete = |line: &str| -> Vec<String> {
        let program = format!(
            "source '{}'; read -ra COMP_WORDS <<< '{line}'; COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9; \
             _clap_complete_ectl ectl \"${{COMP_WORDS[COMP_CWORD]}}\" ''; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = support::Cmd::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .run();
        out.assert_ok();
        out.stdout_str().lines().map(str::to_string).collect()
    };
    assert_eq!(complete("ectl ge"), ["get"]);
    assert_eq!(complete("ectl get --wr"), ["--write-out"]);
    assert_eq!(
        complete(&format!("ectl --endpoints={} get /reg", etcd.endpoint())),
        ["/registry/a", "/registry/b"]
    );
}

#[test]
fn zsh_loads_the_live_script_and_completes_keys_and_commands() {
    let etcd = seeded();
    let script = ectl().args(["completion", "zsh"]).run();
    script.assert_ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("_ectl");
    std::fs::write(&path, &script.stdout).expect("write script");
    // Outside an interactive completion widget, zsh's `_describe` and `compdef` are stubbed:
    // `_describe` prints the candidates it was given, which is what the shell would offer.
    let complete = |line: &str| -> Vec<String> {
        let program = format!(
            "compdef() {{ : }}; _describe() {{ shift 2; print -rl -- \"${{(@P)1}}\" }}; \
             source '{}'; words=(${{(z)$(print -r -- '{line}')}}); \
             [[ '{line}' == *' ' ]] && words+=(''); CURRENT=${{#words}}; \
             _clap_dynamic_completer_ectl",
            path.display()
        );
        let out = support::Cmd::new("zsh").args(["-f", "-c", &program]).run();
        out.assert_ok();
        out.stdout_str()
            .lines()
            .map(|line| line.split(':').next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(complete("ectl ge"), ["get"]);
    assert_eq!(complete("ectl get --wr"), ["--write-out"]);
    assert_eq!(
        complete(&format!("ectl --endpoints={} get /reg", etcd.endpoint())),
        ["/registry/a", "/registry/b"]
    );
}

#[test]
fn lease_ids_users_and_roles_come_from_the_cluster_by_position() {
    let etcd = Etcd::single();
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    for args in [
        vec!["user", "add", "alice", "--no-password"],
        vec!["user", "add", "bob", "--no-password"],
        vec!["role", "add", "reader"],
    ] {
        etcd.ectl().args(&args).run().assert_ok();
    }
    let grant = etcd.ectl().args(["lease", "grant", "600"]).run();
    grant.assert_ok();
    // "lease 694d7a1a6e1e0c0a granted with TTL(600s)"
    let lease = grant
        .stdout_str()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();

    // With nothing typed yet the shell is offered flags too; the values come first.
    let values = |offered: Vec<String>| -> Vec<String> {
        offered
            .into_iter()
            .filter(|c| !c.starts_with('-'))
            .collect()
    };
    for command in ["revoke", "timetolive", "keep-alive"] {
        let (offered, _) = candidates(&[], &[&endpoints, "lease", command, ""]);
        assert_eq!(
            values(offered),
            std::slice::from_ref(&lease),
            "lease {command}"
        );
    }
    let (offered, _) = candidates(&[], &[&endpoints, "user", "get", "al"]);
    assert_eq!(offered, ["alice"]);
    let (offered, _) = candidates(&[], &[&endpoints, "user", "grant-role", "alice", "r"]);
    assert_eq!(offered, ["reader"]);
    let (offered, _) = candidates(&[], &[&endpoints, "role", "get", ""]);
    assert_eq!(values(offered), ["reader"]);
    let (offered, _) = candidates(
        &[],
        &[&endpoints, "role", "grant-permission", "reader", "r"],
    );
    assert_eq!(offered, ["read", "readwrite"]);
    let (offered, _) = candidates(&[], &[&endpoints, "get", "--sort-by", "M"]);
    assert_eq!(offered, ["MODIFY"]);

    let list = etcd.ectl().args(["member", "list"]).run();
    list.assert_ok();
    // "8e9e05c52164694d, started, m0, http://..., http://..., false"
    let member = list.stdout_str().split(',').next().unwrap().to_string();
    for args in [vec!["member", "remove", ""], vec!["move-leader", ""]] {
        let mut words = vec![endpoints.as_str()];
        words.extend(args.iter().copied());
        let (offered, _) = candidates(&[], &words);
        assert_eq!(values(offered), std::slice::from_ref(&member), "{args:?}");
    }
}
