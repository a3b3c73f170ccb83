//! How etcdctl reads a line of interactive input (`txn`, `watch -i`): trimmed like Go's
//! `strings.TrimSpace`, split into arguments like etcdctl's `argify`, and scanned like Go's
//! `fmt` scanning (`%q`, `%s`). Pure functions over bytes: keys and values need not be UTF-8,
//! and an error message is the one etcdctl prints.

use crate::error::CliError;

/// Go's `strings.TrimSpace`: drops Unicode white space at both ends; invalid UTF-8 is not space.
pub fn trim_space(line: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some((c, width)) = decode_rune(&line[start..]) {
        if !c.is_whitespace() {
            break;
        }
        start += width;
    }
    let mut end = line.len();
    while let Some((c, width)) = decode_last_rune(&line[start..end]) {
        if !c.is_whitespace() {
            break;
        }
        end -= width;
    }
    &line[start..end]
}

/// A request line split into arguments as etcdctl's `argify` splits it: a token is a
/// double-quoted string (Go escapes, then unquoted), a single-quoted string (taken literally),
/// or a run of non-space bytes; a quote that never closes is skipped. A double-quoted token Go
/// cannot unquote fails with Go's "invalid syntax".
///
/// Departure: etcdctl 3.4 cuts a single-quoted token to `len(args) - 2` bytes (a slicing bug,
/// fixed in 3.5, that turns `put 'key1' 'val1'` into `put k v` or crashes); here the quotes
/// are simply removed, as in etcdctl 3.5.
pub fn argify(line: &[u8]) -> Result<Vec<Vec<u8>>, CliError> {
    let mut args = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        let len = match rest[0] {
            b'"' => double_quoted_len(rest),
            b'\'' => rest[1..]
                .iter()
                .position(|&b| b == b'\'')
                .map(|end| end + 2),
            b if is_regexp_space(b) => None,
            _ => Some(
                rest.iter()
                    .position(|&b| is_regexp_space(b))
                    .unwrap_or(rest.len()),
            ),
        };
        let Some(len) = len else {
            i += 1;
            continue;
        };
        let token = &rest[..len];
        args.push(match token[0] {
            b'"' => Scanner::new(token)
                .quoted()
                .ok_or_else(|| CliError::invalid_input("invalid syntax"))?,
            b'\'' => token[1..len - 1].to_vec(),
            _ => token.to_vec(),
        });
        i += len;
    }
    Ok(args)
}

/// The length of the match of `"(?:[^"\\]|\\.)*"` at the start of `s`, if any.
fn double_quoted_len(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    loop {
        match s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' if s.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
            b'\\' => return None,
            _ => i += 1,
        }
    }
}

/// `\s` of Go's regexp package: ASCII space, `\t \n \f \r` (not `\v`).
fn is_regexp_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0c | b'\r')
}

/// The subset of Go's `fmt` scanning the comparison format needs. Go reads runes: each byte of
/// invalid UTF-8 becomes U+FFFD, which is what ends up in keys and values scanned here.
pub struct Scanner<'a> {
    rest: &'a [u8],
}

impl<'a> Scanner<'a> {
    pub fn new(rest: &'a [u8]) -> Self {
        Scanner { rest }
    }

    pub fn next_rune(&mut self) -> Option<char> {
        let (c, width) = decode_rune(self.rest)?;
        self.rest = &self.rest[width..];
        Some(c)
    }

    fn skip_space(&mut self) {
        while let Some((c, width)) = decode_rune(self.rest) {
            if !c.is_whitespace() {
                break;
            }
            self.rest = &self.rest[width..];
        }
    }

    /// A space in the format: one or more spaces in the input, or its end.
    pub fn space_or_end(&mut self) -> bool {
        match self.next_rune() {
            Some(c) if !c.is_whitespace() => false,
            _ => {
                self.skip_space();
                true
            }
        }
    }

    /// `%s`: the next run of non-space runes.
    pub fn word(&mut self) -> Option<String> {
        self.skip_space();
        let mut word = String::new();
        while let Some((c, width)) = decode_rune(self.rest) {
            if c.is_whitespace() {
                break;
            }
            word.push(c);
            self.rest = &self.rest[width..];
        }
        (!word.is_empty()).then_some(word)
    }

    /// `%q`: a back-quoted string taken as is, or a double-quoted one unquoted like Go's
    /// `strconv.Unquote`.
    pub fn quoted(&mut self) -> Option<Vec<u8>> {
        self.skip_space();
        match self.next_rune()? {
            '`' => {
                let mut s = String::new();
                loop {
                    match self.next_rune()? {
                        '`' => return Some(s.into_bytes()),
                        c => s.push(c),
                    }
                }
            }
            '"' => {
                let mut body = String::new();
                loop {
                    match self.next_rune()? {
                        '"' => return unquote(&body),
                        '\\' => {
                            body.push('\\');
                            body.push(self.next_rune()?);
                        }
                        c => body.push(c),
                    }
                }
            }
            _ => None,
        }
    }
}

/// The body of a Go double-quoted string literal, unescaped; `None` where Go says "invalid
/// syntax". `\x` and octal escapes give single bytes, `\u` and `\U` UTF-8.
fn unquote(body: &str) -> Option<Vec<u8>> {
    if body.contains('\n') {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body.as_bytes();
    while let Some((&c, tail)) = rest.split_first() {
        rest = tail;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let (&e, tail) = rest.split_first()?;
        rest = tail;
        let simple = match e {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'"' => Some(e),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        let digits = match e {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            b'0'..=b'7' => 2,
            _ => return None,
        };
        let (number, tail) = rest.split_at_checked(digits)?;
        rest = tail;
        if e.is_ascii_digit() {
            let value = number.iter().try_fold(u32::from(e - b'0'), |v, &d| {
                matches!(d, b'0'..=b'7').then(|| v << 3 | u32::from(d - b'0'))
            })?;
            out.push(u8::try_from(value).ok()?);
            continue;
        }
        let number = std::str::from_utf8(number).ok()?;
        if !number.bytes().all(|d| d.is_ascii_hexdigit()) {
            return None;
        }
        let value = u32::from_str_radix(number, 16).ok()?;
        if e == b'x' {
            out.push(value as u8);
        } else {
            let c = char::from_u32(value)?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    Some(out)
}

/// Go's `utf8.DecodeRune`: the first rune and its width; an invalid byte is U+FFFD of width 1.
fn decode_rune(bytes: &[u8]) -> Option<(char, usize)> {
    let head = &bytes[..bytes.len().min(4)];
    let chunk = head.utf8_chunks().next()?;
    Some(match chunk.valid().chars().next() {
        Some(c) => (c, c.len_utf8()),
        None => (char::REPLACEMENT_CHARACTER, 1),
    })
}

/// Go's `utf8.DecodeLastRune`: the last rune and its width, U+FFFD of width 1 when invalid.
fn decode_last_rune(bytes: &[u8]) -> Option<(char, usize)> {
    if bytes.is_empty() {
        return None;
    }
    for width in 1..=bytes.len().min(4) {
        if let Ok(s) = std::str::from_utf8(&bytes[bytes.len() - width..]) {
            return s.chars().next().map(|c| (c, width));
        }
    }
    Some((char::REPLACEMENT_CHARACTER, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn args(line: &[u8]) -> Vec<Vec<u8>> {
        argify(line).unwrap()
    }

    #[test]
    fn argify_splits_like_etcdctl() {
        let v = |xs: &[&[u8]]| xs.iter().map(|x| x.to_vec()).collect::<Vec<_>>();
        assert_eq!(args(b"put k v"), v(&[b"put", b"k", b"v"]));
        assert_eq!(args(b"put  k\t\"a b\"  "), v(&[b"put", b"k", b"a b"]));
        assert_eq!(
            args(b"put k \"a\\\"b\\n\\x00\""),
            v(&[b"put", b"k", b"a\"b\n\x00"])
        );
        assert_eq!(args(b"put 'key 1' 'v\\n'"), v(&[b"put", b"key 1", b"v\\n"]));
        assert_eq!(args(b"put k \"a\"b"), v(&[b"put", b"k", b"a", b"b"]));
        assert_eq!(
            args(b"put k a\"b c\"d"),
            v(&[b"put", b"k", b"a\"b", b"c\"d"])
        );
        assert_eq!(args(b"put k \"unclosed"), v(&[b"put", b"k", b"unclosed"]));
        assert_eq!(args(b"put k 'unclosed"), v(&[b"put", b"k", b"unclosed"]));
        assert_eq!(args(b"put k \"\" ''"), v(&[b"put", b"k", b"", b""]));
        assert_eq!(
            args(b"get \xff\xfe \x0bv"),
            v(&[b"get", b"\xff\xfe", b"\x0bv"])
        );
        assert_eq!(
            args(b"put k \"\xff\""),
            v(&[b"put", b"k", "\u{fffd}".as_bytes()])
        );
        assert_eq!(args(b"put k `a b`"), v(&[b"put", b"k", b"`a", b"b`"]));
        assert_eq!(args(b""), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn argify_rejects_what_go_cannot_unquote() {
        for line in [
            &b"put k \"\\q\""[..],
            b"put k \"\\x1\"",
            b"put k \"\\400\"",
            b"put k \"\\'\"",
        ] {
            let err = argify(line).unwrap_err();
            assert_eq!(
                (err.code, err.message.as_str()),
                (ExitCode::InvalidInput, "invalid syntax")
            );
        }
        assert_eq!(
            args(b"put k \"\\377\\U0001F600\""),
            vec![
                b"put".to_vec(),
                b"k".to_vec(),
                b"\xff\xf0\x9f\x98\x80".to_vec()
            ]
        );
        assert!(
            argify(b"put k \"\\uD800\"").is_err(),
            "surrogates are not runes"
        );
    }

    #[test]
    fn trim_space_is_gos() {
        assert_eq!(trim_space(b" \t\x0b\r\n k v \r\n"), b"k v");
        assert_eq!(trim_space("\u{a0}\u{3000}k\u{85}\u{2029}".as_bytes()), b"k");
        assert_eq!(trim_space(b"\xff "), b"\xff");
        assert_eq!(
            trim_space(b" \xa0"),
            b"\xa0",
            "a lone continuation byte is not NBSP"
        );
        assert_eq!(trim_space(b" \r\n\t"), b"");
    }
}
