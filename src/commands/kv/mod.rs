//! Key-value commands: get (paged over big ranges), put, del, txn, compaction; their key-range rules live in
//! [`crate::keys`].

pub mod compact;
pub mod del;
pub mod get;
pub mod paged;
pub mod put;
pub mod safe_del;
pub mod txn;
