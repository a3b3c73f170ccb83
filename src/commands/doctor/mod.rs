//! `doctor` (ectl only): why can't I connect? Each endpoint is probed in stages — DNS, TCP,
//! TLS, protocol, auth, member state, clock — and the first stage that fails is named with what
//! to do about it; then the members are compared (leader, raft index lag).

mod probe;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use clap::Args;
use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError};

use crate::client::{self, Endpoint, Retry, TlsOptions};
use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::go::humanize_bytes;
use crate::output::ResponseKind;
use crate::output::report::doctor::{Check, DoctorReport, Stage, Verdict};
use crate::pb::etcdserverpb::auth_client::AuthClient;
use crate::pb::etcdserverpb::{AuthenticateRequest, RangeRequest, StatusResponse};
use probe::{HttpFailure, HttpResponse, TcpFailure};

/// Diagnoses connections to etcd (ectl only)
///
/// Probes every endpoint in stages and names the first one that fails, with a fix:
/// dns, tcp, tls (CA trust, certificate names and expiry, client certificate), protocol
/// (etcd's client port, its peer port, or not etcd), auth, member (alarms, leader,
/// learner, DB size against the quota), clock; then compares the members (leader, raft lag).
/// Exits 0 when nothing failed, 1 otherwise. A table on a terminal; -w json for scripts.
///
/// Examples:
///   ectl doctor
///   ectl --endpoints=https://10.0.0.1:2379 --cacert=ca.pem doctor
///   ectl doctor -w json | jq '.checks[] | select(.verdict == "fail")'
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DoctorArgs {
    /// the members' --quota-backend-bytes (0: etcd's default, 2 GiB); etcd < 3.6 does not report it
    #[arg(long, default_value_t = 0)]
    pub quota_backend_bytes: u64,
    /// raft entries a member may trail the most advanced one by before it counts as lagging
    #[arg(long, default_value_t = 1000)]
    pub max_raft_lag: u64,
}

/// etcd's default backend quota.
const DEFAULT_QUOTA: u64 = 2 * 1024 * 1024 * 1024;
/// A DB this full of its quota is a warning; a full one is a failure (NOSPACE is near).
const QUOTA_WARN_PERCENT: u64 = 80;
/// HTTP dates have one-second resolution; beyond this the clocks really disagree.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(2);
/// A server certificate expiring this soon is a warning.
const EXPIRY_WARNING: Duration = Duration::from_secs(30 * 24 * 3600);

pub async fn run(args: DoctorArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Report)?;
    let config = ctx.client_config()?;
    let mut report = DoctorReport::default();
    let mut statuses = Vec::new();
    for original in &config.endpoints {
        let mut probe = EndpointProbe {
            original: original.clone(),
            checks: &mut report.checks,
        };
        let endpoint = match Endpoint::parse(original) {
            Ok(endpoint) => endpoint,
            Err(e) => {
                probe.fail(
                    Stage::Dns,
                    e.to_string(),
                    "write it as host:port or https://host:port",
                );
                continue;
            }
        };
        if let Some(status) = probe.run(&endpoint, &config, &args, ctx).await {
            statuses.push((original.clone(), status));
        }
    }
    compare_members(&statuses, &args, &mut report.checks);
    report.healthy = report.failures() == 0;

    ctx.print_report(ctx.style(), &report)?;
    match report.failures() {
        0 => Ok(()),
        1 => Err(CliError::error("doctor found 1 problem").into()),
        n => Err(CliError::error(format!("doctor found {n} problems")).into()),
    }
}

struct EndpointProbe<'r> {
    original: String,
    checks: &'r mut Vec<Check>,
}

impl EndpointProbe<'_> {
    fn add(&mut self, stage: Stage, verdict: Verdict, detail: String, fix: Option<String>) {
        self.checks.push(Check {
            endpoint: self.original.clone(),
            stage,
            verdict,
            detail,
            fix,
        });
    }

    fn ok(&mut self, stage: Stage, detail: String) {
        self.add(stage, Verdict::Ok, detail, None);
    }

    fn fail(&mut self, stage: Stage, detail: String, fix: impl Into<String>) {
        self.add(stage, Verdict::Fail, detail, Some(fix.into()));
    }

    /// Every stage in order; `None` once one fails, else the member's status for the cluster
    /// comparison.
    async fn run(
        &mut self,
        endpoint: &Endpoint,
        config: &client::Config,
        args: &DoctorArgs,
        ctx: &Workbench<'_>,
    ) -> Option<StatusResponse> {
        let budget = config.dial_timeout.min(config.command_timeout);
        let uses_tls = endpoint.uses_tls(config.tls.is_some());
        let addr = self.dns(endpoint, budget).await?;
        let started = Instant::now();
        let tcp = match probe::connect(addr, budget).await {
            Ok(tcp) => tcp,
            Err(failure) => {
                self.tcp_failed(addr, failure, budget);
                return None;
            }
        };
        self.ok(
            Stage::Tcp,
            format!("connected to {addr} in {}", millis(started)),
        );
        let http = if uses_tls {
            let opts = config.tls.clone().unwrap_or_default();
            self.tls(endpoint, tcp, &opts, budget).await?
        } else {
            self.protocol(endpoint, probe::Conn::new(tcp), false, budget)
                .await?
        };
        let clock = clock_check(&http);
        let client_config = client::Config {
            endpoints: vec![self.original.clone()],
            ..config.clone()
        };
        let status = self.auth(&client_config, ctx).await;
        let status = match status {
            Some(()) => self.member(&client_config, args, ctx).await,
            None => None,
        };
        if let Some((verdict, detail, fix)) = clock {
            self.add(Stage::Clock, verdict, detail, fix);
        }
        status
    }

    async fn dns(&mut self, endpoint: &Endpoint, budget: Duration) -> Option<std::net::SocketAddr> {
        let is_ip = endpoint.host.parse::<std::net::IpAddr>().is_ok();
        match probe::resolve(&endpoint.host, endpoint.port, budget).await {
            Ok(addrs) => {
                let detail = if is_ip {
                    "an IP address: no lookup needed".to_string()
                } else {
                    let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
                    format!("{} resolves to {}", endpoint.host, list.join(", "))
                };
                self.ok(Stage::Dns, detail);
                addrs.first().copied()
            }
            Err(e) => {
                self.fail(
                    Stage::Dns,
                    format!("cannot resolve {}: {e}", endpoint.host),
                    "check the host name in --endpoints, /etc/hosts and the DNS servers in /etc/resolv.conf",
                );
                None
            }
        }
    }

    fn tcp_failed(&mut self, addr: std::net::SocketAddr, failure: TcpFailure, budget: Duration) {
        match failure {
            TcpFailure::Refused => self.fail(
                Stage::Tcp,
                format!("connection refused by {addr}: nothing listens on port {}", addr.port()),
                "start etcd, or use the port of its --listen-client-urls (2379 by default)",
            ),
            TcpFailure::Silent => self.fail(
                Stage::Tcp,
                format!("no answer from {addr} within {budget:?}"),
                "the host is down or a firewall drops the packets; check routing and firewall rules",
            ),
            TcpFailure::Other(e) => self.fail(
                Stage::Tcp,
                format!("cannot connect to {addr}: {e}"),
                "check the address and the network",
            ),
        }
    }

    /// The TLS handshake, then the protocol stage over it. In TLS 1.3 the server refuses a
    /// client certificate only after the handshake, so refusals on the first request still
    /// count as TLS failures.
    async fn tls(
        &mut self,
        endpoint: &Endpoint,
        tcp: tokio::net::TcpStream,
        opts: &TlsOptions,
        budget: Duration,
    ) -> Option<HttpResponse> {
        let seen = Arc::new(Mutex::new(probe::Seen::default()));
        let config = match probe::tls_config(opts, &seen) {
            Ok(config) => config,
            Err(e) => {
                self.fail(Stage::Tls, e, "check the --cacert, --cert and --key files");
                return None;
            }
        };
        let name = opts
            .server_name
            .clone()
            .unwrap_or_else(|| endpoint.host.clone());
        let Ok(name) = ServerName::try_from(name.clone()) else {
            self.fail(
                Stage::Tls,
                format!("{name:?} is not a valid TLS server name"),
                "use a host name or IP address",
            );
            return None;
        };
        let tls = match probe::handshake(tcp, config, name, budget).await {
            Ok(tls) => tls,
            Err(failure) => {
                self.tls_failed(endpoint, &failure, opts, &seen, budget);
                return None;
            }
        };
        let requested = seen.lock().unwrap().client_cert_requested;
        let mut stream = probe::Conn::new(tls);
        // A refused client certificate surfaces on the first read.
        let first = stream.get(&endpoint.host, "/members", budget).await;
        if let Err(failure @ HttpFailure::Io(e)) = &first
            && probe::tls_error(e).is_some()
        {
            self.tls_failed(endpoint, failure, opts, &seen, budget);
            return None;
        }
        let cert = seen.lock().unwrap().server_cert.clone();
        let (verdict, detail, fix) = describe_certificate(cert.as_deref(), opts);
        let client_auth = match (requested, opts.cert_file.is_some()) {
            (true, true) => "; client certificate accepted",
            (true, false) => "; the server asked for a client certificate",
            (false, _) => "",
        };
        self.add(Stage::Tls, verdict, format!("{detail}{client_auth}"), fix);
        self.protocol_answer(endpoint, stream, first, true, budget)
            .await
    }

    fn tls_failed(
        &mut self,
        endpoint: &Endpoint,
        failure: &HttpFailure,
        opts: &TlsOptions,
        seen: &Mutex<probe::Seen>,
        budget: Duration,
    ) {
        let e = match failure {
            HttpFailure::Io(e) => e,
            HttpFailure::Silent => {
                return self.fail(
                    Stage::Tls,
                    format!("no TLS answer within {budget:?}"),
                    "the member may be frozen or overloaded, or the port does not serve TLS",
                );
            }
            _ => {
                return self.fail(
                    Stage::Tls,
                    "the connection closed during the TLS handshake".into(),
                    "check that the port serves TLS (etcd's --cert-file on this URL)",
                );
            }
        };
        let requested = seen.lock().unwrap().client_cert_requested;
        let presented = seen.lock().unwrap().server_cert.clone();
        let ca = match &opts.ca_file {
            Some(path) => format!("the CA in --cacert ({})", path.display()),
            None => "the system's trusted CAs (no --cacert given)".into(),
        };
        let (detail, fix): (String, String) = match probe::tls_error(e) {
            Some(tls @ rustls::Error::InvalidCertificate(cert_error)) => match cert_error {
                CertificateError::UnknownIssuer => (
                    format!("the server's certificate is not signed by {ca}"),
                    "pass --cacert with the CA that issued the server certificate (etcd's --cert-file)"
                        .into(),
                ),
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => (
                    format!(
                        "the server's certificate is not valid for {:?}: it names {}",
                        endpoint.host,
                        match presented.as_deref().and_then(certificate_facts) {
                            Some(facts) if facts.names.is_empty() => {
                                "no host at all (it has no subjectAltName, as an X.509 v1 \
                                 certificate has none)"
                                    .to_string()
                            }
                            Some(facts) => facts.names.join(", "),
                            None => "other hosts".into(),
                        }
                    ),
                    "connect with a name the certificate lists, or reissue it with this host in its SANs"
                        .into(),
                ),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                    format!(
                        "the server's certificate has expired{}",
                        presented
                            .as_deref()
                            .and_then(certificate_facts)
                            .map(|f| format!(" (not after {})", f.not_after))
                            .unwrap_or_default()
                    ),
                    "renew the member's certificate (--cert-file) and restart it".into(),
                ),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
                    "the server's certificate is not valid yet".into(),
                    "check the clocks of this host and the member".into(),
                ),
                _ => (
                    format!(
                        "the server's certificate was refused: {}",
                        crate::go::tls_error(tls)
                    ),
                    "check the certificate with `openssl x509 -text`".into(),
                ),
            },
            Some(rustls::Error::AlertReceived(alert)) if requested && opts.cert_file.is_none() => (
                format!(
                    "the server requires a client certificate and none was given ({})",
                    crate::go::tls_error(&rustls::Error::AlertReceived(*alert))
                ),
                "pass --cert and --key with a certificate signed by the server's --trusted-ca-file"
                    .into(),
            ),
            Some(rustls::Error::AlertReceived(
                alert @ (AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateRequired
                | AlertDescription::CertificateUnknown),
            )) => (
                format!(
                    "the server refused the client certificate ({})",
                    crate::go::tls_error(&rustls::Error::AlertReceived(*alert))
                ),
                "use a --cert signed by the CA in the server's --trusted-ca-file".into(),
            ),
            Some(rustls::Error::InvalidMessage(_)) => (
                format!("the port does not speak TLS: {e}"),
                "use http:// in --endpoints (or drop the TLS flags) for a plain member".into(),
            ),
            Some(other) => (
                format!("TLS handshake failed: {}", crate::go::tls_error(other)),
                "check the TLS flags against the member's TLS settings".into(),
            ),
            None => (
                format!("TLS handshake failed: {e}"),
                "check that the port serves TLS".into(),
            ),
        };
        self.fail(Stage::Tls, detail, fix);
    }

    async fn protocol(
        &mut self,
        endpoint: &Endpoint,
        mut stream: probe::Conn,
        tls: bool,
        budget: Duration,
    ) -> Option<HttpResponse> {
        let first = stream.get(&endpoint.host, "/members", budget).await;
        self.protocol_answer(endpoint, stream, first, tls, budget)
            .await
    }

    /// Judges the answer to `GET /members` (served by etcd's peer port only), then asks
    /// `/version` (served by both) to tell etcd from anything else.
    async fn protocol_answer(
        &mut self,
        endpoint: &Endpoint,
        mut stream: probe::Conn,
        first: Result<HttpResponse, HttpFailure>,
        tls: bool,
        budget: Duration,
    ) -> Option<HttpResponse> {
        let tls_fix = "the port serves TLS: use https:// in --endpoints, with --cacert";
        let members = match first {
            Ok(response) => response,
            Err(failure) => {
                self.http_failed(failure, tls, budget, tls_fix);
                return None;
            }
        };
        if members.status == 200 && members.header("X-Etcd-Cluster-Id").is_some() {
            let urls = client_urls(&members.body);
            let fix = if urls.is_empty() {
                "use the member's client URL (its --advertise-client-urls, port 2379 by default)"
                    .to_string()
            } else {
                format!("use a client URL instead: {}", urls.join(","))
            };
            self.fail(
                Stage::Protocol,
                format!(
                    "this is an etcd peer port (cluster {}), not a client port",
                    members.header("X-Etcd-Cluster-Id").unwrap_or_default()
                ),
                fix,
            );
            return None;
        }
        if is_tls_refusal(&members) {
            self.fail(Stage::Protocol, "the server expects TLS".into(), tls_fix);
            return None;
        }
        let version = match stream.get(&endpoint.host, "/version", budget).await {
            Ok(response) => response,
            Err(failure) => {
                self.http_failed(failure, tls, budget, tls_fix);
                return None;
            }
        };
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&version.body).ok();
        let server = parsed
            .as_ref()
            .and_then(|v| v.get("etcdserver"))
            .and_then(|v| v.as_str());
        match server {
            Some(server) if version.status == 200 => {
                let cluster = parsed
                    .as_ref()
                    .and_then(|v| v.get("etcdcluster"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("unknown");
                self.ok(
                    Stage::Protocol,
                    format!("etcd {server} client port (cluster version {cluster})"),
                );
                Some(version)
            }
            _ => {
                self.fail(
                    Stage::Protocol,
                    format!(
                        "an HTTP server answered (status {}), but it is not etcd",
                        version.status
                    ),
                    "check the port: etcd's client port is its --listen-client-urls (2379 by default)",
                );
                None
            }
        }
    }

    fn http_failed(&mut self, failure: HttpFailure, tls: bool, budget: Duration, tls_fix: &str) {
        match failure {
            HttpFailure::Silent => self.fail(
                Stage::Protocol,
                format!("the port accepted the connection but sent nothing within {budget:?}"),
                "the member may be frozen (SIGSTOP), overloaded or swapping: check its process, CPU, disk and logs",
            ),
            HttpFailure::Closed if !tls => self.fail(
                Stage::Protocol,
                "the server closed the connection without answering".into(),
                tls_fix,
            ),
            HttpFailure::Closed => self.fail(
                Stage::Protocol,
                "the server closed the connection without answering".into(),
                "check that this is etcd's client port",
            ),
            HttpFailure::NotHttp(bytes) if bytes.first() == Some(&0x15) || bytes.first() == Some(&0x16) => {
                self.fail(Stage::Protocol, "the server answered with TLS".into(), tls_fix)
            }
            HttpFailure::NotHttp(bytes) => self.fail(
                Stage::Protocol,
                format!("not an HTTP/gRPC server (it answered {bytes:02x?})"),
                "check the port: etcd's client port is its --listen-client-urls (2379 by default)",
            ),
            HttpFailure::Io(e) => self.fail(
                Stage::Protocol,
                format!("the request failed: {e}"),
                "check the port and the member's logs",
            ),
        }
    }

    /// Whether auth is on, and whether the given credentials are accepted; `Some` when the
    /// member can be asked for its status next.
    async fn auth(&mut self, config: &client::Config, ctx: &Workbench<'_>) -> Option<()> {
        let anonymous = client::Config {
            credentials: None,
            ..config.clone()
        };
        let client = match ctx.new_client(anonymous) {
            Ok(client) => client,
            Err(e) => {
                self.fail(
                    Stage::Auth,
                    e.to_string(),
                    "check the endpoint and TLS flags",
                );
                return None;
            }
        };
        let Some(credentials) = &config.credentials else {
            let probe = RangeRequest {
                key: b"\0".to_vec(),
                limit: 1,
                keys_only: true,
                serializable: true,
                ..Default::default()
            };
            return match client.range(probe).await {
                Ok(_) => {
                    self.ok(Stage::Auth, "authentication is disabled".into());
                    Some(())
                }
                Err(e) if e.to_string().contains("user name is empty") => {
                    self.fail(
                        Stage::Auth,
                        "authentication is enabled and no user was given".into(),
                        "pass --user=NAME (the password is asked for, or read from ETCDCTL_PASSWORD)",
                    );
                    None
                }
                Err(e) => {
                    self.fail(
                        Stage::Auth,
                        format!("a read failed: {e}"),
                        "see the member's logs",
                    );
                    None
                }
            };
        };
        let request = AuthenticateRequest {
            name: credentials.user.clone(),
            password: credentials.password.clone(),
        };
        let answer = client
            .unary(
                crate::client::rpc::AUTHENTICATE,
                Retry::Safe,
                request,
                |g, r| async move { AuthClient::new(g.channel).authenticate(r).await },
            )
            .await;
        match answer {
            Ok(response) => {
                let detail = format!(
                    "authenticated as {}; {}",
                    credentials.user,
                    token_lifetime(&response.token)
                );
                self.ok(Stage::Auth, detail);
                Some(())
            }
            Err(e) if e.to_string().contains("authentication is not enabled") => {
                self.ok(
                    Stage::Auth,
                    format!(
                        "authentication is disabled: --user {} is not needed",
                        credentials.user
                    ),
                );
                Some(())
            }
            Err(e) if e.to_string().contains("invalid user ID or password") => {
                self.fail(
                    Stage::Auth,
                    format!("user {:?} is unknown or the password is wrong", credentials.user),
                    "check --user and --password (or ETCDCTL_PASSWORD); `ectl user list` as root shows the users",
                );
                None
            }
            Err(e) => {
                self.fail(
                    Stage::Auth,
                    format!("authentication failed: {e}"),
                    "see the member's logs",
                );
                None
            }
        }
    }

    async fn member(
        &mut self,
        config: &client::Config,
        args: &DoctorArgs,
        ctx: &Workbench<'_>,
    ) -> Option<StatusResponse> {
        let status = match ctx.new_client(config.clone()) {
            Ok(client) => client.status().await,
            Err(e) => Err(e),
        };
        let status = match status {
            Ok(status) => status,
            Err(e) => {
                self.fail(
                    Stage::Member,
                    format!("status failed: {e}"),
                    "see the member's logs",
                );
                return None;
            }
        };
        let member_id = status.header.as_ref().map_or(0, |h| h.member_id);
        let mut healthy = true;
        for error in &status.errors {
            healthy = false;
            let fix = if error.contains("NOSPACE") {
                "the DB reached its quota: compact old revisions, defragment, then `ectl alarm disarm`"
            } else if error.contains("CORRUPT") {
                "the member's data differs from its peers': restore it from a healthy member's snapshot"
            } else if error.contains("no leader") {
                "the member cannot reach a quorum of peers: check the other members and the peer network (port 2380)"
            } else {
                "see the member's logs"
            };
            self.fail(Stage::Member, error.clone(), fix);
        }
        if status.leader == 0 && !status.errors.iter().any(|e| e.contains("no leader")) {
            healthy = false;
            self.fail(
                Stage::Member,
                "the member has no leader".into(),
                "the member cannot reach a quorum of peers: check the other members and the peer network (port 2380)",
            );
        }
        if status.is_learner {
            self.add(
                Stage::Member,
                Verdict::Warn,
                "the member is a learner: it does not vote and serves no linearizable reads".into(),
                Some("promote it once it has caught up: `ectl member promote ID`".into()),
            );
        }
        if healthy {
            self.ok(
                Stage::Member,
                format!(
                    "member {member_id:x} (etcd {}), leader {:x}, raft term {} index {} applied {}",
                    status.version,
                    status.leader,
                    status.raft_term,
                    status.raft_index,
                    status.raft_applied_index
                ),
            );
        }
        let (verdict, detail, fix) = quota_check(&status, args.quota_backend_bytes);
        self.add(Stage::Member, verdict, detail, fix);
        Some(status)
    }
}

/// The DB size against the quota: the member's own (etcd >= 3.6), else `--quota-backend-bytes`,
/// else etcd's default.
fn quota_check(status: &StatusResponse, flag: u64) -> (Verdict, String, Option<String>) {
    let quota = match (status.db_size_quota, flag) {
        (q, _) if q > 0 => q as u64,
        (_, f) if f > 0 => f,
        _ => DEFAULT_QUOTA,
    };
    let size = status.db_size.max(0) as u64;
    let percent = size.saturating_mul(100) / quota.max(1);
    let detail = format!(
        "DB {} ({}% of the {} quota), {} in use",
        humanize_bytes(size),
        percent,
        humanize_bytes(quota),
        humanize_bytes(status.db_size_in_use.max(0) as u64)
    );
    let fix = "compact old revisions and defragment, or raise --quota-backend-bytes".to_string();
    if percent >= 100 {
        (Verdict::Fail, detail, Some(fix))
    } else if percent >= QUOTA_WARN_PERCENT {
        (Verdict::Warn, detail, Some(fix))
    } else {
        (Verdict::Ok, detail, None)
    }
}

/// The server's clock from its HTTP `Date`, against the local clock at the request's midpoint.
fn clock_check(response: &HttpResponse) -> Option<(Verdict, String, Option<String>)> {
    let date = probe::parse_http_date(response.header("Date")?)?;
    let (ahead, skew) = match date.duration_since(response.local_midpoint) {
        Ok(ahead) => (true, ahead),
        Err(behind) => (false, behind.duration()),
    };
    let direction = if ahead { "ahead of" } else { "behind" };
    let detail = format!(
        "the server's clock is {:.1}s {direction} this host's (HTTP Date, 1s resolution)",
        skew.as_secs_f64()
    );
    if skew > MAX_CLOCK_SKEW {
        Some((
            Verdict::Warn,
            detail,
            Some(
                "synchronise both clocks (NTP): leases, JWT tokens and logs depend on them".into(),
            ),
        ))
    } else {
        Some((Verdict::Ok, detail, None))
    }
}

/// The raft index spread and leader agreement across the members that answered.
fn compare_members(
    statuses: &[(String, StatusResponse)],
    args: &DoctorArgs,
    checks: &mut Vec<Check>,
) {
    if statuses.len() < 2 {
        return;
    }
    let mut add = |verdict, detail: String, fix: Option<&str>| {
        checks.push(Check {
            endpoint: "cluster".into(),
            stage: Stage::Cluster,
            verdict,
            detail,
            fix: fix.map(str::to_string),
        })
    };
    let mut leaders: Vec<u64> = statuses
        .iter()
        .map(|(_, s)| s.leader)
        .filter(|l| *l != 0)
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    if leaders.len() > 1 {
        let names: Vec<String> = leaders.iter().map(|l| format!("{l:x}")).collect();
        add(
            Verdict::Fail,
            format!("the members disagree on the leader: {}", names.join(", ")),
            Some(
                "a network partition or an election in progress: run doctor again, then check the peer network",
            ),
        );
    }
    let newest = statuses
        .iter()
        .map(|(_, s)| s.raft_index)
        .max()
        .unwrap_or(0);
    let mut lagging = false;
    for (endpoint, status) in statuses {
        let lag = newest - status.raft_index;
        if lag > args.max_raft_lag {
            lagging = true;
            add(
                Verdict::Fail,
                format!("{endpoint} trails the most advanced member by {lag} raft entries"),
                Some(
                    "it is catching up or cut off from the leader: check its peer connectivity, disk and logs",
                ),
            );
        }
    }
    if leaders.len() <= 1 && !lagging {
        add(
            Verdict::Ok,
            format!(
                "{} members agree on the leader; raft indexes within {} entries",
                statuses.len(),
                newest
                    - statuses
                        .iter()
                        .map(|(_, s)| s.raft_index)
                        .min()
                        .unwrap_or(0)
            ),
            None,
        );
    }
}

/// Go's TLS server answers a plain HTTP request with this 400.
fn is_tls_refusal(response: &HttpResponse) -> bool {
    response.status == 400
        && String::from_utf8_lossy(&response.body).contains("HTTP request to an HTTPS server")
}

/// The client URLs in a peer port's `/members` answer.
fn client_urls(body: &[u8]) -> Vec<String> {
    let members: Vec<serde_json::Value> = serde_json::from_slice(body).unwrap_or_default();
    members
        .iter()
        .filter_map(|m| m.get("clientURLs")?.as_array().cloned())
        .flatten()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect()
}

/// What can be told about a token's lifetime: a JWT carries its expiry; a simple token lives
/// `--auth-token-ttl` after its last use, which the server does not reveal.
fn token_lifetime(token: &str) -> String {
    use base64::Engine as _;
    let claims = token
        .split('.')
        .nth(1)
        .filter(|_| token.split('.').count() == 3)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok());
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match claims.as_ref().and_then(|c| c.get("exp")).and_then(|e| e.as_i64()) {
        Some(exp) => format!("JWT token, expires in {}s", exp - now),
        None if claims.is_some() => "JWT token without an expiry".into(),
        None => "simple token (expires after the server's --auth-token-ttl of inactivity, 300s by default)"
            .into(),
    }
}

struct CertificateFacts {
    names: Vec<String>,
    not_after: String,
    expires_in: Option<Duration>,
}

fn certificate_facts(der: &[u8]) -> Option<CertificateFacts> {
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(dns) => Some(dns.to_string()),
                    GeneralName::IPAddress(ip) => match ip.len() {
                        4 => Some(
                            std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*ip).ok()?).to_string(),
                        ),
                        16 => Some(
                            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*ip).ok()?).to_string(),
                        ),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let not_after = cert.validity().not_after;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let left = not_after.timestamp() - now;
    Some(CertificateFacts {
        names,
        not_after: not_after.to_string(),
        expires_in: (left > 0).then(|| Duration::from_secs(left as u64)),
    })
}

/// The TLS row for a verified server certificate: its names and how long it stays valid.
fn describe_certificate(
    der: Option<&[u8]>,
    opts: &TlsOptions,
) -> (Verdict, String, Option<String>) {
    let trust = if opts.skip_verify {
        "handshake done without verification (--insecure-skip-tls-verify)".to_string()
    } else {
        "server certificate trusted".to_string()
    };
    let Some(facts) = der.and_then(certificate_facts) else {
        return (Verdict::Ok, trust, None);
    };
    let detail = format!(
        "{trust}, for {}, valid until {}",
        facts.names.join(", "),
        facts.not_after
    );
    match facts.expires_in {
        Some(left) if left < EXPIRY_WARNING => (
            Verdict::Warn,
            format!("{detail} ({} days left)", left.as_secs() / 86_400),
            Some("renew the member's certificate before it expires".into()),
        ),
        _ => (Verdict::Ok, detail, None),
    }
}

fn millis(started: Instant) -> String {
    format!("{}ms", started.elapsed().as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(db_size: i64, quota: i64) -> StatusResponse {
        StatusResponse {
            db_size,
            db_size_quota: quota,
            ..Default::default()
        }
    }

    #[test]
    fn quota_levels() {
        assert_eq!(quota_check(&status(10, 0), 0).0, Verdict::Ok);
        assert_eq!(quota_check(&status(85, 0), 100).0, Verdict::Warn);
        assert_eq!(quota_check(&status(100, 0), 100).0, Verdict::Fail);
        // The member's own quota (etcd 3.6) wins over the flag.
        assert_eq!(quota_check(&status(85, 1000), 100).0, Verdict::Ok);
        assert!(quota_check(&status(1, 0), 0).1.contains("2.1 GB quota"));
    }

    #[test]
    fn lag_and_leaders_are_compared() {
        let args = DoctorArgs {
            quota_backend_bytes: 0,
            max_raft_lag: 10,
        };
        let member = |leader, raft_index| StatusResponse {
            leader,
            raft_index,
            ..Default::default()
        };
        let mut checks = Vec::new();
        compare_members(
            &[("a".into(), member(1, 100)), ("b".into(), member(1, 95))],
            &args,
            &mut checks,
        );
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].verdict, Verdict::Ok);
        let mut checks = Vec::new();
        compare_members(
            &[("a".into(), member(1, 100)), ("b".into(), member(2, 50))],
            &args,
            &mut checks,
        );
        let fails: Vec<&str> = checks.iter().map(|c| c.detail.as_str()).collect();
        assert_eq!(checks.len(), 2, "{fails:?}");
        assert!(
            fails[0].contains("disagree") && fails[1].contains("b trails"),
            "{fails:?}"
        );
    }

    #[test]
    fn token_kinds() {
        assert!(token_lifetime("abcdef.12").starts_with("simple token"));
        use base64::Engine as _;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"exp":1}"#);
        assert!(token_lifetime(&format!("h.{claims}.s")).starts_with("JWT token, expires in -"));
    }

    #[test]
    fn peer_members_list_client_urls() {
        let body =
            br#"[{"id":1,"peerURLs":["http://a:2380"],"name":"p","clientURLs":["http://a:2379"]}]"#;
        assert_eq!(client_urls(body), vec!["http://a:2379".to_string()]);
        assert!(client_urls(b"not json").is_empty());
    }
}
