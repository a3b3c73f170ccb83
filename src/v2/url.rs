//! Endpoint URLs and request paths as Go's `net/url` and `path` write them, so requests, cURL
//! lines and error texts carry the same bytes as etcdctl's.

use std::fmt;

/// An endpoint (`http://127.0.0.1:2379`): what etcdctl's `url.Parse` kept of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// `host[:port]`; empty for an opaque URL such as `localhost:2379` (scheme `localhost`).
    pub host: String,
    pub path: String,
    opaque: String,
}

impl Url {
    /// Go's `url.Parse` for the shapes endpoints take, with its error texts; an endpoint without
    /// a scheme gets `http`, as etcdctl gives it.
    pub fn parse_endpoint(raw: &str) -> Result<Url, String> {
        let fail = |why: &str| format!("parse {raw:?}: {why}");
        let scheme_end = scheme_len(raw).map_err(&fail)?;
        let (scheme, rest) = match scheme_end {
            Some(n) => (raw[..n].to_ascii_lowercase(), &raw[n + 1..]),
            None => (String::new(), raw),
        };
        let rest = rest.split('#').next().unwrap_or(rest);
        let rest = rest.split('?').next().unwrap_or(rest);
        if !scheme.is_empty() && !rest.starts_with('/') {
            return Ok(Url {
                scheme,
                host: String::new(),
                path: String::new(),
                opaque: rest.to_string(),
            });
        }
        if scheme.is_empty() && rest.split('/').next().is_some_and(|s| s.contains(':')) {
            return Err(fail("first path segment in URL cannot contain colon"));
        }
        let (host, path) = match rest.strip_prefix("//") {
            Some(authority) => match authority.find('/') {
                Some(i) => (&authority[..i], &authority[i..]),
                None => (authority, ""),
            },
            // Go keeps `foo` as a path; written back with a scheme it reads as `http://foo`.
            None if scheme.is_empty() => (rest, ""),
            None => ("", rest),
        };
        let host = host.rsplit('@').next().unwrap_or(host).to_string();
        let scheme = if scheme.is_empty() {
            "http".to_string()
        } else {
            scheme
        };
        Ok(Url {
            scheme,
            host,
            path: path.to_string(),
            opaque: String::new(),
        })
    }

    /// `host:port` to dial, with the scheme's default port.
    pub fn authority(&self) -> String {
        if self.host.starts_with('[') {
            if self.host.contains("]:") {
                return self.host.clone();
            }
        } else if self.host.contains(':') {
            return self.host.clone();
        }
        let port = if self.scheme == "https" { 443 } else { 80 };
        format!("{}:{port}", self.host)
    }

    /// The host without its port (for TLS server names).
    pub fn hostname(&self) -> &str {
        let authority = &self.host;
        if let Some(rest) = authority.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    }

    /// This endpoint with `path` (already canonical, unescaped) in place of its own.
    pub fn with_path(&self, path: String) -> Url {
        Url {
            path,
            ..self.clone()
        }
    }

    pub fn is_opaque(&self) -> bool {
        !self.opaque.is_empty() || (self.host.is_empty() && self.path.is_empty())
    }
}

/// Go's `url.URL.String()` for the shapes above: the path escaped as `EscapedPath` escapes it.
impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.opaque.is_empty() {
            return write!(f, "{}:{}", self.scheme, self.opaque);
        }
        write!(f, "{}:", self.scheme)?;
        if !self.host.is_empty() || !self.path.is_empty() {
            f.write_str("//")?;
        }
        f.write_str(&self.host)?;
        if !self.path.is_empty() && !self.path.starts_with('/') && !self.host.is_empty() {
            f.write_str("/")?;
        }
        f.write_str(&escape_path(&self.path))
    }
}

/// The length of the scheme before `:`, `None` when there is none; Go's `getScheme`.
fn scheme_len(raw: &str) -> Result<Option<usize>, &'static str> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme"),
            ':' => return Ok(Some(i)),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// Go's `shouldEscape(c, encodePath)`.
fn escape_path(path: &str) -> String {
    escape(
        path,
        |b| b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b),
        false,
    )
}

/// Go's `url.QueryEscape`: a space becomes `+`.
pub fn query_escape(s: &str) -> String {
    escape(
        s,
        |b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b),
        true,
    )
}

fn escape(s: &str, keep: impl Fn(u8) -> bool, space_plus: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else if b == b' ' && space_plus {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Go's `url.Values.Encode`: sorted by key, each pair query-escaped.
pub fn encode_values(pairs: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|s| *s != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Join`.
pub fn join(parts: &[&str]) -> String {
    let nonempty: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if nonempty.is_empty() {
        return String::new();
    }
    clean(&nonempty.join("/"))
}

/// etcd's `pathutil.CanonicalURLPath`: rooted, cleaned, a trailing slash kept.
pub fn canonical(p: &str) -> String {
    if p.is_empty() {
        return "/".to_string();
    }
    let p = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    };
    let mut np = clean(&p);
    if p.ends_with('/') && np != "/" {
        np.push('/');
    }
    np
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_as_go_parses_them() {
        let u = Url::parse_endpoint("http://127.0.0.1:2379").unwrap();
        assert_eq!(
            (u.authority(), u.to_string()),
            ("127.0.0.1:2379".into(), "http://127.0.0.1:2379".into())
        );
        assert_eq!(
            Url::parse_endpoint("127.0.0.1:2379").unwrap_err(),
            "parse \"127.0.0.1:2379\": first path segment in URL cannot contain colon"
        );
        let opaque = Url::parse_endpoint("localhost:2379").unwrap();
        assert_eq!(
            (opaque.scheme.as_str(), opaque.to_string().as_str()),
            ("localhost", "localhost:2379")
        );
        assert_eq!(
            Url::parse_endpoint("etcd").unwrap().to_string(),
            "http://etcd"
        );
        assert_eq!(
            Url::parse_endpoint("https://h").unwrap().authority(),
            "h:443"
        );
    }

    #[test]
    fn paths_and_queries_escape_as_go() {
        let u = Url::parse_endpoint("http://h:1")
            .unwrap()
            .with_path(canonical("/v2/keys/a b/c?d"));
        assert_eq!(u.to_string(), "http://h:1/v2/keys/a%20b/c%3Fd");
        assert_eq!(
            encode_values(&[("value", "x y&z".into()), ("ttl", "5".into())]),
            "ttl=5&value=x+y%26z"
        );
        assert_eq!(canonical("/v2/keys//a/../b/"), "/v2/keys/b/");
        assert_eq!(canonical("/v2/keys"), "/v2/keys");
        assert_eq!(
            join(&["", "/v2/auth", "users", "a/../b"]),
            "/v2/auth/users/b"
        );
    }
}
