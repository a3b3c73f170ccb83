//! `get`, `put`, `del` and `compaction` compared byte for byte with the reference etcdctl
//! 3.4.23 (see `common` for how): every case etcd's own e2e tests run (ctl_v3_kv_test.go,
//! ctl_v3_compact_test.go) plus what operators type: ranges, prefixes, sorting, limits, revisions,
//! every output format, `--hex`, binary and odd keys, stdin values, leases, bad arguments.
//!
//! One test per command group, each with its own pair of members, so groups run in parallel.

use crate::differential::{Case, Mode, Pair, case, case_bytes};

/// Lease IDs granted through the gateway (decimal; `--lease` takes them in hex).
const LEASE: i64 = 0x1234;
const OTHER_LEASE: i64 = 0x5678;

/// The keyspace the `get` cases read. Revisions are fixed: a fresh member is at revision 1, so
/// `rev` holds v1, v2, v3 at revisions 2, 3 and 4 (as in e2e's getRevTest).
fn get_fixture(pair: &Pair) {
    pair.grant(LEASE, 3600);
    let puts: &[&[&[u8]]] = &[
        &[b"put", b"rev", b"v1"],
        &[b"put", b"rev", b"v2"],
        &[b"put", b"rev", b"v3"],
        &[b"put", b"key1", b"val1"],
        &[b"put", b"key2", b"val2"],
        &[b"put", b"key3", b"val3"],
        &[b"put", b"abc", b"123"],
        &[b"put", b"foo", b"bar"],
        &[b"put", b"foo", b"baz"],
        &[b"put", b"a b", b"c d"],
        &[b"put", b"quote\"d", b"say \"hi\"\\"],
        &[b"put", b"new\nline", b"multi\nline\n"],
        &[b"put", b"--", b"-dash", b"-value"],
        &[b"put", b"\xff\xfe", b"\x01bin\xc3"],
        &[
            b"put",
            b"caf\xc3\xa9",
            b"\xc3\xbcn\xc3\xafcode \xe2\x80\xa8<&>",
        ],
        &[b"put", b"empty", b""],
        &[b"put", b"/registry/pods/a", b"pa"],
        &[b"put", b"/registry/pods/b", b"pb"],
        &[b"put", b"/registry/svc/x", b"sx"],
        &[b"put", b"tab\tkey", b"\x1b[31mred"],
        &[b"put", b"leased", b"lv", b"--lease=1234"],
        &[b"put", b"zzz", b"last"],
    ];
    for args in puts {
        pair.setup(args);
    }
}

#[test]
fn get_matches_etcdctl() {
    let pair = Pair::start();
    get_fixture(&pair);
    let mut cases: Vec<Case> = Vec::new();

    // e2e getTest (ctlV3Get adds `--consistency s`).
    for (name, args) in [
        ("e2e one key", &["get", "key1"][..]),
        ("e2e all by prefix", &["get", "", "--prefix"]),
        ("e2e all from key", &["get", "", "--from-key"]),
        ("e2e prefix", &["get", "key", "--prefix"]),
        ("e2e prefix limit", &["get", "key", "--prefix", "--limit=2"]),
        (
            "e2e ascend by modify",
            &[
                "get",
                "key",
                "--prefix",
                "--order=ASCEND",
                "--sort-by=MODIFY",
            ],
        ),
        (
            "e2e ascend by version",
            &[
                "get",
                "key",
                "--prefix",
                "--order=ASCEND",
                "--sort-by=VERSION",
            ],
        ),
        (
            "e2e sort by create",
            &["get", "key", "--prefix", "--sort-by=CREATE"],
        ),
        (
            "e2e descend by create",
            &[
                "get",
                "key",
                "--prefix",
                "--order=DESCEND",
                "--sort-by=CREATE",
            ],
        ),
        (
            "e2e descend by key",
            &["get", "key", "--prefix", "--order=DESCEND", "--sort-by=KEY"],
        ),
    ] {
        let mut args = args.to_vec();
        args.extend(["--consistency", "s"]);
        cases.push(case(name, &args));
        // The same reads, linearizable (e2e's withQuorum).
        cases.push(case(
            &format!("{name} (linearizable)"),
            &args[..args.len() - 2],
        ));
    }
    // e2e getRevTest, getKeysOnlyTest, getFormatTest.
    for rev in ["2", "3", "4"] {
        cases.push(case(
            &format!("e2e rev {rev}"),
            &["get", "rev", "--rev", rev],
        ));
    }
    cases.push(case("e2e keys only", &["get", "--keys-only", "key1"]));
    for format in ["simple", "json", "protobuf", "fields"] {
        cases.push(case(
            &format!("e2e format {format}"),
            &["get", &format!("--write-out={format}"), "abc"],
        ));
    }
    cases.push(case(
        "e2e format simple value only",
        &["get", "--write-out=simple", "--print-value-only", "abc"],
    ));

    // Every format, for one key, a range, nothing, a limited range, and keys only.
    for format in ["simple", "json", "fields", "protobuf"] {
        for (what, args) in [
            ("one key", &["get", "foo"][..]),
            ("everything", &["get", "", "--from-key"]),
            ("nothing", &["get", "nonexistent"]),
            ("limited", &["get", "", "--prefix", "--limit", "3"]),
            (
                "keys only",
                &["get", "/registry/", "--prefix", "--keys-only"],
            ),
            ("leased key", &["get", "leased"]),
            ("empty value", &["get", "empty"]),
        ] {
            let mut args = args.to_vec();
            args.extend(["-w", format]);
            cases.push(case(&format!("{what} -w {format}"), &args));
        }
        cases.push(case(
            &format!("hex ignored or used, -w {format}"),
            &["--hex", "get", "", "--from-key", "-w", format],
        ));
    }

    // Ranges.
    cases.extend([
        case("range [key1, key3)", &["get", "key1", "key3"]),
        case("range [a, z)", &["get", "a", "z"]),
        case("range end before key", &["get", "key3", "key1"]),
        case("range end equals key", &["get", "key1", "key1"]),
        case("third argument ignored", &["get", "key1", "key3", "zzz"]),
        case("prefix of a path", &["get", "/registry/pods/", "--prefix"]),
        case("prefix that is a whole key", &["get", "foo", "--prefix"]),
        case("prefix=true", &["get", "key", "--prefix=true"]),
        case(
            "prefix=false is one key",
            &["get", "key1", "--prefix=false"],
        ),
        case("prefix=1", &["get", "key", "--prefix=1"]),
        case("from key", &["get", "key2", "--from-key"]),
        case("from key=false", &["get", "key2", "--from-key=false"]),
        case(
            "from key past the end",
            &["get", "\u{10ffff}", "--from-key"],
        ),
        case(
            "flags before the key",
            &["get", "--prefix", "--limit=1", "key"],
        ),
        case("prefix repeated", &["get", "key", "--prefix", "--prefix"]),
        case(
            "prefix then prefix=false",
            &["get", "key1", "--prefix", "--prefix=false"],
        ),
        case_bytes("prefix of 0xff", &[b"get", b"\xff", b"--prefix"]),
        case_bytes("binary key", &[b"get", b"\xff\xfe"]),
        case_bytes("binary key -w json", &[b"get", b"\xff\xfe", b"-w", b"json"]),
        case_bytes(
            "binary key -w fields",
            &[b"get", b"\xff\xfe", b"--write-out=fields"],
        ),
        case_bytes("binary key --hex", &[b"--hex", b"get", b"\xff\xfe"]),
        case("key with a space", &["get", "a b"]),
        case(
            "key with quotes -w fields",
            &["get", "quote\"d", "-w", "fields"],
        ),
        case("key with a newline", &["get", "new\nline"]),
        case(
            "key with a newline -w fields",
            &["get", "new\nline", "-w", "fields"],
        ),
        case(
            "key with a newline -w json",
            &["get", "new\nline", "-w", "json"],
        ),
        case("unicode -w fields", &["get", "café", "-w", "fields"]),
        case("unicode -w json", &["get", "café", "-w", "json"]),
        case("controls -w fields", &["get", "tab\tkey", "-w", "fields"]),
        case("controls -w json", &["get", "tab\tkey", "-w", "json"]),
        case("dash key after --", &["get", "--", "-dash"]),
        case("empty key", &["get", ""]),
        case("empty key -w json", &["get", "", "-w", "json"]),
    ]);

    // Limits, sorting, revisions, consistency.
    cases.extend([
        case("limit 0 is no limit", &["get", "", "--prefix", "--limit=0"]),
        case("negative limit", &["get", "", "--prefix", "--limit=-1"]),
        case(
            "negative limit, separate",
            &["get", "", "--prefix", "--limit", "-1"],
        ),
        case("hex limit", &["get", "", "--prefix", "--limit=0x2"]),
        case("octal limit", &["get", "", "--prefix", "--limit=010"]),
        case(
            "limit with underscores",
            &["get", "", "--prefix", "--limit=1_0"],
        ),
        case("limit with plus", &["get", "", "--prefix", "--limit=+1"]),
        case(
            "limit repeated, last wins",
            &["get", "", "--prefix", "--limit=1", "--limit=2"],
        ),
        case(
            "limit -w json has more",
            &["get", "", "--prefix", "--limit=2", "-w", "json"],
        ),
        case(
            "limit -w fields",
            &["get", "", "--prefix", "--limit=2", "-w", "fields"],
        ),
        case(
            "limit larger than range",
            &["get", "key", "--prefix", "--limit=100"],
        ),
        case("descend alone", &["get", "", "--prefix", "--order=DESCEND"]),
        case("ascend alone", &["get", "", "--prefix", "--order=ASCEND"]),
        case(
            "lower-case order and target",
            &["get", "", "--prefix", "--order=descend", "--sort-by=value"],
        ),
        case("sort by value", &["get", "", "--prefix", "--sort-by=VALUE"]),
        case(
            "sort by version descending",
            &[
                "get",
                "",
                "--prefix",
                "--sort-by=VERSION",
                "--order=DESCEND",
            ],
        ),
        case(
            "sort by modify descending, limit",
            &[
                "get",
                "",
                "--prefix",
                "--sort-by=MODIFY",
                "--order=DESCEND",
                "--limit=3",
            ],
        ),
        case(
            "sort by key ascending, limit",
            &[
                "get",
                "",
                "--prefix",
                "--sort-by=KEY",
                "--order=ASCEND",
                "--limit=2",
            ],
        ),
        case(
            "sort by create descending -w json",
            &[
                "get",
                "key",
                "--prefix",
                "--sort-by=CREATE",
                "--order=DESCEND",
                "-w",
                "json",
            ],
        ),
        case("rev 0 is latest", &["get", "rev", "--rev=0"]),
        case("negative rev is latest", &["get", "rev", "--rev=-1"]),
        case("rev before the key existed", &["get", "key1", "--rev=2"]),
        case("rev in hex", &["get", "rev", "--rev=0x3"]),
        case("rev -w json", &["get", "rev", "--rev=3", "-w", "json"]),
        case(
            "rev -w protobuf",
            &["get", "rev", "--rev=3", "-w", "protobuf"],
        ),
        case("future rev", &["get", "rev", "--rev=100000"]),
        case(
            "future rev -w json",
            &["get", "rev", "--rev=100000", "-w", "json"],
        ),
        case("rev on a range", &["get", "", "--prefix", "--rev=6"]),
        case("serializable", &["get", "foo", "--consistency=s"]),
        case("linearizable", &["get", "foo", "--consistency=l"]),
        case(
            "keys only then a value",
            &["get", "", "--prefix", "--keys-only"],
        ),
        case("keys only=false", &["get", "foo", "--keys-only=false"]),
        case(
            "print value only",
            &["get", "", "--prefix", "--print-value-only"],
        ),
        case(
            "print value only, keys only",
            &["get", "", "--prefix", "--print-value-only", "--keys-only"],
        ),
        case(
            "print value only, hex",
            &["--hex", "get", "", "--prefix", "--print-value-only"],
        ),
        case(
            "print value only=false",
            &["get", "foo", "--print-value-only=false"],
        ),
        case(
            "hex keys only",
            &["--hex", "get", "", "--prefix", "--keys-only"],
        ),
        case("hex=false", &["--hex=false", "get", "foo"]),
        case("hex after the command", &["get", "foo", "--hex"]),
        case("hex in the environment", &["get", "", "--from-key"]).env("ETCDCTL_HEX", "true"),
        case("format in the environment", &["get", "foo"]).env("ETCDCTL_WRITE_OUT", "json"),
        case("-w=json", &["-w=json", "get", "foo"]),
        case("-wjson", &["-wjson", "get", "foo"]),
        case("--write-out json", &["--write-out", "json", "get", "foo"]),
        case(
            "format repeated, last wins",
            &["-w", "json", "-w", "simple", "get", "foo"],
        ),
        case("abbreviated command ge", &["ge", "foo"]),
        case("abbreviated command g", &["g", "key", "--prefix"]),
    ]);

    // Errors etcdctl reports itself (same code and message).
    cases.extend([
        case("no key", &["get"]),
        case("no key -w json", &["get", "-w", "json"]),
        case("prefix and range end", &["get", "a", "b", "--prefix"]),
        case("from-key and range end", &["get", "a", "b", "--from-key"]),
        case(
            "prefix and from-key",
            &["get", "a", "--prefix", "--from-key"],
        ),
        case("bad order", &["get", "foo", "--order=UP"]),
        case("bad sort target", &["get", "foo", "--sort-by=SIZE"]),
        case("bad consistency", &["get", "foo", "--consistency=x"]),
        case(
            "value only needs simple",
            &["get", "foo", "--print-value-only", "-w", "json"],
        ),
        case(
            "value only needs simple, fields",
            &["get", "foo", "--print-value-only", "-w", "fields"],
        ),
        case(
            "value only needs simple, table",
            &["get", "foo", "--print-value-only", "-w", "table"],
        ),
        case(
            "value only needs simple, keys only",
            &[
                "get",
                "foo",
                "--keys-only",
                "--print-value-only",
                "-w",
                "json",
            ],
        ),
        case("unsupported format", &["get", "foo", "-w", "bogus"]),
        case(
            "unsupported format, bad order",
            &["get", "foo", "--order=x", "-w", "bogus"],
        ),
        case("table cannot print get", &["get", "foo", "-w", "table"]),
        case("unsupported format in the environment", &["get", "foo"])
            .env("ETCDCTL_WRITE_OUT", "yaml"),
    ]);

    // Usage errors (documented: exit 128, clap's wording).
    cases.extend([
        case("unknown flag", &["get", "foo", "--bogus"]).usage_error(),
        case("limit not a number", &["get", "foo", "--limit=abc"]).usage_error(),
        case("limit with a space", &["get", "foo", "--limit", " 1"]).usage_error(),
        case("limit 08 is bad octal", &["get", "foo", "--limit=08"]).usage_error(),
        case("rev not a number", &["get", "foo", "--rev=abc"]).usage_error(),
        case(
            "bool flag with a bad value",
            &["get", "foo", "--prefix=maybe"],
        )
        .usage_error(),
        case("limit without a value", &["get", "foo", "--limit"]).usage_error(),
        case("dash key without --", &["get", "-x"]).usage_error(),
    ]);

    pair.run(cases, Mode::Sequential);
}

#[test]
fn put_matches_etcdctl() {
    let pair = Pair::start();
    let lease = &format!("--lease={LEASE:x}");
    let other_lease = &format!("--lease={OTHER_LEASE:x}");
    let cases = vec![
        // e2e putTest, putTestIgnoreValue, putTestIgnoreLease.
        case("e2e put", &["put", "foo", "bar"]),
        case("e2e get after put", &["get", "foo"]).setup(&["put", "foo", "bar"]),
        case("e2e ignore value", &["put", "foo", "--ignore-value"]).setup(&["put", "foo", "bar"]),
        case("e2e ignore value then get", &["get", "foo"])
            .setup(&["put", "foo", "bar"])
            .setup(&["put", "foo", "--ignore-value"]),
        case(
            "e2e put with lease",
            &["put", "foo", "bar", "--lease", &format!("{LEASE:x}")],
        )
        .grant(LEASE, 600),
        case(
            "e2e ignore lease",
            &["put", "foo", "bar1", "--ignore-lease"],
        )
        .grant(LEASE, 600)
        .setup(&["put", "foo", "bar", lease]),
        case("e2e revoked lease took the key", &["get", "foo"])
            .grant(LEASE, 600)
            .setup(&["put", "foo", "bar", lease])
            .setup(&["put", "foo", "bar1", "--ignore-lease"])
            .revoke(LEASE),
        // Output in every format, with and without a previous value.
        case("put -w json", &["put", "foo", "bar", "-w", "json"]),
        case("put -w fields", &["put", "foo", "bar", "-w", "fields"]),
        case("put -w protobuf", &["put", "foo", "bar", "-w", "protobuf"]),
        case("prev-kv of nothing", &["put", "foo", "bar", "--prev-kv"]),
        case("prev-kv", &["put", "foo", "new", "--prev-kv"]).setup(&["put", "foo", "old"]),
        case(
            "prev-kv -w json",
            &["put", "foo", "new", "--prev-kv", "-w", "json"],
        )
        .setup(&["put", "foo", "old"]),
        case(
            "prev-kv -w fields",
            &["put", "foo", "new", "--prev-kv", "-w", "fields"],
        )
        .setup(&["put", "foo", "old"]),
        case(
            "prev-kv -w protobuf",
            &["put", "foo", "new", "--prev-kv", "-w", "protobuf"],
        )
        .setup(&["put", "foo", "old"]),
        case(
            "prev-kv --hex",
            &["--hex", "put", "foo", "new", "--prev-kv"],
        )
        .setup(&["put", "foo", "old"]),
        case(
            "prev-kv of a leased key -w json",
            &["put", "foo", "new", "--prev-kv", "-w", "json"],
        )
        .grant(LEASE, 600)
        .setup(&["put", "foo", "old", lease]),
        case("prev-kv=false", &["put", "foo", "new", "--prev-kv=false"])
            .setup(&["put", "foo", "old"]),
        case(
            "prev-kv then prev-kv=false",
            &["put", "foo", "new", "--prev-kv", "--prev-kv=false"],
        )
        .setup(&["put", "foo", "old"]),
        case("format in the environment", &["put", "foo", "bar"]).env("ETCDCTL_WRITE_OUT", "json"),
        // Values and keys.
        case("value from stdin", &["put", "foo"]).stdin(b"from stdin\n"),
        case("binary value from stdin", &["put", "foo"]).stdin(b"\x00\x01\xff\xfe\n\r\n"),
        case("big value from stdin", &["put", "big"]).stdin(&[b'x'; 200_000]),
        case("argument wins over stdin", &["put", "foo", "arg"]).stdin(b"stdin"),
        case("empty stdin", &["put", "foo"]).stdin(b""),
        case("no stdin", &["put", "foo"]),
        case("empty value argument", &["put", "foo", ""]),
        case("third argument ignored", &["put", "a", "b", "c"]),
        case("spaces", &["put", "a key", "a value"]),
        case("quotes and backslashes", &["put", "\"k\"", "'v' \\ \"w\""]),
        case("newlines", &["put", "new\nline", "multi\nline\n"]),
        case_bytes(
            "binary key and value",
            &[b"put", b"\xff\x01k", b"\xc3\x28\x80"],
        ),
        case_bytes(
            "binary key and value --prev-kv -w json",
            &[b"put", b"\xff\x01k", b"\xfe", b"--prev-kv", b"-w", b"json"],
        )
        .setup_bytes(&[b"put", b"\xff\x01k", b"\x80"]),
        case("unicode", &["put", "ключ", "значение ✓"]),
        case(
            "value starting with a dash after --",
            &["put", "foo", "--", "-v"],
        ),
        case(
            "key and value starting with dashes",
            &["put", "--", "-k", "-v"],
        ),
        case(
            "value that looks like a flag",
            &["put", "--", "foo", "--prefix"],
        ),
        case("flags after --", &["put", "foo", "--", "bar", "--prev-kv"]),
        case("abbreviated command p", &["p", "foo", "bar"]),
        // Leases.
        case("lease in hex", &["put", "foo", "bar", lease, "-w", "json"]).grant(LEASE, 600),
        case(
            "lease with upper-case hex",
            &["put", "foo", "bar", "--lease=1234"],
        )
        .grant(LEASE, 600),
        case("lease 0 means none", &["put", "foo", "bar", "--lease=0"]),
        case(
            "lease that does not exist",
            &["put", "foo", "bar", "--lease=1"],
        ),
        case("negative lease", &["put", "foo", "bar", "--lease=-1"]),
        case("lease not hex", &["put", "foo", "bar", "--lease=zz"]),
        case("lease with 0x", &["put", "foo", "bar", "--lease=0x1234"]),
        case(
            "lease out of range",
            &["put", "foo", "bar", "--lease=ffffffffffffffff"],
        ),
        case("lease empty", &["put", "foo", "bar", "--lease="]),
        case(
            "lease takes the next argument",
            &["put", "foo", "bar", "--lease", "--prev-kv"],
        ),
        case(
            "ignore lease keeps the lease",
            &[
                "put",
                "foo",
                "v2",
                "--ignore-lease",
                "--prev-kv",
                "-w",
                "json",
            ],
        )
        .grant(LEASE, 600)
        .setup(&["put", "foo", "v1", lease]),
        case(
            "ignore lease on a new key",
            &["put", "nokey", "v", "--ignore-lease"],
        ),
        case(
            "ignore lease with a lease",
            &["put", "foo", "v", "--ignore-lease", other_lease],
        )
        .grant(OTHER_LEASE, 600),
        case(
            "ignore value keeps the value",
            &["put", "foo", "--ignore-value", "--prev-kv", "-w", "json"],
        )
        .setup(&["put", "foo", "kept"]),
        case(
            "ignore value on a new key",
            &["put", "nokey", "--ignore-value"],
        ),
        case(
            "ignore value with a new lease",
            &["put", "foo", "--ignore-value", other_lease],
        )
        .grant(OTHER_LEASE, 600)
        .setup(&["put", "foo", "kept"]),
        case(
            "ignore value and lease",
            &["put", "foo", "--ignore-value", "--ignore-lease"],
        )
        .grant(LEASE, 600)
        .setup(&["put", "foo", "kept", lease]),
        case(
            "ignore value=false takes stdin",
            &["put", "foo", "--ignore-value=false"],
        )
        .stdin(b"in"),
        // Errors.
        case("empty key", &["put", "", "v"]),
        case("no arguments", &["put"]),
        case(
            "ignore value with a value",
            &["put", "foo", "bar", "--ignore-value"],
        ),
        case("unsupported format", &["put", "foo", "bar", "-w", "bogus"]),
        case("unsupported format, no key", &["put", "-w", "bogus"]),
        case("table, no key", &["put", "-w", "table"]),
        case("value starting with a dash", &["put", "foo", "-v"]).usage_error(),
        case("unknown flag", &["put", "foo", "bar", "--bogus"]).usage_error(),
        case(
            "bool flag with a bad value",
            &["put", "foo", "bar", "--prev-kv=yes"],
        )
        .usage_error(),
        case(
            "table cannot print put",
            &["put", "foo", "bar", "-w", "table"],
        )
        .state_differs(),
    ];
    pair.run(cases, Mode::Reset);
}

#[test]
fn del_matches_etcdctl() {
    let pair = Pair::start();
    let three = |c: Case, prefix: &str| {
        c.setup(&["put", &format!("{prefix}1"), "bar"])
            .setup(&["put", &format!("{prefix}2"), "bar2"])
            .setup(&["put", &format!("{prefix}3"), "bar3"])
    };
    let cases = vec![
        // e2e delTest.
        three(
            case("e2e delete all by prefix", &["del", "", "--prefix"]),
            "foo",
        ),
        three(
            case("e2e delete all from key", &["del", "", "--from-key"]),
            "foo",
        ),
        case("e2e delete nothing", &["del", "that"]).setup(&["put", "this", "value"]),
        case("e2e delete one", &["del", "sample"]).setup(&["put", "sample", "value"]),
        three(
            case("e2e delete by prefix", &["del", "key", "--prefix"]),
            "key",
        ),
        three(
            case("e2e delete from key", &["del", "zoo1", "--from-key"]),
            "zoo",
        ),
        // Ranges and previous values in every format.
        three(case("range [k1, k3)", &["del", "k1", "k3"]), "k"),
        three(case("range end before key", &["del", "k3", "k1"]), "k"),
        three(case("third argument", &["del", "k1", "k3", "k4"]), "k"),
        three(case("prev-kv", &["del", "k", "--prefix", "--prev-kv"]), "k"),
        three(
            case(
                "prev-kv -w json",
                &["del", "k", "--prefix", "--prev-kv", "-w", "json"],
            ),
            "k",
        ),
        three(
            case(
                "prev-kv -w fields",
                &["del", "k", "--prefix", "--prev-kv", "-w", "fields"],
            ),
            "k",
        ),
        three(
            case(
                "prev-kv -w protobuf",
                &["del", "k", "--prefix", "--prev-kv", "-w", "protobuf"],
            ),
            "k",
        ),
        three(
            case(
                "prev-kv --hex",
                &["--hex", "del", "k", "--prefix", "--prev-kv"],
            ),
            "k",
        ),
        three(
            case(
                "prev-kv=false",
                &["del", "k", "--prefix", "--prev-kv=false"],
            ),
            "k",
        ),
        three(
            case("no match -w json", &["del", "nothing", "-w", "json"]),
            "k",
        ),
        three(
            case("no match -w fields", &["del", "nothing", "-w", "fields"]),
            "k",
        ),
        three(
            case(
                "no match -w protobuf",
                &["del", "nothing", "-w", "protobuf"],
            ),
            "k",
        ),
        three(case("one key -w json", &["del", "k2", "-w", "json"]), "k"),
        three(case("prefix=false", &["del", "k", "--prefix=false"]), "k"),
        three(
            case("from-key=true", &["del", "k2", "--from-key=true"]),
            "k",
        ),
        case(
            "prev-kv of a leased key",
            &["del", "foo", "--prev-kv", "-w", "json"],
        )
        .grant(LEASE, 600)
        .setup(&["put", "foo", "bar", &format!("--lease={LEASE:x}")]),
        case_bytes(
            "binary key",
            &[b"del", b"\xff\x00"[..1].as_ref(), b"--prev-kv"],
        )
        .setup_bytes(&[b"put", b"\xff", b"\x01\x02"]),
        case_bytes(
            "prefix of 0xff",
            &[b"del", b"\xff", b"--prefix", b"--prev-kv", b"-w", b"json"],
        )
        .setup_bytes(&[b"put", b"\xff\xfe", b"v"])
        .setup(&["put", "a", "b"]),
        case(
            "key with spaces and newlines",
            &["del", "a b\nc", "--prev-kv"],
        )
        .setup(&["put", "a b\nc", "d\ne"]),
        case("dash key after --", &["del", "--", "-k"]).setup(&["put", "--", "-k", "v"]),
        case("empty value", &["del", "e", "--prev-kv", "-w", "fields"]).setup(&["put", "e", ""]),
        case("format in the environment", &["del", "foo"])
            .setup(&["put", "foo", "bar"])
            .env("ETCDCTL_WRITE_OUT", "fields"),
        case("full name, no abbreviation", &["del", "foo"]).setup(&["put", "foo", "bar"]),
        // Errors.
        case("empty key", &["del", ""]),
        case("no arguments", &["del"]),
        case("too many arguments", &["del", "a", "b", "c"]),
        case("prefix and range end", &["del", "a", "b", "--prefix"]),
        case("from-key and range end", &["del", "a", "b", "--from-key"]),
        case(
            "prefix and from-key",
            &["del", "a", "--prefix", "--from-key"],
        ),
        case("unsupported format", &["del", "a", "-w", "bogus"]),
        case("table, no key", &["del", "-w", "table"]),
        case("ambiguous abbreviation de", &["de", "foo"]).usage_error(),
        case("ambiguous abbreviation d", &["d", "foo"]).usage_error(),
        case("unknown flag", &["del", "foo", "--all"]).usage_error(),
        three(
            case(
                "table cannot print del",
                &["del", "k", "--prefix", "-w", "table"],
            ),
            "k",
        )
        .state_differs(),
    ];
    pair.run(cases, Mode::Reset);
}

#[test]
fn compaction_matches_etcdctl() {
    // e2e compactTest and more, in order on one history: revisions are part of each case.
    let pair = Pair::start();
    let cases = vec![
        case("e2e future revision", &["compaction", "2"]),
        case("e2e abbreviated, future revision", &["compact", "2"]),
        case("put v1", &["put", "key", "val1"]),
        case("put v2", &["put", "key", "val2"]),
        case("put v3", &["put", "key", "val3"]),
        case("e2e get rev 3", &["get", "key", "--rev", "3"]),
        case("e2e compact 4", &["compact", "4"]),
        case("e2e get compacted rev 3", &["get", "key", "--rev", "3"]),
        case(
            "get compacted rev -w json",
            &["get", "key", "--rev=3", "-w", "json"],
        ),
        case("get at the compacted revision", &["get", "key", "--rev=4"]),
        case("e2e compact 2 again", &["compact", "2"]),
        case("compact the same revision", &["compaction", "4"]),
        case("compact 0", &["compaction", "0"]),
        case("compact negative", &["compaction", "--", "-1"]),
        case("put v4", &["put", "key", "val4"]),
        case("physical", &["compaction", "5", "--physical"]),
        case("physical=false", &["compaction", "5", "--physical=false"]),
        case("put v5", &["put", "key", "val5"]),
        case(
            "-w json prints the same line",
            &["-w", "json", "compaction", "6"],
        ),
        case("put v6", &["put", "key", "val6"]),
        case(
            "-w table prints the same line",
            &["-w", "table", "compaction", "+7"],
        ),
        case("put v7", &["put", "key", "val7"]),
        case("physical=true", &["compaction", "--physical=true", "8"]),
        case("revision with a plus", &["compaction", "+8"]),
        case("leading zeros", &["compaction", "0008"]),
        case("history after compactions", &["get", "key", "-w", "fields"]),
        case("far future", &["compaction", "9223372036854775807"]),
        // Errors before any request.
        case("no revision", &["compaction"]),
        case("two revisions", &["compaction", "1", "2"]),
        case("not a number", &["compaction", "abc"]),
        case("hex is not a revision", &["compaction", "0x5"]),
        case("out of range", &["compaction", "9223372036854775808"]),
        case("empty revision", &["compaction", ""]),
        case("unsupported format", &["-w", "bogus", "compaction", "5"]),
        case(
            "bool flag with a bad value",
            &["compaction", "5", "--physical=2"],
        )
        .usage_error(),
        case("ambiguous abbreviation co", &["co", "5"]).usage_error(),
        case("ambiguous abbreviation comp", &["comp", "5"]).usage_error(),
    ];
    pair.run(cases, Mode::Sequential);
}
