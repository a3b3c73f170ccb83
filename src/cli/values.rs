//! Value parsers for etcdctl's Go flag syntax, so scripts written for etcdctl parse the same.

use std::time::Duration;

/// Go's `strconv.ParseBool`, used by pflag for `--flag=false`.
pub fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {s:?}: invalid syntax")),
    }
}

/// A duration flag in Go's syntax ([`go_duration`]); clap parses it from the type, so the four
/// timeout flags declare only their names, variables and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoDuration(pub Duration);

impl std::str::FromStr for GoDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        go_duration(s).map(GoDuration)
    }
}

/// Go's `time.ParseDuration`: a sequence of decimal numbers with units, like `1m30s` or `1.5s`.
/// A negative duration parses (Go accepts it) and comes out as zero: for every etcdctl duration
/// flag a negative value means what zero means (no dial limit, an expired command deadline, no
/// keepalive).
pub fn go_duration(s: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body == "0" {
        return Ok(Duration::ZERO);
    }
    if body.is_empty() {
        return Err(invalid());
    }
    let mut rest = body;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("time: missing unit in duration {s:?}"))?;
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        let number: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            unit => return Err(format!("time: unknown unit {unit:?} in duration {s:?}")),
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    // Go counts nanoseconds in an int64: about 292 years.
    if total > i64::MAX as f64 / 1e9 {
        return Err(invalid());
    }
    if negative {
        return Ok(Duration::ZERO);
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

/// pflag's `Int64` flags (`--limit`, `--rev`, ...): Go's `strconv.ParseInt(s, 0, 64)`, so
/// `0x10`, `0o17`, `017`, `0b11` and `1_000` all parse as Go parses them.
pub fn go_int64(s: &str) -> Result<i64, String> {
    go_parse_int(s, 0)
}

/// Go's `strconv.ParseInt(s, base, 64)`, with its error wording (etcdctl shows it to users).
/// Base 0 reads the base from the prefix (`0x`, `0o`, `0b`, or a leading `0` for octal) and
/// allows `_` between digits, as Go does.
pub fn go_parse_int(s: &str, base: u32) -> Result<i64, String> {
    let syntax = || format!("strconv.ParseInt: parsing {s:?}: invalid syntax");
    let range = || format!("strconv.ParseInt: parsing {s:?}: value out of range");
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if unsigned.is_empty() {
        return Err(syntax());
    }
    let base0 = base == 0;
    let (base, digits) = if base0 {
        let lower = unsigned.to_ascii_lowercase();
        match lower.as_bytes() {
            [b'0', b'x', _, ..] => (16, &unsigned[2..]),
            [b'0', b'o', _, ..] => (8, &unsigned[2..]),
            [b'0', b'b', _, ..] => (2, &unsigned[2..]),
            [b'0', ..] => (8, &unsigned[1..]),
            _ => (10, unsigned),
        }
    } else {
        (base, unsigned)
    };
    if digits.contains('_') && !(base0 && underscore_ok(unsigned)) {
        return Err(syntax());
    }
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(base).ok_or_else(syntax)?;
        match magnitude
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(digit)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(range());
    }
    let value = if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    value.ok_or_else(range)
}

/// Go's `underscoreOK`: every `_` sits between two digits (a base prefix counts as a digit).
fn underscore_ok(unsigned: &str) -> bool {
    let s = unsigned.as_bytes();
    let mut i = 0;
    let mut hex = false;
    // '^' start, '0' digit or base prefix, '_' underscore, '!' anything else.
    let mut saw = b'^';
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    for &c in &s[i..] {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Accepts any string but offers `values` to help and shell completion, for flags whose bad
/// values etcdctl reports itself (e.g. `-w xml` is exit 4, not a usage error).
#[derive(Clone, Copy, Debug)]
pub struct Suggest(pub &'static [&'static str]);

impl clap::builder::TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0.iter().map(|v| clap::builder::PossibleValue::new(*v)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggest_accepts_anything_and_offers_its_values() {
        use clap::builder::TypedValueParser;
        let parser = Suggest(&["a", "b"]);
        let cmd = clap::Command::new("t");
        let parsed = parser.parse_ref(&cmd, None, std::ffi::OsStr::new("zzz"));
        assert_eq!(parsed.unwrap(), "zzz");
        let offered: Vec<String> = parser
            .possible_values()
            .unwrap()
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(offered, ["a", "b"]);
    }

    #[test]
    fn bools_as_go_parses_them() {
        assert_eq!(go_bool("true"), Ok(true));
        assert_eq!(go_bool("F"), Ok(false));
        assert!(go_bool("yes").is_err());
    }

    #[test]
    fn ints_as_go_parses_them() {
        assert_eq!(go_parse_int("ff", 16), Ok(255));
        assert_eq!(go_parse_int("-10", 10), Ok(-10));
        assert_eq!(go_parse_int("7fffffffffffffff", 16), Ok(i64::MAX));
        assert_eq!(
            go_parse_int("8000000000000000", 16),
            Err("strconv.ParseInt: parsing \"8000000000000000\": value out of range".into())
        );
        assert_eq!(
            go_parse_int("0x1", 16),
            Err("strconv.ParseInt: parsing \"0x1\": invalid syntax".into())
        );
        assert!(go_parse_int("", 10).is_err());
        assert!(go_parse_int("1_0", 10).is_err());
        assert!(go_parse_int("+", 10).is_err());
    }

    #[test]
    fn int64_flags_take_go_base_prefixes_and_underscores() {
        for (text, value) in [
            ("0", 0),
            ("10", 10),
            ("+7", 7),
            ("-1", -1),
            ("0x1F", 31),
            ("0X_1f", 31),
            ("0o17", 15),
            ("017", 15),
            ("0b101", 5),
            ("1_000", 1000),
            ("0_1", 1),
            ("-0x10", -16),
            ("-9223372036854775808", i64::MIN),
        ] {
            assert_eq!(go_int64(text), Ok(value), "{text}");
        }
        for bad in [
            "", "08", "0x", "0b", "1__0", "_1", "1_", "0x_", " 1", "1e3", "abc", "--1",
        ] {
            assert_eq!(
                go_int64(bad),
                Err(format!("strconv.ParseInt: parsing {bad:?}: invalid syntax")),
                "{bad:?}"
            );
        }
        assert_eq!(
            go_int64("9223372036854775808"),
            Err("strconv.ParseInt: parsing \"9223372036854775808\": value out of range".into())
        );
        assert!(go_int64("0xffffffffffffffffff").is_err());
    }

    #[test]
    fn durations_as_go_parses_them() {
        assert_eq!(go_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(go_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(go_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(go_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(go_duration("+0"), Ok(Duration::ZERO));
        assert_eq!(go_duration(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(go_duration("1.s"), Ok(Duration::from_secs(1)));
        assert_eq!(
            go_duration("1h2m3s4ms"),
            Ok(Duration::from_millis(3_723_004))
        );
        assert_eq!(go_duration("3\u{b5}s"), Ok(Duration::from_micros(3)));
        assert_eq!(go_duration("10ns"), Ok(Duration::from_nanos(10)));
        // Go accepts negative durations; they mean what zero means.
        assert_eq!(go_duration("-1s"), Ok(Duration::ZERO));
        assert_eq!(go_duration("-1m30s"), Ok(Duration::ZERO));
        assert_eq!(
            go_duration("2540400h"),
            Ok(Duration::from_secs(2_540_400 * 3600))
        );
        for bad in [
            "", "5", "1x", "s", "1..2s", ".s", "-", "+", "1s2", "00", "3000000h", " 1s", "1S",
        ] {
            assert!(go_duration(bad).is_err(), "{bad:?} should fail");
        }
    }
}
