//! `txn` against real etcd, differentially: every case runs through the reference etcdctl on one
//! fresh member and through ectl on another, both given the same history, so revisions match and
//! stdout and exit code must be identical. Only what differs between two members is masked:
//! cluster and member IDs, and the ID of the lease each member granted. After each case the two
//! keyspaces must match too, so the transaction did the same thing. Where etcdctl crashes or has
//! a bug ectl deliberately does not copy, ectl-only tests pin ectl's behaviour.

use crate::support;

use ectl::pb::etcdserverpb::TxnResponse;
use prost::Message;
use support::{Cmd, Etcd, Out};

/// The keyspace every case starts from; `{lease}` is the member's lease (hex).
const FIXTURE: &str = concat!(
    "put a 1\n",
    "put b 2\n",
    "put c/1 x\n",
    "put c/2 y\n",
    "put d \"with space\"\n",
    "put \"\\xff\\xfek\" \"\\x00v\"\n",
    "put leased l --lease={lease}\n",
);

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Simple,
    Json,
    Fields,
    Protobuf,
}

/// One input fed to both tools, with the extra flags for `txn`.
struct Case {
    input: &'static [u8],
    flags: &'static [&'static str],
}

const fn case(input: &'static str) -> Case {
    bytes(input.as_bytes())
}

/// A case whose input need not be UTF-8.
const fn bytes(input: &'static [u8]) -> Case {
    Case { input, flags: &[] }
}

const fn with(flags: &'static [&'static str], input: &'static str) -> Case {
    Case {
        input: input.as_bytes(),
        flags,
    }
}

/// Two fresh members: etcdctl runs against `reference`, ectl against `ours`.
struct Twins {
    reference: Member,
    ours: Member,
}

struct Member {
    etcd: Etcd,
    /// A 600 s lease granted at start, in hex as `put --lease` takes it.
    lease_hex: String,
}

impl Member {
    fn start() -> Member {
        let etcd = Etcd::single();
        let lease_hex = etcd
            .etcdctl()
            .args(["lease", "grant", "600"])
            .run()
            .granted_lease();
        Member { etcd, lease_hex }
    }

    fn lease_decimal(&self) -> String {
        i64::from_str_radix(&self.lease_hex, 16)
            .unwrap()
            .to_string()
    }

    /// `text` with each `{lease}` replaced by this member's lease.
    fn template(&self, text: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.windows(7).position(|w| w == b"{lease}") {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(self.lease_hex.as_bytes());
            rest = &rest[at + 7..];
        }
        out.extend_from_slice(rest);
        out
    }

    /// Back to [`FIXTURE`], the same number of revisions later on every member.
    fn reset(&self) {
        let etcdctl = || self.etcd.etcdctl();
        etcdctl().args(["del", "", "--from-key"]).run().assert_ok();
        let setup = [b"\n", &self.template(FIXTURE.as_bytes())[..], b"\n\n"].concat();
        let out = etcdctl().arg("txn").stdin(setup).run();
        out.assert_ok();
        assert!(out.stdout_str().starts_with("SUCCESS"), "{out:?}");
    }

    /// The whole keyspace with revisions, leases and versions, masked like a case's output.
    fn keyspace(&self) -> String {
        let out = self
            .etcd
            .etcdctl()
            .args(["get", "", "--from-key", "-w", "json"])
            .run();
        out.assert_ok();
        self.mask(Format::Json, &out.stdout)
    }

    /// Stdout as comparable text: raw bytes for simple (shown escaped), IDs masked for json and
    /// fields, the decoded message with IDs zeroed for protobuf.
    fn mask(&self, format: Format, stdout: &[u8]) -> String {
        match format {
            Format::Simple => stdout.escape_ascii().to_string(),
            Format::Json | Format::Fields => {
                let mut text = String::from_utf8(stdout.to_vec()).expect("json/fields are text");
                for marker in [
                    "\"cluster_id\":",
                    "\"member_id\":",
                    "\"ClusterID\" : ",
                    "\"MemberID\" : ",
                ] {
                    text = support::mask_number_after(&text, marker, "<id>");
                }
                text.replace(&self.lease_decimal(), "<lease>")
            }
            Format::Protobuf => {
                let Ok(mut resp) = TxnResponse::decode(stdout) else {
                    return format!("not a TxnResponse: {}", stdout.escape_ascii());
                };
                assert_eq!(resp.encode_to_vec(), stdout, "protobuf output is canonical");
                if let Some(header) = resp.header.as_mut() {
                    header.cluster_id = 0;
                    header.member_id = 0;
                }
                format!("{resp:?}")
            }
        }
    }
}

fn format_of(flags: &[&str]) -> Format {
    match flags.iter().position(|f| *f == "-w").map(|i| flags[i + 1]) {
        Some("json") => Format::Json,
        Some("fields") => Format::Fields,
        Some("protobuf") => Format::Protobuf,
        _ => Format::Simple,
    }
}

impl Twins {
    fn start() -> Twins {
        Twins {
            reference: Member::start(),
            ours: Member::start(),
        }
    }

    /// Runs every case on both members and reports all mismatches at once.
    fn check_all(&self, cases: &[Case]) {
        let failures: Vec<String> = cases.iter().filter_map(|c| self.check(c).err()).collect();
        assert!(
            failures.is_empty(),
            "{} of {} cases differ from etcdctl:\n\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n\n")
        );
    }

    fn run(&self, member: &Member, cmd: Cmd, case: &Case) -> Out {
        member.reset();
        cmd.arg("txn")
            .args(case.flags)
            .stdin(member.template(case.input))
            .run()
    }

    fn check(&self, case: &Case) -> Result<(), String> {
        self.check_output(case)?;
        let (want_keys, got_keys) = (self.reference.keyspace(), self.ours.keyspace());
        if want_keys != got_keys {
            return Err(format!(
                "{}\nkeyspace afterwards differs:\n etcdctl: {want_keys}\n ectl:    {got_keys}",
                title(case)
            ));
        }
        Ok(())
    }

    /// Runs `case` on both members and compares stdout, exit code, and for errors found before
    /// sending, the error line.
    fn check_output(&self, case: &Case) -> Result<(), String> {
        let want = self.run(&self.reference, self.reference.etcd.etcdctl(), case);
        let got = self.run(&self.ours, self.ours.etcd.ectl(), case);
        let format = format_of(case.flags);
        let title = title(case);
        if want.code == 2 {
            return Err(format!(
                "{title}\netcdctl crashed; move the case out:\n{want:?}"
            ));
        }
        let (want_out, got_out) = (
            self.reference.mask(format, &want.stdout),
            self.ours.mask(format, &got.stdout),
        );
        if (want.code, &want_out) != (got.code, &got_out) {
            return Err(format!(
                "{title}\n--- etcdctl (exit {}) ---\n{want_out}\n--- ectl (exit {}) ---\n{got_out}\n\
                 --- etcdctl stderr ---\n{}\n--- ectl stderr ---\n{}",
                want.code,
                got.code,
                want.stderr_str(),
                got.stderr_str()
            ));
        }
        // Errors found before anything is sent read the same: etcdctl's last line (cobra puts
        // usage text above it); ectl may put `hint:` lines above it.
        if ![0, 1].contains(&want.code) {
            let last = want.stderr_str().lines().last().unwrap_or("").to_owned();
            let stderr = got.stderr_str();
            let lines: Vec<&str> = stderr.lines().collect();
            let ours = match lines.split_last() {
                Some((line, above)) if above.iter().all(|l| l.starts_with("hint: ")) => *line,
                _ => stderr.trim_end(),
            };
            if ours != last {
                return Err(format!(
                    "{title}\nstderr differs:\n etcdctl: {last}\n ectl:    {}",
                    got.stderr_str().trim_end()
                ));
            }
        }
        Ok(())
    }
}

fn title(case: &Case) -> String {
    format!(
        "txn {} <<< \"{}\"",
        case.flags.join(" "),
        case.input.escape_ascii()
    )
}

#[test]
fn compares_match_etcdctl() {
    Twins::start().check_all(&[
        // The README's example, on both branches.
        case("mod(\"a\") > \"0\"\n\nput a \"overwrote-a\"\n\nput a \"created-a\"\nput e \"some extra key\"\n\n"),
        case("mod(\"zz\") > \"0\"\n\nput zz \"overwrote\"\n\nput zz \"created\"\nput e \"some extra key\"\n\n"),
        // Every target and spelling, true and false.
        case("ver(\"a\") = \"1\"\n\nget a\n\nget b\n\n"),
        case("version(\"a\") != \"1\"\n\nget a\n\nget b\n\n"),
        case("ver(\"zz\") = \"0\"\n\nput zz new\n\n\n"),
        case("c(\"a\") < \"1000\"\n\nget a\n\nget b\n\n"),
        case("create(\"a\") > \"1000\"\n\nget a\n\nget b\n\n"),
        case("m(\"b\") > \"0\"\nmod(\"a\") < \"1000\"\n\nput a 9\n\nput b 9\n\n"),
        case("m(\"a\") = \"0\"\n\nput a 9\n\nput b 9\n\n"),
        case("val(\"a\") = \"1\"\n\ndel a\n\ndel b\n\n"),
        case("value(\"d\") = \"with space\"\n\nget d\n\n\n"),
        case("value(\"a\") > \"0\"\nvalue(\"a\") < \"2\"\n\nget a\n\n\n"),
        case("value(\"zz\") = \"\"\n\nget a\n\nget b\n\n"),
        case("val(\"\\xff\\xfek\") = \"\\x00v\"\n\nget c/1\n\nget c/2\n\n"),
        case("val(`d`) = `with space`\n\nget d\n\n\n"),
        // One false comparison among several sends it down the failure branch.
        case("val(\"a\") = \"1\"\nval(\"b\") = \"1\"\n\nput s 1\n\nput f 1\n\n"),
        // Layout: spaces, tabs, CRLF, signs, trailing text after the value.
        case("  val( \"a\")\t=   \"1\"  trailing  \r\n \t \r\nget a\r\n\r\n\r\n"),
        case("c(\"a\") > \"+0\"\nc(\"a\") > \"-5\"\n\nget a\n\n\n"),
        case("\n\n\n"),
        case("\n\n\nanything after the third blank line is not read"),
    ]);
}

#[test]
fn requests_match_etcdctl() {
    Twins::start().check_all(&[
        case("\nget c/ --prefix\nget a c\nget \"\" --from-key --keys-only\n\n\n"),
        case("\nget c/ --prefix --limit=1 --order=DESCEND --sort-by=VALUE\n\n\n"),
        case("\nget \"\" --prefix --sort-by=CREATE --order=descend --limit 2\n\n\n"),
        case("\nget a --consistency=s\nget c/ --prefix --print-value-only\n\n\n"),
        case("\nget a --rev=1\nget zz\n\n\n"),
        case("\nput a new --prev-kv\nput e \"two words\" --prev-kv=true\n\n\n"),
        case("\nput f \"\\x00\\xff\\t\\\"q\\\"\\u00e9\"\nget f\n\n\n"),
        case("\nput a --ignore-value\nput leased other --ignore-lease\n\n\n"),
        case("\nput a x --lease={lease}\nget leased\n\n\n"),
        case("\nput -- a -dash\nput a2 -- -dash\nput --prev-kv a3 v --prev-kv=false\n\n\n"),
        case("\ndel c/ --prefix --prev-kv\ndel a c\n\n\n"),
        case("\ndel zz\ndel b --prev-kv\n\n\n"),
        case("\ndel \"\" --from-key\n\n\n"),
        case("\ndel c/1 --from-key --prev-kv\n\n\n"),
        // argify: quotes, unclosed quotes, quotes glued to words, empty strings.
        case("\nput k \"a\"b\nput k2 \"unclosed\nput k3 a\"b c\"d\n\n\n"),
        case("\nput \"\" v\n\n\n"),
        case("\nget a \"\"\n\n\n"),
        // Single quotes agree with etcdctl 3.4 only when its slicing bug is harmless: a token
        // exactly as long as the argument count.
        case("\nput 'abc' 'def' --prev-kv --prev-kv\n\n\n"),
        // Requests the server rejects.
        case("\nput a x\ndel a\n\n\n"),
        case("\nput a x --lease=1\n\n\n"),
        case("\nget \"\"\n\n\n"),
    ]);
}

#[test]
fn malformed_input_fails_like_etcdctl() {
    Twins::start().check_all(&[
        case(""),
        case("\n\n"),
        case("val(\"a\") = \"1\""),
        case("\n\nput a 1"),
        case("bad\n\n\n\n"),
        case("val(\"a\")= \"1\"\n\n\n\n"),
        case("val(\"a\" ) = \"1\"\n\n\n\n"),
        case("val(\"a\"\n\n\n\n"),
        case("val(a) = \"1\"\n\n\n\n"),
        case("val(\"a\") =\n\n\n\n"),
        case("val(\"a\") = 1\n\n\n\n"),
        case("val(\"a\") =\"1\"\n\n\n\n"),
        case("val(\"a\\q\") = \"1\"\n\n\n\n"),
        case("val(\"\\x00\\xff\\u00a0é\\t\") >\n\n\n\n"),
        case("foo(\"a\") = \"1\"\n\n\n\n"),
        case("val (\"a\") = \"1\"\n\n\n\n"),
        case("c(\"a\") = \"abc\"\n\n\n\n"),
        case("ver(\"a\") = \"0x1\"\n\n\n\n"),
        case("\nput\n\n\n"),
        case("\n\"\"\n\n\n"),
        case("\ngett a\n\n\n"),
        case("\nput a b --bogus\n\n\n"),
        case("\nget a -w json\n\n\n"),
        case("\nput a\n\n\n"),
        case("\nget --prefix\n\n\n"),
        case("\ndel a b c\n\n\n"),
        case("\nget a --prefix --from-key\n\n\n"),
        case("\nget a c --prefix\n\n\n"),
        case("\nget a --consistency=x\n\n\n"),
        case("\nget a --order=up\n\n\n"),
        case("\nget a --sort-by=size\n\n\n"),
        case("\nput a b --lease=zz\n\n\n"),
        case("\nput a b --ignore-value\n\n\n"),
        case("\nput a \"\\q\"\n\n\n"),
        case("\nput a \"\\x1\"\n\n\n"),
        // The first bad line decides, in reading order.
        case("val(\"a\") = \"1\"\n\nput a\n\nbogus\n\n"),
        case("\nput a 1\nput b\n\nput\n\n"),
        with(&["extra"], "\n\n\n"),
    ]);
}

/// Bytes Go reads in its own ways: `\v` is not a space to `argify` but is to `TrimSpace` and
/// `Sscanf`, Unicode spaces too, invalid UTF-8 is U+FFFD inside quotes but raw outside.
#[test]
fn unusual_bytes_match_etcdctl() {
    Twins::start().check_all(&[
        bytes(b"\nput k\x0bv x\nput \xff\xfe \x80\n\n\n"),
        bytes(b"\nput q \"\xff\"\nget q\n\n\n"),
        bytes(b"\xc2\xa0val(\"a\")\xe3\x80\x80=\x0b\"1\"\xc2\x85\n\nget a\n\n\n"),
        bytes(b"val(\"\xff\xfek\") = \"\x00v\"\n\nget a\n\n\n"),
        bytes(b"val(\"\xff\") = \"\"\n\nget a\n\nget b\n\n"),
        bytes(b"val(\"\xff\") >\n\n\n\n"),
        bytes(b"val\xff(\"a\") = \"1\"\n\n\n\n"),
        bytes(b"\nput a b\xc2\xa0\n\n\n"),
        bytes(b"\nput a \"b\rc\"\tz\n\n\n"),
        bytes(b"\x0b\n\x0c\n\xc2\xa0\n"),
    ]);
}

#[test]
fn output_formats_match_etcdctl() {
    const BOTH: &str =
        "val(\"a\") = \"1\"\n\nget c/ --prefix\nput a 2 --prev-kv\ndel c/1 --prev-kv\n\nget a\n\n";
    const FAIL: &str = "val(\"a\") = \"0\"\n\nget a\n\nget \"\\xff\\xfek\"\nput \"\\xff\\xfek\" z --prev-kv\ndel zz\n\n";
    const EMPTY: &str = "val(\"a\") = \"1\"\n\n\n\n";
    Twins::start().check_all(&[
        with(&["-w", "simple"], BOTH),
        with(&["-w", "json"], BOTH),
        with(&["-w", "json"], FAIL),
        with(&["-w", "json"], EMPTY),
        with(&["-w", "fields"], BOTH),
        with(&["-w", "fields"], FAIL),
        with(&["-w", "fields"], EMPTY),
        with(&["-w", "protobuf"], BOTH),
        with(&["-w", "protobuf"], FAIL),
        with(&["-w", "protobuf"], EMPTY),
        with(&["--hex"], BOTH),
        with(&["--hex"], FAIL),
        with(&["-w", "fields", "--hex"], FAIL),
        with(&["-w", "json"], "\nget leased\n\n\n"),
        with(&["-w", "table"], "bad\n\n\n"),
        // Interactive mode prompts on stdout before each block, up to an error.
        with(&["-i"], BOTH),
        with(&["--interactive"], FAIL),
        with(&["-i=false"], BOTH),
        with(&["-i"], "bad\n\n\n"),
        with(&["-i"], "\nput a\n\n"),
        with(&["-i"], "\n\n"),
        with(&["-i", "-w", "json"], EMPTY),
    ]);
}

/// `-w table` cannot print a txn: both print nothing and exit 4, but etcdctl finds out only
/// after committing the transaction, and ectl before sending it.
#[test]
fn table_format_is_refused_before_sending() {
    let twins = Twins::start();
    let case = with(&["-w", "table"], "\nput a changed\n\n\n");
    twins.check_output(&case).unwrap();
    let value_of_a = |member: &Member| {
        let out = member
            .etcd
            .etcdctl()
            .args(["get", "a", "--print-value-only"])
            .run();
        out.stdout_str()
    };
    assert_eq!(value_of_a(&twins.reference), "changed\n");
    assert_eq!(value_of_a(&twins.ours), "1\n");
}

/// The README's example as a newcomer first typed it, without the final blank line: etcdctl's
/// `Error: EOF` and exit code 3 (stdout compared too), then ectl's hint naming the open
/// section; with the blank line, the README's fixed example commits.
#[test]
fn a_missing_final_blank_line_is_etcdctls_eof_with_a_hint() {
    let twins = Twins::start();
    let unterminated = "value(\"a\") = \"1\"\n\nput a baz\n\nget a\n";
    twins.check_output(&case(unterminated)).unwrap();
    let out = twins.ours.etcd.ectl().arg("txn").stdin(unterminated).run();
    out.assert_code(3);
    assert_eq!(
        out.stderr_str(),
        "hint: the input ended inside the failure requests (third section): every section, \
         the last one too, ends with a blank line (and every line with a newline)\nError: EOF\n"
    );
    let readme = "value(\"foo\") = \"bar\"\n\nput foo baz\n\nget foo\n\n";
    let out = twins.ours.etcd.ectl().arg("txn").stdin(readme).run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "FAILURE\n\n");
}

/// ectl alone, for what etcdctl cannot do: lease comparisons (etcdctl 3.4 panics on every one),
/// unknown operators (it panics), and single-quoted tokens (it mangles them).
mod departures {
    use super::*;

    fn txn(etcd: &Etcd, input: &str) -> Out {
        etcd.ectl().arg("txn").stdin(input).run()
    }

    #[test]
    fn lease_comparisons_compare_the_keys_lease() {
        let member = Member::start();
        member.reset();
        let lease = member.lease_decimal();
        let out = txn(
            &member.etcd,
            &format!(
                "lease(\"leased\") = \"{lease}\"\nlease(\"a\") = \"0\"\n\nget leased\n\nget a\n\n"
            ),
        );
        out.assert_ok();
        assert_eq!(out.stdout_str(), "SUCCESS\n\nleased\nl\n");
        let out = txn(&member.etcd, "lease(\"leased\") != \"0\"\n\n\n\n");
        assert_eq!(out.stdout_str(), "SUCCESS\n", "{out:?}");
        let out = txn(&member.etcd, "lease(\"leased\") = \"1\"\n\n\n\n");
        assert_eq!(out.stdout_str(), "FAILURE\n", "{out:?}");

        let out = txn(&member.etcd, "lease(\"leased\") = \"ff\"\n\n\n\n");
        out.assert_code(3);
        assert_eq!(
            out.stderr_str(),
            "Error: invalid txn compare request: lease(\"leased\") = \"ff\"\n"
        );
        // etcdctl 3.4: "panic: bad value", exit 2.
        let reference = member
            .etcd
            .etcdctl()
            .arg("txn")
            .stdin("lease(\"a\") = \"0\"\n\n\n\n")
            .run();
        reference.assert_code(2);
    }

    #[test]
    fn unknown_operators_are_invalid_input() {
        let etcd = Etcd::single();
        for line in ["val(\"a\") == \"1\"", "ver(\"a\") >= \"1\""] {
            let out = txn(&etcd, &format!("{line}\n\n\n\n"));
            out.assert_code(3);
            assert_eq!(out.stdout_str(), "");
            assert!(out.stderr_str().contains("unknown operator"), "{out:?}");
            // etcdctl 3.4: "panic: Unknown result op", exit 2.
            let reference = etcd
                .etcdctl()
                .arg("txn")
                .stdin(format!("{line}\n\n\n\n"))
                .run();
            reference.assert_code(2);
        }
    }

    #[test]
    fn single_quotes_are_removed_whole() {
        let etcd = Etcd::single();
        txn(&etcd, "\nput 'key 1' 'value 1'\nput 'k2' 'v2'\n\n\n").assert_ok();
        let out = etcd.etcdctl().args(["get", "", "--from-key"]).run();
        assert_eq!(out.stdout_str(), "k2\nv2\nkey 1\nvalue 1\n");
        // etcdctl 3.4 slices each single-quoted token to `len(args) - 1`: `put 'key1' 'val1'`
        // writes k = v.
        etcd.etcdctl()
            .arg("txn")
            .stdin("\nput 'key1' 'val1'\n\n\n")
            .run()
            .assert_ok();
        let out = etcd.etcdctl().args(["get", "k"]).run();
        assert_eq!(out.stdout_str(), "k\nv\n");
    }
}
