//! TLS against a real member with client-certificate authentication.

use crate::support;

use support::{Etcd, Options, Out, ServerCert, Tls, ectl};

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
            "Error: {}: x509: certificate signed by unknown authority; the member's certificate \
             is not signed by a CA ectl trusts: pass that CA with --cacert (or \
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

/// Rust debug names that once leaked into TLS and file messages.
const DEBUG_TEXT: &[&str] = &[
    "UnknownIssuer",
    "KeyMismatch",
    "IpAddress(",
    "DnsName(",
    "Other(",
    "OtherError",
    "UnsupportedCertVersion",
    "os error",
    "I/O error",
    "invalid peer certificate",
];

fn assert_words(out: &Out) {
    let text = out.stderr_str();
    for debug in DEBUG_TEXT {
        assert!(!text.contains(debug), "{debug:?} in {text:?}");
    }
}

/// `ectl ARGS` as a person runs it at a terminal (`script`'s pty): what the screen shows and
/// the exit code.
fn at_terminal(args: &[String]) -> (String, i32) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_ectl").to_string())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    support::pty::transcript(&line)
}

fn v1_member(server: ServerCert) -> Etcd {
    Etcd::start(Options {
        tls: Some(Tls::openssl_v1(server)),
        ..Options::default()
    })
}

#[test]
fn x509_v1_client_and_ca_certificates_work_as_with_etcdctl() {
    // A v1 CA and a v1 client certificate, as `openssl x509 -req` makes them; the server's
    // certificate names 127.0.0.1, so both tools verify it.
    let etcd = v1_member(ServerCert::V3 {
        server_ip: "127.0.0.1",
    });
    let tls = etcd.tls().expect("tls member");
    for skip in [false, true] {
        let run = |tool: support::Cmd, args: &[&str]| {
            let mut cmd = tool
                .arg(format!("--endpoints={}", etcd.endpoint()))
                .args(tls.client_flags());
            if skip {
                cmd = cmd.arg("--insecure-skip-tls-verify");
            }
            cmd.args(args).run()
        };
        let (ours, theirs) = (
            run(ectl(), &["put", "k", "ectl"]),
            run(support::etcdctl(), &["put", "k2", "etcdctl"]),
        );
        same(&ours, &theirs);
        assert_eq!(ours.stdout_str(), "OK\n", "skip={skip}");
        let (ours, theirs) = (
            run(ectl(), &["get", "k", "--prefix"]),
            run(support::etcdctl(), &["get", "k", "--prefix"]),
        );
        same(&ours, &theirs);
        assert_eq!(ours.stdout_str(), "k\nectl\nk2\netcdctl\n");
    }
    // As a person meets it: the answer, nothing else.
    let mut args = vec![format!("--endpoints={}", etcd.endpoint())];
    args.extend(tls.client_flags());
    args.extend(["get".into(), "k".into(), "--print-value-only".into()]);
    let (screen, code) = at_terminal(&args);
    assert_eq!((screen.as_str(), code), ("ectl\n", 0));
}

#[test]
fn an_x509_v1_server_certificate_works_where_go_takes_it_and_is_refused_in_words_elsewhere() {
    let etcd = v1_member(ServerCert::V1);
    let tls = etcd.tls().expect("tls member");
    let run = |tool: support::Cmd, extra: &[&str], args: &[&str]| {
        tool.arg(format!("--endpoints={}", etcd.endpoint()))
            .args(tls.client_flags())
            .args(extra)
            .args(args)
            .run()
    };
    // With --insecure-skip-tls-verify Go takes it, and so does ectl.
    let skip = ["--insecure-skip-tls-verify"];
    let (ours, theirs) = (
        run(ectl(), &skip, &["put", "k", "v"]),
        run(support::etcdctl(), &skip, &["put", "k", "v"]),
    );
    same(&ours, &theirs);
    assert_eq!(ours.stdout_str(), "OK\n");

    // Verified, Go refuses it: a v1 certificate has no subjectAltName, and Go matches the
    // host against those alone. etcdctl waits out its timeout (exit 1); ectl says why at once
    // (exit 2, as for every certificate it cannot accept: see `a_wrong_ca_fails_clearly`).
    let timeouts = ["--dial-timeout=1s", "--command-timeout=2s"];
    let theirs = run(support::etcdctl(), &timeouts, &["get", "k"]);
    theirs.assert_code(1);
    let ours = run(ectl(), &timeouts, &["get", "k"]);
    ours.assert_code(2);
    assert_words(&ours);
    assert_eq!(
        ours.stderr_str(),
        format!(
            "Error: {}: x509: certificate is not valid for any names (it has no subject \
             alternative names), but wanted to match 127.0.0.1; the member's certificate has \
             no subject alternative names (as an X.509 v1 certificate has none), and the host \
             is checked against those only: re-issue it with the endpoint's host in \
             subjectAltName (or --insecure-skip-tls-verify, for testing only)\n",
            etcd.endpoint()
        )
    );

    // doctor judges it alike: healthy when told to skip the check, the TLS stage named
    // otherwise.
    let ours = run(ectl(), &skip, &["-w", "json", "doctor"]);
    ours.assert_ok();
    let ours = run(ectl(), &[], &["-w", "json", "doctor"]);
    ours.assert_code(1);
    let report: serde_json::Value = serde_json::from_slice(&ours.stdout).expect("json");
    let failed: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "{report:#}");
    assert_eq!(failed[0]["stage"], "tls");
    assert!(
        failed[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("X.509 v1")),
        "{report:#}"
    );
}

#[test]
fn tls_and_file_errors_name_the_flag_and_file_in_words() {
    let wrong_ip = v1_member(ServerCert::V3 {
        server_ip: "127.0.0.2",
    });
    let tls = wrong_ip.tls().expect("tls member").clone();
    let endpoint = format!("--endpoints={}", wrong_ip.endpoint());
    let timeouts = ["--dial-timeout=1s", "--command-timeout=2s"];
    let both = |args: &[String]| {
        let ours = ectl().args(args).args(timeouts).args(["get", "k"]).run();
        let theirs = support::etcdctl()
            .args(args)
            .args(timeouts)
            .args(["get", "k"])
            .run();
        assert_words(&ours);
        (ours, theirs)
    };
    let cacert = format!("--cacert={}", tls.ca().display());
    let cert = format!("--cert={}", tls.client_cert().display());
    let key = format!("--key={}", tls.client_key().display());

    // A key that is not the certificate's: both refuse before dialling (exit 128).
    let other_key = format!("--key={}", tls.server_key().display());
    let (ours, theirs) = both(&[endpoint.clone(), cacert.clone(), cert.clone(), other_key]);
    assert_eq!((ours.code, theirs.code), (128, 128), "{ours:?}\n{theirs:?}");
    assert_eq!(
        ours.stderr_str(),
        format!(
            "Error: --key {} does not match --cert {}: the private key is not the one of the \
             certificate's public key\n",
            tls.server_key().display(),
            tls.client_cert().display()
        )
    );

    // A server certificate for another address: ectl names both at once (exit 2), etcdctl
    // times out (exit 1).
    let (ours, theirs) = both(&[endpoint.clone(), cacert.clone(), cert.clone(), key.clone()]);
    assert_eq!((ours.code, theirs.code), (2, 1), "{ours:?}\n{theirs:?}");
    assert!(
        ours.stderr_str().starts_with(&format!(
            "Error: {}: x509: certificate is valid for 127.0.0.2, not 127.0.0.1; the member's \
             certificate does not name the endpoint's host",
            wrong_ip.endpoint()
        )),
        "{ours:?}"
    );

    // A CA that did not sign the server's certificate.
    let unrelated = Tls::new();
    let other_ca = format!("--cacert={}", unrelated.ca().display());
    let (ours, theirs) = both(&[endpoint.clone(), other_ca, cert.clone(), key.clone()]);
    assert_eq!((ours.code, theirs.code), (2, 1), "{ours:?}\n{theirs:?}");
    assert!(
        ours.stderr_str()
            .contains(": x509: certificate signed by unknown authority; "),
        "{ours:?}"
    );
    assert!(ours.stderr_str().contains("--cacert"), "{ours:?}");

    // Missing files: Go's `open FILE: no such file or directory`, after the flag; exit 128
    // from both.
    for (flag, args) in [
        ("--cacert", [cert.clone(), key.clone()]),
        ("--cert", [cacert.clone(), key.clone()]),
        ("--key", [cacert.clone(), cert.clone()]),
    ] {
        let missing = format!("{flag}=/nonexistent/{}.pem", &flag[2..]);
        let mut all = vec![endpoint.clone(), missing];
        all.extend(args);
        let (ours, theirs) = both(&all);
        assert_eq!((ours.code, theirs.code), (128, 128), "{ours:?}\n{theirs:?}");
        assert_eq!(
            ours.stderr_str(),
            format!(
                "Error: {flag}: open /nonexistent/{}.pem: no such file or directory\n",
                &flag[2..]
            )
        );
        assert_eq!(
            theirs.stderr_str(),
            format!(
                "Error: open /nonexistent/{}.pem: no such file or directory\n",
                &flag[2..]
            )
        );
    }

    // A file that is not PEM names the flag and the file.
    let junk = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(junk.path(), "hello\n").expect("write");
    let out = ectl()
        .arg(&endpoint)
        .arg(format!("--cacert={}", junk.path().display()))
        .args(["get", "k"])
        .run();
    out.assert_code(128);
    assert_words(&out);
    assert_eq!(
        out.stderr_str(),
        format!(
            "Error: --cacert {}: no PEM certificates found (a CERTIFICATE block)\n",
            junk.path().display()
        )
    );
}

#[test]
fn the_handshake_signature_of_a_v1_server_certificate_is_checked_in_tls_1_2_and_1_3() {
    // etcd (Go) always speaks TLS 1.3 to ectl; a TLS-terminating proxy may speak only 1.2,
    // whose signature check differs. openssl's test server, with a v1 certificate, stands in.
    let tls = Tls::openssl_v1(ServerCert::V1);
    for version in ["-tls1_2", "-tls1_3"] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let _server = support::Cmd::new("openssl")
            .args(["s_server", "-quiet", "-alpn", "h2", version])
            .args(["-accept", &port.to_string(), "-cert"])
            .arg(tls.server_cert())
            .arg("-key")
            .arg(tls.server_key())
            .timeout(std::time::Duration::from_secs(60))
            .spawn();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "openssl s_server never listened"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = ectl()
            .arg(format!("--endpoints=https://127.0.0.1:{port}"))
            .arg(format!("--cacert={}", tls.ca().display()))
            .args([
                "--insecure-skip-tls-verify",
                "--dial-timeout=3s",
                "get",
                "k",
            ])
            .run();
        // The handshake went through (the server then speaks no gRPC): nothing about the
        // certificate.
        out.assert_code(2);
        assert_words(&out);
        assert!(
            out.stderr_str().contains("after the TLS handshake"),
            "{version}: {out:?}"
        );
        assert!(!out.stderr_str().contains("x509"), "{version}: {out:?}");
    }
}
