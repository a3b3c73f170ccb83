//! Key ranges as etcd reads them: a key and a range end, prefix ends, and etcdctl's
//! `<key> [range_end]` / `--prefix` / `--from-key` rules. Pure rules every layer may use.

use crate::error::CliError;

/// A key and the end of its range, as sent in Range/DeleteRange requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub key: Vec<u8>,
    pub range_end: Vec<u8>,
}

/// etcd's "no upper bound" range end, `\0`.
const FROM_KEY_END: &[u8] = b"\0";

/// The smallest key greater than every key that starts with `prefix`; `\0` when no such key
/// exists (a prefix of only 0xff bytes), which etcd reads as "to the end of the keyspace".
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    FROM_KEY_END.to_vec()
}

/// Every key that starts with `prefix`, as a key and a range end; the whole keyspace for an
/// empty prefix.
pub fn prefix_range(prefix: &[u8]) -> (Vec<u8>, Vec<u8>) {
    if prefix.is_empty() {
        (vec![0], FROM_KEY_END.to_vec())
    } else {
        (prefix.to_vec(), prefix_end(prefix))
    }
}

/// The positional `<key> [range_end]` plus `--prefix` / `--from-key`, resolved as etcdctl does:
/// an empty key with either flag means the whole keyspace.
pub fn key_range(
    key: Vec<u8>,
    range_end: Option<Vec<u8>>,
    prefix: bool,
    from_key: bool,
) -> Result<KeyRange, CliError> {
    if prefix && from_key {
        return Err(CliError::bad_args(
            "`--prefix` and `--from-key` cannot be set at the same time, choose one",
        ));
    }
    if range_end.is_some() && (prefix || from_key) {
        return Err(CliError::bad_args(
            "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
        ));
    }
    let whole_keyspace = key.is_empty() && (prefix || from_key);
    let key = if whole_keyspace { vec![0] } else { key };
    let range_end = if whole_keyspace || from_key {
        FROM_KEY_END.to_vec()
    } else if prefix {
        prefix_end(&key)
    } else {
        range_end.unwrap_or_default()
    };
    Ok(KeyRange { key, range_end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_increments_the_last_byte_below_0xff() {
        assert_eq!(prefix_end(b"foo"), b"fop");
        assert_eq!(prefix_end(b"a\xff"), b"b");
        assert_eq!(prefix_end(b"\xff\xff"), b"\0");
        assert_eq!(prefix_end(b""), b"\0");
    }

    #[test]
    fn prefix_ranges() {
        assert_eq!(prefix_range(b"a/"), (b"a/".to_vec(), b"a0".to_vec()));
        assert_eq!(prefix_range(b""), (vec![0], vec![0]));
    }

    #[test]
    fn ranges_follow_etcdctl() {
        let r = |k: &[u8], e: Option<&[u8]>, p, f| {
            key_range(k.to_vec(), e.map(|e| e.to_vec()), p, f).map(|r| (r.key, r.range_end))
        };
        assert_eq!(
            r(b"k1", None, false, false).unwrap(),
            (b"k1".to_vec(), vec![])
        );
        assert_eq!(
            r(b"k1", Some(b"k4"), false, false).unwrap(),
            (b"k1".to_vec(), b"k4".to_vec())
        );
        assert_eq!(
            r(b"k", None, true, false).unwrap(),
            (b"k".to_vec(), b"l".to_vec())
        );
        assert_eq!(
            r(b"k", None, false, true).unwrap(),
            (b"k".to_vec(), b"\0".to_vec())
        );
        assert_eq!(
            r(b"", None, true, false).unwrap(),
            (b"\0".to_vec(), b"\0".to_vec())
        );
        assert_eq!(
            r(b"", None, false, true).unwrap(),
            (b"\0".to_vec(), b"\0".to_vec())
        );
        assert!(r(b"k", None, true, true).is_err());
        assert!(r(b"k", Some(b"z"), true, false).is_err());
    }
}
