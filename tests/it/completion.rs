//! Live shell completion against a real etcd: keys come from the cluster the command line
//! points at, and a dead or frozen cluster never stalls the shell.

use crate::support;

use std::time::{Duration, Instant};

use support::pty::{Shell, ShellKind};
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
    // Timeouts of a minute on the line being completed: live completion caps them (0.5 s dial,
    // 1 s command), so it is done in about 1.5 s; without the caps it would wait a minute.
    let words = [
        endpoints.as_str(),
        "--dial-timeout=60s",
        "--command-timeout=60s",
        "get",
        "/reg",
    ];
    // Ten times the capped wait: far above any stall a loaded machine adds, far below the
    // minute an uncapped completion would take.
    let bound = Duration::from_secs(15);
    etcd.freeze();
    let (offered, took) = candidates(&[], &words);
    etcd.thaw();
    assert!(offered.is_empty(), "{offered:?}");
    assert!(
        took < bound,
        "completion took {took:?}: the caps did not apply"
    );

    etcd.kill();
    let (offered, took) = candidates(&[], &words);
    assert!(offered.is_empty(), "{offered:?}");
    assert!(
        took < bound,
        "completion took {took:?}: the caps did not apply"
    );
}

/// Keys a person completes at a prompt: a plain one, one with a space, one with a `:`.
fn seeded_for_a_prompt() -> Etcd {
    let etcd = Etcd::single();
    for key in ["greeting", "my key", "a:b"] {
        etcd.ectl().args(["put", key, "v"]).run().assert_ok();
    }
    etcd
}

/// An interactive `kind` shell with the live script loaded as the README says.
fn shell_with_script(kind: ShellKind) -> Shell {
    let setup = match kind {
        ShellKind::Bash => "source <(ectl completion bash); cd ~",
        ShellKind::Zsh => "source <(ectl completion zsh); cd ~",
    };
    Shell::start(kind, setup)
}

/// The command line after one Tab, for each way of writing the endpoint and the user, keys
/// with a space or a `:`, flag values after `=`, and a lease list that is empty.
fn completes_like_a_person_expects(kind: ShellKind) {
    let etcd = seeded_for_a_prompt();
    let shell = shell_with_script(kind);
    let ep = etcd.endpoint();
    let check = |typed: &str, shown: &str| {
        assert_eq!(shell.complete(typed).trim_end(), shown, "{kind:?}: {typed}");
    };
    check("ectl ge", "ectl get");
    check("ectl get --wr", "ectl get --write-out");
    check("ectl get --write-out=js", "ectl get --write-out=json");
    for endpoints in [format!("--endpoints {ep}"), format!("--endpoints={ep}")] {
        check(
            &format!("ectl {endpoints} get gr"),
            &format!("ectl {endpoints} get greeting"),
        );
        check(
            &format!("ectl {endpoints} --user root:pw get gr"),
            &format!("ectl {endpoints} --user root:pw get greeting"),
        );
    }
    let at = format!("ectl --endpoints={ep} get");
    check(&format!("{at} a:"), &format!("{at} a:b"));
    check(&format!("{at} a"), &format!("{at} a:b"));
    check(&format!("{at} my"), &format!("{at} my\\ key"));
    check(&format!("{at} 'my"), &format!("{at} 'my key'"));
    // File names where a command takes a file.
    std::fs::write(shell.home().join("backup.db"), "").expect("write a file");
    check("ectl snapshot save ba", "ectl snapshot save backup.db");
    check("ectl --cacert ba", "ectl --cacert backup.db");
    // No live lease: nothing is inserted, not the `--` that every flag starts with.
    let revoke = format!("ectl --endpoints={ep} lease revoke ");
    check(&revoke, revoke.trim_end());
    // ectl as typed, by its path: the script names no binary of its own.
    let typed = format!("{}/ectl --endpoints={ep} get gr", shell.bin_dir().display());
    check(&typed, &typed.replace(" gr", " greeting"));
}

#[test]
fn bash_at_a_prompt_completes_keys_across_colons_equals_and_spaces() {
    completes_like_a_person_expects(ShellKind::Bash);
}

#[test]
fn zsh_at_a_prompt_completes_keys_across_colons_equals_and_spaces() {
    completes_like_a_person_expects(ShellKind::Zsh);
}

/// completions/ as the README installs it: bash sources `ectl.bash`, zsh finds `_ectl` on
/// `$fpath`; both complete keys from the cluster that `--endpoints` (split by bash at `:`)
/// names, calling ectl from PATH.
fn the_committed_script_completes_live_keys(kind: ShellKind) {
    let etcd = seeded_for_a_prompt();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let setup = match kind {
        ShellKind::Bash => format!("source '{}'", dir.join("ectl.bash").display()),
        ShellKind::Zsh => format!("fpath=('{}' $fpath); compinit -u -D", dir.display()),
    };
    let shell = Shell::start(kind, &setup);
    let at = format!("ectl --endpoints {} get", etcd.endpoint());
    for (typed, shown) in [
        ("ectl ge", "ectl get".to_string()),
        (&format!("{at} gr"), format!("{at} greeting")),
        (&format!("{at} a"), format!("{at} a:b")),
    ] {
        assert_eq!(shell.complete(typed).trim_end(), shown, "{kind:?}: {typed}");
    }
}

#[test]
fn the_committed_bash_script_completes_live_keys_at_a_prompt() {
    the_committed_script_completes_live_keys(ShellKind::Bash);
}

#[test]
fn the_committed_zsh_script_completes_live_keys_at_a_prompt() {
    the_committed_script_completes_live_keys(ShellKind::Zsh);
}

#[test]
fn the_live_scripts_name_no_path_of_the_binary_that_printed_them() {
    for shell in ["bash", "zsh", "fish"] {
        let script = ectl().args(["completion", shell]).run();
        script.assert_ok();
        let text = script.stdout_str();
        assert!(
            !text.contains(env!("CARGO_BIN_EXE_ectl")) && !text.contains("/target/"),
            "{shell}: {text}"
        );
    }
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
    let lease = etcd
        .ectl()
        .args(["lease", "grant", "600"])
        .run()
        .granted_lease();

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

#[test]
fn an_empty_word_with_only_flags_to_offer_gets_nothing_until_a_dash() {
    let etcd = Etcd::single();
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    let (offered, _) = candidates(&[], &[&endpoints, "lease", "revoke", ""]);
    assert!(offered.is_empty(), "{offered:?}");
    let (offered, _) = candidates(&[], &[&endpoints, "lease", "revoke", "-"]);
    assert!(offered.iter().any(|c| c == "--endpoints"), "{offered:?}");
}

/// The one live value is inserted (flags come only after a `-`), keys complete for every
/// command that reads them, files where a command or flag takes one, and context names.
fn fills_in_single_values_files_keys_and_contexts(kind: ShellKind) {
    let etcd = seeded_for_a_prompt();
    let ep = etcd.endpoint();
    let lease = etcd
        .ectl()
        .args(["lease", "grant", "600"])
        .run()
        .granted_lease();
    let list = etcd.ectl().args(["member", "list"]).run();
    let member = list.stdout_str().split(',').next().unwrap().to_string();
    let shell = shell_with_script(kind);
    let config = shell.home().join(".config/ectl");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("config.toml"),
        "[contexts.production]\n[contexts.staging]\n",
    )
    .expect("write config");
    std::fs::write(shell.home().join("backup.db"), "").expect("write a file");
    let check = |typed: &str, shown: &str| {
        assert_eq!(shell.complete(typed).trim_end(), shown, "{kind:?}: {typed}");
    };
    let at = format!("ectl --endpoints={ep}");
    check(
        &format!("{at} member remove "),
        &format!("{at} member remove {member}"),
    );
    check(
        &format!("{at} lease revoke "),
        &format!("{at} lease revoke {lease}"),
    );
    check(
        &format!("{at} lease timetolive --keys "),
        &format!("{at} lease timetolive --keys {lease}"),
    );
    for command in ["watch", "du", "export", "diff"] {
        check(
            &format!("{at} {command} gr"),
            &format!("{at} {command} greeting"),
        );
    }
    check("ectl import ba", "ectl import backup.db");
    check(
        "ectl snapshot restore ba",
        "ectl snapshot restore backup.db",
    );
    check("ectl snapshot status ba", "ectl snapshot status backup.db");
    check("ectl --cert ba", "ectl --cert backup.db");
    check("ectl get --key ba", "ectl get --key backup.db");
    check("ectl context use pr", "ectl context use production");
    check("ectl context delete st", "ectl context delete staging");
    check("ectl --context st", "ectl --context staging");
}

#[test]
fn bash_fills_in_single_values_files_keys_and_contexts() {
    fills_in_single_values_files_keys_and_contexts(ShellKind::Bash);
}

#[test]
fn zsh_fills_in_single_values_files_keys_and_contexts() {
    fills_in_single_values_files_keys_and_contexts(ShellKind::Zsh);
}

#[test]
fn flags_are_offered_beside_values_only_after_a_dash() {
    let etcd = Etcd::single();
    let endpoints = format!("--endpoints={}", etcd.endpoint());
    let (offered, _) = candidates(&[], &[&endpoints, "member", "remove", ""]);
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert!(!offered[0].starts_with('-'), "{offered:?}");
    let (offered, _) = candidates(&[], &[&endpoints, "member", "remove", "-"]);
    assert!(offered.iter().any(|c| c == "--endpoints"), "{offered:?}");
}
