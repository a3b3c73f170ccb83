//! TLS against a real member with client-certificate authentication.

use crate::support;

use support::{Etcd, Options, Tls, ectl};

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
    ours.assert_ok();
    assert_eq!(ours.stdout, theirs.stdout, "{ours:?}\n{theirs:?}");
    assert_eq!(ours.stdout_str(), "k\nv\n");
}

#[test]
fn an_https_endpoint_and_env_twins_work() {
    let etcd = tls_member();
    let tls = etcd.tls().expect("tls member");
    let out = ectl()
        .env("ETCDCTL_ENDPOINTS", etcd.client_url())
        .env("ETCDCTL_CACERT", tls.ca())
        .env("ETCDCTL_CERT", tls.client_cert())
        .env("ETCDCTL_KEY", tls.client_key())
        .args(["put", "k", "v"])
        .run();
    out.assert_ok();
    assert!(etcd.client_url().starts_with("https://"));
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
    out.assert_code(2);
    let stderr = out.stderr_str();
    assert!(
        stderr.starts_with("Error: ")
            && stderr.contains(&etcd.endpoint())
            && stderr.contains("certificate"),
        "{out:?}"
    );
}

#[test]
fn skip_verify_accepts_an_unknown_ca_but_still_presents_the_client_certificate() {
    let etcd = tls_member();
    let tls = etcd.tls().expect("tls member");
    let out = ectl()
        .arg(format!("--endpoints={}", etcd.endpoint()))
        .arg(format!("--cacert={}", tls.other_ca().display()))
        .arg(format!("--cert={}", tls.client_cert().display()))
        .arg(format!("--key={}", tls.client_key().display()))
        .args(["--insecure-skip-tls-verify", "put", "k", "v"])
        .run();
    out.assert_ok();
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
    assert_ne!(plain.code, 0, "{plain:?}");
    assert!(plain.stderr_str().starts_with("Error: "), "{plain:?}");

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
