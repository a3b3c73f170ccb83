//! `auth`, `user` and `role` against real etcd, compared with the reference etcdctl: the
//! documented auth flow, every user and role subcommand in every format, passwords typed at a
//! terminal (a pseudo-terminal made by util-linux `script`), `--password` / `ETCDCTL_PASSWORD`,
//! and short-lived tokens. Passwords must never show up in anything ectl prints.
//!
//! Commands that change state run on two members with identical histories, ectl on one and
//! etcdctl on the other; their outputs are compared with the members' cluster and member ids
//! blanked out (the only bytes that necessarily differ).

use crate::support;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ectl::pb::etcdserverpb::ResponseHeader;
use prost::Message;
use support::{Cmd, Etcd, Options, Out};

const ROOT_PW: &str = "r00t-Secret-4a";
const U1_PW: &str = "u1-Secret-7b";
const OTHER_PW: &str = "0ther-Secret-3c";
const PASSWORDS: &[&str] = &[ROOT_PW, U1_PW, OTHER_PW];

fn root() -> String {
    format!("--user=root:{ROOT_PW}")
}

fn u1() -> String {
    format!("--user=u1:{U1_PW}")
}

/// Fails the test if any password appears in `out`.
#[track_caller]
fn assert_no_password(out: &Out) {
    for pw in PASSWORDS {
        assert!(
            !out.stdout_str().contains(pw) && !out.stderr_str().contains(pw),
            "a password leaked: {out:?}"
        );
    }
}

/// The `Error: ...` line of a failed command (etcdctl logs JSON warnings before it, ectl may
/// add hints); empty when there is none.
fn error_line(out: &Out) -> String {
    out.stderr_str()
        .lines()
        .rfind(|l| l.starts_with("Error:"))
        .unwrap_or_default()
        .to_string()
}

/// `bytes` with the members' cluster and member ids blanked in every format: json
/// (`"cluster_id":N,"member_id":N`), fields (`"ClusterID" : N`), protobuf (the header that
/// starts each message, after `user get --detail`'s text lines).
fn normalize(bytes: &[u8]) -> Vec<u8> {
    let text_end = if bytes.starts_with(b"User: ") {
        bytes
            .windows(2)
            .position(|w| w == b"\n\n")
            .map_or(bytes.len(), |p| p + 2)
    } else {
        0
    };
    let (text, rest) = bytes.split_at(text_end);
    let mut out = text.to_vec();
    if rest.first() == Some(&0x0a) && !rest.starts_with(b"\n\"") {
        out.extend(normalize_protobuf(rest));
    } else {
        out.extend(normalize_text(rest));
    }
    out
}

fn normalize_text(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("\"ClusterID\" : ") || line.starts_with("\"MemberID\" : ") {
            out.push_str("ID\n");
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("\"cluster_id\":") {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            let end = after.find("\"revision\"").unwrap_or(after.len());
            out.push_str("IDS,");
            rest = &after[end..];
        }
        out.push_str(rest);
    }
    out.into_bytes()
}

/// A protobuf response whose field 1 is the header: the header re-encoded without the ids.
fn normalize_protobuf(bytes: &[u8]) -> Vec<u8> {
    let mut buf = &bytes[1..];
    let len = prost::encoding::decode_varint(&mut buf).expect("header length") as usize;
    let mut header = ResponseHeader::decode(&buf[..len]).expect("a response header");
    header.cluster_id = 0;
    header.member_id = 0;
    let mut out = vec![0x0a];
    prost::encoding::encode_varint(header.encoded_len() as u64, &mut out);
    header.encode(&mut out).unwrap();
    out.extend_from_slice(&buf[len..]);
    out
}

/// Two members with the same history: ectl talks to `ours`, etcdctl to `theirs`.
struct Pair {
    ours: Etcd,
    theirs: Etcd,
}

impl Pair {
    fn new(opts: Options) -> Pair {
        Pair {
            ours: Etcd::start(opts.clone()),
            theirs: Etcd::start(opts),
        }
    }

    /// Runs `args` with both tools (`edit` adds stdin or environment to each) and asserts the
    /// same exit code, the same stdout (ids blanked) and the same `Error:` line. Returns ectl's.
    #[track_caller]
    fn same_with(&self, args: &[&str], edit: impl Fn(Cmd) -> Cmd) -> Out {
        let ours = edit(self.ours.ectl().args(args)).run();
        let theirs = edit(self.theirs.etcdctl().args(args)).run();
        assert_no_password(&ours);
        assert_eq!(
            (ours.code, normalize(&ours.stdout), error_line(&ours)),
            (theirs.code, normalize(&theirs.stdout), error_line(&theirs)),
            "{args:?}\n--- ectl ---\n{ours:?}\n--- etcdctl ---\n{theirs:?}"
        );
        ours
    }

    #[track_caller]
    fn same(&self, args: &[&str]) -> Out {
        self.same_with(args, |c| c)
    }

    /// Creates root (with the root role) and enables auth on both members, each with its own
    /// tool, comparing every step.
    #[track_caller]
    fn enable_auth(&self) {
        let add = format!("root:{ROOT_PW}");
        let out = self.same(&["user", "add", &add]);
        assert_eq!(out.stdout_str(), "User root created\n");
        let out = self.same(&["user", "grant-role", "root", "root"]);
        assert_eq!(out.stdout_str(), "Role root is granted to user root\n");
        let out = self.same(&["auth", "enable"]);
        assert_eq!(out.stdout_str(), "Authentication Enabled\n");
    }
}

#[test]
fn the_documented_flow_matches_etcdctl() {
    let pair = Pair::new(Options::default());
    pair.enable_auth();
    let root = root();
    let r = root.as_str();
    let u1_add = format!("u1:{U1_PW}");
    for (args, expected) in [
        (vec![r, "user", "add", &u1_add], "User u1 created\n"),
        (vec![r, "role", "add", "r1"], "Role r1 created\n"),
        (
            vec![r, "role", "grant-permission", "r1", "readwrite", "k1", "k3"],
            "Role r1 updated\n",
        ),
        (
            vec![r, "role", "grant", "r1", "readwrite", "k2", "k4"],
            "Role r1 updated\n",
        ),
        (
            vec![r, "user", "grant-role", "u1", "r1"],
            "Role r1 is granted to user u1\n",
        ),
        (
            vec![r, "role", "get", "r1"],
            "Role r1\nKV Read:\n\t[k1, k3)\n\t[k2, k4)\nKV Write:\n\t[k1, k3)\n\t[k2, k4)\n",
        ),
        (vec![r, "user", "get", "u1"], "User: u1\nRoles: r1\n"),
    ] {
        let out = pair.same(&args);
        assert_eq!(out.stdout_str(), expected, "{out:?}");
    }
    for key in ["k1", "k2", "k3", "k4", "k5"] {
        pair.same(&[r, "put", key, "v"]).assert_ok();
    }
    let u1 = u1();
    let out = pair.same(&[&u1, "get", "k1", "k4"]);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "k1\nv\nk2\nv\nk3\nv\n");
    let out = pair.same(&[&u1, "get", "k1", "k5"]);
    out.assert_code(1);
    assert_eq!(error_line(&out), "Error: etcdserver: permission denied");
    // Writes inside the granted ranges work; others do not.
    pair.same(&[&u1, "put", "k3", "w"]).assert_ok();
    pair.same(&[&u1, "put", "k4", "w"]).assert_code(1);
    // Without credentials, or with wrong ones.
    let out = pair.same(&["get", "k1"]);
    assert_eq!(error_line(&out), "Error: etcdserver: user name is empty");
    // endpoint health fails for the same reason and says what to do about it in the same words.
    let hint = |out: &Out| -> Vec<String> {
        let stderr = out.stderr_str();
        let hints = stderr.lines().filter(|l| l.starts_with("hint: "));
        hints.map(str::to_string).collect()
    };
    let health = pair.ours.ectl().args(["endpoint", "health"]).run();
    health.assert_code(1);
    assert!(
        health.stdout_str().contains("user name is empty"),
        "{health:?}"
    );
    assert_eq!(error_line(&health), "Error: unhealthy cluster");
    assert_eq!(hint(&health), hint(&out));
    assert!(hint(&out)[0].contains("--user"), "{out:?}");
    let wrong = format!("--user=u1:{OTHER_PW}");
    let out = pair.same(&[&wrong, "get", "k1"]);
    out.assert_code(2);
    assert_eq!(
        error_line(&out),
        "Error: etcdserver: authentication failed, invalid user ID or password"
    );
    pair.same(&["--user=nobody:x", "get", "k1"]).assert_code(2);
    // A user without the root role may not administer.
    let out = pair.same(&[&u1, "user", "list"]);
    assert_eq!(error_line(&out), "Error: etcdserver: permission denied");
    pair.same(&[&u1, "role", "get", "r1"]).assert_ok();
    pair.same(&[&u1, "role", "get", "root"]).assert_code(1);
    pair.same(&[&u1, "user", "get", "u1"]).assert_ok();
    pair.same(&[&u1, "user", "get", "root"]).assert_code(1);
    // Disabling needs root; afterwards credentials are accepted and ignored.
    pair.same(&[&u1, "auth", "disable"]).assert_code(1);
    let out = pair.same(&[r, "auth", "disable"]);
    assert_eq!(out.stdout_str(), "Authentication Disabled\n");
    pair.same(&[&u1, "get", "k1", "k5"]).assert_ok();
    pair.same(&["get", "k4"]).assert_ok();
}

/// etcd's e2e authTestPrefixPerm and authTestFromKeyPerm, side by side.
#[test]
fn prefix_and_from_key_permissions_match_etcdctl() {
    let pair = Pair::new(Options::default());
    pair.enable_auth();
    let root = root();
    let r = root.as_str();
    let u1_add = format!("u1:{U1_PW}");
    for args in [
        vec![r, "user", "add", &u1_add],
        vec![r, "role", "add", "test-role"],
        vec![r, "user", "grant-role", "u1", "test-role"],
        vec![
            r,
            "role",
            "grant-permission",
            "test-role",
            "readwrite",
            "foo",
        ],
        vec![
            r,
            "role",
            "grant-permission",
            "--prefix",
            "test-role",
            "readwrite",
            "/prefix/",
        ],
    ] {
        pair.same(&args).assert_ok();
    }
    let u1 = u1();
    let put = |key: &str, code: i32| {
        let out = pair.same(&[&u1, "put", key, "val"]);
        out.assert_code(code);
        if code == 1 {
            assert_eq!(error_line(&out), "Error: etcdserver: permission denied");
        }
    };
    for key in ["/prefix/0", "/prefix/9", "foo"] {
        put(key, 0);
    }
    put("/prefix0", 1);
    put("fop", 1);
    pair.same(&[
        r,
        "role",
        "grant-permission",
        "--prefix",
        "test-role",
        "readwrite",
        "",
    ])
    .assert_ok();
    put("/prefix2/0", 0);
    let out = pair.same(&[r, "role", "get", "test-role"]);
    assert!(
        out.stdout_str()
            .contains("\t[/prefix/, /prefix0) (prefix /prefix/)\n"),
        "{out:?}"
    );
    let out = pair.same(&[r, "role", "revoke-permission", "--prefix", "test-role", ""]);
    assert_eq!(
        out.stdout_str(),
        "Permission of range [, <open ended> is revoked from role test-role\n"
    );
    // Open ended: every key from z on, up to and including 0xff bytes.
    pair.same(&[
        r,
        "role",
        "grant-permission",
        "--from-key",
        "test-role",
        "readwrite",
        "z",
    ])
    .assert_ok();
    for key in ["z0", "z9", "\u{ff}\u{ff}"] {
        put(key, 0);
    }
    put("x", 1);
    let out = pair.same(&[r, "role", "get", "test-role", "-w", "json"]);
    assert!(
        out.stdout_str()
            .contains(r#"{"permType":2,"key":"eg==","range_end":"AA=="}"#)
    );
    let out = pair.same(&[
        r,
        "role",
        "revoke-permission",
        "--from-key",
        "test-role",
        "z",
    ]);
    assert_eq!(
        out.stdout_str(),
        "Permission of range [z, <open ended> is revoked from role test-role\n"
    );
    put("z0", 1);
    pair.same(&[
        r,
        "role",
        "grant-permission",
        "--from-key",
        "test-role",
        "readwrite",
        "",
    ])
    .assert_ok();
    put("z1", 0);
    pair.same(&[
        r,
        "role",
        "revoke-permission",
        "--from-key",
        "test-role",
        "",
    ])
    .assert_ok();
    put("z1", 1);
    let out = pair.same(&[r, "role", "get", "test-role"]);
    assert_eq!(
        out.stdout_str(),
        "Role test-role\nKV Read:\n\t[/prefix/, /prefix0) (prefix /prefix/)\n\tfoo\n\
         KV Write:\n\t[/prefix/, /prefix0) (prefix /prefix/)\n\tfoo\n"
    );
}

#[test]
fn auth_switches_and_their_errors_match_etcdctl() {
    let pair = Pair::new(Options::default());
    // No root user yet.
    let out = pair.same(&["auth", "enable"]);
    assert_eq!(
        error_line(&out),
        "Error: etcdserver: root user does not exist"
    );
    out.assert_code(1);
    pair.same(&["auth", "enable", "extra"]).assert_code(128);
    pair.same(&["auth", "disable", "extra"]).assert_code(128);
    pair.same(&["auth", "disable"]).assert_ok();
    // A root user without the root role gets it (and the role is created) on the way.
    let add = format!("root:{ROOT_PW}");
    pair.same(&["user", "add", &add]).assert_ok();
    let out = pair.same(&["auth", "enable", "-w", "json"]);
    assert_eq!(out.stdout_str(), "Authentication Enabled\n");
    let root = root();
    let out = pair.same(&[&root, "user", "get", "root"]);
    assert_eq!(out.stdout_str(), "User: root\nRoles: root\n");
    pair.same(&[&root, "role", "list"]);
    // Enabling again, with and without credentials; management limits of the root user.
    pair.same(&[&root, "auth", "enable"]).assert_ok();
    pair.same(&["auth", "enable"]).assert_code(1);
    let out = pair.same(&[&root, "role", "delete", "root"]);
    assert_eq!(
        error_line(&out),
        "Error: etcdserver: invalid auth management"
    );
    pair.same(&[&root, "user", "revoke-role", "root", "root"])
        .assert_code(1);
    pair.same(&[&root, "user", "delete", "root"]).assert_code(1);
    pair.same(&[&root, "auth", "disable", "-w", "fields"])
        .assert_ok();
    pair.same(&["user", "list"]).assert_ok();
}

#[test]
fn auth_status_matches_what_the_server_supports() {
    let etcd = Etcd::single();
    let out = etcd.ectl().args(["auth", "status"]).run();
    if support::server_version() < (3, 5) {
        out.assert_code(1);
        assert_eq!(
            out.stderr_str(),
            "Error: auth status is not supported by this server (it needs etcd 3.5 or later)\n"
        );
        assert!(out.stdout.is_empty());
    } else {
        // A 3.5 server answers; etcdctl 3.5 (which has the command) is the oracle.
        for format in ["simple", "json", "protobuf"] {
            let args = ["auth", "status", "-w", format];
            let theirs = support::etcdctl_3_5()
                .arg(format!("--endpoints={}", etcd.endpoint()))
                .args(args)
                .run();
            let ours = etcd.ectl().args(args).run();
            theirs.assert_ok();
            assert_eq!(
                (ours.stdout_str(), ours.code),
                (theirs.stdout_str(), theirs.code),
                "{args:?}: {}",
                ours.stderr_str()
            );
        }
    }
    // etcdctl 3.5 has no fields or table printer for it; refused before anything is sent.
    for format in ["fields", "table"] {
        let out = etcd.ectl().args(["auth", "status", "-w", format]).run();
        out.assert_code(4);
        assert_eq!(
            out.stderr_str(),
            format!("Error: {format} not supported as output format\n")
        );
    }
    etcd.ectl()
        .args(["auth", "status", "extra"])
        .run()
        .assert_code(128);
}

/// Every user and role subcommand, in every format, with their usage and server errors.
#[test]
fn user_and_role_commands_in_every_format_match_etcdctl() {
    let pair = Pair::new(Options::default());
    pair.enable_auth();
    let root = root();
    let r = root.as_str();
    for args in [
        vec!["role", "add", "r1"],
        vec!["role", "grant", "r1", "readwrite", "k1", "k3"],
        vec!["role", "grant-permission", "r1", "READ", "--prefix", "pfx/"],
        vec![
            "role",
            "grant-permission",
            "r1",
            "write",
            "--from-key",
            "zz",
        ],
        vec!["role", "grant-permission", "r1", "read", "single"],
        vec!["role", "grant-permission", "r1", "write", "", "--prefix"],
        vec!["role", "grant-permission", "r1", "read", ""],
        vec![
            "role",
            "grant-permission",
            "r1",
            "read",
            "\u{e9}<&>\t",
            "\u{ff}",
        ],
        vec![
            "role",
            "grant-permission",
            "r1",
            "readwrite",
            "\u{1f600}",
            "--prefix",
        ],
        vec!["role", "add", "r2"],
        vec!["user", "add", "u1", "--new-user-password", U1_PW],
        vec!["user", "add", "u2", "--no-password"],
        vec!["user", "grant-role", "u1", "r1"],
        vec!["user", "grant-role", "u2", "r1"],
        vec!["user", "grant", "u2", "r2"],
    ] {
        let mut full = vec![r];
        full.extend(args);
        pair.same(&full).assert_ok();
    }
    let fail = |args: &[&str], code: i32, error: &str| {
        let mut full = vec![r];
        full.extend_from_slice(args);
        let out = pair.same(&full);
        out.assert_code(code);
        assert_eq!(error_line(&out), format!("Error: {error}"), "{args:?}");
    };
    // Usage errors.
    fail(
        &["user", "add"],
        128,
        "user add command requires user name as its argument",
    );
    fail(
        &["user", "add", ":pw"],
        128,
        "empty user name is not allowed",
    );
    fail(
        &["user", "delete", "a", "b"],
        128,
        "user delete command requires user name as its argument",
    );
    fail(
        &["user", "get"],
        128,
        "user get command requires user name as its argument",
    );
    fail(
        &["user", "list", "x"],
        128,
        "user list command requires no arguments",
    );
    fail(
        &["user", "passwd"],
        128,
        "user passwd command requires user name as its argument",
    );
    fail(
        &["user", "grant-role", "u1"],
        128,
        "user grant command requires user name and role name as its argument",
    );
    fail(
        &["user", "revoke-role", "u1"],
        128,
        "user revoke-role requires user name and role name as its argument",
    );
    fail(
        &["role", "add"],
        128,
        "role add command requires role name as its argument",
    );
    fail(
        &["role", "delete"],
        128,
        "role delete command requires role name as its argument",
    );
    fail(
        &["role", "get", "a", "b"],
        128,
        "role get command requires role name as its argument",
    );
    fail(
        &["role", "list", "x"],
        128,
        "role list command requires no arguments",
    );
    fail(
        &["role", "grant-permission", "r1", "read"],
        128,
        "role grant command requires role name, permission type, and key [endkey] as its argument",
    );
    fail(
        &["role", "revoke-permission", "r1"],
        128,
        "role revoke-permission command requires role name and key [endkey] as its argument",
    );
    fail(
        &["role", "grant", "r1", "123", "foo"],
        128,
        "invalid permission type: 123",
    );
    fail(
        &["role", "grant", "r1", "read", "a", "b", "--prefix"],
        128,
        "unexpected endkey argument with --prefix flag",
    );
    fail(
        &["role", "revoke", "r1", "a", "b", "--from-key"],
        128,
        "unexpected endkey argument with --from-key flag",
    );
    fail(
        &["role", "grant", "r1", "read", "a", "--prefix", "--from-key"],
        128,
        "--from-key and --prefix flags are mutually exclusive",
    );
    // Server errors.
    fail(
        &["user", "add", "u1:x"],
        1,
        "etcdserver: user name already exists",
    );
    fail(
        &["user", "get", "nobody"],
        1,
        "etcdserver: user name not found",
    );
    fail(
        &["user", "delete", "nobody"],
        1,
        "etcdserver: user name not found",
    );
    fail(
        &["user", "grant-role", "u1", "nope"],
        1,
        "etcdserver: role name not found",
    );
    fail(
        &["user", "grant-role", "nobody", "r1"],
        1,
        "etcdserver: user name not found",
    );
    fail(
        &["user", "revoke-role", "u1", "r2"],
        1,
        "etcdserver: role is not granted to the user",
    );
    fail(
        &["role", "add", "r1"],
        1,
        "etcdserver: role name already exists",
    );
    fail(
        &["role", "get", "nope"],
        1,
        "etcdserver: role name not found",
    );
    fail(
        &["role", "delete", "nope"],
        1,
        "etcdserver: role name not found",
    );
    fail(
        &["role", "grant", "nope", "read", "a"],
        1,
        "etcdserver: role name not found",
    );
    fail(
        &["role", "revoke", "r1", "never-granted"],
        1,
        "etcdserver: permission is not granted to the role",
    );
    fail(
        &["user", "passwd", "nobody", "--interactive=false"],
        1,
        "etcdserver: user name not found",
    );

    // Reads in every format (table and, for user get and list, fields: etcdctl's exit 4).
    for format in ["simple", "json", "fields", "protobuf", "table"] {
        for args in [
            vec!["role", "get", "r1"],
            vec!["role", "get", "r2"],
            vec!["role", "list"],
            vec!["user", "get", "u1"],
            vec!["user", "get", "u2"],
            vec!["user", "list"],
        ] {
            let mut full = vec![r, "-w", format];
            full.extend(args);
            pair.same(&full);
        }
    }
    // Where etcdctl sends the request before finding it cannot print the answer, ectl refuses
    // first (see README): compared where that makes no difference.
    for format in ["simple", "json", "fields", "protobuf"] {
        pair.same(&[r, "-w", format, "user", "get", "root", "--detail"]);
    }
    for format in ["simple", "json", "protobuf"] {
        pair.same(&[r, "-w", format, "user", "get", "nobody"]);
    }
    for args in [
        vec!["-w", "table", "user", "get", "nobody"],
        vec!["-w", "fields", "user", "get", "nobody"],
        vec!["-w", "table", "user", "get", "root", "--detail"],
    ] {
        let mut full = vec![r];
        full.extend(&args);
        let out = pair.ours.ectl().args(&full).run();
        out.assert_code(4);
        assert!(out.stdout.is_empty(), "{out:?}");
        assert_eq!(
            out.stderr_str(),
            format!("Error: {} not supported as output format\n", args[1])
        );
    }
    // `--detail` prints each role as `role get` does; one role in protobuf (see `normalize`).
    for format in ["simple", "json", "fields"] {
        pair.same(&[r, "-w", format, "user", "get", "u2", "--detail"])
            .assert_ok();
    }
    pair.same(&[r, "-w", "protobuf", "user", "get", "u1", "--detail"])
        .assert_ok();
    let out = pair.same(&[r, "user", "get", "u2", "--detail"]);
    assert!(
        out.stdout_str()
            .starts_with("User: u2\n\nRole r1\nKV Read:\n")
    );

    // Changes in every format, each on its own user and role.
    for format in ["simple", "json", "fields", "protobuf", "table"] {
        let user = format!("user-{format}");
        let role = format!("role-{format}");
        let add = format!("{user}:{OTHER_PW}");
        for args in [
            vec!["role", "add", &role],
            vec!["role", "grant-permission", &role, "write", "a", "c"],
            vec!["role", "grant-permission", &role, "read", "--prefix", "p"],
            vec!["role", "grant-permission", &role, "read", "--from-key", "f"],
            vec!["role", "grant-permission", &role, "read", "one"],
            vec!["role", "grant-permission", &role, "read", "", "--from-key"],
            vec!["role", "revoke-permission", &role, "a", "c"],
            vec!["role", "revoke-permission", &role, "--prefix", "p"],
            vec!["role", "revoke-permission", &role, "--from-key", "f"],
            vec!["role", "revoke", &role, "one"],
            vec!["role", "revoke", &role, "", "--prefix"],
            vec!["user", "add", &add],
            vec!["user", "grant-role", &user, &role],
            vec!["user", "revoke-role", &user, &role],
            vec!["user", "delete", &user],
            vec!["role", "delete", &role],
        ] {
            let mut full = vec![r, "-w", format];
            full.extend(args);
            pair.same(&full);
        }
        let mut passwd = vec![
            r,
            "-w",
            format,
            "user",
            "passwd",
            "u1",
            "--interactive=false",
        ];
        pair.same_with(&passwd, |c| c.stdin(format!("{U1_PW}\n")));
        passwd.truncate(3);
        passwd.extend(["role", "list"]);
        pair.same(&passwd);
    }
    let out = pair.same(&[r, "user", "list"]);
    assert_eq!(out.stdout_str(), "root\nu1\nu2\n");
}

#[test]
fn passwords_from_flags_environment_and_stdin_match_etcdctl() {
    let pair = Pair::new(Options::default());
    pair.enable_auth();
    // `--interactive=false` reads the first word of stdin, as etcdctl's Scanf does.
    let out = pair.same_with(
        &[&root(), "user", "add", "u1", "--interactive=false"],
        |c| c.stdin(format!("  {U1_PW} trailing words\nsecond line\n")),
    );
    assert_eq!(out.stdout_str(), "User u1 created\n");
    pair.same(&[&root(), "role", "add", "r1"]).assert_ok();
    pair.same(&[&root(), "role", "grant", "r1", "read", "k"])
        .assert_ok();
    pair.same(&[&root(), "user", "grant-role", "u1", "r1"])
        .assert_ok();
    pair.same(&[&root(), "put", "k", "v"]).assert_ok();
    for with_password in [
        |c: Cmd| c.args(["--user=u1", "--password", U1_PW]),
        |c: Cmd| c.args(["--user", "u1"]).env("ETCDCTL_PASSWORD", U1_PW),
        |c: Cmd| c.env("ETCDCTL_USER", "u1").env("ETCDCTL_PASSWORD", U1_PW),
    ] {
        let out = pair.same_with(&["get", "k"], with_password);
        assert_eq!(out.stdout_str(), "k\nv\n");
        let out = pair.same_with(&["user", "get", "u1"], with_password);
        assert_eq!(out.stdout_str(), "User: u1\nRoles: r1\n");
    }
    // Without --interactive=false, both prompts go to stdout and stdin's first two lines must
    // agree, as with etcdctl (which uses its terminal prompts on the pipe).
    let two_lines = format!("{OTHER_PW}\n{OTHER_PW}\n");
    let out = pair.same_with(&[&root(), "user", "add", "u2"], |c| {
        c.stdin(two_lines.clone())
    });
    assert_eq!(
        out.stdout_str(),
        "Password of u2: \nType password of u2 again for confirmation: \nUser u2 created\n"
    );
    // With `--user root` and no password, etcdctl asks for root's password when it connects,
    // after the new user's two lines: the same piped stdin must work for both tools.
    let out = pair.same_with(&["--user", "root", "user", "add", "u4"], |c| {
        c.stdin(format!("{OTHER_PW}\n{OTHER_PW}\n{ROOT_PW}\n"))
    });
    assert_eq!(
        out.stdout_str(),
        "Password of u4: \nType password of u4 again for confirmation: \nPassword: \nUser u4 created\n"
    );
    for stdin in [
        format!("{OTHER_PW}\n"),
        format!("{OTHER_PW}\n{U1_PW}\n"),
        String::new(),
    ] {
        let out = pair.same_with(&[&root(), "user", "add", "u3"], |c| c.stdin(stdin.clone()));
        out.assert_code(128);
    }
    // A new password through stdin; the old one stops working.
    let out = pair.same_with(
        &[&root(), "user", "passwd", "u1", "--interactive=false"],
        |c| c.stdin(format!("{OTHER_PW}\n")),
    );
    assert_eq!(out.stdout_str(), "Password updated\n");
    pair.same(&[&u1(), "get", "k"]).assert_code(2);
    let new = format!("--user=u1:{OTHER_PW}");
    pair.same(&[&new, "get", "k"]).assert_ok();
    // `--debug` traces requests, never what is in them.
    let out = pair
        .ours
        .ectl()
        .args([
            "--debug",
            &root(),
            "user",
            "add",
            "u9",
            "--new-user-password",
            OTHER_PW,
        ])
        .run();
    out.assert_ok();
    assert!(out.stderr_str().contains("UserAdd"), "{out:?}");
    assert_no_password(&out);
    for args in [
        vec!["user", "add", "u8", "--new-user-password", OTHER_PW],
        vec!["user", "passwd", "u8", "--interactive=false"],
    ] {
        let out = pair
            .ours
            .ectl()
            .args(["--print-curl", &root()])
            .args(&args)
            .stdin(format!("{U1_PW}\n"))
            .run();
        out.assert_ok();
        assert!(out.stderr_str().contains("curl"), "{out:?}");
        // The curl lines name the root password's variable, never a password.
        assert_no_password(&out);
    }
    let out = pair
        .ours
        .ectl()
        .args(["--debug", &new, "user", "get", "u1"])
        .run();
    out.assert_ok();
    assert_no_password(&out);
}

/// A command run in a pseudo-terminal (`script`), answering each prompt once it is shown.
/// Returns the terminal transcript (`\r\n` as `\n`, stderr's log lines and hints left out) and
/// the exit code.
fn in_terminal(cmd: &str, env: &[(&str, &str)], answers: &[(&str, &str)]) -> (String, i32) {
    let mut child = Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "dumb")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    let transcript = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = transcript.clone();
    let reader = thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = || String::from_utf8_lossy(&transcript.lock().unwrap()).replace("\r\n", "\n");
    let mut seen = 0;
    for (prompt, answer) in answers {
        loop {
            let shown = text();
            if let Some(at) = shown[seen..].find(prompt) {
                seen += at + prompt.len();
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no prompt {prompt:?} in {shown:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
        // The prompt is written just before echo is turned off: give the tool time to do it.
        thread::sleep(Duration::from_millis(400));
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
    }
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`{cmd}` still running: {:?}", text());
        }
        thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    reader.join().unwrap();
    // etcdctl's JSON warnings and ectl's hints (stderr) share the terminal: keep what both print.
    let shown: Vec<String> = text()
        .lines()
        .filter(|l| !l.starts_with("{\"level\"") && !l.starts_with("hint: "))
        .map(|l| format!("{l}\n"))
        .collect();
    (shown.concat(), status.code().unwrap_or(-1))
}

#[test]
fn passwords_typed_at_a_terminal_match_etcdctl() {
    let pair = Pair::new(Options::default());
    pair.enable_auth();
    let ectl = env!("CARGO_BIN_EXE_ectl");
    let etcdctl = support::etcdctl_path().display().to_string();
    let api = [("ETCDCTL_API", "3")];
    let both = |args: &str, answers: &[(&str, &str)]| {
        let ours = in_terminal(
            &format!("{ectl} --endpoints={} {args}", pair.ours.endpoint()),
            &[],
            answers,
        );
        let theirs = in_terminal(
            &format!("{etcdctl} --endpoints={} {args}", pair.theirs.endpoint()),
            &api,
            answers,
        );
        for pw in PASSWORDS {
            assert!(!ours.0.contains(pw), "a password was echoed: {ours:?}");
        }
        assert_eq!(ours, theirs, "{args}");
        ours
    };
    let root = root();
    // A new user's password, twice; a mismatch and an empty password are refused.
    let (shown, code) = both(
        &format!("{root} user add u1"),
        &[
            ("Password of u1: ", U1_PW),
            ("Type password of u1 again for confirmation: ", U1_PW),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        shown,
        "Password of u1: \nType password of u1 again for confirmation: \nUser u1 created\n"
    );
    let (shown, code) = both(
        &format!("{root} user add u2"),
        &[
            ("Password of u2: ", OTHER_PW),
            ("Type password of u2 again for confirmation: ", U1_PW),
        ],
    );
    assert_eq!(code, 128);
    assert!(
        shown.ends_with("Error: given passwords are different\n"),
        "{shown}"
    );
    let (shown, code) = both(&format!("{root} user add u3"), &[("Password of u3: ", "")]);
    assert_eq!(code, 128);
    assert!(shown.ends_with("Error: empty password\n"), "{shown}");
    // The global --user without a password asks for it.
    both(&format!("{root} role add r1"), &[]);
    both(&format!("{root} role grant r1 read k"), &[]);
    both(&format!("{root} user grant-role u1 r1"), &[]);
    let (shown, code) = both("--user u1 user get u1", &[("Password: ", U1_PW)]);
    assert_eq!(
        (shown.as_str(), code),
        ("Password: \nUser: u1\nRoles: r1\n", 0)
    );
    let (shown, code) = both("--user u1 get k", &[("Password: ", OTHER_PW)]);
    assert_eq!(code, 2);
    assert!(
        shown.ends_with("Error: etcdserver: authentication failed, invalid user ID or password\n"),
        "{shown}"
    );
    // passwd on a terminal, then the new password works.
    let (shown, code) = both(
        &format!("{root} user passwd u1"),
        &[
            ("Password of u1: ", OTHER_PW),
            ("Type password of u1 again for confirmation: ", OTHER_PW),
        ],
    );
    assert_eq!(
        (shown.as_str(), code),
        (
            "Password of u1: \nType password of u1 again for confirmation: \nPassword updated\n",
            0
        )
    );
    let new = format!("--user=u1:{OTHER_PW}");
    pair.same(&[&new, "user", "get", "u1"]).assert_ok();
}

#[test]
fn short_lived_tokens_are_renewed() {
    // Tokens live one second without use. Two watches (ectl's and etcdctl's) opened with a
    // token keep delivering events long after it expired, while separate commands come and go;
    // the renewal of an expired token inside one client is tested in tests/auth.rs.
    let etcd = Etcd::start(Options {
        auth_token_ttl: Some(1),
        ..Options::default()
    });
    etcd.enable_auth(ROOT_PW);
    let root = root();
    let ours = etcd.ectl().args([&root, "watch", "k"]).spawn();
    let theirs = etcd.etcdctl().args([&root, "watch", "k"]).spawn();
    etcd.ectl()
        .args([&root, "user", "add", "u1", "--new-user-password", U1_PW])
        .run()
        .assert_ok();
    etcd.ectl()
        .args([&root, "role", "add", "r1"])
        .run()
        .assert_ok();
    thread::sleep(Duration::from_secs(3));
    etcd.ectl()
        .args([&root, "user", "grant-role", "u1", "r1"])
        .run()
        .assert_ok();
    etcd.ectl()
        .args([&root, "put", "k", "v1"])
        .run()
        .assert_ok();
    ours.wait_for_stdout("v1\n");
    theirs.wait_for_stdout("v1\n");
    thread::sleep(Duration::from_secs(3));
    etcd.ectl()
        .args([&root, "put", "k", "v2"])
        .run()
        .assert_ok();
    ours.wait_for_stdout("v2\n");
    theirs.wait_for_stdout("v2\n");
    let out = etcd
        .ectl()
        .args([&root, "user", "get", "u1", "--detail"])
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        "User: u1\n\nRole r1\nKV Read:\nKV Write:\n"
    );
    ours.interrupt();
    theirs.interrupt();
    let (ours, theirs) = (ours.wait(), theirs.wait());
    assert_eq!(ours.stdout_str(), "PUT\nk\nv1\nPUT\nk\nv2\n", "{ours:?}");
    assert_eq!(ours.stdout, theirs.stdout);
    assert_no_password(&ours);
}
