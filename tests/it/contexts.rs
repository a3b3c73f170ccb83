//! Named contexts against real members: precedence flag > `ETCDCTL_*` variable > context >
//! default, `context list|show|use` keeping the file's comments, a user whose password comes
//! from `ETCDCTL_PASSWORD`, and files with passwords refused.

use std::fs;

use serde_json::Value;

use crate::support::{Etcd, ectl};

#[test]
fn flags_beat_variables_beat_contexts_beat_defaults() {
    let a = Etcd::single();
    let b = Etcd::single();
    a.etcdctl().args(["put", "k", "a"]).run().assert_ok();
    b.etcdctl().args(["put", "k", "b"]).run().assert_ok();
    b.enable_auth("secret");
    let home = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(home.path().join("ectl")).expect("mkdir");
    let file = home.path().join("ectl/config.toml");
    let text = format!(
        "# team clusters\ncurrent-context = \"a\"\n\n\
         [contexts.a] # the first\nendpoints = [\"{}\"]\n\n\
         [contexts.b]\nendpoints = [\"{}\"]\nuser = \"root\"\n\n\
         [contexts.slow]\ndial-timeout = \"1s\"\n",
        a.endpoint(),
        b.endpoint()
    );
    fs::write(&file, &text).expect("write config");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = ectl().env("XDG_CONFIG_HOME", home.path());
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        cmd.args(args).run()
    };
    let value = |args: &[&str], env: &[(&str, &str)]| {
        let mut argv = args.to_vec();
        argv.extend(["get", "k", "--print-value-only"]);
        let out = run(&argv, env);
        out.assert_ok();
        out.stdout_str()
    };

    // The current context, then --context and ECTL_CONTEXT; the user's password from the
    // environment, since a context has none.
    assert_eq!(value(&[], &[]), "a\n");
    let password = [("ETCDCTL_PASSWORD", "secret")];
    assert_eq!(value(&["--context=b"], &password), "b\n");
    assert_eq!(
        value(
            &[],
            &[("ECTL_CONTEXT", "b"), ("ETCDCTL_PASSWORD", "secret")]
        ),
        "b\n"
    );
    // A variable beats the context, a flag beats both.
    let b_endpoint = b.endpoint();
    let a_endpoint = a.endpoint();
    let b_env = [
        ("ETCDCTL_ENDPOINTS", b_endpoint.as_str()),
        ("ETCDCTL_USER", "root:secret"),
    ];
    assert_eq!(value(&[], &b_env), "b\n");
    let flag = format!("--endpoints={a_endpoint}");
    assert_eq!(value(&[&flag], &b_env), "a\n");
    // A context without endpoints leaves etcdctl's default.
    let out = run(&["--context=slow", "-w", "json", "doctor"], &[]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("doctor json");
    assert_eq!(report["checks"][0]["endpoint"], "127.0.0.1:2379", "{out:?}");

    let out = run(&["context", "list"], &[]);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "* a\n  b\n  slow\n");
    let out = run(&["context", "use", "b"], &[]);
    out.assert_ok();
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        text.replace("current-context = \"a\"", "current-context = \"b\"")
    );
    let out = run(&["context", "show"], &[]);
    assert_eq!(
        out.stdout_str(),
        format!("name: b\nendpoints: {b_endpoint}\nuser: root\n")
    );
    run(&["context", "use", "nope"], &[]).assert_code(1);
    let out = run(&["--context=nope", "get", "k"], &[]);
    out.assert_code(128);
    assert!(out.stderr_str().contains("no context \"nope\""), "{out:?}");
    assert!(
        out.stderr_str()
            .starts_with("hint: the contexts are: a, b, slow\n"),
        "{out:?}"
    );

    fs::write(
        &file,
        "[contexts.a]\nuser = \"root\"\npassword = \"secret\"\n",
    )
    .unwrap();
    let out = run(&["get", "k"], &[]);
    out.assert_code(128);
    assert!(out.stderr_str().contains("holds a password"), "{out:?}");
}

/// `context add|current|rename|delete` as a newcomer runs them, from no file at all, against a
/// member with authentication on: the password is saved only when asked, and then in a file
/// only its owner may read.
#[test]
fn contexts_made_from_the_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let etcd = Etcd::single();
    etcd.etcdctl().args(["put", "k", "v"]).run().assert_ok();
    etcd.enable_auth("secret");
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("ectl/config.toml");
    let run = |args: &[&str]| ectl().env("XDG_CONFIG_HOME", home.path()).args(args).run();

    // No file yet: an empty list (the hint is for a terminal only), and no failure.
    let out = run(&["context", "list"]);
    out.assert_ok();
    assert_eq!(
        (out.stdout_str(), out.stderr_str()),
        (String::new(), String::new())
    );

    let endpoints = format!("--endpoints={}", etcd.endpoint());
    let out = run(&[
        "context",
        "add",
        "dev",
        &endpoints,
        "--user=root:secret",
        "--dial-timeout=3s",
    ]);
    out.assert_ok();
    assert!(
        out.stderr_str().contains("the password was not saved"),
        "{out:?}"
    );
    let text = fs::read_to_string(&file).unwrap();
    assert_eq!(
        text,
        format!(
            "[contexts.dev]\nendpoints = [\"{}\"]\nuser = \"root\"\ndial-timeout = \"3s\"\n",
            etcd.endpoint()
        )
    );
    // The context gives everything but the password.
    let out = ectl()
        .env("XDG_CONFIG_HOME", home.path())
        .env("ETCDCTL_PASSWORD", "secret")
        .args(["--context=dev", "get", "k", "--print-value-only"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "v\n");
    run(&["context", "add", "dev", &endpoints]).assert_code(1);

    // Asked for, the password is saved, and the file becomes the owner's alone.
    let out = run(&[
        "context",
        "add",
        "ops",
        &endpoints,
        "--user=root:secret",
        "--save-password",
    ]);
    out.assert_ok();
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    run(&["context", "use", "ops"]).assert_ok();
    assert_eq!(run(&["context", "current"]).stdout_str(), "ops\n");
    let out = run(&["get", "k", "--print-value-only"]);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "v\n");

    // Renamed in place (the current one follows), deleted (then none is current).
    fs::write(
        &file,
        format!("# mine\n{}", fs::read_to_string(&file).unwrap()),
    )
    .unwrap();
    run(&["context", "rename", "ops", "prod"]).assert_ok();
    assert_eq!(run(&["context", "list"]).stdout_str(), "  dev\n* prod\n");
    run(&["context", "delete", "prod"]).assert_ok();
    assert_eq!(run(&["context", "list"]).stdout_str(), "  dev\n");
    assert!(fs::read_to_string(&file).unwrap().starts_with("# mine\n"));
    run(&["context", "current"]).assert_code(1);
    run(&["context", "delete", "prod"]).assert_code(1);
}

#[test]
fn an_empty_context_list_hints_how_to_start_only_on_a_terminal() {
    let home = tempfile::tempdir().expect("tempdir");
    let (shown, code) = crate::support::pty::transcript(&format!(
        "XDG_CONFIG_HOME={} {} context list",
        home.path().display(),
        env!("CARGO_BIN_EXE_ectl")
    ));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("hint: no contexts yet"), "{shown}");
    assert!(shown.contains("ectl context add NAME"), "{shown}");
}
