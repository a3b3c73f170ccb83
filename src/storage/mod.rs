//! Offline files etcd writes, read and written without a server: the bbolt backend
//! ([`bbolt`], and the [`DbStatus`] `snapshot status` reports of it).

pub mod bbolt;

pub use bbolt::DbStatus;
