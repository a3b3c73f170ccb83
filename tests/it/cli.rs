//! Global flags and the environment, compared with the reference etcdctl 3.4.23 where both can
//! run (see `common`): every `ETCDCTL_*` twin, Go durations and booleans, output formats,
//! abbreviated and unknown commands, help, TLS and authentication settings. The behaviours that
//! differ on purpose (docs/differences.md) are asserted as such, and the ones only
//! ectl has (quiet broken pipe, all endpoints down) are checked on ectl alone.

use crate::support;

use std::io::Read;
use std::process::{Command, Stdio};

use crate::differential::{Case, Mode, Pair, case};
use support::{Etcd, Options, Tls, ectl};

/// Reads on a small fixed keyspace, under every way of passing a global setting.
#[test]
fn global_flags_and_environment_match_etcdctl() {
    let pair = Pair::start();
    pair.setup(&[b"put", b"foo", b"bar"]);
    pair.setup(&[b"put", b"k\xff", b"v\x01"]);
    let mut cases: Vec<Case> = Vec::new();

    // Endpoints.
    cases.extend([
        case("endpoints from the environment", &["get", "foo"]).endpoints_in_env(),
        case("endpoints with a scheme (e2e)", &["get", "foo"])
            .endpoints_flag("--endpoints=http://{}"),
        case("endpoints with spaces", &["get", "foo"]).endpoints_flag("--endpoints= {} "),
        case("endpoints listed twice", &["get", "foo"]).endpoints_flag("--endpoints={},{}"),
        case("endpoints flag repeated", &["get", "foo"])
            .endpoints_flag("--endpoints={}")
            .endpoints_flag("--endpoints={}"),
        case("endpoints after the command", &["get", "foo"])
            .no_endpoints()
            .endpoints_flag("--endpoints={}"),
        case("a dead endpoint first", &["get", "foo"]).endpoints_flag("--endpoints=127.0.0.1:1,{}"),
        case("endpoints flag with a space", &["get", "foo"])
            .endpoints_flag("--endpoints")
            .endpoints_flag("{}"),
    ]);

    // Output format and hex, as flags and as variables.
    for format in ["simple", "json", "fields", "protobuf"] {
        cases.push(
            case(&format!("ETCDCTL_WRITE_OUT={format}"), &["get", "foo"])
                .env("ETCDCTL_WRITE_OUT", format),
        );
        cases.push(case(
            &format!("-w {format} after the key"),
            &["get", "foo", "-w", format],
        ));
    }
    cases.extend([
        case("ETCDCTL_WRITE_OUT=table", &["get", "foo"]).env("ETCDCTL_WRITE_OUT", "table"),
        case("ETCDCTL_WRITE_OUT=bogus", &["get", "foo"]).env("ETCDCTL_WRITE_OUT", "bogus"),
        case("ETCDCTL_WRITE_OUT empty is ignored", &["get", "foo"]).env("ETCDCTL_WRITE_OUT", ""),
        case("-w bogus", &["-w", "bogus", "get", "foo"]),
        case("-w bogus put: arguments first", &["-w", "bogus", "put"]),
        case("-w bogus get: arguments first", &["-w", "bogus", "get"]),
        case(
            "-w bogus del: arguments first",
            &["-w", "bogus", "del", "a", "b", "c"],
        ),
        case(
            "-w bogus compaction: arguments first",
            &["-w", "bogus", "compaction", "x"],
        ),
        case("-w upper-case is unknown", &["-w", "JSON", "get", "foo"]),
        case("ETCDCTL_HEX=true", &["get", "", "--from-key"]).env("ETCDCTL_HEX", "true"),
        case("ETCDCTL_HEX=1", &["get", "", "--from-key"]).env("ETCDCTL_HEX", "1"),
        case("ETCDCTL_HEX=false", &["get", "", "--from-key"]).env("ETCDCTL_HEX", "false"),
        case("ETCDCTL_HEX=yes is ignored", &["get", "", "--from-key"]).env("ETCDCTL_HEX", "yes"),
        case("ETCDCTL_HEX empty is ignored", &["get", "", "--from-key"]).env("ETCDCTL_HEX", ""),
        case("--hex=t", &["--hex=t", "get", "", "--from-key"]),
        case("--hex=F", &["--hex=F", "get", "", "--from-key"]),
        case("--hex=TRUE", &["--hex=TRUE", "get", "", "--from-key"]),
        case(
            "--hex twice, last wins",
            &["--hex", "--hex=false", "get", "foo"],
        ),
    ]);

    // Durations: Go syntax, as flags and as variables.
    // Not below a millisecond: etcdctl's dial then fails (exit 2) before it starts.
    for d in [
        "1m30s", "500ms", "1.5s", "0s", "0", "-1s", "+3s", "1h", "2s500ms", ".005s",
    ] {
        cases.push(case(
            &format!("--dial-timeout={d}"),
            &[&format!("--dial-timeout={d}"), "get", "foo"],
        ));
        cases.push(
            case(&format!("ETCDCTL_DIAL_TIMEOUT={d}"), &["get", "foo"])
                .env("ETCDCTL_DIAL_TIMEOUT", d),
        );
    }
    for d in ["10s", "1m", "0s", "-1s"] {
        cases.push(case(
            &format!("--command-timeout={d}"),
            &[&format!("--command-timeout={d}"), "get", "foo"],
        ));
        cases.push(
            case(&format!("ETCDCTL_COMMAND_TIMEOUT={d}"), &["get", "foo"])
                .env("ETCDCTL_COMMAND_TIMEOUT", d),
        );
    }
    // etcdctl's `compaction` reads ETCDCTL_COMMAND_TIMEOUT; get, put and del never do.
    for d in ["0s", "-1s", "10s"] {
        cases.push(
            case(
                &format!("ETCDCTL_COMMAND_TIMEOUT={d} compaction"),
                &["compaction", "1"],
            )
            .env("ETCDCTL_COMMAND_TIMEOUT", d),
        );
        cases.push(
            case(
                &format!("ETCDCTL_COMMAND_TIMEOUT={d} put"),
                &["put", "k", "v"],
            )
            .env("ETCDCTL_COMMAND_TIMEOUT", d),
        );
        cases.push(
            case(
                &format!("ETCDCTL_COMMAND_TIMEOUT={d} del"),
                &["del", "nothing"],
            )
            .env("ETCDCTL_COMMAND_TIMEOUT", d),
        );
    }
    for d in ["10s", "0s", "-1s", "3µs"] {
        cases.push(case(
            &format!("--keepalive-time={d}"),
            &[&format!("--keepalive-time={d}"), "get", "foo"],
        ));
        cases.push(case(
            &format!("--keepalive-timeout={d}"),
            &[&format!("--keepalive-timeout={d}"), "get", "foo"],
        ));
    }
    cases.extend([
        case("ETCDCTL_KEEPALIVE_TIME", &["get", "foo"]).env("ETCDCTL_KEEPALIVE_TIME", "30s"),
        case("ETCDCTL_KEEPALIVE_TIMEOUT", &["get", "foo"]).env("ETCDCTL_KEEPALIVE_TIMEOUT", "30s"),
        case(
            "dial timeout as a separate argument",
            &["--dial-timeout", "3s", "get", "foo"],
        ),
        case("ETCDCTL_DIAL_TIMEOUT=bogus is ignored", &["get", "foo"])
            .env("ETCDCTL_DIAL_TIMEOUT", "bogus"),
        case("ETCDCTL_DIAL_TIMEOUT=2 is ignored", &["get", "foo"]).env("ETCDCTL_DIAL_TIMEOUT", "2"),
        case("ETCDCTL_DIAL_TIMEOUT empty is ignored", &["get", "foo"])
            .env("ETCDCTL_DIAL_TIMEOUT", ""),
        case("ETCDCTL_COMMAND_TIMEOUT=bogus is ignored", &["get", "foo"])
            .env("ETCDCTL_COMMAND_TIMEOUT", "5"),
        case(
            "--dial-timeout without a unit",
            &["--dial-timeout=2", "get", "foo"],
        )
        .usage_error(),
        case(
            "--dial-timeout bogus",
            &["--dial-timeout=bogus", "get", "foo"],
        )
        .usage_error(),
        case("--dial-timeout empty", &["--dial-timeout=", "get", "foo"]).usage_error(),
        case(
            "--command-timeout upper-case unit",
            &["--command-timeout=1S", "get", "foo"],
        )
        .usage_error(),
        case(
            "--keepalive-time too long",
            &["--keepalive-time=3000000h", "get", "foo"],
        )
        .usage_error(),
    ]);

    // Security and discovery flags that parse without changing a plain connection.
    cases.extend([
        case(
            "--insecure-transport",
            &["--insecure-transport", "get", "foo"],
        ),
        case(
            "--insecure-transport=true",
            &["--insecure-transport=true", "get", "foo"],
        ),
        case("ETCDCTL_INSECURE_TRANSPORT=true", &["get", "foo"])
            .env("ETCDCTL_INSECURE_TRANSPORT", "true"),
        case(
            "--insecure-skip-tls-verify=false",
            &["--insecure-skip-tls-verify=false", "get", "foo"],
        ),
        case(
            "--insecure-skip-tls-verify",
            &["--insecure-skip-tls-verify", "get", "foo"],
        ),
        case("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", &["get", "foo"])
            .env("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "true"),
        case(
            "--insecure-discovery=false",
            &["--insecure-discovery=false", "get", "foo"],
        ),
        case("ETCDCTL_INSECURE_DISCOVERY=false", &["get", "foo"])
            .env("ETCDCTL_INSECURE_DISCOVERY", "false"),
        case("--debug=false", &["--debug=false", "get", "foo"]),
        case("ETCDCTL_DEBUG=false", &["get", "foo"]).env("ETCDCTL_DEBUG", "false"),
        case("--debug", &["--debug", "get", "foo"])
            .documented("debug traces on stderr are each tool's own", 0, 0)
            .ectl_stdout(b"foo\nbar\n"),
        case("no endpoint at all", &["--endpoints=", "get", "foo"]).no_endpoints(),
        case(
            "-w table fails before the request",
            &["-w", "table", "get", "foo", "--rev=1000"],
        )
        .documented(
            "ectl refuses the format before sending; etcdctl reports the request's error",
            1,
            4,
        ),
        case(
            "--discovery-srv-name alone",
            &["--discovery-srv-name=x", "get", "foo"],
        ),
        case("ETCDCTL_CERT empty is ignored", &["get", "foo"]).env("ETCDCTL_CERT", ""),
        case("ETCDCTL_USER empty is ignored", &["get", "foo"]).env("ETCDCTL_USER", ""),
        case("--cert empty", &["--cert=", "get", "foo"]),
        case("--key empty", &["--key=", "get", "foo"]),
        case("--cacert empty", &["--cacert=", "get", "foo"]),
        case(
            "--cacert missing",
            &["--cacert=/nonexistent/ca.pem", "get", "foo"],
        )
        .message_differs(),
        case(
            "--insecure-transport=maybe",
            &["--insecure-transport=maybe", "get", "foo"],
        )
        .usage_error(),
    ]);

    // ETCDCTL_API and stray variables.
    cases.extend([
        case("ETCDCTL_API=3", &["get", "foo"]).env("ETCDCTL_API", "3"),
        case("ETCDCTL_API empty", &["get", "foo"]).env("ETCDCTL_API", ""),
        case("ETCDCTL_API=4", &["get", "foo"]).env("ETCDCTL_API", "4"),
        case("an unknown ETCDCTL_ variable is harmless", &["get", "foo"]).env("ETCDCTL_BOGUS", "1"),
        case("ETCDCTL_WATCH_KEY is harmless", &["get", "foo"]).env("ETCDCTL_WATCH_KEY", "x"),
    ]);

    // A flag and its twin both set: etcdctl refuses, the flag wins in ectl (documented).
    const CONFLICT: &str = "a flag and its ETCDCTL_ twin both set: ectl lets the flag win";
    cases.extend([
        case(
            "flag beats ETCDCTL_WRITE_OUT",
            &["-w", "simple", "get", "foo"],
        )
        .env("ETCDCTL_WRITE_OUT", "json")
        .documented(CONFLICT, 1, 0)
        .ectl_stdout(b"foo\nbar\n"),
        case("flag beats ETCDCTL_ENDPOINTS", &["get", "foo"])
            .env("ETCDCTL_ENDPOINTS", "127.0.0.1:1")
            .documented(CONFLICT, 1, 0)
            .ectl_stdout(b"foo\nbar\n"),
        case("flag beats ETCDCTL_HEX", &["--hex=false", "get", "foo"])
            .env("ETCDCTL_HEX", "true")
            .documented(CONFLICT, 1, 0)
            .ectl_stdout(b"foo\nbar\n"),
        case(
            "flag beats an empty twin",
            &["--dial-timeout=3s", "get", "foo"],
        )
        .env("ETCDCTL_DIAL_TIMEOUT", "")
        .documented(CONFLICT, 1, 0)
        .ectl_stdout(b"foo\nbar\n"),
    ]);

    // `version` reads no global setting at all.
    cases.extend([
        case("version", &["version"]),
        case("version -w json", &["-w", "json", "version"]),
        case("version -w bogus", &["-w", "bogus", "version"]),
        case("version with ETCDCTL_WRITE_OUT=bogus", &["version"])
            .env("ETCDCTL_WRITE_OUT", "bogus"),
        case(
            "version with a user and no password",
            &["--user=root", "version"],
        ),
        case("version with --hex", &["--hex", "version"]),
        case("version with extra arguments", &["version", "a", "b"]),
        case("version abbreviated ver", &["ver"]),
        case("version abbreviated v", &["v"]),
        case(
            "version with a bad global flag",
            &["--dial-timeout=x", "version"],
        )
        .usage_error(),
        case("version with an unknown flag", &["version", "--short"]).usage_error(),
    ]);

    // Commands: abbreviations (cobra's prefix matching), unknown and ambiguous names.
    cases.extend([
        case("get abbreviated ge", &["ge", "foo"]),
        case("put abbreviated pu", &["pu", "k2", "v2"]),
        case("compaction abbreviated compa", &["compa", "1"]),
        case("compaction abbreviated compact (e2e)", &["compact", "1"]),
        case("unknown command", &["fetch", "foo"]).usage_error(),
        case("upper-case command", &["GET", "foo"]).usage_error(),
        case("ambiguous c", &["c", "1"]).usage_error(),
        case("ambiguous co", &["co", "1"]).usage_error(),
        case("ambiguous com", &["com", "1"]).usage_error(),
        case("ambiguous comp", &["comp", "1"]).usage_error(),
        case("ambiguous d", &["d", "foo"]).usage_error(),
        case("ambiguous de", &["de", "foo"]).usage_error(),
        case("ambiguous e", &["e", "foo"]).usage_error(),
        case("ambiguous m", &["m", "list"]).usage_error(),
        case("unknown global flag", &["--bogus", "get", "foo"]).usage_error(),
        case("unknown short flag", &["-x", "get", "foo"]).usage_error(),
        case(
            "global flag without its value",
            &["get", "foo", "--endpoints"],
        )
        .usage_error(),
    ]);

    // Help: both succeed; the layouts differ (ectl's is clap's), the flags and defaults not.
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["help", "get"],
        &["get", "--help"],
        &["put", "-h"],
        &["compaction", "--help"],
        &["--endpoints=x", "del", "--help"],
    ] {
        cases.push(
            case(&format!("help: {}", args.join(" ")), args)
                .no_endpoints()
                .help(),
        );
    }
    cases.push(case("no command at all", &[]).no_endpoints().help());

    pair.run(cases, Mode::Sequential);
}

/// The help texts differ, but both go to stdout and mention every command ectl has.
#[test]
fn help_goes_to_stdout() {
    for args in [&[][..], &["--help"], &["help"]] {
        let out = ectl().args(args).run();
        out.assert_ok();
        assert!(out.stderr.is_empty(), "{out:?}");
        for command in ["get", "put", "del", "txn", "compaction", "version"] {
            assert!(out.stdout_str().contains(command), "{command}: {out:?}");
        }
    }
    let out = ectl().args(["get", "--help"]).run();
    out.assert_ok();
    for flag in [
        "--prefix",
        "--from-key",
        "--limit",
        "--rev",
        "--endpoints",
        "--write-out",
    ] {
        assert!(out.stdout_str().contains(flag), "{flag}: {out:?}");
    }
}

/// User and password from flags and variables against a member with authentication on.
#[test]
fn credentials_match_etcdctl() {
    let pair = Pair::start().dumping_as("root:pw");
    pair.setup(&[b"put", b"foo", b"bar"]);
    pair.reference.enable_auth("pw");
    pair.ours.enable_auth("pw");
    // e2e's auth tests: a user whose role may read and write [k1, k3) only.
    for step in [
        &[&b"--user=root:pw"[..], b"role", b"add", b"r"][..],
        &[
            b"--user=root:pw",
            b"role",
            b"grant-permission",
            b"r",
            b"readwrite",
            b"k1",
            b"k3",
        ],
        &[b"--user=root:pw", b"user", b"add", b"test:tpw"],
        &[b"--user=root:pw", b"user", b"grant-role", b"test", b"r"],
    ] {
        pair.setup(step);
    }
    let test = |name: &str, args: &[&str]| {
        let mut all = vec!["--user=test:tpw"];
        all.extend_from_slice(args);
        case(name, &all)
    };
    let cases = vec![
        test("permitted put", &["put", "k1", "v1"]),
        test("permitted get", &["get", "k1"]),
        test("permitted range", &["get", "k1", "k3"]),
        test("permitted del", &["del", "k2"]),
        test("put outside the role", &["put", "foo", "x"]),
        test("get outside the role", &["get", "foo"]),
        test("prefix wider than the role", &["get", "k", "--prefix"]),
        test("del outside the role", &["del", "foo"]),
        test("compaction needs root", &["compaction", "1"]),
        case(
            "root may read everything",
            &["--user=root:pw", "get", "", "--from-key"],
        ),
        case("--user name:password", &["--user=root:pw", "get", "foo"]),
        case(
            "--user and --password",
            &["--user", "root", "--password", "pw", "get", "foo"],
        ),
        case("ETCDCTL_USER name:password", &["get", "foo"]).env("ETCDCTL_USER", "root:pw"),
        case("ETCDCTL_USER and ETCDCTL_PASSWORD", &["get", "foo"])
            .env("ETCDCTL_USER", "root")
            .env("ETCDCTL_PASSWORD", "pw"),
        case(
            "--user and ETCDCTL_PASSWORD",
            &["--user=root", "put", "k", "v"],
        )
        .env("ETCDCTL_PASSWORD", "pw"),
        case("password with a colon", &["--user=root:pw:x", "get", "foo"]),
        case(
            "--password makes all of --user the name",
            &["--user=root:wrong", "--password=pw", "get", "foo"],
        ),
        case("no user", &["get", "foo"]),
        case("wrong password", &["--user=root:nope", "get", "foo"]),
        case("unknown user", &["--user=nobody:pw", "get", "foo"]),
        case(
            "empty password means no authentication",
            &["--user=root:", "get", "foo"],
        ),
        case("password from stdin", &["--user=root", "get", "foo"]).stdin(b"pw\n"),
        case(
            "no prompt when the arguments are wrong",
            &["--user=root", "get"],
        )
        .stdin(b"pw\n"),
        case("password from empty stdin", &["--user=root", "get", "foo"]).stdin(b""),
    ];
    pair.run(cases, Mode::Sequential);
}

/// TLS settings from flags and variables against members that require client certificates.
#[test]
fn tls_settings_match_etcdctl() {
    let pair = Pair::start_with(Options {
        tls: Some(Tls::new()),
        ..Options::default()
    });
    pair.setup(&[b"put", b"foo", b"bar"]);
    let tls = pair.reference.tls().expect("TLS member").clone();
    let path = |p: std::path::PathBuf| p.display().to_string();
    let (ca, cert, key) = (
        path(tls.ca()),
        path(tls.client_cert()),
        path(tls.client_key()),
    );
    let flag = |name: &str, value: &str| format!("--{name}={value}");
    let with_env = |c: Case| {
        c.endpoints_in_env()
            .env("ETCDCTL_CACERT", &ca)
            .env("ETCDCTL_CERT", &cert)
            .env("ETCDCTL_KEY", &key)
    };
    let cases = vec![
        case("client certificate flags", &["get", "foo"]),
        // e2e TestCtlV3PutClientTLSFlagByEnv: every setting from the environment.
        with_env(case(
            "e2e put, flags by environment",
            &["put", "foo", "bar"],
        ))
        .env("ETCDCTL_DIAL_TIMEOUT", "7s"),
        with_env(case("e2e get, flags by environment", &["get", "foo"]))
            .env("ETCDCTL_DIAL_TIMEOUT", "7s"),
        // e2e TestCtlV3DialWithHTTPScheme.
        case("https scheme", &["put", "foo", "bar"])
            .endpoints_flag("--endpoints=https://{}")
            .endpoints_flag(&flag("cacert", &ca))
            .endpoints_flag(&flag("cert", &cert))
            .endpoints_flag(&flag("key", &key)),
        case("skip verification instead of a CA", &["get", "foo"])
            .endpoints_flag("--endpoints={}")
            .endpoints_flag("--insecure-skip-tls-verify")
            .endpoints_flag(&flag("cert", &cert))
            .endpoints_flag(&flag("key", &key)),
        case(
            "insecure-transport=false and skip verification",
            &["get", "foo"],
        )
        .endpoints_flag("--endpoints={}")
        .endpoints_flag("--insecure-transport=false")
        .endpoints_flag("--insecure-skip-tls-verify=true")
        .endpoints_flag(&flag("cert", &cert))
        .endpoints_flag(&flag("key", &key)),
        case("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", &["get", "foo"])
            .endpoints_in_env()
            .env("ETCDCTL_INSECURE_SKIP_TLS_VERIFY", "true")
            .env("ETCDCTL_CERT", &cert)
            .env("ETCDCTL_KEY", &key),
        case("certificate without its key", &["get", "foo"])
            .endpoints_flag("--endpoints={}")
            .endpoints_flag(&flag("cacert", &ca))
            .endpoints_flag(&flag("cert", &cert))
            .message_differs(),
        case("key without its certificate", &["get", "foo"])
            .endpoints_flag("--endpoints={}")
            .endpoints_flag(&flag("cacert", &ca))
            .endpoints_flag(&flag("key", &key))
            .message_differs(),
        case("the other CA's client certificate", &["get", "foo"])
            .endpoints_flag("--endpoints={}")
            .endpoints_flag("--command-timeout=1s")
            .endpoints_flag(&flag("cacert", &ca))
            .endpoints_flag(&flag("cert", &path(tls.other_client_cert())))
            .endpoints_flag(&flag("key", &path(tls.other_client_key())))
            .documented(
                "the member refuses the certificate: ectl exits 2 at once, etcdctl 1 after the \
                 command timeout",
                1,
                2,
            ),
        case("plain text to a TLS member", &["get", "foo"])
            .endpoints_flag("--endpoints={}")
            .endpoints_flag("--command-timeout=1s")
            .documented(
                "no connection: ectl exits 2 at once, etcdctl 1 after the command timeout",
                1,
                2,
            ),
    ];
    pair.run(cases, Mode::Sequential);
}

/// Every endpoint down: ectl fails at once with each endpoint's cause and exit 2; etcdctl waits
/// for the command timeout and exits 1 (documented).
#[test]
fn all_endpoints_down_fail_fast_naming_each() {
    let out = ectl()
        .args([
            "--endpoints=127.0.0.1:1,127.0.0.1:2",
            "--debug",
            "get",
            "foo",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stdout.is_empty(), "{out:?}");
    // At once: each endpoint refused, no timeout or retry round waited for (the trace says).
    out.assert_refused_without_waiting();
    let stderr = out.stderr_untraced();
    assert!(stderr.starts_with("Error: "), "{out:?}");
    for endpoint in ["127.0.0.1:1", "127.0.0.1:2"] {
        assert!(stderr.contains(endpoint), "{endpoint}: {out:?}");
    }

    let reference = support::etcdctl()
        .args([
            "--endpoints=127.0.0.1:1",
            "--command-timeout=1s",
            "get",
            "foo",
        ])
        .run();
    reference.assert_code(1);
    assert!(
        reference
            .stderr_str()
            .contains("Error: context deadline exceeded"),
        "{reference:?}"
    );
}

/// `ETCDCTL_API=2` picks the v2 client, as in etcdctl (tests/v2.rs compares it with etcdctl).
#[test]
fn api_v2_runs_the_v2_client() {
    let out = ectl().env("ETCDCTL_API", "2").arg("--version").run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        "etcdctl version: 3.4.23\nAPI version: 2\n"
    );
}

/// A reader that goes away early (`ectl get --prefix '' | head -c1`) is a quiet success.
#[test]
fn broken_pipe_exits_zero_quietly() {
    let etcd = Etcd::single();
    // Bigger than a pipe buffer, so the write fails however late the reader goes away.
    let big = vec![b'x'; 256 * 1024];
    for key in ["a", "b"] {
        etcd.etcdctl()
            .args(["put", key])
            .stdin(big.clone())
            .run()
            .assert_ok();
    }
    for format in ["simple", "json", "protobuf"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ectl"))
            .env_clear()
            .args([
                &format!("--endpoints={}", etcd.endpoint()),
                "-w",
                format,
                "get",
                "--prefix",
                "",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ectl");
        let mut first = [0u8; 1];
        let mut stdout = child.stdout.take().expect("piped stdout");
        // Read one byte (as `head -c1` does), then close the pipe.
        stdout.read_exact(&mut first).expect("a first byte");
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("piped stderr")
            .read_to_string(&mut stderr)
            .expect("read stderr");
        let status = child.wait().expect("wait for ectl");
        assert_eq!(status.code(), Some(0), "-w {format}: stderr {stderr:?}");
        assert_eq!(stderr, "", "-w {format}");
    }
}

/// etcdctl warns of an `ETCDCTL_*` variable no flag reads, or one set empty, when it builds its
/// client (not for `version` or `snapshot status`, which have none), in etcd's log format.
#[test]
fn unrecognized_etcdctl_variables_are_warned_of_as_etcdctl_does() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "k", "v"]).run().assert_ok();
    type Vars = &'static [(&'static str, &'static str)];
    let cases: [(Vars, &[&str]); 7] = [
        (&[("ETCDCTL_FOO", "bar")], &["get", "k"]),
        (&[("ETCDCTL_HEX", "")], &["get", "k"]),
        (&[("ETCDCTL_WATCH_KEY", "k")], &["get", "k"]),
        (
            &[("ETCDCTL_FOO", "1"), ("ETCDCTL_BAR", "2")],
            &["put", "k", "w"],
        ),
        (
            &[("ETCDCTL_HEX", "true"), ("ETCDCTL_API", "3")],
            &["get", "k"],
        ),
        (&[("ETCDCTL_FOO", "1")], &["version"]),
        (
            &[("ETCDCTL_FOO", "1")],
            &["snapshot", "status", "/nonexistent"],
        ),
    ];
    for (vars, args) in cases {
        let with_vars = |mut cmd: support::Cmd| {
            for (name, value) in vars {
                cmd = cmd.env(name, value);
            }
            cmd.args(args).run()
        };
        let theirs = with_vars(etcd.etcdctl());
        let ours = with_vars(etcd.ectl());
        support::assert_same_as_etcdctl(&theirs, &ours, &format!("{vars:?} {args:?}"));
    }
    let warned = etcd
        .ectl()
        .env("ETCDCTL_FOO", "bar")
        .args(["get", "k"])
        .run();
    assert!(
        warned
            .stderr_str()
            .ends_with(" W | pkg/flags: unrecognized environment variable ETCDCTL_FOO=bar\n"),
        "{warned:?}"
    );
}
