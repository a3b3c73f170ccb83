//! `txn`: one atomic compare-then-requests transaction, read from standard input in etcdctl's
//! line format. Comparisons are read by [`grammar`], lines trimmed and split by
//! [`crate::commands::line`]; request lines reuse the `get`, `put` and `del` arguments and
//! plans, so a request means the same inside a transaction as outside.

mod grammar;

use std::ffi::OsString;
use std::io::{self, BufRead};
use std::os::unix::ffi::OsStringExt;

use clap::{Args, Parser, Subcommand};

use super::{del, get, put};
use crate::cli::Etcdctl;
use crate::commands::line;
use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::pb::etcdserverpb::request_op::Request;
use crate::pb::etcdserverpb::{RequestOp, TxnRequest};

/// Txn processes all the requests in one transaction
///
/// Reads from standard input: comparisons, one per line; a blank line; the requests to run when
/// every comparison holds; a blank line; the requests to run otherwise; a blank line.
///
///   ectl txn <<'EOF'
///   mod("key1") > "0"
///
///   put key1 "overwrote-key1"
///
///   put key1 "created-key1"
///   put key2 "some extra key"
///
///   EOF
///
/// A comparison is <target>("<key>") <op> "<value>": target c|create, m|mod, ver|version
/// (decimal numbers), val|value, or lease (decimal lease ID); op =, !=, < or >. Keys and values
/// are Go-quoted: "a\tb\x00" or `raw`.
/// A request is a get, put or del command line with that command's flags, e.g.
/// `get --prefix /app/` or `put k "two words" --prev-kv`. Newlines in values must be written \n.
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct TxnArgs {
    /// Input transaction in interactive mode
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// None are accepted; taken only to fail with etcdctl's message.
    #[arg(hide = true)]
    pub args: Vec<OsString>,
}

/// The prompts etcdctl prints (to stdout) before each block in interactive mode.
const PROMPTS: [&str; 3] = [
    "compares:",
    "success requests (get, put, del):",
    "failure requests (get, put, del):",
];

/// Reads a whole transaction from `input`, calling `prompt` with the prompt for each block
/// before reading it. Every line, the last one included, must end in a newline: running out
/// of input is etcdctl's "EOF" error (so a script sees what etcdctl gives it), with a hint
/// naming the section that was left open.
fn read_txn(
    input: &mut dyn BufRead,
    prompt: &mut dyn FnMut(&str) -> io::Result<()>,
) -> anyhow::Result<TxnRequest> {
    let [compares, success, failure] = PROMPTS;
    prompt(compares)?;
    let compare = read_block(input, "comparisons (first section)", grammar::parse_compare)?;
    prompt(success)?;
    let success = read_block(input, "success requests (second section)", parse_request)?;
    prompt(failure)?;
    let failure = read_block(input, "failure requests (third section)", parse_request)?;
    Ok(TxnRequest {
        compare,
        success,
        failure,
    })
}

/// Parsed lines of `section` up to the next blank (or all-space) line.
fn read_block<T>(
    input: &mut dyn BufRead,
    section: &str,
    parse: fn(&[u8]) -> Result<T, CliError>,
) -> Result<Vec<T>, CliError> {
    let mut items = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        input
            .read_until(b'\n', &mut line)
            .map_err(CliError::invalid_input)?;
        if line.last() != Some(&b'\n') {
            let hint = format!(
                "the input ended inside the {section}: every section, the last one too, ends \
                 with a blank line (and every line with a newline)"
            );
            return Err(CliError::invalid_input("EOF").with_hint(Some(hint)));
        }
        let line = line::trim_space(&line);
        if line.is_empty() {
            return Ok(items);
        }
        items.push(parse(line)?);
    }
}

/// A request line (`get`, `put` or `del` with its flags) as a request of the transaction.
/// Malformed lines are invalid input (exit 3); a well-formed command its own plan rejects fails
/// as that command would (`put k` with no value: exit 128), as in etcdctl.
fn parse_request(line: &[u8]) -> Result<RequestOp, CliError> {
    let text = || String::from_utf8_lossy(line);
    let args = line::argify(line)?;
    if args.len() < 2 {
        // etcdctl's wording, "compare" included.
        return Err(CliError::invalid_input(format!(
            "invalid txn compare request: {}",
            text()
        )));
    }
    let parsed = RequestLine::try_parse_from(args.into_iter().map(OsString::from_vec))
        .map_err(|_| CliError::invalid_input(format!("invalid txn request: {}", text())))?;
    let request = match parsed.request {
        RequestArgs::Get(Etcdctl(args)) => Request::RequestRange(get::plan(&args)?),
        // etcdctl would read a missing value from what is left of stdin, which is nothing.
        RequestArgs::Put(Etcdctl(args)) => {
            Request::RequestPut(put::plan(&args, || Ok(Vec::new()))?)
        }
        RequestArgs::Del(Etcdctl(args)) => Request::RequestDeleteRange(del::plan(&args)?),
    };
    Ok(RequestOp {
        request: Some(request),
    })
}

/// One request line, parsed with the real commands' flags, as etcdctl parses them. No help flag or subcommand: in
/// etcdctl those print help and then hang.
#[derive(Debug, Parser)]
#[command(no_binary_name = true, disable_help_flag = true, disable_help_subcommand = true)]
struct RequestLine {
    #[command(subcommand)]
    request: RequestArgs,
}

/// Repeated flags override, as with Go's flag package.
#[derive(Debug, Subcommand)]
enum RequestArgs {
    #[command(disable_help_flag = true, args_override_self = true)]
    Get(Etcdctl<get::GetArgs>),
    #[command(disable_help_flag = true, args_override_self = true)]
    Put(Etcdctl<put::PutArgs>),
    #[command(disable_help_flag = true, args_override_self = true)]
    Del(Etcdctl<del::DelArgs>),
}

pub async fn run(args: TxnArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    if !args.args.is_empty() {
        return Err(CliError::bad_args("txn command does not accept argument").into());
    }
    let request = {
        let out = &mut *ctx.out;
        let mut prompt = |text: &str| {
            if args.interactive {
                writeln!(out, "{text}")?;
                out.flush()?;
            }
            Ok(())
        };
        read_txn(&mut io::stdin().lock(), &mut prompt)?
    };
    // Checked after reading, so bad input is still exit 3 under `-w table`, but before sending:
    // etcdctl commits the transaction and only then finds it cannot print the result.
    ctx.ensure_format(ResponseKind::Txn)?;
    let response = ctx.client()?.txn(request).await?;
    let style = ctx.style();
    ctx.printer(style).txn(&response)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;
    use crate::pb::etcdserverpb::compare::{CompareResult, CompareTarget, TargetUnion};
    use crate::pb::etcdserverpb::range_request::{SortOrder, SortTarget};
    use crate::pb::etcdserverpb::{DeleteRangeRequest, PutRequest, RangeRequest};
    use proptest::strategy::Strategy as _;

    fn read(input: &[u8]) -> Result<TxnRequest, CliError> {
        read_prompted(input).0
    }

    /// The result and the prompts printed on the way.
    fn read_prompted(mut input: &[u8]) -> (Result<TxnRequest, CliError>, Vec<String>) {
        let mut prompts = Vec::new();
        let result = read_txn(&mut input, &mut |p| {
            prompts.push(p.to_string());
            Ok(())
        })
        .map_err(|e| e.downcast::<CliError>().expect("a CliError"));
        (result, prompts)
    }

    fn err(input: &[u8]) -> (ExitCode, String) {
        let e = read(input).unwrap_err();
        (e.code, e.message)
    }

    fn hint(input: &[u8]) -> String {
        read(input).unwrap_err().hint.expect("a hint")
    }

    fn request(line: &str) -> Request {
        parse_request(line.as_bytes())
            .unwrap_or_else(|e| panic!("{line}: {}", e.message))
            .request
            .unwrap()
    }

    #[test]
    fn the_readme_example() {
        let txn = read(
            b"mod(\"key1\") > \"0\"\n\nput key1 \"overwrote-key1\"\n\n\
              put key1 \"created-key1\"\nput key2 \"some extra key\"\n\n",
        )
        .unwrap();
        assert_eq!(txn.compare.len(), 1);
        let c = &txn.compare[0];
        assert_eq!(
            (c.target, c.result),
            (CompareTarget::Mod as i32, CompareResult::Greater as i32)
        );
        assert_eq!(c.target_union, Some(TargetUnion::ModRevision(0)));
        let put = |k: &[u8], v: &[u8]| RequestOp {
            request: Some(Request::RequestPut(PutRequest {
                key: k.to_vec(),
                value: v.to_vec(),
                ..Default::default()
            })),
        };
        assert_eq!(txn.success, vec![put(b"key1", b"overwrote-key1")]);
        assert_eq!(
            txn.failure,
            vec![
                put(b"key1", b"created-key1"),
                put(b"key2", b"some extra key")
            ]
        );
    }

    #[test]
    fn blocks_may_be_empty_and_blank_lines_may_hold_spaces() {
        assert_eq!(read(b"\n\n\n").unwrap(), TxnRequest::default());
        let txn = read(b" \t\r\n  get k \r\n\r\n\t\n").unwrap();
        assert_eq!(
            (txn.compare.len(), txn.success.len(), txn.failure.len()),
            (0, 1, 0)
        );
        // Nothing is read past the third blank line.
        assert_eq!(read(b"\n\n\nnot read").unwrap(), TxnRequest::default());
    }

    #[test]
    fn running_out_of_input_is_eof() {
        for input in [
            &b""[..],
            b"\n\n",
            b"\n\nput k v",
            b"val(\"k\") = \"v\"",
            b"\nget k\n",
        ] {
            assert_eq!(
                err(input),
                (ExitCode::InvalidInput, "EOF".into()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn the_eof_hint_names_the_open_section() {
        let open = |input: &[u8]| {
            let hint = hint(input);
            let section = hint.split(" (").next().unwrap_or_default().to_string();
            section.replace("the input ended inside the ", "")
        };
        assert_eq!(open(b""), "comparisons");
        assert_eq!(open(b"val(\"k\") = \"v\""), "comparisons");
        assert_eq!(open(b"\nget k\n"), "success requests");
        // The README's example once lacked the final blank line.
        assert_eq!(
            open(b"value(\"foo\") = \"bar\"\n\nput foo baz\n\nget foo\n"),
            "failure requests"
        );
        assert!(hint(b"\n\nput k v").contains("ends with a blank line"));
    }

    #[test]
    fn prompts_come_before_each_block_and_stop_at_an_error() {
        let (result, prompts) = read_prompted(b"\n\n\n");
        assert!(result.is_ok());
        assert_eq!(prompts, PROMPTS);
        let (result, prompts) = read_prompted(b"bad\n");
        assert!(result.is_err());
        assert_eq!(prompts, ["compares:"]);
        let (result, prompts) = read_prompted(b"\nget\n");
        assert!(result.is_err());
        assert_eq!(prompts, &PROMPTS[..2]);
    }

    #[test]
    fn get_requests_take_gets_flags() {
        let Request::RequestRange(r) = request("get k --prefix --limit=2 --rev 5 --keys-only")
        else {
            panic!("not a range");
        };
        assert_eq!(
            r,
            RangeRequest {
                key: b"k".to_vec(),
                range_end: b"l".to_vec(),
                limit: 2,
                revision: 5,
                keys_only: true,
                ..Default::default()
            }
        );
        let Request::RequestRange(r) =
            request("get a c --order=DESCEND --sort-by=MODIFY --consistency=s")
        else {
            panic!("not a range");
        };
        assert_eq!((r.key, r.range_end), (b"a".to_vec(), b"c".to_vec()));
        assert_eq!(r.sort_order, SortOrder::Descend as i32);
        assert_eq!(r.sort_target, SortTarget::Mod as i32);
        assert!(r.serializable);
        let Request::RequestRange(r) = request("get \"\" --from-key --print-value-only") else {
            panic!("not a range");
        };
        assert_eq!((r.key, r.range_end), (b"\0".to_vec(), b"\0".to_vec()));
    }

    #[test]
    fn put_and_del_requests_take_their_flags() {
        assert_eq!(
            request("put k \"a b\" --lease=ff --prev-kv"),
            Request::RequestPut(PutRequest {
                key: b"k".to_vec(),
                value: b"a b".to_vec(),
                lease: 255,
                prev_kv: true,
                ..Default::default()
            })
        );
        assert_eq!(
            request("put k --ignore-value --ignore-lease"),
            Request::RequestPut(PutRequest {
                key: b"k".to_vec(),
                ignore_value: true,
                ignore_lease: true,
                ..Default::default()
            })
        );
        assert_eq!(
            request("put k -- -v"),
            Request::RequestPut(PutRequest {
                key: b"k".to_vec(),
                value: b"-v".to_vec(),
                ..Default::default()
            })
        );
        assert_eq!(
            request("del /a/ --prefix --prev-kv --prev-kv=false"),
            Request::RequestDeleteRange(DeleteRangeRequest {
                key: b"/a/".to_vec(),
                range_end: b"/a0".to_vec(),
                prev_kv: false,
            })
        );
    }

    #[test]
    fn bad_requests_fail_as_etcdctl_fails() {
        let fails = |line: &str| {
            let e = parse_request(line.as_bytes()).unwrap_err();
            (e.code, e.message)
        };
        let invalid = |m: &str| (ExitCode::InvalidInput, m.to_string());
        assert_eq!(fails("put"), invalid("invalid txn compare request: put"));
        assert_eq!(fails("\"\""), invalid("invalid txn compare request: \"\""));
        for line in [
            "gett k",
            "put k v --bogus",
            "get k -w json",
            "get k --help",
            "help put",
            "GET k",
        ] {
            assert_eq!(
                fails(line),
                invalid(&format!("invalid txn request: {line}"))
            );
        }
        assert_eq!(fails("put k \"\\q\""), invalid("invalid syntax"));
        assert_eq!(
            fails("put k"),
            (
                ExitCode::BadArgs,
                "put command needs 1 argument and input from stdin or 2 arguments".into()
            )
        );
        assert_eq!(fails("get --prefix").0, ExitCode::BadArgs);
        assert_eq!(fails("del a b c").0, ExitCode::BadArgs);
        assert_eq!(fails("get k --consistency=x").0, ExitCode::BadFeature);
        assert_eq!(
            fails("put k v --lease=zz").1,
            "bad lease ID (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting ID in Hex"
        );
    }

    #[test]
    fn the_first_bad_line_decides() {
        assert_eq!(
            err(b"val(\"k\") = \"v\"\n\nput k\n\nbogus\n\n").0,
            ExitCode::BadArgs
        );
        assert_eq!(
            err(b"bad\n\nput k\n\n\n"),
            (ExitCode::InvalidInput, "malformed comparison: bad".into())
        );
    }

    #[test]
    fn args_are_go_style() {
        let parse = |argv: &[&str]| {
            crate::commands::prelude::try_parse_args::<TxnArgs>(argv).map(|args| args.interactive)
        };
        assert!(!parse(&[]).unwrap());
        assert!(parse(&["-i"]).unwrap());
        assert!(parse(&["--interactive"]).unwrap());
        assert!(!parse(&["--interactive=false"]).unwrap());
        assert!(!parse(&["-i=false"]).unwrap());
        assert!(parse(&["--interactive=yes"]).is_err());
    }

    // Fuzzing of the txn grammar; it lives here because `read_txn` is private. `ECTL_FUZZ_CASES`
    // sets the cases, as for the properties in tests/fuzz.rs (`scripts/fuzz` runs 10,000+).
    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: std::env::var("ECTL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            failure_persistence: None,
            ..Default::default()
        })]

        /// A well-formed txn of a value compare, a put and a get reads to exactly those.
        #[test]
        fn well_formed_txns_read_back(
            key in "[a-z0-9/_.]{1,6}",
            value in "[a-z0-9 ]{0,6}",
            op in proptest::sample::select(vec![
                ("=", CompareResult::Equal),
                ("!=", CompareResult::NotEqual),
                ("<", CompareResult::Less),
                (">", CompareResult::Greater),
            ]),
            blank in "[ \t]{0,2}",
        ) {
            let text = format!(
                "val(\"{key}\") {} \"{value}\"\n{blank}\nput {key} \"{value}\"\n\nget {key}\n\n",
                op.0
            );
            let txn = read(text.as_bytes()).map_err(|e| proptest::test_runner::TestCaseError::fail(e.message))?;
            let c = &txn.compare[0];
            proptest::prop_assert_eq!((&c.key, c.result), (&key.as_bytes().to_vec(), op.1 as i32));
            proptest::prop_assert_eq!(&c.target_union, &Some(TargetUnion::Value(value.clone().into_bytes())));
            proptest::prop_assert_eq!(
                &txn.success,
                &vec![RequestOp {
                    request: Some(Request::RequestPut(PutRequest {
                        key: key.clone().into_bytes(),
                        value: value.into_bytes(),
                        ..Default::default()
                    })),
                }]
            );
            let get_key = match &txn.failure[..] {
                [RequestOp { request: Some(Request::RequestRange(r)) }] => r.key.clone(),
                other => return Err(proptest::test_runner::TestCaseError::fail(format!("{other:?}"))),
            };
            proptest::prop_assert_eq!(get_key, key.into_bytes());
        }

        /// Lines built from the grammar's pieces, or any bytes: a txn or an error with a
        /// message, never a panic.
        #[test]
        fn any_input_reads_or_fails_with_a_message(input in proptest::prop_oneof![
            proptest::collection::vec(
                "((create|mod|ver|val|value|lease|c|m|v|l)\\(\"[a-z\\\\\"]{0,3}\"?\\)? *(=|!=|<|>|<=|) *(\"[a-z0-9\\\\\"]{0,4}\"?|-?[0-9]{0,20})|(get|put|del|delete|range|) *(--[a-z-]{1,12}(=[a-z0-9]{0,3})?|\"[a-z ]{0,3}\"?|[a-z0-9\\\\]{1,4}| )*| *)",
                0..8,
            ).prop_map(|lines: Vec<String>| lines.join("\n").into_bytes()),
            proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
        ]) {
            if let Err(e) = read(&input) {
                proptest::prop_assert!(!e.message.is_empty());
            }
        }
    }
}
