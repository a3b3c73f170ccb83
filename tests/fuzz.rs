//! Property-based fuzzing of every input ectl parses that a user or a disk hands it: Go's value
//! parsers, `argify` lines, `watch -i` lines, the v2 argument parser, and the bbolt, WAL and snap
//! readers seeded with files ectl's own writers make, then mutated. (The txn grammar is private to
//! its module, so its property lives in `src/commands/kv/txn.rs`'s tests.)
//!
//! `ECTL_FUZZ_CASES` sets the cases per property (256 by default, so `cargo test` stays fast);
//! `scripts/fuzz` runs 10,000+. Every file reader call runs under a deadline so a hang fails the
//! property instead of stalling the run.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use ectl::cli::values::{go_bool, go_duration, go_int64, go_parse_int};
use ectl::commands::line::argify;
use ectl::commands::watch::{WatchEnv, interpret_line};
use ectl::storage::bbolt::{Db, Item};
use ectl::storage::bbolt_write::Writer;
use ectl::storage::snap::{self, RaftSnapshot, SnapshotMetadata};
use ectl::storage::wal::{self, HardState, RaftEntry, ServerMetadata, WalSnapshot, WalWriter};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    let cases = std::env::var("ECTL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `f` on its own thread and fails if it takes longer than a few seconds (a hang).
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the reader hung for 10 s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the reader panicked"),
    }
}

/// How a seed file is damaged: the kinds of damage a disk or a half-finished copy does.
#[derive(Debug, Clone)]
enum Mutation {
    /// Flip bit `bit` of the byte at `at` (scaled to the file).
    Flip { at: usize, bit: u8 },
    /// Cut the file to this fraction (per mille) of its length.
    Truncate(u16),
    /// Overwrite a length-like field at `at` with an extreme value of `width` bytes.
    Field { at: usize, width: u8, value: u64 },
    /// Overwrite a run of bytes with random ones.
    Splat { at: usize, bytes: Vec<u8> },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::from(u16::MAX)),
        Just(u64::from(u32::MAX)),
        Just(u64::from(u32::MAX) + 1),
        Just(u64::MAX),
        Just(i64::MAX as u64),
        any::<u64>(),
    ];
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (0u16..1000).prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop_oneof![Just(2u8), Just(4), Just(8)],
            extreme
        )
            .prop_map(|(at, width, value)| Mutation::Field { at, width, value }),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..64)
        )
            .prop_map(|(at, bytes)| Mutation::Splat { at, bytes }),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut file = seed.to_vec();
    for m in mutations {
        if file.is_empty() {
            break;
        }
        let len = file.len();
        match m {
            Mutation::Flip { at, bit } => file[at % len] ^= 1 << bit,
            Mutation::Truncate(per_mille) => file.truncate(len * usize::from(*per_mille) / 1000),
            Mutation::Field { at, width, value } => {
                let width = usize::from(*width).min(len);
                let at = at % (len - width + 1);
                file[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
            }
            Mutation::Splat { at, bytes } => {
                let at = at % len;
                let n = bytes.len().min(len - at);
                file[at..at + n].copy_from_slice(&bytes[..n]);
            }
        }
    }
    file
}

/// A damaged file, or (one case in eight) a fully random one.
fn damaged(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        7 => proptest::collection::vec(mutation(), 1..4).prop_map(move |m| apply(&seed, &m)),
        1 => proptest::collection::vec(any::<u8>(), 0..2048),
    ]
}

// ---- seeds, made by ectl's own writers ----

/// A key and its value.
type Pair = (Vec<u8>, Vec<u8>);

/// The pairs of the bbolt seed: enough keys to need branch pages and an overflow value.
fn bbolt_pairs() -> Vec<Pair> {
    let mut pairs: Vec<_> = (0..300u32)
        .map(|i| (revision(i), vec![i as u8; (i % 17) as usize]))
        .collect();
    pairs.push((revision(1000), vec![7; 9000]));
    pairs
}

/// An etcd revision key: main and sub revisions big-endian around `_`, as `status` expects.
fn revision(main: u32) -> Vec<u8> {
    let mut key = u64::from(main).to_be_bytes().to_vec();
    key.push(b'_');
    key.extend_from_slice(&0u64.to_be_bytes());
    key
}

fn bbolt_seed() -> Vec<u8> {
    let file = tempfile::tempfile().unwrap();
    let mut w = Writer::new(file.try_clone().unwrap(), 4096).unwrap();
    w.bucket(b"key", 0).unwrap();
    for (k, v) in bbolt_pairs() {
        w.put(&k, &v).unwrap();
    }
    w.bucket(b"meta", 3).unwrap();
    w.put(b"consistent_index", &[0, 0, 0, 0, 0, 0, 0, 9])
        .unwrap();
    w.finish().unwrap();
    use std::os::unix::fs::FileExt;
    let len = file.metadata().unwrap().len() as usize;
    let mut bytes = vec![0; len];
    file.read_exact_at(&mut bytes, 0).unwrap();
    bytes
}

fn wal_entries() -> Vec<RaftEntry> {
    (1..=40u64)
        .map(|index| RaftEntry {
            r#type: 0,
            term: 2,
            index,
            data: vec![index as u8; (index * 13 % 200) as usize],
        })
        .collect()
}

fn wal_seed() -> Vec<u8> {
    let mut w = WalWriter::create(&ServerMetadata {
        node_id: 1,
        cluster_id: 2,
    });
    let state = HardState {
        term: 2,
        vote: 1,
        commit: 40,
    };
    w.save(&state, &wal_entries());
    w.bytes().to_vec()
}

fn raft_snapshot() -> RaftSnapshot {
    RaftSnapshot {
        data: (0..=255u8).cycle().take(3000).collect(),
        metadata: Some(SnapshotMetadata {
            conf_state: None,
            index: 40,
            term: 2,
        }),
    }
}

fn snap_seed() -> Vec<u8> {
    snap::encode(&raft_snapshot())
}

// ---- file readers ----

/// Opens and reads the whole database the ways ectl does; the result as text.
fn read_bbolt(path: &Path) -> Result<Vec<Pair>, String> {
    let db = Db::open(path).map_err(|e| e.to_string())?;
    let mut pairs = Vec::new();
    db.for_each(&mut |item| {
        if let Item::Pair { key, value } = item {
            pairs.push((key.to_vec(), value.to_vec()));
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    db.status().map_err(|e| e.to_string())?;
    db.value_location(b"key", &revision(150))
        .map_err(|e| e.to_string())?;
    Ok(pairs)
}

#[test]
fn bbolt_seed_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    std::fs::write(&path, bbolt_seed()).unwrap();
    let mut pairs = read_bbolt(&path).unwrap();
    pairs.retain(|(k, _)| k != b"consistent_index");
    assert_eq!(pairs, bbolt_pairs());
}

#[test]
fn wal_and_snap_seeds_read_back() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(wal::FIRST_FILE), wal_seed()).unwrap();
    let all = wal::read_all(dir.path(), WalSnapshot::default()).unwrap();
    assert_eq!(all.entries, wal_entries());
    std::fs::write(dir.path().join(snap::file_name(2, 40)), snap_seed()).unwrap();
    assert_eq!(
        snap::load_newest(dir.path()).unwrap().snapshot,
        raft_snapshot()
    );
}

proptest! {
    #![proptest_config(config())]

    /// A damaged database opens to an error with a message, or reads; never a panic or a hang.
    #[test]
    fn bbolt_reader_survives_damage(file in damaged(bbolt_seed())) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        std::fs::write(&path, &file).unwrap();
        if let Err(e) = bounded(move || read_bbolt(&path)) {
            prop_assert!(!e.is_empty());
        }
    }

    /// A damaged WAL reads to an error with a message, or to entries; never a panic or a hang.
    #[test]
    fn wal_reader_survives_damage(file in damaged(wal_seed())) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(wal::FIRST_FILE), &file).unwrap();
        let path = dir.path().to_path_buf();
        let result = bounded(move || {
            wal::read_all(&path, WalSnapshot::default()).map(|c| c.entries.len())
        });
        if let Err(e) = result {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// A damaged snap file is skipped (no usable snapshot) or read; never a panic or a hang.
    #[test]
    fn snap_reader_survives_damage(file in damaged(snap_seed())) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(snap::file_name(2, 40)), &file).unwrap();
        let path = dir.path().to_path_buf();
        match bounded(move || snap::load_newest(&path).map(|l| l.snapshot)) {
            // A CRC match on damaged bytes is possible only when the damage missed the payload.
            Ok(s) => prop_assert_eq!(s, raft_snapshot()),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Go's `strconv.ParseBool`: exactly its twelve spellings parse.
    #[test]
    fn go_bool_matches_go(s in prop_oneof![
        "(1|0|t|f|T|F|true|false|TRUE|FALSE|True|False|tRUE|yes|)",
        any::<String>(),
    ]) {
        let model = match s.as_str() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
            _ => None,
        };
        prop_assert_eq!(go_bool(&s).ok(), model);
    }

    /// Any text: a duration or Go's `time:` error, never a panic.
    #[test]
    fn go_duration_never_panics(s in prop_oneof![
        "[-+]?([0-9.]{0,25}(ns|us|µs|μs|ms|s|m|h|x|)){0,4}",
        any::<String>(),
    ]) {
        if let Err(e) = go_duration(&s) {
            prop_assert!(e.starts_with("time: "), "{}", e);
        }
    }

    /// What Go's `Duration.String` prints parses back (for durations an int64 of nanoseconds holds) to (within float rounding of) itself.
    #[test]
    fn go_duration_round_trips(secs in 0u64..9_223_372_036, nanos in 0u32..1_000_000_000) {
        let d = Duration::new(secs, nanos);
        let text = ectl::go::duration(d);
        let back = go_duration(&text).unwrap();
        let diff = back.abs_diff(d);
        prop_assert!(
            diff.as_nanos() <= d.as_nanos() / 1_000_000_000_000 + 1,
            "{} -> {:?}",
            text,
            back
        );
    }

    /// Any decimal int64 parses back to itself; any text parses or errs without a panic.
    #[test]
    fn go_ints(n in any::<i64>(), s in any::<String>(), base in prop_oneof![Just(0u32), Just(10), Just(16)]) {
        prop_assert_eq!(go_int64(&n.to_string()), Ok(n));
        prop_assert_eq!(go_parse_int(&n.to_string(), 10), Ok(n));
        let _ = go_int64(&s);
        let _ = go_parse_int(&s, base);
    }

    /// Plain words separated by blanks argify to themselves; any bytes argify or err.
    #[test]
    fn argify_words(words in proptest::collection::vec("[a-zA-Z0-9/_.-]{1,8}", 0..6),
                    gap in "[ \t]{1,3}", junk in any::<Vec<u8>>()) {
        let line = words.join(&gap);
        let got = argify(line.as_bytes()).unwrap();
        let want: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
        prop_assert_eq!(got, want);
        let _ = argify(&junk);
    }

    /// `watch -i` lines: structured commands with flags and quotes, or any bytes; never a panic.
    #[test]
    fn watch_lines(line in prop_oneof![
        "(watch|progress|cancel|wat|)( +(--prefix|--rev(=| )[-0-9a-z]{0,4}|--prev-kv|--progress-notify|-i|--|\"[a-z\\\\\" ]{0,6}\"|'[a-z ]{0,4}'|[a-z]{1,3}|x\\\\)){0,5} *",
        any::<String>(),
    ].prop_map(String::into_bytes), junk in any::<Vec<u8>>(), key in any::<Vec<u8>>()) {
        let env = WatchEnv { key, range_end: Vec::new() };
        let _ = interpret_line(&line, &env);
        let _ = interpret_line(&junk, &WatchEnv::default());
    }

    /// The v2 argument parser over its own words, odd flag shapes and random strings.
    #[test]
    fn v2_args(args in proptest::collection::vec(prop_oneof![
        4 => "(ls|get|set|mk|mkdir|rm|rmdir|update|updatedir|watch|exec-watch|member|user|role|backup|cluster-health|import|list|add|remove|grant|revoke|help|-h|--help|-v|--version)",
        4 => "--?(endpoints?|peers|ttl|swap-with-value|swap-with-index|recursive|sort|quorum|output|o|forever|after-index|timeout|total-timeout|debug|no-sync|dir|data-dir|backup-dir|with-v3|username|password|ca-file|discovery-srv|insecure-skip-tls-verify|x)(=[-a-z0-9.:/,]{0,10})?",
        2 => "[-a-z0-9/=.,]{0,10}",
        1 => any::<String>(),
    ], 0..7)) {
        let _ = ectl::v2::parse(&args, &|_| None);
    }
}
