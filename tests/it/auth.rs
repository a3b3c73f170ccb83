//! Authentication in the client core against a real auth-enabled member.

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ectl::client::{self, Call, Client, Credentials, Endpoint, Observer};
use ectl::pb::etcdserverpb::{PutRequest, RangeRequest};
use support::{Etcd, Options};

const ROOT_PASSWORD: &str = "s3cret-Pa55";

fn auth_member(token_ttl: Option<u32>) -> Etcd {
    let etcd = Etcd::start(Options {
        auth_token_ttl: token_ttl,
        ..Options::default()
    });
    etcd.enable_auth(ROOT_PASSWORD);
    etcd
}

/// [`auth_member`] with `k` = `v`, written as root: what the password prompt tests read.
fn auth_member_holding_k() -> Etcd {
    let etcd = auth_member(None);
    etcd.ectl()
        .args([&format!("--user=root:{ROOT_PASSWORD}"), "put", "k", "v"])
        .run()
        .assert_ok();
    etcd
}

#[test]
fn credentials_in_every_form_work_and_match_etcdctl() {
    let etcd = auth_member(None);
    let user = format!("--user=root:{ROOT_PASSWORD}");
    etcd.ectl()
        .args([user.as_str(), "put", "k", "v"])
        .run()
        .assert_ok();

    for (ours, theirs) in [
        (
            etcd.ectl().args([user.as_str(), "get", "k"]),
            etcd.etcdctl().args([user.as_str(), "get", "k"]),
        ),
        (
            etcd.ectl()
                .args(["--user=root", "--password", ROOT_PASSWORD, "get", "k"]),
            etcd.etcdctl()
                .args(["--user=root", "--password", ROOT_PASSWORD, "get", "k"]),
        ),
        (
            etcd.ectl()
                .env("ETCDCTL_USER", "root")
                .env("ETCDCTL_PASSWORD", ROOT_PASSWORD)
                .args(["get", "k"]),
            etcd.etcdctl()
                .env("ETCDCTL_USER", "root")
                .env("ETCDCTL_PASSWORD", ROOT_PASSWORD)
                .args(["get", "k"]),
        ),
    ] {
        let (ours, theirs) = (ours.run(), theirs.run());
        ours.assert_ok();
        assert_eq!(ours.stdout_str(), "k\nv\n");
        assert_eq!(
            (&ours.stdout, ours.code),
            (&theirs.stdout, theirs.code),
            "{theirs:?}"
        );
    }
}

#[test]
fn without_a_terminal_the_password_comes_from_stdin_as_in_etcdctl() {
    let etcd = auth_member_holding_k();
    let run = |cmd: support::Cmd| {
        cmd.args(["--user=root", "get", "k"])
            .stdin(format!("{ROOT_PASSWORD}\n"))
            .run()
    };
    let (ours, theirs) = (run(etcd.ectl()), run(etcd.etcdctl()));
    ours.assert_ok();
    // etcdctl writes its prompt to stdout even when stdin is not a terminal.
    assert_eq!(ours.stdout_str(), "Password: \nk\nv\n");
    assert_eq!(
        (&ours.stdout, ours.code),
        (&theirs.stdout, theirs.code),
        "{theirs:?}"
    );
    assert!(!ours.stderr_str().contains(ROOT_PASSWORD), "{ours:?}");
}

/// Stdin a terminal, stdout a file (`ectl --user root get k > out`): the prompt and its newline
/// land in the file, as with etcdctl, and the terminal shows nothing of what is typed. (etcdctl
/// turns echo off only after its prompt, so its terminal is not compared.)
#[test]
fn a_terminal_on_stdin_answers_the_prompt_and_stdout_gets_it_as_from_etcdctl() {
    let etcd = auth_member_holding_k();
    let run = |cmd: support::Cmd| {
        let child = cmd
            .args(["--user=root", "get", "k"])
            .terminal_stdin()
            .spawn();
        child.wait_for_stdout("Password: ");
        child.type_line(ROOT_PASSWORD);
        child.wait()
    };
    let (ours, theirs) = (run(etcd.ectl()), run(etcd.etcdctl()));
    ours.assert_ok();
    assert_eq!(ours.stdout_str(), "Password: \nk\nv\n");
    assert_eq!(
        (&ours.stdout, ours.code),
        (&theirs.stdout, theirs.code),
        "{theirs:?}"
    );
    assert!(ours.terminal.is_empty(), "{:?}", ours.terminal);
}

#[test]
fn refused_requests_fail_as_etcdctl_fails_and_never_show_the_password() {
    let etcd = auth_member(None);
    for args in [
        vec!["--user=root:wrong-password", "get", "k"],
        vec!["--user=nobody:whatever", "get", "k"],
        vec!["get", "k"],
        vec!["--user=root:", "get", "k"],
    ] {
        let ours = etcd.ectl().args(&args).arg("--debug").run();
        let theirs = etcd.etcdctl().args(&args).run();
        assert_ne!(ours.code, 0, "{ours:?}");
        assert_eq!(ours.code, theirs.code, "{args:?}\n{ours:?}\n{theirs:?}");
        assert_eq!(ours.stdout, theirs.stdout, "{args:?}");
        let last_line = |s: String| s.lines().last().unwrap_or_default().to_string();
        assert_eq!(
            last_line(ours.stderr_str()),
            last_line(theirs.stderr_str()),
            "{args:?}"
        );
        assert!(!ours.stderr_str().contains("wrong-password"), "{ours:?}");
    }
}

/// Counts Authenticate calls, and records every byte the observer is shown.
#[derive(Default)]
struct Recorder {
    authentications: AtomicUsize,
    requests: Mutex<Vec<String>>,
}

impl Observer for Recorder {
    fn dialed(&self, _: &Endpoint, _: Duration, _: Result<(), &str>) {}

    fn request(&self, call: &Call<'_>) {
        if call.rpc.path.ends_with("/Authenticate") {
            self.authentications.fetch_add(1, Ordering::SeqCst);
        }
        self.requests
            .lock()
            .unwrap()
            .push(call.rpc.path.to_string());
    }

    fn response(&self, _: &Call<'_>, _: Duration, _: Result<(), &tonic::Status>) {}
}

#[test]
fn an_expired_token_is_renewed_once_and_the_request_succeeds() {
    let etcd = auth_member(Some(1));
    let recorder = Arc::new(Recorder::default());
    let config = client::Config {
        endpoints: vec![etcd.endpoint()],
        dial_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(5),
        keepalive_time: Duration::from_secs(2),
        keepalive_timeout: Duration::from_secs(6),
        tls: None,
        credentials: Some(Credentials {
            user: "root".into(),
            password: ROOT_PASSWORD.into(),
        }),
        max_request_bytes: client::DEFAULT_MAX_REQUEST_BYTES,
        max_recv_bytes: client::DEFAULT_MAX_RECV_BYTES,
    };
    let client = Client::new(config)
        .expect("valid config")
        .with_observer(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        client
            .put(PutRequest {
                key: b"k".to_vec(),
                value: b"v".to_vec(),
                ..Default::default()
            })
            .await
            .expect("first put");
        assert_eq!(recorder.authentications.load(Ordering::SeqCst), 1);
        // Simple tokens expire after --auth-token-ttl seconds without use.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let response = client
            .range(RangeRequest {
                key: b"k".to_vec(),
                ..Default::default()
            })
            .await
            .expect("a read after the token expired");
        assert_eq!(response.kvs[0].value, b"v");
    });
    assert_eq!(
        recorder.authentications.load(Ordering::SeqCst),
        2,
        "the token should have expired and been renewed exactly once: {:?}",
        recorder.requests.lock().unwrap()
    );
}
