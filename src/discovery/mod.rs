//! etcd's DNS SRV discovery of client endpoints (`-d/--discovery-srv`), for both the v2 and the
//! v3 API: which records are asked for, which scheme each gives, what insecure discovery drops, and
//! the error texts etcdctl prints. The lookups themselves go through [`dns`], which knows nothing
//! of etcd.
//!
//! etcdctl 3.4 looks up `_etcd-client-ssl._tcp.DOMAIN` (https) and `_etcd-client._tcp.DOMAIN`
//! (http) with Go's own DNS client; [`dns`] matches that client, errors included, since etcdctl
//! prints them verbatim.

pub mod dns;

pub use dns::{LookupError, ResolvConf};

use crate::go;

/// The service etcd's clients are published under (pkg/srv's `etcd-client`).
const CLIENT_SERVICE: &str = "etcd-client";

/// A failed discovery: both SRV lookups failed. Its text is etcdctl's, printed after `Error: `
/// (v3, exit 1) or alone (v2, exit 1).
#[derive(Debug, thiserror::Error)]
#[error("dns lookup errors: {https} and {http}")]
pub struct DiscoveryError {
    /// The `_etcd-client-ssl._tcp` lookup's failure.
    pub https: Box<LookupError>,
    /// The `_etcd-client._tcp` lookup's failure.
    pub http: Box<LookupError>,
}

/// What discovery found: endpoints to use, and insecure ones dropped because
/// `--insecure-discovery=false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// `https://host.:port` and `http://host.:port` URLs, https records first, each set in SRV
    /// order. Targets keep their final dot, as etcdctl's URLs do.
    pub endpoints: Vec<String>,
    /// `http://` endpoints left out because insecure discovery is off.
    pub ignored: Vec<String>,
}

impl Discovered {
    /// etcdctl's `ignoring discovered insecure endpoint "URL"` lines, one per ignored endpoint,
    /// for the edge to print on stderr before the command runs.
    pub fn notices(&self) -> Vec<String> {
        self.ignored
            .iter()
            .map(|url| {
                format!(
                    "ignoring discovered insecure endpoint {}",
                    go::quote(url.as_bytes())
                )
            })
            .collect()
    }
}

/// Discovers the client endpoints of `domain`, as etcdctl's
/// `--discovery-srv DOMAIN [--discovery-srv-name NAME] [--insecure-discovery=BOOL]` does.
///
/// `service_name` is `--discovery-srv-name` (`""` for none): it suffixes both services
/// (`_etcd-client-ssl-NAME._tcp`). With `insecure == false` the `http://` endpoints are left
/// out, into [`Discovered::ignored`] (see [`Discovered::notices`]).
///
/// No endpoints is not an error: etcdctl then falls back to `--endpoints` (v3) or
/// `--endpoints`/`--peers` (v2), and so must the caller. An error means both lookups failed;
/// etcdctl exits 1 with it. Blocks for up to Go's resolver timeouts (5 s × 2 attempts per server
/// by default) when no server answers.
pub fn lookup(
    domain: &str,
    service_name: &str,
    insecure: bool,
) -> Result<Discovered, DiscoveryError> {
    lookup_with(
        &ResolvConf::load(dns::RESOLV_CONF),
        domain,
        service_name,
        insecure,
    )
}

/// The TLS server name etcdctl checks certificates against: the domain, unless insecure
/// discovery is on (its default) or no discovery is asked for.
pub fn tls_server_name(domain: Option<&str>, insecure: bool) -> Option<String> {
    domain
        .filter(|d| !d.is_empty() && !insecure)
        .map(str::to_string)
}

/// [`lookup`] with a given resolver configuration.
pub fn lookup_with(
    conf: &ResolvConf,
    domain: &str,
    service_name: &str,
    insecure: bool,
) -> Result<Discovered, DiscoveryError> {
    let https = lookup_urls(conf, &service(true, service_name), domain, "https");
    let http = lookup_urls(conf, &service(false, service_name), domain, "http");
    let (https, http) = match (https, http) {
        (Err(https), Err(http)) => {
            return Err(DiscoveryError {
                https: Box::new(https),
                http: Box::new(http),
            });
        }
        (https, http) => (https.unwrap_or_default(), http.unwrap_or_default()),
    };
    let mut found = Discovered::default();
    found.endpoints.extend(https);
    if insecure {
        found.endpoints.extend(http);
    } else {
        found.ignored = http;
    }
    Ok(found)
}

/// pkg/srv's service names: `etcd-client[-ssl][-NAME]`.
fn service(secure: bool, service_name: &str) -> String {
    let mut service = CLIENT_SERVICE.to_string();
    if secure {
        service.push_str("-ssl");
    }
    if !service_name.is_empty() {
        service.push('-');
        service.push_str(service_name);
    }
    service
}

fn lookup_urls(
    conf: &ResolvConf,
    service: &str,
    domain: &str,
    scheme: &str,
) -> Result<Vec<String>, LookupError> {
    let name = format!("_{service}._tcp.{domain}");
    let records = dns::lookup_srv(conf, &name)?;
    // Go's LookupSRV drops targets that are not domain names and then fails the lookup, naming
    // the domain alone; pkg/srv takes that as the service failing.
    if records.iter().any(|r| !dns::is_domain_name(&r.target)) {
        return Err(LookupError {
            name: domain.to_string(),
            server: String::new(),
            reason: "DNS response contained records which contain invalid names".into(),
        });
    }
    Ok(records
        .iter()
        .map(|r| format!("{scheme}://{}:{}", r.target, r.port))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_and_server_name() {
        assert_eq!(service(true, ""), "etcd-client-ssl");
        assert_eq!(service(false, "prod"), "etcd-client-prod");
        assert_eq!(service(true, "prod"), "etcd-client-ssl-prod");
        assert_eq!(
            tls_server_name(Some("x.test"), false).as_deref(),
            Some("x.test")
        );
        assert_eq!(tls_server_name(Some("x.test"), true), None);
        assert_eq!(tls_server_name(Some(""), false), None);
    }
    #[test]
    fn errors_read_as_go() {
        let e = DiscoveryError {
            https: Box::new(LookupError {
                name: "_etcd-client-ssl._tcp.x".into(),
                server: "127.0.0.1:53".into(),
                reason: "no such host".into(),
            }),
            http: Box::new(LookupError {
                name: "_etcd-client._tcp.x".into(),
                server: String::new(),
                reason: "no such host".into(),
            }),
        };
        assert_eq!(
            e.to_string(),
            "dns lookup errors: lookup _etcd-client-ssl._tcp.x on 127.0.0.1:53: no such host and \
             lookup _etcd-client._tcp.x: no such host"
        );
    }
}
