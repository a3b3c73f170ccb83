//! Offline files etcd writes, read and written without a server: the bbolt backend ([`bbolt`],
//! the [`DbStatus`] `snapshot status` reports of it, and the small writer [`bbolt_write`]), the
//! write-ahead log, raft snapshots, and the v2 `backup` built from them.

pub mod backup;
pub mod bbolt;
pub mod bbolt_write;
pub mod snap;
pub mod wal;

pub use bbolt::DbStatus;
