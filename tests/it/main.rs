//! The one integration test runner, as ripgrep and jj have it: a module per command group,
//! linked once. `support` starts real etcd servers and runs the binaries; `differential`
//! compares ectl with the reference etcdctl on the same server state.
//! Run one group with `cargo nextest run -E 'binary(it) & test(/^kv::/)'` or
//! `cargo test --test it kv::`.

mod differential;
mod support;

mod auth;
mod auth_admin;
mod bulk;
mod check;
mod cli;
mod cluster_ops;
mod completion;
mod contexts;
mod coverage;
mod curl;
mod dev_cluster;
mod diff;
mod discovery;
mod doctor;
mod du;
mod endings;
mod failover;
mod failover_load;
mod generated;
mod harness;
mod k8s;
mod kv;
mod lease;
mod lock_elect;
mod maintain;
mod messages;
mod migrate;
mod mirror;
mod newer_etcdctl;
mod offline;
mod offline_defrag;
mod paged_get;
mod partition;
mod requests;
mod safe_del;
mod snapshot;
mod status;
mod terminal;
mod tls;
mod txn;
mod v2;
mod v2_backup;
mod watch;
