//! `-d/--discovery-srv` against real etcd, with SRV records served by a private DNS server
//! (see `support::dns`), compared with the reference etcdctl: same stdout, stderr and exit code
//! for found endpoints, `--discovery-srv-name`, ignored insecure endpoints and failed lookups.

use crate::support;
use std::net::Ipv4Addr;

use ectl::discovery::{self, ResolvConf};
use support::{Dns, Etcd, Out, Record};

const DOMAIN: &str = "example.test";

/// Runs `args` with both tools under `dns` and checks they agree; returns ectl's output.
fn same(dns: &Dns, args: &[&str]) -> Out {
    let ours = dns.ectl().args(args).run();
    let theirs = dns.etcdctl().args(args).run();
    assert_eq!(
        (ours.stdout_str(), ours.stderr_str(), ours.code),
        (theirs.stdout_str(), theirs.stderr_str(), theirs.code),
        "ectl and etcdctl differ on {args:?}\n--- ectl ---\n{ours:?}\n--- etcdctl ---\n{theirs:?}"
    );
    ours
}

/// The member's client port: SRV records name it with a host the zone resolves to 127.0.0.1.
fn port(etcd: &Etcd) -> u16 {
    etcd.endpoint().rsplit(':').next().unwrap().parse().unwrap()
}

fn member_records(service: &str, etcd: &Etcd) -> Vec<Record> {
    vec![
        Record::srv(
            &format!("{service}.{DOMAIN}"),
            port(etcd),
            "m0.example.test",
        ),
        Record::a("m0.example.test", Ipv4Addr::LOCALHOST),
    ]
}

#[test]
fn discovered_http_endpoints_serve_requests() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "k", "v"]).run().assert_ok();
    let dns = Dns::start(member_records("_etcd-client._tcp", &etcd));
    let out = same(&dns, &["--discovery-srv", DOMAIN, "get", "k"]);
    assert_eq!(out.stdout_str(), "k\nv\n");
    // The short flag and the environment variable, and a write through discovery.
    same(&dns, &["-d", DOMAIN, "put", "k2", "v2"]).assert_ok();
    let out = dns
        .ectl()
        .env("ETCDCTL_DISCOVERY_SRV", DOMAIN)
        .args(["get", "k2", "--print-value-only"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "v2\n");
    // Discovered endpoints replace --endpoints, which here points nowhere.
    let out = same(&dns, &["--endpoints=127.0.0.1:1", "-d", DOMAIN, "get", "k"]);
    assert_eq!(out.stdout_str(), "k\nv\n");
}

#[test]
fn service_name_suffixes_the_service() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "k", "named"]).run().assert_ok();
    let dns = Dns::start(member_records("_etcd-client-prod._tcp", &etcd));
    let out = same(
        &dns,
        &["-d", DOMAIN, "--discovery-srv-name", "prod", "get", "k"],
    );
    assert_eq!(out.stdout_str(), "k\nnamed\n");
    // Without the name, the unsuffixed services do not exist.
    let out = same(&dns, &["-d", DOMAIN, "get", "k"]);
    assert_eq!(out.code, 1);
}

#[test]
fn no_records_is_a_lookup_error() {
    let dns = Dns::start(vec![Record::a("m0.example.test", Ipv4Addr::LOCALHOST)]);
    let out = same(&dns, &["-d", DOMAIN, "get", "k"]);
    let server = dns.server();
    assert_eq!(
        out.stderr_str(),
        format!(
            "Error: dns lookup errors: lookup _etcd-client-ssl._tcp.{DOMAIN} on {server}: no such \
             host and lookup _etcd-client._tcp.{DOMAIN} on {server}: no such host\n"
        )
    );
    out.assert_code(1);
    // A name Go refuses to send fails without asking any server.
    same(&dns, &["-d", "bad domain", "get", "k"]).assert_code(1);
}

#[test]
fn records_with_invalid_targets_fail_their_service() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "k", "v"]).run().assert_ok();
    let mut records = member_records("_etcd-client._tcp", &etcd);
    records.push(Record::srv(
        &format!("_etcd-client-ssl._tcp.{DOMAIN}"),
        1,
        "bad target.example.test",
    ));
    // The bad https record fails its service; the http one still serves.
    let dns = Dns::start(records.clone());
    assert_eq!(
        same(&dns, &["-d", DOMAIN, "get", "k"]).stdout_str(),
        "k\nv\n"
    );
    records.push(Record::srv(
        &format!("_etcd-client._tcp.{DOMAIN}"),
        1,
        "another bad.example.test",
    ));
    let dns = Dns::start(records);
    let out = same(&dns, &["-d", DOMAIN, "get", "k"]);
    assert!(
        out.stderr_str()
            .contains("lookup example.test: DNS response contained records which"),
        "{out:?}"
    );
}

/// Same stderr once the local UDP port, which differs per run, is masked.
fn same_masked(dns: &Dns, args: &[&str]) -> String {
    let mask = |out: &Out| support::mask_number_after(&out.stderr_str(), "127.0.0.1:", "PORT");
    let ours = dns.ectl().args(args).run();
    let theirs = dns.etcdctl().args(args).run();
    assert_eq!(
        (ours.stdout_str(), mask(&ours), ours.code),
        (theirs.stdout_str(), mask(&theirs), theirs.code),
        "ectl and etcdctl differ on {args:?}\n--- ectl ---\n{ours:?}\n--- etcdctl ---\n{theirs:?}"
    );
    mask(&ours)
}

#[test]
fn unreachable_and_silent_servers_fail_as_go_words_it() {
    let mut dns = Dns::start(Vec::new());
    dns.close();
    let refused = same_masked(&dns, &["-d", DOMAIN, "get", "k"]);
    assert!(
        refused.contains("read: connection refused and lookup"),
        "{refused}"
    );
    // resolv.conf says timeout:1 attempts:1, so each lookup gives up after a second.
    let dns = Dns::mute();
    let silent = same_masked(&dns, &["-d", DOMAIN, "get", "k"]);
    assert!(silent.contains(": i/o timeout and lookup"), "{silent}");
}

#[test]
fn insecure_endpoints_are_ignored_when_asked() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "k", "v"]).run().assert_ok();
    let dns = Dns::start(member_records("_etcd-client._tcp", &etcd));
    // Nothing secure is left, so both fall back to --endpoints after the warning. Secure discovery
    // also turns TLS on (checked against the domain), so the plain member needs an http:// URL.
    let endpoints = format!("--endpoints={}", etcd.client_url());
    let out = same(
        &dns,
        &[
            &endpoints,
            "-d",
            DOMAIN,
            "--insecure-discovery=false",
            "get",
            "k",
        ],
    );
    assert_eq!(out.stdout_str(), "k\nv\n");
    assert_eq!(
        out.stderr_str(),
        format!(
            "ignoring discovered insecure endpoint \"http://m0.example.test.:{}\"\n",
            port(&etcd)
        )
    );
}

/// The library call the v2 mode uses: https records first, each set by priority, targets kept
/// with their final dot, and insecure ones set aside when asked.
#[test]
fn lookup_orders_records_and_sets_insecure_ones_aside() {
    let srv = |service: &str, priority, port, target: &str| Record::Srv {
        name: format!("{service}.{DOMAIN}"),
        priority,
        weight: 0,
        port,
        target: target.into(),
    };
    let dns = Dns::start(vec![
        srv("_etcd-client-ssl._tcp", 20, 2002, "b.example.test"),
        srv("_etcd-client-ssl._tcp", 10, 2001, "a.example.test"),
        srv("_etcd-client._tcp", 0, 2003, "c.example.test"),
    ]);
    let ip = dns.server().trim_end_matches(":53").to_string();
    let conf = ResolvConf::parse(&format!("nameserver {ip}\n"), Vec::new);
    let found = discovery::lookup_with(&conf, DOMAIN, "", true).unwrap();
    assert_eq!(
        found.endpoints,
        [
            "https://a.example.test.:2001",
            "https://b.example.test.:2002",
            "http://c.example.test.:2003"
        ]
    );
    assert!(found.ignored.is_empty());
    let secure = discovery::lookup_with(&conf, DOMAIN, "", false).unwrap();
    assert_eq!(secure.endpoints.len(), 2);
    assert_eq!(secure.ignored, ["http://c.example.test.:2003"]);
    // One of the two services missing is no error; both missing is.
    let err = discovery::lookup_with(&conf, DOMAIN, "other", true).unwrap_err();
    assert_eq!(err.https.reason, "no such host");
    assert_eq!(err.http.server, dns.server());
}

/// `_etcd-client-ssl` records give https endpoints; the certificate is checked against the
/// target host, or against the domain once insecure discovery is off.
#[test]
fn secure_records_connect_over_tls() {
    let etcd = Etcd::start(support::Options {
        tls: Some(support::Tls::new()),
        ..support::Options::default()
    });
    etcd.ectl().args(["put", "k", "tls"]).run().assert_ok();
    let dns = Dns::start(member_records("_etcd-client-ssl._tcp", &etcd));
    let flags = etcd.tls().unwrap().client_flags();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    for extra in [&[][..], &["--insecure-discovery=false"][..]] {
        let mut args = flags.clone();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-d", DOMAIN, "get", "k"]);
        let out = same(&dns, &args);
        assert_eq!(out.stdout_str(), "k\ntls\n", "{args:?}");
    }
}
