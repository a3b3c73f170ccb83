//! The one integration test runner, as ripgrep and jj have it: a module per command group,
//! linked once. `support` starts real etcd servers and runs the binaries; `differential`
//! compares ectl with the reference etcdctl on the same server state.
//! Run one group with `cargo nextest run -E 'binary(it) & test(/^kv::/)'` or
//! `cargo test --test it kv::`.

mod differential;
mod support;

mod auth;
mod auth_admin;
mod cli;
mod cluster_ops;
mod completion;
mod contexts;
mod curl;
mod diff;
mod discovery;
mod doctor;
mod du;
mod failover;
mod generated;
mod harness;
mod kv;
mod lease;
mod lock_elect;
mod safe_del;
mod snapshot;
mod tls;
mod txn;
mod v2_backup;
mod watch;
