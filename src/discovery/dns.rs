//! A small blocking DNS client for SRV lookups, worded as Go's resolver: `/etc/resolv.conf`
//! reading, UDP queries (TCP on truncation), the message encoding and decoding, SRV ordering and
//! `*net.DNSError`'s texts. It knows nothing of etcd; [`super`] holds etcd's rules.
//!
//! Discovery runs once, before any runtime exists, and only when the flag is given, so a resolver
//! crate with its own runtime, threads and caches would cost start-up time for nothing. What is
//! matched from Go's resolver: the `nameserver`, `search`/`domain` and
//! `ndots`/`timeout`/`attempts`/`rotate` settings, the order of names tried, the per-server
//! retries, SRV ordering by priority then weight, and the error texts (`lookup NAME on SERVER: no
//! such host`), since etcdctl prints them verbatim.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::go;

/// The resolver configuration Go reads; tests point lookups elsewhere with
/// [`super::lookup_with`].
pub const RESOLV_CONF: &str = "/etc/resolv.conf";
/// Go's EDNS(0) payload size advertised in queries, and the largest UDP answer it reads.
const UDP_PAYLOAD: u16 = 1232;
const TYPE_SRV: u16 = 33;
const CLASS_INET: u16 = 1;
const RCODE_NAME_ERROR: u8 = 3;

/// One failed SRV lookup, worded as Go's `*net.DNSError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupError {
    /// The name asked for, as given (without a search suffix).
    pub name: String,
    /// The last server asked (`127.0.0.1:53`), empty when none was.
    pub server: String,
    /// Go's reason: `no such host`, `server misbehaving`, `read udp A->B: i/o timeout`, ...
    pub reason: String,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.server.is_empty() {
            write!(f, "lookup {}: {}", self.name, self.reason)
        } else {
            write!(
                f,
                "lookup {} on {}: {}",
                self.name, self.server, self.reason
            )
        }
    }
}

impl std::error::Error for LookupError {}

/// An SRV answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// The target host with its final dot (`m1.example.com.`).
    pub target: String,
}

/// The settings of `/etc/resolv.conf` Go's resolver uses, with Go's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvConf {
    /// `ip:port` of each `nameserver` (at most three), or Go's defaults on loopback.
    pub servers: Vec<SocketAddr>,
    /// Search suffixes, each ending with a dot.
    pub search: Vec<String>,
    pub ndots: usize,
    pub timeout: Duration,
    pub attempts: usize,
    pub rotate: bool,
}

impl ResolvConf {
    /// Reads `path`; an unreadable file gives Go's defaults, as Go does.
    pub fn load(path: &str) -> ResolvConf {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        ResolvConf::parse(&text, default_search)
    }

    /// Parses resolv.conf text. `default_search` gives the search list used when the file has
    /// no `search` or `domain` line (Go derives it from the host name).
    pub fn parse(text: &str, default_search: impl FnOnce() -> Vec<String>) -> ResolvConf {
        let mut conf = ResolvConf {
            servers: Vec::new(),
            search: Vec::new(),
            ndots: 1,
            timeout: Duration::from_secs(5),
            attempts: 2,
            rotate: false,
        };
        let mut search_given = false;
        for line in text.lines() {
            if line.starts_with([';', '#']) {
                continue;
            }
            let mut fields = line.split_ascii_whitespace();
            match fields.next() {
                Some("nameserver") => {
                    // Go takes the first three, ignoring those that are not IP addresses.
                    let Some(ip) = fields.next().and_then(|f| f.parse::<IpAddr>().ok()) else {
                        continue;
                    };
                    if conf.servers.len() < 3 {
                        conf.servers.push(SocketAddr::new(ip, 53));
                    }
                }
                Some("domain") => {
                    if let Some(domain) = fields.next() {
                        conf.search = vec![ensure_rooted(domain)];
                        search_given = true;
                    }
                }
                Some("search") => {
                    conf.search = fields.filter(|f| *f != ".").map(ensure_rooted).collect();
                    search_given = true;
                }
                Some("options") => {
                    for option in fields {
                        conf.apply_option(option);
                    }
                }
                _ => {}
            }
        }
        if conf.servers.is_empty() {
            conf.servers = vec![
                SocketAddr::from(([127, 0, 0, 1], 53)),
                SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], 53)),
            ];
        }
        if !search_given {
            conf.search = default_search();
        }
        conf
    }

    fn apply_option(&mut self, option: &str) {
        let number = |prefix: &str| option.strip_prefix(prefix).map(go::dtoi);
        if let Some(n) = number("ndots:") {
            self.ndots = n.clamp(0, 15) as usize;
        } else if let Some(n) = number("timeout:") {
            self.timeout = Duration::from_secs(n.max(1) as u64);
        } else if let Some(n) = number("attempts:") {
            self.attempts = n.max(1) as usize;
        } else if option == "rotate" {
            self.rotate = true;
        }
    }

    /// Go's `nameList`: the fully qualified names tried for `name`, in order.
    fn names(&self, name: &str) -> Vec<String> {
        if name.ends_with('.') {
            return vec![name.to_string()];
        }
        let with_ndots = name.matches('.').count() >= self.ndots;
        let rooted = format!("{name}.");
        let mut names = Vec::new();
        if with_ndots {
            names.push(rooted.clone());
        }
        names.extend(
            self.search
                .iter()
                .filter(|s| rooted.len() + s.len() <= 254)
                .map(|s| format!("{rooted}{s}")),
        );
        if !with_ndots {
            names.push(rooted);
        }
        names
    }
}

fn ensure_rooted(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// Go's default search list: the host name's domain, when it has one.
fn default_search() -> Vec<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer outlives the call and its length is passed with it.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return Vec::new();
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let host = String::from_utf8_lossy(&buf[..len]).into_owned();
    match host.split_once('.') {
        Some((_, domain)) if !domain.is_empty() => vec![ensure_rooted(domain)],
        _ => Vec::new(),
    }
}

/// Go's `isDomainName`: names it refuses to send fail as `no such host` with no server.
pub fn is_domain_name(s: &str) -> bool {
    let s = s.strip_suffix('.').filter(|_| s != ".").unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return s == ".";
    }
    s.split('.').all(|label| {
        let bytes = label.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 63
            && bytes.first() != Some(&b'-')
            && bytes.last() != Some(&b'-')
            && bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Looks up the SRV records of `name` as Go's `net.LookupSRV("", "", name)` does, sorted by
/// priority and shuffled by weight.
pub fn lookup_srv(conf: &ResolvConf, name: &str) -> Result<Vec<Srv>, LookupError> {
    let not_found = |server: String| LookupError {
        name: name.to_string(),
        server,
        reason: "no such host".to_string(),
    };
    if !is_domain_name(name) {
        return Err(not_found(String::new()));
    }
    let mut last = not_found(String::new());
    for fqdn in conf.names(name) {
        match try_one_name(conf, &fqdn) {
            Ok(mut records) => {
                sort_by_priority_weight(&mut records, &mut random_below);
                return Ok(records);
            }
            Err(e) => last = e,
        }
    }
    last.name = name.to_string();
    Err(last)
}

/// Asks each server in turn, `attempts` rounds, until one answers or says the name is absent.
fn try_one_name(conf: &ResolvConf, fqdn: &str) -> Result<Vec<Srv>, LookupError> {
    let offset = if conf.rotate {
        random_below(conf.servers.len() as u32) as usize
    } else {
        0
    };
    let failure = |server: SocketAddr, reason: String| LookupError {
        name: fqdn.to_string(),
        server: go::join_host_port(server),
        reason,
    };
    let mut last = failure(conf.servers[0], "no such host".into());
    for _ in 0..conf.attempts {
        for i in 0..conf.servers.len() {
            let server = conf.servers[(offset + i) % conf.servers.len()];
            let answer = match exchange(server, fqdn, conf.timeout) {
                Ok(answer) => answer,
                Err(reason) => {
                    last = failure(server, reason);
                    continue;
                }
            };
            match answer.outcome() {
                Outcome::Records(records) => return Ok(records),
                Outcome::NotFound => return Err(failure(server, "no such host".into())),
                Outcome::TryNext(reason) => last = failure(server, reason.into()),
            }
        }
    }
    Err(last)
}

/// A parsed DNS response.
struct Answer {
    rcode: u8,
    authoritative: bool,
    recursion_available: bool,
    answer_count: u16,
    records: Vec<Srv>,
}

enum Outcome {
    Records(Vec<Srv>),
    NotFound,
    TryNext(&'static str),
}

impl Answer {
    /// Go's `checkHeader` and `skipToAnswer`.
    fn outcome(self) -> Outcome {
        if self.rcode == RCODE_NAME_ERROR {
            return Outcome::NotFound;
        }
        if self.rcode == 0
            && !self.authoritative
            && !self.recursion_available
            && self.answer_count == 0
        {
            return Outcome::TryNext("lame referral");
        }
        if self.rcode != 0 {
            // Go tells SERVFAIL (temporary) from the rest, but words both the same.
            return Outcome::TryNext("server misbehaving");
        }
        if self.records.is_empty() {
            return Outcome::NotFound;
        }
        Outcome::Records(self.records)
    }
}

/// One query to one server over UDP, again over TCP when the answer is truncated. Errors are
/// Go's texts (`read udp LOCAL->SERVER: i/o timeout`, `server misbehaving`).
fn exchange(server: SocketAddr, fqdn: &str, timeout: Duration) -> Result<Answer, String> {
    let id = random_below(u32::from(u16::MAX) + 1) as u16;
    let query = encode_query(id, fqdn);
    let deadline = Instant::now() + timeout;
    let bind: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("literal")
    } else {
        "[::]:0".parse().expect("literal")
    };
    let server_text = go::join_host_port(server);
    let dial = |e: io::Error| net_error("dial", "udp", &server_text, &e);
    let socket = UdpSocket::bind(bind).map_err(dial)?;
    socket.connect(server).map_err(dial)?;
    let local = socket
        .local_addr()
        .map(go::join_host_port)
        .unwrap_or_default();
    let addrs = format!("{local}->{server_text}");
    let op = |verb: &str, e: &io::Error| net_error(verb, "udp", &addrs, e);
    socket.send(&query).map_err(|e| op("write", &e))?;
    let mut buf = vec![0u8; usize::from(UDP_PAYLOAD)];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(op("read", &io::Error::from(io::ErrorKind::TimedOut)));
        }
        socket
            .set_read_timeout(Some(left))
            .map_err(|e| op("read", &e))?;
        let n = socket.recv(&mut buf).map_err(|e| op("read", &e))?;
        // Go skips answers to other queries (wrong id or question) and keeps reading.
        match parse_response(&buf[..n], id, fqdn) {
            Some(Parsed::Answer(answer)) => return Ok(answer),
            Some(Parsed::Truncated) => return exchange_tcp(server, &query, id, fqdn, deadline),
            Some(Parsed::Malformed) => return Err("cannot unmarshal DNS message".into()),
            None => continue,
        }
    }
}

fn exchange_tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    fqdn: &str,
    deadline: Instant,
) -> Result<Answer, String> {
    let left = deadline.saturating_duration_since(Instant::now());
    let server_text = go::join_host_port(server);
    let fail = |verb: &str, e: &io::Error| net_error(verb, "tcp", &server_text, e);
    let mut stream = TcpStream::connect_timeout(&server, left.max(Duration::from_millis(1)))
        .map_err(|e| fail("dial", &e))?;
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    stream
        .set_read_timeout(Some(left))
        .map_err(|e| fail("read", &e))?;
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream.write_all(&framed).map_err(|e| fail("write", &e))?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).map_err(|e| fail("read", &e))?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut buf).map_err(|e| fail("read", &e))?;
    match parse_response(&buf, id, fqdn) {
        Some(Parsed::Answer(answer)) => Ok(answer),
        _ => Err("server misbehaving".into()),
    }
}

/// Go's `*net.OpError` text: `read udp 127.0.0.1:5353->10.0.0.1:53: read: connection refused`,
/// or `...: i/o timeout` past the deadline.
fn net_error(op: &str, net: &str, addrs: &str, e: &io::Error) -> String {
    if is_timeout(e) {
        return format!("{op} {net} {addrs}: i/o timeout");
    }
    let syscall = if op == "dial" { "connect" } else { op };
    format!("{op} {net} {addrs}: {syscall}: {}", go::errno_text(e))
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A standard recursive SRV query for `fqdn` with Go's EDNS(0) record.
fn encode_query(id: u16, fqdn: &str) -> Vec<u8> {
    let mut q = Vec::with_capacity(64);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00]); // recursion desired
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 1]); // one question, one additional
    encode_name(&mut q, fqdn);
    q.extend_from_slice(&TYPE_SRV.to_be_bytes());
    q.extend_from_slice(&CLASS_INET.to_be_bytes());
    // OPT: root name, type 41, class = payload size, ttl 0, no data.
    q.push(0);
    q.extend_from_slice(&41u16.to_be_bytes());
    q.extend_from_slice(&UDP_PAYLOAD.to_be_bytes());
    q.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    q
}

/// Writes `name` as DNS labels (the name is checked by [`is_domain_name`] already).
fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

enum Parsed {
    Answer(Answer),
    Truncated,
    Malformed,
}

/// Parses a response to query `id` for `fqdn`; `None` for a packet that answers something else.
fn parse_response(msg: &[u8], id: u16, fqdn: &str) -> Option<Parsed> {
    let mut r = Reader { msg, at: 0 };
    let header = (|| {
        let got_id = r.u16()?;
        let flags = r.u16()?;
        let counts = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
        Some((got_id, flags, counts))
    })();
    let (got_id, flags, [qd, an, _, _]) = header?;
    if got_id != id || flags & 0x8000 == 0 {
        return None;
    }
    if flags & 0x0200 != 0 {
        return Some(Parsed::Truncated);
    }
    if qd != 1 {
        return None;
    }
    let question = r.name()?;
    let (qtype, qclass) = (r.u16()?, r.u16()?);
    if !question.eq_ignore_ascii_case(fqdn) || qtype != TYPE_SRV || qclass != CLASS_INET {
        return None;
    }
    let mut records = Vec::new();
    for _ in 0..an {
        let Some(record) = r.srv_record() else {
            return Some(Parsed::Malformed);
        };
        records.extend(record);
    }
    Some(Parsed::Answer(Answer {
        rcode: (flags & 0x000f) as u8,
        authoritative: flags & 0x0400 != 0,
        recursion_available: flags & 0x0080 != 0,
        answer_count: an,
        records,
    }))
}

struct Reader<'a> {
    msg: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let slice = self.msg.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    /// A possibly compressed name, rooted (`a.b.`).
    fn name(&mut self) -> Option<String> {
        let mut name = String::new();
        let mut at = self.at;
        let mut jumped = false;
        // Each pointer must go backwards, which also bounds the loop.
        let mut limit = at;
        loop {
            let len = *self.msg.get(at)?;
            match len & 0xC0 {
                0x00 if len == 0 => {
                    if !jumped {
                        self.at = at + 1;
                    }
                    if name.is_empty() {
                        name.push('.');
                    }
                    return Some(name);
                }
                0x00 => {
                    let label = self.msg.get(at + 1..at + 1 + usize::from(len))?;
                    name.push_str(std::str::from_utf8(label).ok()?);
                    name.push('.');
                    at += 1 + usize::from(len);
                }
                0xC0 => {
                    let target =
                        usize::from(u16::from_be_bytes([len, *self.msg.get(at + 1)?]) & 0x3FFF);
                    if target >= limit {
                        return None;
                    }
                    if !jumped {
                        self.at = at + 2;
                        jumped = true;
                    }
                    limit = target;
                    at = target;
                }
                _ => return None,
            }
        }
    }

    /// One answer record: `Some(Some(srv))` for an SRV record, `Some(None)` for another type.
    fn srv_record(&mut self) -> Option<Option<Srv>> {
        self.name()?;
        let rtype = self.u16()?;
        let _class = self.u16()?;
        self.bytes(4)?;
        let len = usize::from(self.u16()?);
        let end = self.at.checked_add(len)?;
        if rtype != TYPE_SRV {
            self.bytes(len)?;
            return Some(None);
        }
        let srv = Srv {
            priority: self.u16()?,
            weight: self.u16()?,
            port: self.u16()?,
            target: self.name()?,
        };
        if self.at != end {
            return None;
        }
        Some(Some(srv))
    }
}

/// Go's `byPriorityWeight.sort`: ascending priority; within one priority, RFC 2782's weighted
/// random order. `random_below(n)` returns a number in `0..n`.
fn sort_by_priority_weight(records: &mut [Srv], random_below: &mut impl FnMut(u32) -> u32) {
    records.sort_by_key(|r| (r.priority, r.weight));
    let mut start = 0;
    while start < records.len() {
        let end = records[start..]
            .iter()
            .position(|r| r.priority != records[start].priority)
            .map_or(records.len(), |n| start + n);
        shuffle_by_weight(&mut records[start..end], random_below);
        start = end;
    }
}

fn shuffle_by_weight(mut records: &mut [Srv], random_below: &mut impl FnMut(u32) -> u32) {
    let mut sum: u32 = records.iter().map(|r| u32::from(r.weight)).sum();
    while sum > 0 && records.len() > 1 {
        let pick = random_below(sum);
        let mut running = 0;
        for i in 0..records.len() {
            running += u32::from(records[i].weight);
            if running > pick {
                records.swap(0, i);
                break;
            }
        }
        sum -= u32::from(records[0].weight);
        records = &mut records[1..];
    }
}

/// A random number in `0..n` (`n > 0`), from the standard library's randomly keyed hasher: enough
/// for query ids and SRV weights, without a random-number crate.
fn random_below(n: u32) -> u32 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() % u64::from(n.max(1))) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> ResolvConf {
        ResolvConf::parse(text, || vec!["host.domain.".to_string()])
    }

    #[test]
    fn resolv_conf_defaults_and_options() {
        let c = conf("");
        assert_eq!(c.servers.len(), 2);
        assert_eq!(c.servers[0].to_string(), "127.0.0.1:53");
        assert_eq!(go::join_host_port(c.servers[1]), "[::1]:53");
        assert_eq!(c.search, ["host.domain."]);
        assert_eq!(
            (c.ndots, c.attempts, c.timeout),
            (1, 2, Duration::from_secs(5))
        );

        let c = conf(
            "# comment\nnameserver 10.0.0.1\nnameserver bogus\nnameserver ::2\n\
             nameserver 10.0.0.3\nnameserver 10.0.0.4\nsearch a.test b.test.\n\
             options ndots:3 timeout:0 attempts:4 rotate\n",
        );
        let servers: Vec<String> = c.servers.iter().map(|s| go::join_host_port(*s)).collect();
        assert_eq!(servers, ["10.0.0.1:53", "[::2]:53", "10.0.0.3:53"]);
        assert_eq!(c.search, ["a.test.", "b.test."]);
        assert_eq!(
            (c.ndots, c.attempts, c.timeout),
            (3, 4, Duration::from_secs(1))
        );
        assert!(c.rotate);
    }

    #[test]
    fn names_follow_ndots() {
        let c = conf("search s.test\n");
        assert_eq!(c.names("a.b"), ["a.b.", "a.b.s.test."]);
        assert_eq!(c.names("ab"), ["ab.s.test.", "ab."]);
        let c = conf("search s.test\noptions ndots:2\n");
        assert_eq!(c.names("a.b"), ["a.b.s.test.", "a.b."]);
        assert_eq!(c.names("a.b."), ["a.b."]);
    }

    #[test]
    fn domain_names_go_accepts() {
        assert!(is_domain_name("_etcd-client._tcp.example.com"));
        assert!(is_domain_name("a.b."));
        assert!(!is_domain_name("a..b"));
        assert!(!is_domain_name("bad domain"));
        assert!(!is_domain_name("-a.b"));
        assert!(!is_domain_name(&"a".repeat(64)));
    }

    fn srv(priority: u16, weight: u16, port: u16) -> Srv {
        Srv {
            priority,
            weight,
            port,
            target: "t.".into(),
        }
    }

    #[test]
    fn priority_first_then_weight() {
        let mut records = vec![srv(20, 0, 1), srv(10, 5, 2), srv(10, 0, 3), srv(10, 10, 4)];
        // Always the lowest pick: the first record whose running weight passes 0.
        sort_by_priority_weight(&mut records, &mut |_| 0);
        let ports: Vec<u16> = records.iter().map(|r| r.port).collect();
        // Sorted (10,0,3) (10,5,2) (10,10,4): pick 0 lands on weight 5 first, then weight 10.
        assert_eq!(ports, [2, 4, 3, 1]);
        let mut records = vec![srv(1, 1, 1), srv(1, 1, 2)];
        sort_by_priority_weight(&mut records, &mut |n| n - 1);
        assert_eq!(records[0].port, 2);
    }

    fn response(id: u16, flags: u16, question: &str, answers: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&id.to_be_bytes());
        m.extend_from_slice(&flags.to_be_bytes());
        m.extend_from_slice(&[0, 1]);
        m.extend_from_slice(&(answers.len() as u16).to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 0]);
        encode_name(&mut m, question);
        m.extend_from_slice(&[0, 33, 0, 1]);
        for (rtype, data) in answers {
            m.extend_from_slice(&[0xC0, 12]); // the question's name
            m.extend_from_slice(&rtype.to_be_bytes());
            m.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
            m.extend_from_slice(&(data.len() as u16).to_be_bytes());
            m.extend_from_slice(data);
        }
        m
    }

    #[test]
    fn parses_srv_answers_with_compression() {
        let q = "_etcd-client._tcp.example.test.";
        let mut data = vec![0, 1, 0, 2, 0x09, 0x29];
        data.extend_from_slice(&[2, b'm', b'1']);
        data.extend_from_slice(&[0xC0, 30]); // "example.test." inside the question
        let msg = response(7, 0x8500, q, &[(5, vec![1, 2]), (33, data)]);
        let Some(Parsed::Answer(answer)) = parse_response(&msg, 7, q) else {
            panic!("not parsed");
        };
        assert_eq!(
            answer.records,
            [Srv {
                priority: 1,
                weight: 2,
                port: 2345,
                target: "m1.example.test.".into()
            }]
        );
        assert!(matches!(answer.outcome(), Outcome::Records(_)));
        assert!(parse_response(&msg, 8, q).is_none(), "another query's id");
        assert!(
            parse_response(&msg, 7, "other.test.").is_none(),
            "another question"
        );
    }

    #[test]
    fn header_outcomes_as_go() {
        let q = "a.test.";
        let outcome = |flags| match parse_response(&response(1, flags, q, &[]), 1, q) {
            Some(Parsed::Answer(a)) => a.outcome(),
            _ => panic!("not an answer"),
        };
        assert!(matches!(outcome(0x8403), Outcome::NotFound));
        assert!(matches!(outcome(0x8400), Outcome::NotFound));
        assert!(matches!(outcome(0x8000), Outcome::TryNext("lame referral")));
        assert!(matches!(
            outcome(0x8482),
            Outcome::TryNext("server misbehaving")
        ));
        assert!(matches!(
            parse_response(&response(1, 0x8600, q, &[]), 1, q),
            Some(Parsed::Truncated)
        ));
    }
}
