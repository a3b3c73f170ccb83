//! The comparison lines of `txn`'s input, read exactly as etcdctl 3.4 reads them: scanned like
//! `fmt.Sscanf(rest, "%q) %s %q")`. Lines are trimmed, and request lines split, by
//! [`crate::commands::line`], which `watch -i` reads with too. Pure functions over bytes: keys
//! and values need not be UTF-8, and an error message is the one etcdctl prints.

use crate::cli::values::go_parse_int;
use crate::commands::line::Scanner;
use crate::error::CliError;
use crate::go;
use crate::pb::etcdserverpb::Compare;
use crate::pb::etcdserverpb::compare::{CompareResult, CompareTarget, TargetUnion};

/// One comparison line: `<target>("<key>") <op> "<value>"`.
///
/// Quirks kept from etcdctl: the target is everything before the first `(`, untrimmed; at least
/// one space must follow `)`; key and value are Go-quoted (`"..."` with escapes, or back-quoted)
/// and anything after the value is ignored; numbers are decimal with an optional sign.
/// Departures: etcdctl crashes on any `lease` comparison and on an unknown operator; here
/// `lease("k") = "<decimal lease ID>"` compares the key's lease, and an unknown operator is
/// invalid input like every other mistake.
pub fn parse_compare(line: &[u8]) -> Result<Compare, CliError> {
    let text = String::from_utf8_lossy(line);
    let Some(paren) = line.iter().position(|&b| b == b'(') else {
        return Err(
            CliError::invalid_input(format!("malformed comparison: {text}"))
                .with_hint(Some(compare_hint(&text))),
        );
    };
    let target = &line[..paren];
    let (key, op, value) = match scan_compare(&line[paren + 1..]) {
        Scanned {
            key: Some(key),
            op: Some(op),
            value: Some(value),
        } => (key, op, value),
        partial => {
            return Err(CliError::invalid_input(format!(
                "malformed comparison: {text}; got {}({}) {} \"\"",
                String::from_utf8_lossy(target),
                go::quote(partial.key.as_deref().unwrap_or_default()),
                partial.op.unwrap_or_default(),
            ))
            .with_hint(Some(compare_hint(&text))));
        }
    };

    let number = || {
        std::str::from_utf8(&value)
            .ok()
            .and_then(|v| go_parse_int(v, 10).ok())
            .ok_or_else(|| CliError::invalid_input(format!("invalid txn compare request: {text}")))
    };
    let (target, target_union) = match target {
        b"ver" | b"version" => (CompareTarget::Version, TargetUnion::Version(number()?)),
        b"c" | b"create" => (
            CompareTarget::Create,
            TargetUnion::CreateRevision(number()?),
        ),
        b"m" | b"mod" => (CompareTarget::Mod, TargetUnion::ModRevision(number()?)),
        b"val" | b"value" => (CompareTarget::Value, TargetUnion::Value(value)),
        b"lease" => (CompareTarget::Lease, TargetUnion::Lease(number()?)),
        _ => {
            return Err(CliError::invalid_input(format!(
                "malformed comparison: {text} (unknown target {})",
                String::from_utf8_lossy(target)
            )));
        }
    };
    let result = match op.as_str() {
        "=" => CompareResult::Equal,
        "!=" => CompareResult::NotEqual,
        ">" => CompareResult::Greater,
        "<" => CompareResult::Less,
        _ => {
            return Err(CliError::invalid_input(format!(
                "malformed comparison: {text} (unknown operator {op}; use =, !=, < or >)"
            )));
        }
    };
    Ok(Compare {
        result: result as i32,
        target: target as i32,
        key,
        range_end: Vec::new(),
        target_union: Some(target_union),
    })
}

/// What etcdctl's "malformed comparison" leaves unsaid: the form a comparison takes, and the
/// line rewritten in it when its parts can be told apart (`value(k1) == v1` becomes
/// `value("k1") = "v1"`).
fn compare_hint(text: &str) -> String {
    const FORM: &str = "a comparison is TARGET(\"KEY\") OP \"VALUE\": key and value in double \
                        quotes, TARGET one of value, version, create, mod, lease, and OP one of \
                        =, !=, <, >";
    let meant = (|| {
        let (target, rest) = text.split_once('(')?;
        let (key, rest) = rest.split_once(')')?;
        let mut words = rest.split_whitespace();
        let op = match words.next()? {
            "==" => "=",
            "<>" => "!=",
            op => op,
        };
        let value = words.collect::<Vec<_>>().join(" ");
        let unquote = |s: &str| {
            let s = s.trim();
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(s)
                .to_string()
        };
        Some(format!(
            "{}({}) {op} {}",
            target.trim(),
            go::quote(unquote(key).as_bytes()),
            go::quote(unquote(&value).as_bytes())
        ))
    })();
    match meant {
        Some(meant) => format!("write it as {meant}; {FORM}"),
        None => FORM.to_string(),
    }
}

/// What `Sscanf("%q) %s %q")` assigned before it stopped; all three are set only on success.
#[derive(Debug, Default)]
struct Scanned {
    key: Option<Vec<u8>>,
    op: Option<String>,
    value: Option<Vec<u8>>,
}

fn scan_compare(rest: &[u8]) -> Scanned {
    let mut scan = Scanner::new(rest);
    let mut out = Scanned {
        key: scan.quoted(),
        ..Scanned::default()
    };
    if out.key.is_none() || scan.next_rune() != Some(')') || !scan.space_or_end() {
        return out;
    }
    out.op = scan.word();
    if out.op.is_some() {
        out.value = scan.quoted();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn cmp(line: &str) -> Compare {
        parse_compare(line.as_bytes()).unwrap_or_else(|e| panic!("{line}: {}", e.message))
    }

    #[test]
    fn malformed_comparisons_get_the_line_rewritten_as_a_hint() {
        let e = parse_compare(b"value(k1) == v1").unwrap_err();
        assert_eq!(
            e.message,
            "malformed comparison: value(k1) == v1; got value(\"\")  \"\""
        );
        let hint = e.hint.expect("a hint");
        assert!(
            hint.starts_with("write it as value(\"k1\") = \"v1\"; a comparison is"),
            "{hint}"
        );
        let hint = parse_compare(b"bad").unwrap_err().hint.expect("a hint");
        assert!(
            hint.starts_with("a comparison is TARGET(\"KEY\")"),
            "{hint}"
        );
    }

    fn cmp_err(line: &[u8]) -> String {
        let err = parse_compare(line).unwrap_err();
        assert_eq!(err.code, ExitCode::InvalidInput);
        err.message
    }

    #[test]
    fn every_target_and_its_spellings() {
        for (spellings, target, union) in [
            (
                &["ver", "version"][..],
                CompareTarget::Version,
                TargetUnion::Version(3),
            ),
            (
                &["c", "create"],
                CompareTarget::Create,
                TargetUnion::CreateRevision(3),
            ),
            (
                &["m", "mod"],
                CompareTarget::Mod,
                TargetUnion::ModRevision(3),
            ),
            (
                &["val", "value"],
                CompareTarget::Value,
                TargetUnion::Value(b"3".to_vec()),
            ),
            (&["lease"], CompareTarget::Lease, TargetUnion::Lease(3)),
        ] {
            for spelling in spellings {
                let c = cmp(&format!("{spelling}(\"k\") = \"3\""));
                assert_eq!(c.target, target as i32, "{spelling}");
                assert_eq!(c.target_union, Some(union.clone()), "{spelling}");
                assert_eq!(
                    (c.key.as_slice(), c.range_end.as_slice()),
                    (&b"k"[..], &b""[..])
                );
            }
        }
    }

    #[test]
    fn every_operator() {
        for (op, result) in [
            ("=", CompareResult::Equal),
            ("!=", CompareResult::NotEqual),
            ("<", CompareResult::Less),
            (">", CompareResult::Greater),
        ] {
            assert_eq!(cmp(&format!("mod(\"k\") {op} \"0\"")).result, result as i32);
        }
        assert_eq!(
            cmp_err(b"value(\"k\") == \"1\""),
            "malformed comparison: value(\"k\") == \"1\" (unknown operator ==; use =, !=, < or >)"
        );
    }

    #[test]
    fn numbers_are_signed_decimal() {
        assert_eq!(
            cmp("c(\"k\") > \"+0\"").target_union,
            Some(TargetUnion::CreateRevision(0))
        );
        assert_eq!(
            cmp("ver(\"k\") > \"-2\"").target_union,
            Some(TargetUnion::Version(-2))
        );
        for bad in ["abc", "0x10", "", "1.5", "9223372036854775808"] {
            let line = format!("c(\"k\") = \"{bad}\"");
            assert_eq!(
                cmp_err(line.as_bytes()),
                format!("invalid txn compare request: {line}")
            );
        }
        // The value is checked before the operator, as etcdctl does.
        assert!(cmp_err(b"m(\"k\") == \"x\"").starts_with("invalid txn compare request"));
    }

    #[test]
    fn quoting_of_keys_and_values() {
        let c = cmp(r#"value("a\x00\xff\u00e9\"\\\101\t") = "v w""#);
        assert_eq!(c.key, b"a\x00\xff\xc3\xa9\"\\A\t");
        assert_eq!(c.target_union, Some(TargetUnion::Value(b"v w".to_vec())));
        let c = cmp("value(`a\\n\"b`) = `x y`");
        assert_eq!(c.key, b"a\\n\"b");
        assert_eq!(c.target_union, Some(TargetUnion::Value(b"x y".to_vec())));
        // Raw invalid UTF-8 inside quotes is read as U+FFFD, as Go's scanner reads it.
        assert_eq!(cmp_str_key(b"val(\"\xff\") = \"1\""), "\u{fffd}".as_bytes());
        // Spaces around the parts, and anything after the value, are fine.
        let c = cmp("val( \"k\")\t  =   \"v\" trailing junk");
        assert_eq!(
            (c.key.as_slice(), c.result),
            (&b"k"[..], CompareResult::Equal as i32)
        );
        assert_eq!(cmp("val(\"\") = \"\"").key, b"");
        // No space may come before `)`.
        assert!(cmp_err(b"val(\"k\" ) = \"v\"").ends_with("got val(\"k\")  \"\""));
    }

    fn cmp_str_key(line: &[u8]) -> Vec<u8> {
        parse_compare(line).unwrap().key
    }

    #[test]
    fn malformed_comparisons_say_what_was_read() {
        for (line, message) in [
            (&b"bad"[..], "malformed comparison: bad"),
            (
                b"val(\"k\"",
                "malformed comparison: val(\"k\"; got val(\"k\")  \"\"",
            ),
            (
                b"val(k) = \"v\"",
                "malformed comparison: val(k) = \"v\"; got val(\"\")  \"\"",
            ),
            (
                b"val(\"k\")",
                "malformed comparison: val(\"k\"); got val(\"k\")  \"\"",
            ),
            (
                b"val(\"k\")= \"1\"",
                "malformed comparison: val(\"k\")= \"1\"; got val(\"k\")  \"\"",
            ),
            (
                b"val(\"k\") =",
                "malformed comparison: val(\"k\") =; got val(\"k\") = \"\"",
            ),
            (
                b"val(\"k\") = v",
                "malformed comparison: val(\"k\") = v; got val(\"k\") = \"\"",
            ),
            (
                b"val(\"k\") =\"1\"",
                "malformed comparison: val(\"k\") =\"1\"; got val(\"k\") =\"1\" \"\"",
            ),
            (
                b"val(\"k\\q\") = \"v\"",
                "malformed comparison: val(\"k\\q\") = \"v\"; got val(\"\")  \"\"",
            ),
            (
                b"val(\"k) = \"v\"",
                "malformed comparison: val(\"k) = \"v\"; got val(\"k) = \")  \"\"",
            ),
            (
                b"val(\"\\x00\\xff\\u00a0\xc3\xa9\\t\") >",
                "malformed comparison: val(\"\\x00\\xff\\u00a0\u{e9}\\t\") >; \
                 got val(\"\\x00\\xff\\u00a0\u{e9}\\t\") > \"\"",
            ),
            (
                b"val (\"k\") = \"v\"",
                "malformed comparison: val (\"k\") = \"v\" (unknown target val )",
            ),
            (
                b"foo(\"k\") = \"v\"",
                "malformed comparison: foo(\"k\") = \"v\" (unknown target foo)",
            ),
            (
                b"(\"k\") = \"v\"",
                "malformed comparison: (\"k\") = \"v\" (unknown target )",
            ),
        ] {
            assert_eq!(cmp_err(line), message, "{}", String::from_utf8_lossy(line));
        }
    }
}
