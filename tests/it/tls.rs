//! TLS against a real member with client-certificate authentication.

use crate::support;

use support::{Etcd, Options, Out, Tls, ectl};

fn tls_member() -> Etcd {
    Etcd::start(Options {
        tls: Some(Tls::new()),
        ..Options::default()
    })
}

#[test]
fn mutual_tls_works_and_matches_etcdctl() {
    let etcd = tls_member();
    etcd.ectl().args(["put", "k", "v"]).run().assert_ok();
    let ours = etcd.ectl().args(["get", "k"]).run();
    let theirs = etcd.etcdctl().args(["get", "k"]).run();
    same(&ours, &theirs);
    assert_eq!(ours.stdout_str(), "k\nv\n");
}

#[test]
fn an_https_endpoint_and_env_twins_work() {
    let etcd = tls_member();
    let tls = etcd.tls().expect("tls member");
    assert!(etcd.client_url().starts_with("https://"));
    let with_env = |cmd: support::Cmd| {
        cmd.env("ETCDCTL_ENDPOINTS", etcd.client_url())
            .env("ETCDCTL_CACERT", tls.ca())
            .env("ETCDCTL_CERT", tls.client_cert())
            .env("ETCDCTL_KEY", tls.client_key())
    };
    for (key, value) in [("k", "from ectl"), ("k2", "from etcdctl")] {
        let args = ["put", key, value];
        let ours = with_env(ectl()).args(args).run();
        let theirs = with_env(support::etcdctl()).args(args).run();
        same(&ours, &theirs);
        assert_eq!(ours.stdout_str(), "OK\n");
    }
    // What ectl wrote is there, as etcdctl reads it; and both read it alike.
    let ours = with_env(ectl()).args(["get", "k", "--prefix"]).run();
    let theirs = with_env(support::etcdctl())
        .args(["get", "k", "--prefix"])
        .run();
    same(&ours, &theirs);
    assert_eq!(theirs.stdout_str(), "k\nfrom ectl\nk2\nfrom etcdctl\n");
}

/// Same exit code, stdout and stderr from both tools.
fn same(ours: &Out, theirs: &Out) {
    assert_eq!(
        (ours.code, ours.stdout_str(), ours.stderr_str()),
        (theirs.code, theirs.stdout_str(), theirs.stderr_str()),
        "ectl (left) vs etcdctl (right)\n{ours:?}\n{theirs:?}"
    );
}

#[test]
fn a_wrong_ca_fails_clearly() {
    let etcd = tls_member();
    let tls = etcd.tls().expect("tls member");
    let out = ectl()
        .arg(format!("--endpoints={}", etcd.endpoint()))
        .arg(format!("--cacert={}", tls.other_ca().display()))
        .arg(format!("--cert={}", tls.client_cert().display()))
        .arg(format!("--key={}", tls.client_key().display()))
        .args(["get", "k"])
        .run();
    // At once, exit 2, naming the endpoint and why (README, "Deliberate differences": etcdctl
    // waits out --command-timeout and says `context deadline exceeded`).
    out.assert_code(2);
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(
        out.stderr_str(),
        format!(
            "Error: {}: invalid peer certificate: UnknownIssuer; the member's certificate is \
             not signed by a CA ectl trusts: pass that CA with --cacert (or \
             --insecure-skip-tls-verify, for testing only)\n",
            etcd.endpoint()
        ),
        "{out:?}"
    );
    let theirs = support::etcdctl()
        .arg(format!("--endpoints={}", etcd.endpoint()))
        .arg(format!("--cacert={}", tls.other_ca().display()))
        .arg(format!("--cert={}", tls.client_cert().display()))
        .arg(format!("--key={}", tls.client_key().display()))
        .args(["--dial-timeout=1s", "--command-timeout=1s", "get", "k"])
        .run();
    theirs.assert_code(1);
    assert_eq!(
        theirs.stderr_str().lines().last(),
        Some("Error: context deadline exceeded"),
        "{theirs:?}"
    );
}

#[test]
fn skip_verify_accepts_an_unknown_ca_but_still_presents_the_client_certificate() {
    let etcd = tls_member();
    let tls = etcd.tls().expect("tls member");
    let run = |tool: support::Cmd, with_cert: bool, value: &str| {
        let mut cmd = tool
            .arg(format!("--endpoints={}", etcd.endpoint()))
            .arg(format!("--cacert={}", tls.other_ca().display()))
            .arg("--command-timeout=2s");
        if with_cert {
            cmd = cmd
                .arg(format!("--cert={}", tls.client_cert().display()))
                .arg(format!("--key={}", tls.client_key().display()));
        }
        cmd.args(["--insecure-skip-tls-verify", "put", "k", value])
            .run()
    };
    let (ours, theirs) = (
        run(ectl(), true, "ectl"),
        run(support::etcdctl(), true, "etcdctl"),
    );
    same(&ours, &theirs);
    assert_eq!(ours.stdout_str(), "OK\n");
    // Without the client certificate the member refuses both: it was the certificate that
    // let them in.
    let (ours, theirs) = (run(ectl(), false, "x"), run(support::etcdctl(), false, "x"));
    assert_ne!(ours.code, 0, "{ours:?}");
    assert_ne!(theirs.code, 0, "{theirs:?}");
    let get = etcd
        .etcdctl()
        .args(["get", "k", "--print-value-only"])
        .run();
    get.assert_ok();
    assert_eq!(get.stdout_str(), "etcdctl\n");
}

#[test]
fn plaintext_to_a_tls_member_and_missing_files_fail_with_errors() {
    let etcd = tls_member();
    let plain = ectl()
        .args([
            "--endpoints",
            &etcd.endpoint(),
            "--dial-timeout=1s",
            "get",
            "k",
        ])
        .run();
    // No connection can work: exit 2 at once, naming the endpoint (etcdctl exits 1 after the
    // command timeout: cli.rs, "plain text to a TLS member").
    plain.assert_code(2);
    assert!(
        plain
            .stderr_str()
            .starts_with(&format!("Error: {}: ", etcd.endpoint())),
        "{plain:?}"
    );

    let missing = ectl()
        .args([
            "--endpoints",
            &etcd.endpoint(),
            "--cacert=/nonexistent/ca.pem",
            "get",
            "k",
        ])
        .run();
    missing.assert_code(128);
    assert!(
        missing.stderr_str().contains("/nonexistent/ca.pem"),
        "{missing:?}"
    );

    let empty = ectl().args(["--cacert=", "get", "k"]).run();
    empty.assert_code(128);
    assert_eq!(
        empty.stderr_str(),
        "Error: empty string is passed to --cacert option\n"
    );
}
