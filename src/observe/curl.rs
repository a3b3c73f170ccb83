//! `--print-curl`: each request as a curl command line for etcd's JSON gateway (grpc-gateway),
//! ready to paste into a POSIX shell in the order printed.
//!
//! The body is the protobuf request re-encoded as the gateway's JSON (proto3 JSON mapping with
//! the original field names, base64 bytes, 64-bit integers as strings, enum names, defaults
//! left out), read through descriptors of the etcd API embedded at build time. They are decoded
//! on the first printed request only, so ectl without `--print-curl` never pays for them.
//!
//! Secrets never appear: an Authenticate call reads the password from `$ETCDCTL_PASSWORD` and
//! stores the token it gets in `$TOKEN`, which later lines send as the `Authorization` header;
//! passwords of other calls (`user add`, `user passwd`) come from `$ECTL_NEW_PASSWORD`.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, DynamicMessage, MethodDescriptor, SerializeOptions, Value};

use crate::client::{Call, Endpoint, TlsOptions, rpc};

/// The shell variable holding the token, set by the printed Authenticate line.
const TOKEN_VAR: &str = "TOKEN";
/// Where the printed Authenticate line reads the password (the variable ectl itself reads).
const LOGIN_PASSWORD_VAR: &str = "ETCDCTL_PASSWORD";
/// Where other printed lines read a password they set (`user add`, `user passwd`).
const NEW_PASSWORD_VAR: &str = "ECTL_NEW_PASSWORD";

/// The etcd API descriptors written by build.rs.
static DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/etcd_descriptors.bin"));

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(DESCRIPTORS).expect("build.rs embeds a valid descriptor set")
    })
}

/// Formats curl lines for one client's settings.
pub struct Curl {
    /// `--cacert`, `--cert`, `--key`, `-k`, already shell-quoted, each with a leading space.
    tls_flags: String,
}

impl Curl {
    pub fn new(tls: Option<&TlsOptions>) -> Self {
        let mut tls_flags = String::new();
        if let Some(tls) = tls {
            for (flag, path) in [
                ("--cacert", &tls.ca_file),
                ("--cert", &tls.cert_file),
                ("--key", &tls.key_file),
            ] {
                if let Some(path) = path {
                    tls_flags.push_str(&format!(" {flag} {}", sh_quote(&path.to_string_lossy())));
                }
            }
            if tls.skip_verify {
                tls_flags.push_str(" -k");
            }
        }
        Self { tls_flags }
    }

    /// The line (or lines, newline-terminated) doing `call` through the gateway.
    pub fn request(&self, call: &Call<'_>) -> String {
        let grpc_path = call.rpc.path;
        let Some(path) = call.rpc.gateway else {
            return format!(
                "# {}: {grpc_path} has no JSON gateway path\n",
                call.endpoint
            );
        };
        let method = method_descriptor(grpc_path);
        let body = match &method {
            Some(method) => json_body(grpc_path, method, &(call.encode)()),
            None => Err(format!("{grpc_path} is not in the embedded API")),
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => return format!("# {}: {grpc_path}: {e}\n", call.endpoint),
        };
        let streaming = method
            .as_ref()
            .is_some_and(|m| m.is_server_streaming() || m.is_client_streaming());

        let mut line = String::from("curl -sS");
        if streaming {
            line.push_str(" -N");
        }
        line.push_str(" -X POST");
        line.push_str(&self.tls_flags);
        if call.token.is_some() {
            line.push_str(&format!(" -H \"Authorization: ${TOKEN_VAR}\""));
        }
        let scheme = if call.tls { "https" } else { "http" };
        if call.endpoint.host.contains(':') {
            // An IPv6 literal's brackets are curl glob syntax otherwise.
            line.push_str(" -g");
        }
        let url = format!("{scheme}://{}{path}", call.endpoint.authority());
        line.push_str(&format!(" {} -d {body}", sh_quote(&url)));
        if call.rpc == rpc::AUTHENTICATE {
            line =
                format!("{TOKEN_VAR}=$({line} | sed -n 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/p')");
        }
        line.push('\n');
        line
    }

    /// A comment for an endpoint that was never reached, so a failover reads in order.
    pub fn dial_failure(&self, endpoint: &Endpoint, cause: &str) -> String {
        let cause = cause.replace('\n', " ");
        format!("# {endpoint}: not reached: {cause}\n")
    }
}

/// `/pkg.Service/Method` in the embedded descriptors.
fn method_descriptor(grpc_path: &str) -> Option<MethodDescriptor> {
    let (service, method) = grpc_path.strip_prefix('/')?.split_once('/')?;
    pool()
        .get_service_by_name(service)?
        .methods()
        .find(|m| m.name() == method)
}

/// The request as the gateway's JSON, shell-quoted; a password becomes a variable reference.
fn json_body(grpc_path: &str, method: &MethodDescriptor, encoded: &[u8]) -> Result<String, String> {
    let mut message = DynamicMessage::decode(method.input(), encoded)
        .map_err(|e| format!("cannot decode the request: {e}"))?;
    let has_password = message
        .get_field_by_name("password")
        .is_some_and(|v| matches!(&*v, Value::String(s) if !s.is_empty()));
    if has_password {
        message.clear_field_by_name("password");
    }
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .stringify_64_bit_integers(true)
        .use_enum_numbers(false)
        .skip_default_fields(true);
    let mut json = Vec::new();
    message
        .serialize_with_options(&mut serde_json::Serializer::new(&mut json), &options)
        .map_err(|e| format!("cannot render the request as JSON: {e}"))?;
    let json = String::from_utf8(json).map_err(|e| e.to_string())?;
    if !has_password {
        return Ok(sh_quote_always(&json));
    }
    // `{"password":"<from the shell>",<the other fields>}`: the variable is expanded between
    // two single-quoted halves, so no other byte of the body is ever seen by the shell.
    let var = if grpc_path == rpc::AUTHENTICATE.path {
        LOGIN_PASSWORD_VAR
    } else {
        NEW_PASSWORD_VAR
    };
    let rest = json.strip_prefix('{').unwrap_or(&json);
    let separator = if rest == "}" { "" } else { "," };
    Ok(format!(
        "{}\"${{{var}:?set {var} to the password}}\"{}",
        sh_quote_always("{\"password\":\""),
        sh_quote_always(&format!("\"{separator}{rest}"))
    ))
}

/// `s` as one shell word: bare when it is plainly safe, else single-quoted.
pub(crate) fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@%+=,".contains(&b));
    if plain {
        s.to_string()
    } else {
        sh_quote_always(s)
    }
}

/// `s` single-quoted; a `'` inside becomes `'\''`.
fn sh_quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::etcdserverpb::{
        AuthUserAddRequest, AuthenticateRequest, LeaseGrantRequest, MemberListRequest, PutRequest,
        RangeRequest, WatchCreateRequest, WatchRequest, range_request, watch_request,
    };
    use prost::Message;

    fn line<M: Message>(rpc: rpc::Rpc, msg: M, tls: bool, token: Option<&str>) -> String {
        let endpoint = Endpoint::parse("127.0.0.1:2379").unwrap();
        let call = Call {
            endpoint: &endpoint,
            tls,
            rpc,
            token,
            encode: &|| msg.encode_to_vec(),
        };
        Curl::new(None).request(&call)
    }

    #[test]
    fn a_range_is_the_gateway_json_with_proto_names_base64_and_string_int64() {
        let req = RangeRequest {
            key: b"foo".to_vec(),
            range_end: b"fop".to_vec(),
            limit: 2,
            revision: 7,
            sort_order: range_request::SortOrder::Descend as i32,
            keys_only: true,
            ..Default::default()
        };
        assert_eq!(
            line(rpc::RANGE, req, false, None),
            "curl -sS -X POST http://127.0.0.1:2379/v3/kv/range -d \
             '{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"limit\":\"2\",\"revision\":\"7\",\
             \"sort_order\":\"DESCEND\",\"keys_only\":true}'\n"
        );
    }

    #[test]
    fn upper_case_proto_names_and_empty_requests_and_tokens() {
        let req = LeaseGrantRequest { ttl: 60, id: 0 };
        assert_eq!(
            line(rpc::LEASE_GRANT, req, true, Some("t")),
            "curl -sS -X POST -H \"Authorization: $TOKEN\" \
             https://127.0.0.1:2379/v3/lease/grant -d '{\"TTL\":\"60\"}'\n"
        );
        assert_eq!(
            line(rpc::MEMBER_LIST, MemberListRequest::default(), false, None),
            "curl -sS -X POST http://127.0.0.1:2379/v3/cluster/member/list -d '{}'\n"
        );
    }

    #[test]
    fn quotes_in_values_are_shell_safe() {
        let req = PutRequest {
            key: b"k".to_vec(),
            value: b"it's".to_vec(),
            ..Default::default()
        };
        let printed = line(rpc::PUT, req, false, None);
        // base64 never holds a quote; the JSON's own quotes sit inside single quotes.
        assert!(
            printed.ends_with("-d '{\"key\":\"aw==\",\"value\":\"aXQncw==\"}'\n"),
            "{printed}"
        );
        assert_eq!(sh_quote_always("a'b"), r"'a'\''b'");
        assert_eq!(sh_quote("/tmp/ca.pem"), "/tmp/ca.pem");
        assert_eq!(sh_quote("/tmp/my ca.pem"), "'/tmp/my ca.pem'");
    }

    #[test]
    fn authenticate_reads_the_password_from_the_environment_and_captures_the_token() {
        let req = AuthenticateRequest {
            name: "root".into(),
            password: "hunter2".into(),
        };
        let printed = line(rpc::AUTHENTICATE, req, false, None);
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(
            printed,
            "TOKEN=$(curl -sS -X POST http://127.0.0.1:2379/v3/auth/authenticate -d \
             '{\"password\":\"'\"${ETCDCTL_PASSWORD:?set ETCDCTL_PASSWORD to the password}\"'\",\
             \"name\":\"root\"}' | sed -n 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/p')\n"
        );
        let req = AuthUserAddRequest {
            name: "u".into(),
            password: "secret".into(),
            ..Default::default()
        };
        let printed = line(rpc::USER_ADD, req, false, Some("t"));
        assert!(!printed.contains("secret") && printed.contains("${ECTL_NEW_PASSWORD:?"));
    }

    #[test]
    fn streams_use_no_buffering_and_oneofs_keep_their_names() {
        let req = WatchRequest {
            request_union: Some(watch_request::RequestUnion::CreateRequest(
                WatchCreateRequest {
                    key: b"a".to_vec(),
                    ..Default::default()
                },
            )),
        };
        assert_eq!(
            line(rpc::WATCH, req, false, None),
            "curl -sS -N -X POST http://127.0.0.1:2379/v3/watch -d \
             '{\"create_request\":{\"key\":\"YQ==\"}}'\n"
        );
    }

    #[test]
    fn tls_flags_and_ipv6_hosts() {
        let tls = TlsOptions {
            ca_file: Some("ca.pem".into()),
            cert_file: Some("client.pem".into()),
            key_file: Some("client key.pem".into()),
            skip_verify: true,
            server_name: None,
        };
        let endpoint = Endpoint::parse("https://[::1]:2379").unwrap();
        let encode = || RangeRequest::default().encode_to_vec();
        let call = Call {
            endpoint: &endpoint,
            tls: true,
            rpc: rpc::RANGE,
            token: None,
            encode: &encode,
        };
        assert_eq!(
            Curl::new(Some(&tls)).request(&call),
            "curl -sS -X POST --cacert ca.pem --cert client.pem --key 'client key.pem' -k -g \
             'https://[::1]:2379/v3/kv/range' -d '{}'\n"
        );
    }

    #[test]
    fn every_mapped_method_is_in_the_embedded_api() {
        for rpc in rpc::ALL {
            assert!(method_descriptor(rpc.path).is_some(), "{}", rpc.path);
        }
    }
}
