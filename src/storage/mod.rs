//! Offline files etcd writes, read and written without a server: the bbolt backend
//! ([`bbolt`], and the [`DbStatus`] `snapshot status` reports of it).

pub mod bbolt;
pub mod bbolt_write;

pub use bbolt::DbStatus;
