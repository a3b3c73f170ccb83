//! `ectl doctor` against real members set up to fail one way each: nothing listening, a peer
//! port, a frozen member, TLS mistakes, auth, a NOSPACE alarm, a stopped and a leaderless member.

use std::time::{Duration, Instant};

use crate::support::{Cluster, Etcd, Options, Tls, ectl};
use serde_json::Value;

/// Runs `doctor -w json` and returns its exit code and report.
fn doctor(cmd: crate::support::Cmd) -> (i32, Value) {
    let out = cmd
        .args(["--dial-timeout=3s", "-w", "json", "doctor"])
        .run();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor printed no JSON report ({e})\n{out:?}"));
    assert_eq!(report["healthy"], out.code == 0, "{out:?}");
    (out.code, report)
}

/// The checks of one endpoint: (stage, verdict, detail, fix).
fn checks(report: &Value, endpoint: &str) -> Vec<(String, String, String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["endpoint"] == endpoint)
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("stage"), s("verdict"), s("detail"), s("fix"))
        })
        .collect()
}

/// The stage that failed first for `endpoint`, with its detail and fix.
fn first_failure(report: &Value, endpoint: &str) -> (String, String, String) {
    checks(report, endpoint)
        .into_iter()
        .find(|c| c.1 == "fail")
        .map(|(stage, _, detail, fix)| (stage, detail, fix))
        .unwrap_or_else(|| panic!("no failure for {endpoint}: {report:#}"))
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn a_healthy_member_passes_every_stage_and_broken_endpoints_name_their_stage() {
    let etcd = Etcd::single();
    let (code, report) = doctor(etcd.ectl());
    assert_eq!(code, 0, "{report:#}");
    let stages: Vec<String> = checks(&report, &etcd.endpoint())
        .into_iter()
        .inspect(|c| assert_eq!(c.1, "ok", "{c:?}"))
        .map(|c| c.0)
        .collect();
    for stage in ["dns", "tcp", "protocol", "auth", "member", "clock"] {
        assert!(
            stages.iter().any(|s| s == stage),
            "{stage} missing: {stages:?}"
        );
    }

    let peer = etcd.peer_url().trim_start_matches("http://").to_string();
    let closed = format!("127.0.0.1:{}", free_port());
    let unknown = "no-such-host.invalid:2379";
    let out = ectl()
        .arg(format!(
            "--endpoints={},{peer},{closed},{unknown}",
            etcd.endpoint()
        ))
        .args(["--dial-timeout=3s", "doctor"])
        .run();
    out.assert_code(1);
    assert!(
        out.stderr_str().contains("Error: doctor found 3 problems"),
        "{out:?}"
    );
    // Piped: one tab-separated line per check.
    let lines = out.stdout_str();
    assert!(
        lines.contains(&format!(
            "{peer}\tprotocol\tFAIL\tthis is an etcd peer port"
        )),
        "{lines}"
    );
    assert!(
        lines.contains(&format!("use a client URL instead: {}", etcd.client_url())),
        "{lines}"
    );
    assert!(
        lines.contains(&format!("{closed}\ttcp\tFAIL\tconnection refused")),
        "{lines}"
    );
    assert!(
        lines.contains(&format!("{unknown}\tdns\tFAIL\tcannot resolve")),
        "{lines}"
    );
    // The failed endpoints stop at their failing stage.
    assert!(!lines.contains(&format!("{closed}\tprotocol")), "{lines}");

    etcd.freeze();
    let (code, report) = doctor(etcd.ectl());
    etcd.thaw();
    assert_eq!(code, 1);
    let (stage, detail, fix) = first_failure(&report, &etcd.endpoint());
    assert_eq!(stage, "protocol");
    assert!(detail.contains("sent nothing"), "{detail}");
    assert!(fix.contains("frozen"), "{fix}");
}

#[test]
fn tls_mistakes_are_named() {
    let tls = Tls::new();
    let etcd = Etcd::start(Options {
        tls: Some(tls.clone()),
        ..Options::default()
    });
    let endpoint = etcd.endpoint();
    let (code, report) = doctor(etcd.ectl());
    assert_eq!(code, 0, "{report:#}");
    let tls_row = checks(&report, &endpoint)
        .into_iter()
        .find(|c| c.0 == "tls")
        .expect("tls row");
    assert!(tls_row.2.contains("127.0.0.1, localhost"), "{tls_row:?}");
    assert!(
        tls_row.2.contains("client certificate accepted"),
        "{tls_row:?}"
    );

    let run = |flags: Vec<String>| {
        let (code, report) = doctor(ectl().arg(format!("--endpoints={endpoint}")).args(flags));
        assert_eq!(code, 1, "{report:#}");
        first_failure(&report, &endpoint)
    };
    let ca = |p: std::path::PathBuf| format!("--cacert={}", p.display());
    let cert = |p: std::path::PathBuf| format!("--cert={}", p.display());
    let key = |p: std::path::PathBuf| format!("--key={}", p.display());

    let (stage, detail, _) = run(vec![
        ca(tls.other_ca()),
        cert(tls.client_cert()),
        key(tls.client_key()),
    ]);
    assert_eq!(stage, "tls");
    assert!(
        detail.contains("not signed by the CA in --cacert"),
        "{detail}"
    );

    let (stage, detail, fix) = run(vec![ca(tls.ca())]);
    assert_eq!(stage, "tls");
    assert!(detail.contains("requires a client certificate"), "{detail}");
    assert!(fix.contains("--cert and --key"), "{fix}");

    let (stage, detail, _) = run(vec![
        ca(tls.ca()),
        cert(tls.other_client_cert()),
        key(tls.other_client_key()),
    ]);
    assert_eq!(stage, "tls");
    assert!(
        detail.contains("refused the client certificate"),
        "{detail}"
    );

    // A plain client on the TLS port.
    let (stage, _, fix) = run(vec![]);
    assert_eq!(stage, "protocol");
    assert!(fix.contains("https://"), "{fix}");
}

#[test]
fn auth_problems_and_a_nospace_alarm() {
    let etcd = Etcd::start(Options {
        extra_args: vec!["--quota-backend-bytes=200000".into()],
        ..Options::default()
    });
    etcd.enable_auth("secret");
    let (_, report) = doctor(etcd.ectl());
    let (stage, detail, _) = first_failure(&report, &etcd.endpoint());
    assert_eq!(stage, "auth");
    assert!(detail.contains("no user was given"), "{detail}");
    let (_, report) = doctor(etcd.ectl().arg("--user=root:wrong"));
    let (stage, detail, _) = first_failure(&report, &etcd.endpoint());
    assert_eq!(stage, "auth");
    assert!(
        detail.contains("unknown or the password is wrong"),
        "{detail}"
    );
    let root = || etcd.ectl().arg("--user=root:secret");
    let (code, report) = doctor(root());
    assert_eq!(code, 0, "{report:#}");
    let auth = checks(&report, &etcd.endpoint())
        .into_iter()
        .find(|c| c.0 == "auth")
        .expect("auth row");
    assert!(
        auth.2.contains("authenticated as root; simple token"),
        "{auth:?}"
    );

    // Fill the tiny quota until etcd raises NOSPACE.
    let value = "x".repeat(60_000);
    let deadline = Instant::now() + Duration::from_secs(20);
    for i in 0.. {
        let out = root().args(["put", &format!("k{i}"), &value]).run();
        if out.stderr_str().contains("database space exceeded") {
            break;
        }
        out.assert_ok();
        assert!(Instant::now() < deadline, "no NOSPACE alarm");
    }
    let (code, report) = doctor(root());
    assert_eq!(code, 1);
    let (stage, detail, fix) = first_failure(&report, &etcd.endpoint());
    assert_eq!(
        (stage.as_str(), detail.contains("NOSPACE")),
        ("member", true),
        "{detail}"
    );
    assert!(fix.contains("alarm disarm"), "{fix}");
    // The flag tells doctor the quota etcd 3.4 does not report (NOSPACE can come before the
    // DB itself reaches the quota, so a quota below its size shows the check).
    let out = root()
        .args(["-w", "json", "doctor", "--quota-backend-bytes=50000"])
        .run();
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let quota = checks(&report, &etcd.endpoint())
        .into_iter()
        .find(|c| c.2.starts_with("DB "))
        .expect("DB row");
    assert_eq!(quota.1, "fail", "{quota:?}");
}

#[test]
fn a_stopped_member_and_a_member_without_leader() {
    let cluster = Cluster::new();
    let (code, report) = doctor(cluster.ectl());
    assert_eq!(code, 0, "{report:#}");
    let (_, verdict, detail, _) = &checks(&report, "cluster")[0];
    assert_eq!(verdict, "ok");
    assert!(
        detail.starts_with("3 members agree on the leader"),
        "{detail}"
    );

    cluster[2].kill();
    let (code, report) = doctor(cluster.ectl());
    assert_eq!(code, 1);
    let (stage, detail, _) = first_failure(&report, &cluster[2].endpoint());
    assert_eq!(stage, "tcp");
    assert!(detail.contains("connection refused"), "{detail}");
    for i in [0, 1] {
        assert!(
            checks(&report, &cluster[i].endpoint())
                .iter()
                .all(|c| c.1 == "ok"),
            "{report:#}"
        );
    }

    // With a second member frozen the last one loses its quorum, and soon its leader.
    cluster[1].freeze();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (code, report) = doctor(ectl().arg(format!("--endpoints={}", cluster[0].endpoint())));
        let failure = checks(&report, &cluster[0].endpoint())
            .into_iter()
            .find(|c| c.1 == "fail");
        if let Some((stage, _, detail, _)) = failure
            && detail.contains("no leader")
        {
            assert_eq!((code, stage.as_str()), (1, "member"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no leaderless report: {report:#}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    cluster[1].thaw();
}

/// What `doctor` shows at a bash prompt `columns` wide (tmux joins the lines the terminal
/// wrapped, so a line longer than the terminal shows up whole), the command line left out.
fn doctor_screen(columns: u16, endpoints: &str, flags: &str) -> Vec<String> {
    use crate::support::pty::{PROMPT, Shell, ShellKind};
    // The endpoints in the environment keep the command line within the narrow terminal.
    let setup = format!("export ETCDCTL_ENDPOINTS={endpoints}");
    let shell = Shell::start_sized(ShellKind::Bash, &setup, columns);
    let screen = shell.run(&format!("ectl {flags} doctor"));
    screen
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with(PROMPT.trim_end()))
        .map(str::to_string)
        .collect()
}

#[test]
fn on_a_terminal_each_endpoint_is_one_left_aligned_block_that_fits_the_width() {
    let etcd = Etcd::single();
    // Port 1, where nothing listens: a free port could be taken by a member another test starts.
    let dead = "127.0.0.1:1".to_string();
    let endpoints = format!("{},{dead}", etcd.endpoint());
    for columns in [80u16, 120] {
        let lines = doctor_screen(columns, &endpoints, "--dial-timeout=3s");
        let text = lines.join("\n");
        for line in &lines {
            assert!(
                line.chars().count() <= columns as usize,
                "{columns} columns: {line:?}\n{text}"
            );
        }
        // A block per endpoint: its name alone on a line, then its checks, left-aligned.
        let at = |name: &str| lines.iter().position(|l| l == name);
        let (live, down) = (at(&etcd.endpoint()), at(&dead));
        assert!(live.is_some() && down.is_some(), "{text}");
        assert!(lines.iter().any(|l| l.starts_with("  ok    tcp")), "{text}");
        assert!(lines.iter().any(|l| l.starts_with("  FAIL  tcp")), "{text}");
        // Words stay whole: the refusal reads as words, and the fix starts a line of its own.
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(words.contains(&"refused"), "{text}");
        assert!(
            lines.iter().any(|l| l.trim_start().starts_with("fix: ")),
            "{text}"
        );
    }

    // `-w table` fits the terminal too.
    let lines = doctor_screen(80, &endpoints, "--dial-timeout=3s -w table");
    let text = lines.join("\n");
    assert!(text.contains("ENDPOINT"), "{text}");
    for line in &lines {
        assert!(line.chars().count() <= 80, "{line:?}\n{text}");
    }

    // JSON is what it was, terminal or not.
    let (_, report) = doctor(ectl().arg(format!("--endpoints={endpoints}")));
    assert_eq!(first_failure(&report, &dead).0, "tcp");
}
