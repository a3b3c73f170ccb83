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

/// Whether `key` lies in the range `[start, end)` as etcd reads a range end: empty, `start`
/// alone; `\0`, every key from `start` on.
pub fn in_range(key: &[u8], start: &[u8], end: &[u8]) -> bool {
    match end {
        [] => key == start,
        [0] => key >= start,
        end => key >= start && key < end,
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

/// Bytes after a shared prefix that [`key_after`] and [`key_before`] measure distances in: 16
/// fit a `u128`, and keys that share more than that after the prefix are one point to them.
const WINDOW: usize = 16;

/// The bytes of `key` from `offset` on, as one big-endian number (short keys padded with 0).
fn window(key: &[u8], offset: usize) -> u128 {
    let mut bytes = [0u8; WINDOW];
    let tail = key.get(offset..).unwrap_or_default();
    let n = tail.len().min(WINDOW);
    bytes[..n].copy_from_slice(&tail[..n]);
    u128::from_be_bytes(bytes)
}

/// `prefix` followed by `value`'s bytes, without trailing zeros.
fn with_window(prefix: &[u8], value: u128) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let len = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    [prefix, &bytes[..len]].concat()
}

/// The length of the prefix `a` and `b` share.
fn shared_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(a, b)| a == b).count()
}

/// Where two keys of one page (`low < high`) and `from` part, and how far apart `low` and
/// `high` are there: the length of the prefix all three share, and the distance. `None` when
/// the two are one point apart at that precision.
fn spread(low: &[u8], high: &[u8], from: &[u8]) -> Option<(usize, u128)> {
    let offset = shared_len(low, high).min(shared_len(low, from));
    let distance = window(high, offset).checked_sub(window(low, offset))?;
    (distance > 0).then_some((offset, distance))
}

/// The distance between `low` and `high` times `scale`, at least 1.
fn step(distance: u128, scale: f64) -> u128 {
    // `as` saturates: a huge scale gives u128::MAX, which overflows below and ends the guess
    // at the prefix's end.
    ((distance as f64) * scale).max(1.0) as u128
}

/// A guess at a key `scale` times as far past `from` as `high` is past `low` (two keys of one
/// page): the end of a range that should hold about `scale` times the keys between them, if
/// keys go on as densely. Paged reads bound each page with it, so etcd walks its index over that
/// page only, not over the rest of the range. `None`: no guess, read without a bound.
pub fn key_after(from: &[u8], low: &[u8], high: &[u8], scale: f64) -> Option<Vec<u8>> {
    let (offset, distance) = spread(low, high, from)?;
    let shared = &from[..offset];
    let guess = match window(from, offset).checked_add(step(distance, scale)) {
        Some(value) => with_window(shared, value),
        None if shared.is_empty() => return None,
        None => prefix_end(shared),
    };
    (guess.as_slice() > from).then_some(guess)
}

/// [`key_after`] for a descending read: a key below `from` (which ends the range not read yet)
/// by `scale` times the distance between `low` and `high`. It may be empty; the caller bounds it
/// by the range's own start.
pub fn key_before(from: &[u8], low: &[u8], high: &[u8], scale: f64) -> Option<Vec<u8>> {
    let (offset, distance) = spread(low, high, from)?;
    let shared = &from[..offset];
    let guess = match window(from, offset).checked_sub(step(distance, scale)) {
        Some(value) => with_window(shared, value),
        None => shared.to_vec(),
    };
    (guess.as_slice() < from).then_some(guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_etcd_reads_them() {
        assert!(in_range(b"a", b"a", b""));
        assert!(!in_range(b"ab", b"a", b""));
        assert!(in_range(b"zz", b"a", b"\0"));
        assert!(in_range(b"a/1", b"a/", b"a0"));
        assert!(!in_range(b"a0", b"a/", b"a0"));
    }

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

    #[test]
    fn guesses_scale_the_distance_between_two_keys() {
        // Ten keys apart ("k/010" to "k/020"), twice that past "k/030": "k/050".
        let low = b"k/010";
        let high = b"k/020";
        let after = key_after(b"k/030", low, high, 2.0).unwrap();
        assert_eq!(after, b"k/050");
        let before = key_before(b"k/050", low, high, 2.0).unwrap();
        assert_eq!(before, b"k/030");
        // A continuation key ("k/020" then a 0 byte) moves on from there.
        assert!(key_after(b"k/020\0", low, high, 1.0).unwrap().as_slice() > b"k/029".as_slice());
    }

    #[test]
    fn guesses_stay_ordered_at_the_edges() {
        // Past the last key a prefix can hold: the end of the prefix.
        let after = key_after(b"k\xff\xff", b"k\x00", b"k\xff", 1e40).unwrap();
        assert_eq!(after, b"l");
        // Below the first: the bare prefix, which is lower than every key under it.
        assert_eq!(
            key_before(b"k\x01", b"k\x00", b"k\xff", 10.0).unwrap(),
            b"k"
        );
        // No guess when the keys are one point apart.
        assert_eq!(key_after(b"k/3", b"k/1", b"k/1", 1.0), None);
        // `from` past the keys' shared prefix: distances are measured where all three part,
        // so "k/00" to "k/01" is one step in the last byte, and 16 of them past "k/11" is "k/1A".
        assert_eq!(key_after(b"k/11", b"k/00", b"k/01", 16.0).unwrap(), b"k/1A");
        // Long shared tails: the guess still lies beyond `from`.
        let long = [b"p/".as_slice(), &[7u8; 40]].concat();
        let mut later = long.clone();
        later.push(1);
        let guess = key_after(&later, b"p/\x01", &long, 0.5).unwrap();
        assert!(guess > later, "{guess:?}");
    }
}
