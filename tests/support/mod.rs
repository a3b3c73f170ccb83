//! Test support shared by every integration test (`mod support;`).
//!
//! It owns the real-etcd fixtures — a single member, a cluster, client TLS with certificates made
//! at test time, auth — each on its own free loopback ports and data directory so tests run in
//! parallel, and the runners for `ectl` and the reference `etcdctl` (clean environment, timeout).
//! A missing etcd or etcdctl is a loud panic with the install command, never a silent skip.

// Every test binary compiles this module but uses only part of it.
#![allow(dead_code, unused_imports)]

mod cmd;
mod etcd;
mod http;
mod tls;

pub use cmd::{Cmd, Out, Running, ectl, etcdctl};
pub use etcd::{Cluster, Etcd, Options};
pub use tls::Tls;
