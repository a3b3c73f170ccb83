//! Parsing `--endpoints` entries: `host:port`, `http://host:port` or `https://host:port`.

use std::fmt;

use super::Error;

/// Whether an endpoint is reached over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// No scheme given: TLS exactly when the TLS flags ask for it, as etcdctl does.
    Unspecified,
    Http,
    Https,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What the user typed, used in messages so they can find it in their command line.
    pub original: String,
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let trimmed = input.trim();
        let (scheme, rest) = if let Some(rest) = trimmed.strip_prefix("http://") {
            (Scheme::Http, rest)
        } else if let Some(rest) = trimmed.strip_prefix("https://") {
            (Scheme::Https, rest)
        } else if trimmed.contains("://") {
            return Err(Error::Config(format!(
                "endpoint {input:?}: unsupported scheme (use host:port, http:// or https://)"
            )));
        } else {
            (Scheme::Unspecified, trimmed)
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = split_host_port(rest)
            .ok_or_else(|| Error::Config(format!("endpoint {input:?}: expected host:port")))?;
        Ok(Self {
            original: trimmed.to_string(),
            scheme,
            host,
            port,
        })
    }

    /// `host:port` with IPv6 hosts bracketed, as used in URIs and curl lines.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub fn uses_tls(&self, tls_configured: bool) -> bool {
        match self.scheme {
            Scheme::Https => true,
            Scheme::Http => false,
            Scheme::Unspecified => tls_configured,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':')?)
    } else {
        s.rsplit_once(':')?
    };
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let e = Endpoint::parse("127.0.0.1:2379").unwrap();
        assert_eq!(
            (e.scheme, e.host.as_str(), e.port),
            (Scheme::Unspecified, "127.0.0.1", 2379)
        );
        let e = Endpoint::parse("http://localhost:23790").unwrap();
        assert_eq!(
            (e.scheme, e.host.as_str(), e.port),
            (Scheme::Http, "localhost", 23790)
        );
        let e = Endpoint::parse("https://[::1]:2379/").unwrap();
        assert_eq!(
            (e.scheme, e.host.as_str(), e.port),
            (Scheme::Https, "::1", 2379)
        );
        assert_eq!(e.authority(), "[::1]:2379");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "nohost",
            ":2379",
            "host:notaport",
            "unix://x:1",
            "h:99999",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn tls_choice_follows_scheme_then_flags() {
        let plain = Endpoint::parse("a:1").unwrap();
        assert!(!plain.uses_tls(false) && plain.uses_tls(true));
        assert!(!Endpoint::parse("http://a:1").unwrap().uses_tls(true));
        assert!(Endpoint::parse("https://a:1").unwrap().uses_tls(false));
    }
}
