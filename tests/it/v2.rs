//! `ETCDCTL_API=2` differential tests: the reference etcdctl 3.4.23 and ectl run the same v2
//! command, each against its own etcd member (started with `--enable-v2=true`) holding the same
//! v2 history, and must print the same stdout and stderr bytes and exit with the same code.
//!
//! Only what necessarily differs between the two members is normalised: their ports and member
//! IDs, and `expiration` timestamps (wall-clock times). After every case both v2 keyspaces are
//! dumped (`-o json ls --sort -r /`) and compared, so a write that printed the right thing but
//! stored the wrong one fails too. Cases run one after another on one history per test; the
//! flows of etcd's own tests/e2e/ctl_v2_test.go are among them.

use crate::support;

use std::thread::sleep;
use std::time::Duration;

use support::{Cluster, Cmd, Etcd, Options, Tls, ectl, etcdctl};

fn v2_options(tls: Option<Tls>) -> Options {
    Options {
        tls,
        extra_args: vec!["--enable-v2=true".into()],
        ..Options::default()
    }
}

/// `base` in v2 mode against `etcd` (plus the v2 TLS flags for a TLS member).
fn v2(base: Cmd, etcd: &Etcd) -> Cmd {
    let mut cmd = base
        .env("ETCDCTL_API", "2")
        .arg(format!("--endpoints={}", etcd.client_url()));
    if let Some(tls) = etcd.tls() {
        cmd = cmd.args(v2_tls_flags(tls));
    }
    cmd
}

fn v2_tls_flags(tls: &Tls) -> Vec<String> {
    vec![
        format!("--ca-file={}", tls.ca().display()),
        format!("--cert-file={}", tls.client_cert().display()),
        format!("--key-file={}", tls.client_key().display()),
    ]
}

/// One command for both tools.
#[derive(Clone)]
struct Case {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    /// Give no `--endpoints` (the case names its own).
    own_endpoints: bool,
    /// `--endpoints=` this, with `{}` replaced by the member's URL.
    endpoints: Option<String>,
}

fn case(args: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: None,
        env: Vec::new(),
        own_endpoints: false,
        endpoints: None,
    }
}

impl Case {
    fn stdin(mut self, bytes: &[u8]) -> Case {
        self.stdin = Some(bytes.to_vec());
        self
    }

    fn env(mut self, key: &str, value: &str) -> Case {
        self.env.push((key.into(), value.into()));
        self
    }

    fn own_endpoints(mut self) -> Case {
        self.own_endpoints = true;
        self
    }

    fn endpoints(mut self, template: &str) -> Case {
        self.endpoints = Some(template.to_string());
        self.own_endpoints = true;
        self
    }

    fn command(&self, base: Cmd, etcd: &Etcd) -> Cmd {
        let mut cmd = if let Some(template) = &self.endpoints {
            base.env("ETCDCTL_API", "2").arg(format!(
                "--endpoints={}",
                template.replace("{}", &etcd.client_url())
            ))
        } else if self.own_endpoints {
            base.env("ETCDCTL_API", "2")
        } else {
            v2(base, etcd)
        };
        cmd = cmd.args(&self.args).timeout(Duration::from_secs(30));
        for (k, v) in &self.env {
            cmd = cmd.env(k, v);
        }
        if let Some(stdin) = &self.stdin {
            cmd = cmd.stdin(stdin.clone());
        }
        cmd
    }

    fn shown(&self) -> String {
        let env: String = self.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        format!("{env}<tool> {}", self.args.join(" "))
    }
}

/// What identifies a member in output: its client and peer ports and its member ID.
struct Names {
    replacements: Vec<(String, &'static str)>,
}

impl Names {
    fn of(etcd: &Etcd) -> Names {
        let out = v2(etcdctl(), etcd).args(["member", "list"]).run();
        let id = out
            .stdout_str()
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        assert!(!id.is_empty(), "member list: {out:?}");
        let client_port = etcd.endpoint().rsplit(':').next().unwrap().to_string();
        let peer_port = etcd.peer_url().rsplit(':').next().unwrap().to_string();
        Names {
            replacements: vec![
                (id, "MEMBER_ID"),
                (client_port, "CLIENT_PORT"),
                (peer_port, "PEER_PORT"),
                (format!("name={}", etcd.name()), "name=NAME"),
            ],
        }
    }

    fn normalise(&self, bytes: &[u8]) -> String {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        for (from, to) in &self.replacements {
            text = text.replace(from.as_str(), to);
        }
        mask_expirations(&text)
    }
}

/// `"expiration":"<time>"` with the time blanked: wall-clock times differ between two runs.
fn mask_expirations(text: &str) -> String {
    let marker = "\"expiration\":\"";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        out.push_str("EXP");
        rest = &tail[tail.find('"').unwrap_or(tail.len())..];
    }
    out.push_str(rest);
    out
}

/// Two members with identical v2 histories: `reference` for etcdctl, `ours` for ectl.
struct Pair {
    reference: Etcd,
    ours: Etcd,
    names: (Names, Names),
    /// `-u` for the keyspace dumps, for cases that turn authentication on.
    dump_user: Option<&'static str>,
}

impl Pair {
    fn start(tls: Option<Tls>) -> Pair {
        let reference = Etcd::start(v2_options(tls.clone()));
        let ours = Etcd::start(v2_options(tls));
        let names = (Names::of(&reference), Names::of(&ours));
        Pair {
            reference,
            ours,
            names,
            dump_user: None,
        }
    }

    /// Dumps the keyspaces as `user` (`name:password`), which the cases make root before they
    /// enable authentication. etcd ignores the credentials while authentication is off.
    fn dumping_as(self, user: &'static str) -> Pair {
        Pair {
            dump_user: Some(user),
            ..self
        }
    }

    /// Runs `etcdctl <args>` on both members; panics unless it succeeds on both.
    fn setup(&self, args: &[&str]) {
        for etcd in [&self.reference, &self.ours] {
            let out = v2(etcdctl(), etcd).args(args).run();
            assert_eq!(out.code, 0, "setup {args:?}: {out:?}");
        }
    }

    /// The v2 keyspace, with the remaining TTLs (which tick between the two dumps) blanked.
    fn dump(&self, etcd: &Etcd, names: &Names) -> String {
        let mut cmd = v2(etcdctl(), etcd);
        if let Some(user) = self.dump_user {
            cmd = cmd.args(["-u", user]);
        }
        let out = cmd.args(["-o", "json", "ls", "--sort", "-r", "/"]).run();
        // Two failed dumps must not compare equal.
        assert_eq!(out.code, 0, "dumping the v2 keyspace failed: {out:?}");
        support::mask_number_after(&names.normalise(&out.stdout), "\"ttl\":", "N")
    }

    /// Runs every case on both members in order; panics with a report of each difference.
    fn run(&self, cases: &[Case]) -> usize {
        let mut failures = Vec::new();
        for case in cases {
            let theirs = case.command(etcdctl(), &self.reference).run();
            let ours = case.command(ectl(), &self.ours).run();
            let mut problems = Vec::new();
            let (a, b) = (&self.names.0, &self.names.1);
            if theirs.code != ours.code {
                problems.push(format!(
                    "exit code: etcdctl {} ectl {}",
                    theirs.code, ours.code
                ));
            }
            let (so_a, so_b) = (a.normalise(&theirs.stdout), b.normalise(&ours.stdout));
            if so_a != so_b {
                problems.push(format!("stdout:\n  etcdctl: {so_a:?}\n  ectl:    {so_b:?}"));
            }
            let (se_a, se_b) = (
                strip_stty(&a.normalise(&theirs.stderr)),
                b.normalise(&ours.stderr),
            );
            if se_a != se_b {
                problems.push(format!("stderr:\n  etcdctl: {se_a:?}\n  ectl:    {se_b:?}"));
            }
            if problems.is_empty() {
                let (da, db) = (self.dump(&self.reference, a), self.dump(&self.ours, b));
                if da != db {
                    problems.push(format!(
                        "keyspaces differ:\n  etcdctl: {da}\n  ectl:    {db}"
                    ));
                }
            }
            if !problems.is_empty() {
                failures.push(format!("case `{}`:\n{}", case.shown(), problems.join("\n")));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} v2 cases differ:\n\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n\n")
        );
        cases.len()
    }
}

/// etcdctl's password prompt shells out to `stty`, which complains when stdin is no terminal.
fn strip_stty(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("stty: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

const FORMATS: [&str; 3] = ["simple", "extended", "json"];

#[test]
fn keys_in_every_format() {
    let pair = Pair::start(None);
    let mut cases = Vec::new();
    for (i, f) in FORMATS.iter().enumerate() {
        let k = format!("/f{i}/key");
        let d = format!("/f{i}/dir");
        let o = ["-o", f];
        let with = |rest: &[&str]| {
            let mut args: Vec<&str> = o.to_vec();
            args.extend_from_slice(rest);
            case(&args)
        };
        cases.extend([
            with(&["set", &k, "v1"]),
            with(&["set", &k, "v2"]),
            with(&["get", &k]),
            with(&["get", "--quorum", &k]),
            with(&["get", "/nokey"]),
            with(&["mk", &k, "again"]),
            with(&["mk", &format!("{k}-mk"), "made"]),
            with(&["mk", "--in-order", &format!("/f{i}/queue"), "first"]),
            with(&["mk", "--in-order", &format!("/f{i}/queue"), "second"]),
            with(&["update", &k, "v3"]),
            with(&["update", &format!("{k}-none"), "x"]),
            with(&["set", "--swap-with-value", "wrong", &k, "x"]),
            with(&["set", "--swap-with-value", "v3", &k, "v4"]),
            with(&["set", "--swap-with-index", "1", &k, "x"]),
            with(&["mkdir", &d]),
            with(&["mkdir", &d]),
            with(&["setdir", &d]),
            with(&["updatedir", &d]),
            with(&["updatedir", &format!("{d}-none")]),
            with(&["get", &d]),
            with(&["set", &format!("{d}/child"), "c"]),
            with(&["ls", "--sort", &format!("/f{i}")]),
            with(&["ls", "--sort", "-r", &format!("/f{i}")]),
            with(&["ls", "--sort", "-r", "-p", &format!("/f{i}")]),
            with(&["ls", &k]),
            with(&["ls", "/nodir"]),
            with(&["rmdir", &d]),
            with(&["rm", &d]),
            with(&["rm", "--dir", &d]),
            with(&["rm", "-r", &d]),
            with(&["rm", "--with-value", "wrong", &k]),
            with(&["rm", "--with-index", "1", &k]),
            with(&["rm", &k]),
            with(&["rm", &k]),
            with(&["mkdir", &format!("{d}2")]),
            with(&["rmdir", &format!("{d}2")]),
            with(&["set", &format!("/f{i}/_hidden"), "h"]),
            with(&["get", &format!("/f{i}/_hidden")]),
            with(&["set", &format!("/f{i}/html"), "<a href=\"x\">&amp;</a>"]),
            with(&["get", &format!("/f{i}/html")]),
            with(&["set", "--ttl", "100", &format!("/f{i}/ttl"), "t"]),
            with(&["get", &format!("/f{i}/ttl")]),
            with(&["set", &format!("/f{i}/stdin")]).stdin(b"from stdin\n"),
            with(&["set", &format!("/f{i}/empty")]),
            with(&["ls", "--sort", "-r", &format!("/f{i}")]),
        ]);
    }
    cases.extend([
        case(&["-o", "bogus", "set", "/bogus", "written"]),
        case(&["-o", "bogus", "get", "/bogus"]),
        case(&["ls", "--sort"]),
        case(&["-o", "json", "ls", "--sort"]),
        case(&["set", "/a b/c?d&e", "x y&z"]),
        case(&["get", "/a b/c?d&e"]),
        case(&["set", "-ttl", "50", "/single-dash", "v"]),
        case(&["set", "/after", "v", "--ttl", "50"]),
        case(&["set", "/after2", "--ttl", "50", "v"]),
        case(&["set", "--", "/dash", "-value"]),
        case(&["get", "/dash", "--sort", "-o", "extended"]),
        case(&["get", "/dash", "-x"]),
        case(&["get", "-x", "/dash"]),
        case(&["set", "--ttl", "abc", "/k", "v"]),
        case(&["set", "--ttl"]),
        case(&["--bogus", "get", "/k"]),
        case(&["--timeout", "3", "get", "/k"]),
        case(&["bogus"]),
        case(&["get"]),
        case(&["set"]),
        case(&["set", "/novalue"]),
        case(&["mk"]),
        case(&["rm"]),
        case(&["mkdir"]),
        case(&["watch"]),
        case(&["exec-watch", "/k"]),
        case(&["rm", "-r", "/"]),
        case(&["rmdir", "/"]),
        case(&["set", "/", "root"]),
        case(&["set", "/ключ", "значение"]),
        case(&["-o", "json", "get", "/ключ"]),
        case(&["set", "/100%", "per+cent"]),
        case(&["get", "/100%"]),
        case(&["set", "/a+b=c;d@e$f,g:h!i*j(k)l'm", "v"]),
        case(&["-o", "json", "get", "/a+b=c;d@e$f,g:h!i*j(k)l'm"]),
        case(&["set", "/trailing/", "t"]),
        case(&["get", "/trailing"]),
        case(&["get", "//trailing//"]),
        case(&["set", "/x/../y", "dots"]),
        case(&["get", "/y"]),
        case(&["set", "/ctl", "tab\tnew\nline\u{1}"]),
        case(&["-o", "json", "get", "/ctl"]),
        case(&["-o", "extended", "get", "/ctl"]),
    ]);
    pair.run(&cases);
}

#[test]
fn ttl_expiry_and_refresh() {
    let pair = Pair::start(None);
    pair.setup(&["set", "--ttl", "1", "/short", "gone soon"]);
    pair.setup(&["mkdir", "--ttl", "1", "/shortdir"]);
    sleep(Duration::from_millis(2500));
    pair.run(&[
        case(&["get", "/short"]),
        case(&["ls", "/shortdir"]),
        case(&["-o", "extended", "get", "/short"]),
        case(&["-o", "extended", "setdir", "--ttl", "100", "/newdir"]),
        case(&["-o", "extended", "updatedir", "--ttl", "200", "/newdir"]),
    ]);
}

#[test]
fn watch_history_and_exec_watch() {
    let pair = Pair::start(None);
    pair.setup(&["set", "/w/a", "1"]);
    pair.setup(&["set", "/w/b", "2"]);
    pair.setup(&["mkdir", "/w/dir"]);
    pair.setup(&["set", "/w/a", "3"]);
    pair.setup(&["rm", "/w/b"]);
    let mut cases = Vec::new();
    for f in FORMATS {
        cases.extend([
            case(&["-o", f, "watch", "--after-index", "1", "/w/a"]),
            case(&["-o", f, "watch", "--after-index", "5", "/w/a"]),
            case(&["-o", f, "watch", "-r", "--after-index", "1", "/w"]),
            case(&["-o", f, "watch", "--recursive", "--after-index", "6", "/w"]),
            case(&["-o", f, "watch", "/w/a", "--after-index=4"]),
        ]);
    }
    cases.extend([
        case(&[
            "exec-watch",
            "--after-index",
            "1",
            "no-such-command",
            "/w/a",
        ]),
        case(&["exec-watch", "--after-index", "1", "/no/such/path", "/w/a"]),
    ]);
    pair.run(&cases);

    // --forever over history, then Ctrl-C: both exit 0 after printing the same events.
    let forever = |base: Cmd, etcd: &Etcd| {
        let running = v2(base, etcd)
            .args(["watch", "-f", "-r", "--after-index", "1", "/w"])
            .spawn();
        running.wait_for_stdout("[delete] /w/b");
        sleep(Duration::from_millis(200));
        running.interrupt();
        running.wait()
    };
    let (theirs, ours) = (
        forever(etcdctl(), &pair.reference),
        forever(ectl(), &pair.ours),
    );
    assert_eq!((theirs.code, ours.code), (0, 0), "{theirs:?}\n{ours:?}");
    assert_eq!(theirs.stdout_str(), ours.stdout_str());

    // exec-watch runs the command with the event in ETCD_WATCH_*; a dir change is only noted.
    // urfave eats the first `--`, so the binary finds the key last, or after a second `--`.
    let script =
        "echo \"$ETCD_WATCH_ACTION $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE @$ETCD_WATCH_MODIFIED_INDEX\"";
    let forms: [Vec<&str>; 2] = [
        vec![
            "exec-watch",
            "-r",
            "--after-index",
            "1",
            "sh",
            "-c",
            script,
            "/w",
        ],
        vec![
            "exec-watch",
            "-r",
            "--after-index",
            "1",
            "/w",
            "--",
            "--",
            "sh",
            "-c",
            script,
        ],
    ];
    for form in &forms {
        let exec = |base: Cmd, etcd: &Etcd| {
            let running = v2(base, etcd).args(form).spawn();
            running.wait_for_stdout("delete /w/b");
            sleep(Duration::from_millis(300));
            running.interrupt();
            running.wait()
        };
        let (theirs, ours) = (exec(etcdctl(), &pair.reference), exec(ectl(), &pair.ours));
        assert_eq!((theirs.code, ours.code), (0, 0), "{theirs:?}\n{ours:?}");
        let sorted = |s: String| {
            let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
            lines.sort();
            lines
        };
        // The commands run concurrently, so only the set of lines is fixed.
        assert_eq!(sorted(theirs.stdout_str()), sorted(ours.stdout_str()));
        assert_eq!(theirs.stderr_str(), ours.stderr_str());
    }
}

#[test]
fn live_watch_sees_the_next_change() {
    let pair = Pair::start(None);
    let start = |base: Cmd, etcd: &Etcd, args: &[&str]| v2(base, etcd).args(args).spawn();
    for (args, key) in [
        (&["watch", "/live"][..], "/live"),
        (&["-o", "extended", "watch", "-r", "/tree"][..], "/tree/x"),
    ] {
        let theirs = start(etcdctl(), &pair.reference, args);
        let ours = start(ectl(), &pair.ours, args);
        sleep(Duration::from_millis(700));
        pair.setup(&["set", key, "now"]);
        let (theirs, ours) = (theirs.wait(), ours.wait());
        assert_eq!((theirs.code, ours.code), (0, 0), "{theirs:?}\n{ours:?}");
        assert_eq!(theirs.stdout_str(), ours.stdout_str());
    }
}

#[test]
fn users_roles_and_auth() {
    let pair = Pair::start(None).dumping_as("root:rootpw");
    let cases = [
        // TestCtlV2GetRoleUser, TestCtlV2UserList*, TestCtlV2RoleList.
        case(&["role", "add", "foo"]),
        case(&["role", "add", "foo"]),
        case(&["user", "add", "username:password"]),
        case(&["user", "add", "username:password"]),
        case(&["user", "grant", "--roles", "foo", "username"]),
        case(&["user", "get", "username"]),
        case(&["user", "grant", "--roles", "foo", "username"]),
        case(&["user", "add", "root:rootpw"]),
        case(&["user", "list"]),
        case(&["role", "list"]),
        case(&["user", "list", "extra"]),
        case(&["role", "list", "extra"]),
        case(&["user", "get"]),
        case(&["user", "get", "nobody"]),
        case(&["user", "grant", "username"]),
        case(&["user", "grant", "--roles", "nope", "username"]),
        case(&["role", "add", "bar"]),
        case(&["user", "grant", "username", "--roles", "bar"]),
        case(&["user", "get", "username"]),
        case(&["user", "revoke", "--roles", "bar", "username"]),
        case(&["user", "revoke", "--roles", "bar", "username"]),
        case(&["user", "add", "nopass"]).stdin(b"secret\n"),
        case(&["user", "passwd", "nopass"]).stdin(b"other\n"),
        case(&["user", "add", "emptypass"]),
        case(&["role", "get", "foo"]),
        case(&["role", "get", "nope"]),
        case(&["role", "grant", "foo"]),
        case(&["role", "grant", "--path", "foo", "foo"]),
        case(&["role", "grant", "--path", "/foo/", "foo"]),
        case(&[
            "role", "grant", "--path", "/foo", "--read", "--write", "foo",
        ]),
        case(&["role", "grant", "--path", "/foo", "--rw", "foo"]),
        case(&["role", "grant", "--path", "/foo", "--rw", "foo"]),
        case(&["role", "grant", "--path", "/bar/*", "--read", "foo"]),
        case(&["role", "grant", "foo", "--path=/baz/*", "--write"]),
        case(&["role", "get", "foo"]),
        case(&["role", "revoke", "--path", "/bar/*", "--read", "foo"]),
        case(&["role", "revoke", "--path", "/bar/*", "--read", "foo"]),
        case(&["role", "revoke", "--path", "/foo", "--readwrite", "foo"]),
        case(&["role", "get", "foo"]),
        case(&["role", "grant", "--path", "/x", "--read", "nope"]),
        case(&["role", "remove", "bar"]),
        case(&["role", "remove", "bar"]),
        case(&["user", "remove", "nopass"]),
        case(&["user", "remove", "nopass"]),
        case(&["auth", "enable", "extra"]),
        case(&["auth", "enable"]),
        case(&["user", "list"]),
        case(&["-u", "root:wrong", "user", "list"]),
        case(&["-u", "root:rootpw", "user", "list"]),
        case(&["-u", "root:rootpw", "set", "/secret", "s"]),
        case(&["-u", "root", "get", "/secret"]).stdin(b"rootpw\n"),
        case(&["-u", "username:password", "set", "/foo", "allowed"]),
        case(&["-u", "username:password", "set", "/other", "denied"]),
        case(&["-u", "username:password", "get", "/foo"]),
        case(&["set", "/guest", "guest write"]),
        case(&["-u", "root:rootpw", "role", "get", "guest"]),
        case(&[
            "-u",
            "root:rootpw",
            "role",
            "revoke",
            "guest",
            "--path",
            "/*",
            "--rw",
        ]),
        case(&["set", "/guest", "guest write"]),
        case(&["get", "/guest"]),
        case(&["-u", "root:rootpw", "auth", "disable"]),
        case(&["auth", "disable"]),
        case(&["get", "/foo"]),
        case(&["auth", "disable", "x"]),
    ];
    pair.run(&cases);
}

#[test]
fn auth_with_tls_common_name() {
    // TestCtlV2AuthWithCommonName: with client-cert auth, the certificate's CN is the user.
    let pair = Pair::start(Some(Tls::new())).dumping_as("root:123");
    pair.run(&[
        case(&["role", "add", "testrole"]),
        case(&["role", "grant", "testrole", "--rw", "--path=/foo"]),
        case(&["user", "add", "root:123"]),
        case(&["user", "add", "client:123"]),
        case(&["user", "grant", "client", "--roles", "testrole"]),
        case(&["auth", "enable"]),
        case(&["set", "foo", "bar"]),
        case(&["get", "foo"]),
        case(&["set", "other", "denied"]),
        case(&["-o", "json", "ls", "--sort", "-r"]),
    ]);
}

#[test]
fn tls_members() {
    // TestCtlV2*TLS: set, mk, rm, ls, get over client TLS; then bad TLS settings.
    let tls = Tls::new();
    let pair = Pair::start(Some(tls.clone()));
    let cases = vec![
        case(&["set", "foo", "bar"]),
        case(&["get", "foo"]),
        case(&["get", "--quorum", "foo"]),
        case(&["mk", "foo", "bar"]),
        case(&["mk", "foo2", "bar"]),
        case(&["ls", "--sort"]),
        case(&["ls", "--quorum", "--sort"]),
        case(&["rm", "foo"]),
        case(&["rm", "foo"]),
        case(&["-o", "json", "get", "foo2"]),
        case(&["member", "list"]),
        case(&["cluster-health"]),
    ];
    pair.run(&cases);
    // Without a client certificate, and plain HTTP to a TLS port: the same code and text.
    for (label, strip) in [("no client cert", false), ("http to https", true)] {
        let run = |base: Cmd, etcd: &Etcd| {
            let url = etcd.client_url();
            let url = if strip {
                url.replace("https", "http")
            } else {
                url
            };
            base.env("ETCDCTL_API", "2")
                .arg(format!("--endpoints={url}"))
                .arg(format!("--ca-file={}", tls.ca().display()))
                .args(["get", "foo2"])
                .run()
        };
        let (theirs, ours) = (run(etcdctl(), &pair.reference), run(ectl(), &pair.ours));
        assert_eq!(theirs.code, ours.code, "{label}\n{theirs:?}\n{ours:?}");
        assert_ne!(ours.code, 0, "{label}: {ours:?}");
        // Go's HTTP client words a refused certificate by a race: "readLoopPeekFailLocked: "
        // comes first when its read loop sees the alert before the request is counted. Either
        // text is etcdctl's; the rest must match byte for byte.
        let settled = |text: String| text.replace("readLoopPeekFailLocked: ", "");
        assert_eq!(
            settled(theirs.stderr_str()),
            settled(ours.stderr_str()),
            "{label}"
        );
    }
    // A CA that did not sign the server's certificate.
    let run = |base: Cmd, etcd: &Etcd| {
        base.env("ETCDCTL_API", "2")
            .arg(format!("--endpoints={}", etcd.client_url()))
            .arg(format!("--ca-file={}", tls.other_ca().display()))
            .arg(format!("--cert-file={}", tls.client_cert().display()))
            .arg(format!("--key-file={}", tls.client_key().display()))
            .args(["get", "foo2"])
            .run()
    };
    let (theirs, ours) = (run(etcdctl(), &pair.reference), run(ectl(), &pair.ours));
    assert_eq!(
        (theirs.code, theirs.stderr_str()),
        (ours.code, ours.stderr_str()),
        "wrong CA"
    );
}

#[test]
fn dead_endpoints_and_the_cluster_error() {
    let pair = Pair::start(None);
    pair.setup(&["set", "/k", "v"]);
    let dead = "http://127.0.0.1:9";
    let cases = [
        case(&["--endpoints", dead, "get", "/k"]).own_endpoints(),
        case(&["--endpoints", dead, "--no-sync", "get", "/k"]).own_endpoints(),
        case(&["--endpoints", dead, "--no-sync", "rm", "/k"]).own_endpoints(),
        case(&["--endpoints", dead, "--no-sync", "mk", "/k2", "v"]).own_endpoints(),
        case(&["--endpoints", dead, "--no-sync", "-o", "json", "get", "/k"]).own_endpoints(),
        case(&["--endpoints", dead, "member", "list"]).own_endpoints(),
        case(&["--endpoints", dead, "cluster-health"]).own_endpoints(),
        case(&["--endpoints", dead, "user", "list"]).own_endpoints(),
        case(&["--endpoints", "127.0.0.1:9", "get", "/k"]).own_endpoints(),
        case(&["--endpoints", "localhost:9", "get", "/k"]).own_endpoints(),
        case(&["--peers", dead, "get", "/k"]).own_endpoints(),
        case(&["--endpoint", dead, "get", "/k"]).own_endpoints(),
        case(&["get", "/k"])
            .env("ETCDCTL_ENDPOINTS", dead)
            .own_endpoints(),
        case(&["get", "/k"])
            .env("ETCDCTL_PEERS", dead)
            .own_endpoints(),
        // etcdctl shuffles its endpoints, so only one dead endpoint gives a fixed text.
        // A dead endpoint beside a live one: the request moves on (sync or not).
        case(&["set", "/k", "from the live one"]).endpoints("http://127.0.0.1:9,{}"),
        case(&["--no-sync", "get", "/k"]).endpoints("http://127.0.0.1:9,{}"),
        case(&["--no-sync", "-o", "extended", "set", "/k2", "v"])
            .endpoints("{},http://127.0.0.1:9"),
        case(&["--no-sync", "ls", "--sort"]).endpoints("http://127.0.0.1:9,{},http://127.0.0.1:10"),
        case(&["watch", "--after-index", "1", "/k"]).endpoints("http://127.0.0.1:9,{}"),
        // The flag beats the variable.
        case(&["get", "/k"]).env("ETCDCTL_ENDPOINTS", dead),
    ];
    pair.run(&cases);
}

#[test]
fn debug_curl_lines() {
    let pair = Pair::start(None);
    pair.run(&[
        case(&["--debug", "set", "/d b", "v \"q\" & <x>"]),
        case(&["--debug", "get", "/d b"]),
        case(&["--debug", "--no-sync", "mk", "--ttl", "60", "/t", "v"]),
        case(&["--debug", "-o", "json", "ls", "--sort", "-r", "--quorum"]),
        case(&["--debug", "mkdir", "/dir"]),
        case(&["--debug", "rm", "-r", "/dir"]),
        case(&["--debug", "rm", "--with-value", "v", "/t"]),
        case(&["--debug", "watch", "--after-index", "1", "/d b"]),
        case(&["--debug", "member", "list"]),
        case(&["--debug", "cluster-health"]),
        case(&["--debug", "role", "add", "r"]),
        case(&["--debug", "role", "grant", "r", "--path", "/x/*", "--read"]),
        case(&["--debug", "user", "add", "u:p"]),
        case(&["--debug", "user", "grant", "u", "--roles", "r"]),
        case(&["--debug", "user", "list"]),
        case(&["--debug", "auth", "enable"]),
        case(&["--debug", "-u", "root:x", "auth", "disable"]),
    ]);
    // The printed command, run with real curl, does what ectl did.
    let out = v2(ectl(), &pair.ours)
        .args(["--debug", "--no-sync", "set", "/curl me", "a b&c"])
        .run();
    out.assert_ok();
    let line = out
        .stderr_str()
        .lines()
        .find_map(|l| l.strip_prefix("cURL Command: ").map(str::to_string))
        .expect("a cURL line");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(line.replace("/curl%20me", "/curl%20again") + " -s -o /dev/null")
        .status()
        .expect("run curl");
    assert!(status.success());
    let got = v2(ectl(), &pair.ours).args(["get", "/curl again"]).run();
    assert_eq!(got.stdout_str(), "a b&c\n");
}

#[test]
fn help_version_and_usage() {
    let pair = Pair::start(None);
    pair.run(&[
        case(&["--version"]),
        case(&["-v"]),
        case(&["--help"]),
        case(&["-h"]),
        case(&[]).own_endpoints(),
        case(&["help"]),
        case(&["help", "get"]),
        case(&["help", "bogus"]),
        case(&["get", "--help"]),
        case(&["set", "-h"]),
        case(&["ls", "--help"]),
        case(&["rm", "--help"]),
        case(&["mk", "--help"]),
        case(&["watch", "--help"]),
        case(&["exec-watch", "--help"]),
        case(&["cluster-health", "--help"]),
        case(&["member"]),
        case(&["member", "--help"]),
        case(&["member", "add", "--help"]),
        case(&["member", "bogus"]),
        case(&["user"]),
        case(&["user", "grant", "--help"]),
        case(&["role"]),
        case(&["role", "grant", "--help"]),
        case(&["auth"]),
        case(&["auth", "enable", "--help"]),
        case(&["rmdir", "--bogus"]),
        case(&["member", "list", "--bogus"]),
        case(&["-o"]),
        case(&["--timeout=x", "ls"]),
        case(&["--no-sync=maybe", "ls"]),
        case(&["---x", "ls"]),
        case(&["h"]),
        case(&["help", "member"]),
        case(&["member", "help"]),
        case(&["member", "help", "add"]),
        case(&["member", "help", "bogus"]),
    ]);
    // Every command's and subcommand's help screen.
    let mut all = Vec::new();
    for command in [
        "backup",
        "cluster-health",
        "mk",
        "mkdir",
        "rm",
        "rmdir",
        "get",
        "ls",
        "set",
        "setdir",
        "update",
        "updatedir",
        "watch",
        "exec-watch",
    ] {
        all.push(case(&[command, "--help"]));
    }
    for (group, subs) in [
        ("member", &["list", "add", "remove", "update"][..]),
        (
            "user",
            &["add", "get", "list", "remove", "grant", "revoke", "passwd"],
        ),
        ("role", &["add", "get", "list", "remove", "grant", "revoke"]),
        ("auth", &["enable", "disable"]),
    ] {
        all.push(case(&[group, "-h"]));
        for sub in subs {
            all.push(case(&[group, sub, "--help"]));
        }
    }
    pair.run(&all);
}

#[test]
fn flag_spellings_and_environment_twins() {
    let pair = Pair::start(None);
    pair.setup(&["set", "/k", "v"]);
    pair.run(&[
        case(&["-o=json", "get", "/k"]),
        case(&["--output", "extended", "get", "/k"]),
        case(&["-output=json", "get", "/k"]),
        case(&["--no-sync=false", "get", "/k"]),
        case(&["--no-sync=true", "get", "/k"]),
        case(&["--debug=false", "get", "/k"]),
        case(&["--timeout=1s", "--total-timeout=3s", "get", "/k"]),
        case(&["--timeout", "0", "get", "/k"]),
        case(&["get", "--sort=false", "/k"]),
        case(&["get", "-q", "/k"]),
        case(&["set", "-ttl=0x10", "/hex", "v"]),
        case(&["set", "--ttl", "-5", "/negative", "v"]),
        case(&["set", "--ttl", "99999999999999999999", "/huge", "v"]),
        case(&["-u", "root:pw", "get", "/k"]),
        case(&["get", "/k"]).env("ETCDCTL_USERNAME", "root:pw"),
        case(&["get", "/k"]).env("ETCDCTL_CA_FILE", "/nonexistent/ca.pem"),
        case(&["--cert-file", "/nonexistent/cert.pem", "get", "/k"]),
        case(&["--key-file", "/nonexistent/key.pem", "get", "/k"]),
        case(&["get", "/k"])
            .env("ETCDCTL_CERT_FILE", "/nonexistent/cert.pem")
            .env("ETCDCTL_KEY_FILE", "/nonexistent/key.pem"),
        case(&["get", "/k"]).env("ETCDCTL_WRITE_OUT", "json"),
        case(&["get", "/k"]).env("ETCDCTL_OUTPUT", "json"),
        case(&["--discovery-srv", "", "get", "/k"]),
    ]);
}

#[test]
fn cluster_members_and_health() {
    // TestCtlV2ClusterHealth, plus member list/add/update/remove: both tools on one cluster.
    let cluster = Cluster::start(3, v2_options(None));
    let both = |args: &[&str]| {
        let ep = cluster.members()[0].client_url();
        let run = |base: Cmd| {
            base.env("ETCDCTL_API", "2")
                .arg(format!("--endpoints={ep}"))
                .args(args)
                .timeout(Duration::from_secs(30))
                .run()
        };
        (run(etcdctl()), run(ectl()))
    };
    let same = |args: &[&str]| {
        let (theirs, ours) = both(args);
        assert_eq!(
            (theirs.code, theirs.stdout_str(), theirs.stderr_str()),
            (ours.code, ours.stdout_str(), ours.stderr_str()),
            "{args:?}"
        );
        theirs
    };
    same(&["member", "list"]);
    same(&["cluster-health"]).assert_ok();
    same(&["-o", "json", "member", "list"]);
    // Keys through every member's URL (TestCtlV2Set/Ls/Watch with quorum): read-only cases,
    // so both tools see the same index.
    let all: Vec<String> = cluster.members().iter().map(Etcd::client_url).collect();
    let all = format!("--endpoints={}", all.join(","));
    etcdctl()
        .env("ETCDCTL_API", "2")
        .arg(&all)
        .args(["set", "/c/k", "v"])
        .run()
        .assert_ok();
    for args in [
        &["get", "/c/k"][..],
        &["get", "--quorum", "/c/k"],
        &["-o", "json", "get", "/c/k"],
        &["-o", "extended", "ls", "--sort", "-r", "--quorum"],
        &["watch", "--after-index", "1", "/c/k"],
        &["mk", "/c/k", "again"],
        &["--no-sync", "get", "/c/k"],
    ] {
        let run = |base: Cmd| {
            base.env("ETCDCTL_API", "2")
                .arg(&all)
                .args(args)
                .timeout(Duration::from_secs(30))
                .run()
        };
        let (theirs, ours) = (run(etcdctl()), run(ectl()));
        assert_eq!(
            (theirs.code, theirs.stdout_str(), theirs.stderr_str()),
            (ours.code, ours.stdout_str(), ours.stderr_str()),
            "{args:?}"
        );
    }
    // member add, then remove, by each tool in turn: only the new ID differs.
    let mut outputs = Vec::new();
    for (i, base) in [etcdctl(), ectl()].into_iter().enumerate() {
        let ep = cluster.members()[0].client_url();
        let peer = format!("http://127.0.0.1:{}", 23990 + i);
        // etcd refuses member changes until every member has been connected for a while.
        let mut add = None;
        for _ in 0..40 {
            let out = base
                .clone()
                .env("ETCDCTL_API", "2")
                .arg(format!("--endpoints={ep}"))
                .args(["member", "add", "newbie", &peer])
                .run();
            if !out.stderr_str().contains("has no leader") {
                add = Some(out);
                break;
            }
            sleep(Duration::from_millis(500));
        }
        let add = add.expect("member add accepted within 20s");
        add.assert_ok();
        let id = add
            .stdout_str()
            .split("with ID ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .unwrap_or_default()
            .to_string();
        let list = base
            .clone()
            .env("ETCDCTL_API", "2")
            .arg(format!("--endpoints={ep}"))
            .args(["member", "list"])
            .run();
        let update = base
            .clone()
            .env("ETCDCTL_API", "2")
            .arg(format!("--endpoints={ep}"))
            .args([
                "member",
                "update",
                &id,
                &format!("http://127.0.0.1:{}", 23995 + i),
            ])
            .run();
        let remove = base
            .env("ETCDCTL_API", "2")
            .arg(format!("--endpoints={ep}"))
            .args(["member", "remove", &id])
            .run();
        // Members are listed by ID, and the new ID is random: compare them as sets.
        let norm = |s: String| {
            let s = s.replace(&id, "NEWID").replace(&peer, "PEER");
            let mut lines: Vec<String> = s
                .lines()
                .map(|l| match l.strip_prefix("ETCD_INITIAL_CLUSTER=") {
                    Some(list) => {
                        let mut items: Vec<&str> = list.trim_matches('"').split(',').collect();
                        items.sort();
                        format!("ETCD_INITIAL_CLUSTER={}", items.join(","))
                    }
                    None => l.to_string(),
                })
                .collect();
            lines.sort();
            lines
        };
        outputs.push((
            norm(add.stdout_str()),
            norm(
                list.stdout_str()
                    .replace(&format!("{}", 23995 + i), "UPDATED"),
            ),
            add.code,
            norm(update.stdout_str()),
            update.code,
            norm(remove.stdout_str()),
            remove.code,
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
    for args in [
        &["member", "remove", "ffff"][..],
        &["member", "remove", "m1"],
        &["member", "update", "ffff", "http://127.0.0.1:1"],
        &["member", "add", "x", "notaurl"],
        &["member", "add", "x", "http://127.0.0.1"],
    ] {
        same(args);
    }

    // One member down: degraded (exit 5); two down: unavailable. The survivors may need an
    // election first, so wait until etcdctl sees the expected state (as etcd's e2e test does).
    let settle = |expected: &str| {
        for _ in 0..30 {
            let (theirs, _) = both(&["cluster-health"]);
            if theirs.stdout_str().contains(expected) {
                return;
            }
            sleep(Duration::from_millis(500));
        }
        panic!("cluster-health never said {expected:?}");
    };
    cluster.members()[2].kill();
    settle("cluster is degraded");
    same(&["cluster-health"]).assert_code(5);
    cluster.members()[1].kill();
    settle("cluster is unavailable");
    let out = same(&["cluster-health"]);
    out.assert_code(5);
    assert!(
        out.stdout_str().contains("cluster is unavailable"),
        "{out:?}"
    );
}

#[test]
fn timeouts_on_a_silent_endpoint() {
    // A listener that never accepts: connects succeed (the backlog), no answer ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().unwrap());
    let pair = Pair::start(None);
    let with = |args: &[&str]| {
        let mut all = vec!["--endpoints", url.as_str()];
        all.extend_from_slice(args);
        case(&all).own_endpoints()
    };
    let cases = [
        // Each request gives up after --timeout; the sync failure is no connection error.
        with(&["--no-sync", "--timeout", "300ms", "get", "/k"]),
        with(&["--timeout", "300ms", "get", "/k"]),
        with(&["--no-sync", "--timeout", "300ms", "rm", "/k"]),
        // --total-timeout ends the sync first (exit 2), or the request itself (exit 4).
        with(&["--timeout", "10s", "--total-timeout", "500ms", "get", "/k"]),
        with(&[
            "--no-sync",
            "--timeout",
            "10s",
            "--total-timeout",
            "500ms",
            "get",
            "/k",
        ]),
        with(&["--timeout", "300ms", "member", "list"]),
    ];
    let names = |s: &str| s.replace(&url, "SILENT");
    for c in &cases {
        let theirs = c.command(etcdctl(), &pair.reference).run();
        let ours = c.command(ectl(), &pair.ours).run();
        assert_eq!(
            (
                theirs.code,
                names(&theirs.stderr_str()),
                theirs.stdout_str()
            ),
            (ours.code, names(&ours.stderr_str()), ours.stdout_str()),
            "{}",
            c.shown()
        );
    }
    drop(silent);
}

#[test]
fn timeouts_shorter_than_the_timer_have_already_passed() {
    // A live member answers within tokio's first millisecond tick; Go's 1ns limits have passed
    // before the request is sent, so etcdctl fails every one of these.
    let pair = Pair::start(None);
    pair.setup(&["set", "/foo", "bar"]);
    let cases = [
        case(&["--timeout=1ns", "get", "/foo"]),
        case(&["--no-sync", "--timeout=1ns", "get", "/foo"]),
        case(&["--total-timeout=1ns", "get", "/foo"]),
        case(&["--no-sync", "--total-timeout=1ns", "get", "/foo"]),
        case(&["--timeout=1ns", "set", "/foo", "baz"]),
        case(&["--timeout=1ns", "member", "list"]),
        case(&["--total-timeout=1ns", "member", "list"]),
        // etcdctl dials for at most --total-timeout, watches included.
        case(&["--no-sync", "--total-timeout=1ns", "watch", "/foo"]),
        case(&["--total-timeout=1ns", "watch", "/foo"]),
    ];
    pair.run(&cases);
    // The limits in force are a working request's, which still succeeds.
    let out = v2(ectl(), &pair.ours)
        .args(["--timeout=1s", "get", "/foo"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "bar\n");
}
