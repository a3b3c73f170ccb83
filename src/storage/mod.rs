//! Offline files of a member's data directory: the write-ahead log, raft snapshots, and the
//! v2 `backup` built from them.

pub mod backup;
pub mod bbolt_write;
pub mod snap;
pub mod wal;
