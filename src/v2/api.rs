//! The v2 API's requests and responses: `/v2/keys`, `/v2/members`, `/v2/auth`, built and read
//! as etcd's Go client builds and reads them (parameter names, one-shot rules, status checks).

use hyper::Method;
use serde::Deserialize;

use super::client::{Request, Response};
use super::error::{Error, EtcdError};
use super::url::{self, encode_values};

/// A node of the v2 keyspace, with the fields Go's client keeps (and prints back in JSON).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub dir: bool,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub nodes: Option<Vec<Node>>,
    #[serde(default)]
    pub created_index: u64,
    #[serde(default)]
    pub modified_index: u64,
    #[serde(default)]
    pub expiration: Option<String>,
    #[serde(default)]
    pub ttl: i64,
}

/// A keys response; `index` comes from the `X-Etcd-Index` header.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeysResponse {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub node: Option<Node>,
    #[serde(default)]
    pub prev_node: Option<Node>,
    #[serde(skip)]
    pub index: u64,
}

const INVALID_JSON: &str =
    "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint";

fn keys_path(key: &str) -> String {
    let key = if key.is_empty() || key.starts_with('/') {
        key.to_string()
    } else {
        format!("/{key}")
    };
    url::canonical(&format!("/v2/keys{key}"))
}

/// `GET` of a key or directory.
pub fn get(key: &str, recursive: bool, sorted: bool, quorum: bool) -> Request {
    Request::new(Method::GET, keys_path(key)).query(encode_values(&[
        ("recursive", recursive.to_string()),
        ("sorted", sorted.to_string()),
        ("quorum", quorum.to_string()),
    ]))
}

/// A long-polling `GET ?wait=true` for the next change after `wait_index - 1`.
pub fn wait(key: &str, wait_index: u64, recursive: bool) -> Request {
    let mut req = Request::new(Method::GET, keys_path(key)).query(encode_values(&[
        ("wait", "true".into()),
        ("waitIndex", wait_index.to_string()),
        ("recursive", recursive.to_string()),
    ]));
    req.wait = true;
    req
}

/// Whether a set requires the key to exist (`prevExist`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrevExist {
    Ignore,
    Exist,
    NoExist,
}

/// The options of a `PUT` (set, mk, update, mkdir, setdir, updatedir).
#[derive(Debug, Clone, Default)]
pub struct SetOptions {
    pub prev_value: String,
    pub prev_index: u64,
    pub prev_exist: Option<PrevExist>,
    pub ttl: u64,
    pub dir: bool,
}

pub fn set(key: &str, value: &str, opts: &SetOptions) -> Request {
    let mut params = Vec::new();
    let mut form = Vec::new();
    if opts.dir {
        params.push(("dir", "true".to_string()));
    } else {
        if !opts.prev_value.is_empty() {
            params.push(("prevValue", opts.prev_value.clone()));
        }
        form.push(("value", value.to_string()));
    }
    if opts.prev_index != 0 {
        params.push(("prevIndex", opts.prev_index.to_string()));
    }
    match opts.prev_exist {
        Some(PrevExist::Exist) => params.push(("prevExist", "true".into())),
        Some(PrevExist::NoExist) => params.push(("prevExist", "false".into())),
        _ => {}
    }
    if opts.ttl > 0 {
        form.push(("ttl", opts.ttl.to_string()));
    }
    let mut req = Request::new(Method::PUT, keys_path(key))
        .query(encode_values(&params))
        .form(encode_values(&form));
    req.one_shot = opts.prev_exist == Some(PrevExist::NoExist);
    req
}

/// `POST` of a new in-order key under directory `dir`.
pub fn create_in_order(dir: &str, value: &str, ttl: u64) -> Request {
    let mut form = vec![("value", value.to_string())];
    if ttl > 0 {
        form.push(("ttl", ttl.to_string()));
    }
    Request::new(Method::POST, keys_path(dir)).form(encode_values(&form))
}

/// The options of a `DELETE`.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub prev_value: String,
    pub prev_index: u64,
    pub dir: bool,
    pub recursive: bool,
}

pub fn delete(key: &str, opts: &DeleteOptions) -> Request {
    let mut params = Vec::new();
    if !opts.prev_value.is_empty() {
        params.push(("prevValue", opts.prev_value.clone()));
    }
    if opts.prev_index != 0 {
        params.push(("prevIndex", opts.prev_index.to_string()));
    }
    if opts.dir {
        params.push(("dir", "true".into()));
    }
    if opts.recursive {
        params.push(("recursive", "true".into()));
    }
    let mut req = Request::new(Method::DELETE, keys_path(key)).query(encode_values(&params));
    req.one_shot = true;
    req
}

/// A keys answer: the node on 200/201, etcd's error otherwise. `Ok(None)` is an empty body
/// (a watch the server ended without an event).
pub fn keys_response(resp: &Response) -> Result<Option<KeysResponse>, Error> {
    match resp.status {
        200 | 201 => {
            if resp.body.is_empty() {
                return Ok(None);
            }
            let mut parsed: KeysResponse =
                serde_json::from_slice(&resp.body).map_err(|_| Error::other(INVALID_JSON))?;
            parsed.index = resp.index.unwrap_or(0);
            Ok(Some(parsed))
        }
        _ => Err(etcd_error(&resp.body)),
    }
}

fn etcd_error(body: &[u8]) -> Error {
    match serde_json::from_slice::<EtcdError>(body) {
        Ok(e) => Error::Etcd(e),
        Err(_) => Error::other(INVALID_JSON),
    }
}

/// A cluster member as `/v2/members` lists it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "peerURLs")]
    pub peer_urls: Vec<String>,
    #[serde(default, rename = "clientURLs")]
    pub client_urls: Vec<String>,
}

fn unexpected(status: u16) -> Error {
    Error::other(format!("unexpected status code {status}"))
}

/// A body Go's `json.Unmarshal` refused, in its words for the usual cases (an empty or a
/// non-JSON body).
fn bad_json(e: &serde_json::Error) -> Error {
    Error::other(crate::go::json_error(e))
}

pub fn members_list() -> Request {
    Request::new(Method::GET, "/v2/members".into())
}

pub fn members_leader() -> Request {
    Request::new(Method::GET, "/v2/members/leader".into())
}

pub fn parse_members(resp: &Response) -> Result<Vec<Member>, Error> {
    if resp.status != 200 {
        return Err(unexpected(resp.status));
    }
    #[derive(Deserialize)]
    struct List {
        #[serde(default)]
        members: Option<Vec<Member>>,
    }
    let list: List = serde_json::from_slice(&resp.body).map_err(|e| bad_json(&e))?;
    Ok(list.members.unwrap_or_default())
}

pub fn parse_member(resp: &Response, ok: u16) -> Result<Member, Error> {
    if resp.status != ok {
        return Err(unexpected(resp.status));
    }
    serde_json::from_slice(&resp.body).map_err(|e| bad_json(&e))
}

fn peer_urls_json(urls: &[String]) -> String {
    let quoted: Vec<String> = urls
        .iter()
        .map(|u| crate::go::json_string(u.as_bytes()))
        .collect();
    format!(r#"{{"peerURLs":[{}]}}"#, quoted.join(","))
}

pub fn member_add(peer_url: &str) -> Request {
    Request::new(Method::POST, "/v2/members".into()).json(peer_urls_json(&[peer_url.to_string()]))
}

pub fn member_update(id: &str, peer_urls: &[String]) -> Request {
    Request::new(Method::PUT, url::join(&["/v2/members", id])).json(peer_urls_json(peer_urls))
}

pub fn member_remove(id: &str) -> Request {
    Request::new(Method::DELETE, url::join(&["/v2/members", id]))
}

/// A members error body (`{"message": ...}`), or the status when the code is not one `allowed`.
pub fn member_result(resp: &Response, ok: u16, allowed: &[u16]) -> Result<(), Error> {
    if resp.status == ok {
        return Ok(());
    }
    if !allowed.contains(&resp.status) {
        return Err(unexpected(resp.status));
    }
    Err(message_error(&resp.body))
}

fn message_error(body: &[u8]) -> Error {
    #[derive(Deserialize)]
    struct Message {
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Message>(body) {
        Ok(m) => Error::other(m.message),
        Err(e) => bad_json(&e),
    }
}

/// An auth answer: `Ok` for the `ok` codes, the server's `message` otherwise.
pub fn auth_result(resp: &Response, ok: &[u16]) -> Result<(), Error> {
    if ok.contains(&resp.status) {
        Ok(())
    } else {
        Err(message_error(&resp.body))
    }
}

pub fn auth_path(action: &str, name: &str) -> String {
    url::join(&["/v2/auth", action, name])
}

pub fn users_list() -> Request {
    Request::new(Method::GET, auth_path("users", ""))
}

pub fn auth_enable(enable: bool) -> Request {
    let method = if enable { Method::PUT } else { Method::DELETE };
    Request::new(method, auth_path("enable", ""))
}

/// A user as `/v2/auth/users/NAME` returns it (roles as names or as role objects).
#[derive(Debug, Clone, Default)]
pub struct User {
    pub user: String,
    pub roles: Vec<String>,
}

pub fn parse_user(resp: &Response) -> Result<User, Error> {
    auth_result(resp, &[200])?;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum RoleRef {
        Name(String),
        Role { role: String },
    }
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        user: String,
        #[serde(default)]
        roles: Option<Vec<RoleRef>>,
    }
    let raw: Raw = serde_json::from_slice(&resp.body).map_err(|e| bad_json(&e))?;
    let refs = raw.roles.unwrap_or_default();
    // Go's client decodes role objects into `[]string` first: that fails but leaves one empty
    // name per role, and the names it then reads are appended after them.
    let mut roles: Vec<String> = Vec::new();
    if refs.iter().any(|r| matches!(r, RoleRef::Role { .. })) {
        roles.resize(refs.len(), String::new());
    }
    roles.extend(refs.into_iter().map(|r| match r {
        RoleRef::Name(n) | RoleRef::Role { role: n } => n,
    }));
    Ok(User {
        user: raw.user,
        roles,
    })
}

/// The names in a `/v2/auth/users` or `/v2/auth/roles` listing (`field` is `user` or `role`).
pub fn parse_names(resp: &Response, list: &str, field: &str) -> Result<Vec<String>, Error> {
    if list == "roles" && resp.status != 200 {
        return Err(unexpected(resp.status));
    }
    auth_result(resp, &[200])?;
    let value: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|e| bad_json(&e))?;
    Ok(value
        .get(list)
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    i.get(field)
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Go's `json.Marshal` of the client's `User` with the fields a request sets.
pub fn user_body(
    user: &str,
    password: Option<&str>,
    grant: &[String],
    revoke: &[String],
) -> String {
    let q = |s: &str| crate::go::json_string(s.as_bytes());
    let list = |items: &[String]| items.iter().map(|i| q(i)).collect::<Vec<_>>().join(",");
    let mut body = format!(r#"{{"user":{}"#, q(user));
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        body.push_str(&format!(r#","password":{}"#, q(p)));
    }
    body.push_str(r#","roles":null"#);
    if !grant.is_empty() {
        body.push_str(&format!(r#","grant":[{}]"#, list(grant)));
    }
    if !revoke.is_empty() {
        body.push_str(&format!(r#","revoke":[{}]"#, list(revoke)));
    }
    body.push('}');
    body
}

/// A role's key permissions.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Role {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub permissions: Permissions,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Permissions {
    #[serde(default)]
    pub kv: ReadWrite,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ReadWrite {
    #[serde(default)]
    pub read: Option<Vec<String>>,
    #[serde(default)]
    pub write: Option<Vec<String>>,
}

pub fn parse_role(resp: &Response) -> Result<Role, Error> {
    auth_result(resp, &[200])?;
    serde_json::from_slice(&resp.body).map_err(|e| bad_json(&e))
}

/// Which permissions a role grant or revoke names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    Read,
    Write,
    ReadWrite,
}

/// Go's `json.Marshal` of the client's `Role` for add (no change) or grant/revoke of `paths`.
pub fn role_body(role: &str, change: Option<(&str, Perm, &[String])>) -> String {
    let q = |s: &str| crate::go::json_string(s.as_bytes());
    let mut body = format!(
        r#"{{"role":{},"permissions":{{"kv":{{"read":null,"write":null}}}}"#,
        q(role)
    );
    if let Some((field, perm, paths)) = change {
        let list = format!(
            "[{}]",
            paths.iter().map(|p| q(p)).collect::<Vec<_>>().join(",")
        );
        let (read, write) = match perm {
            Perm::Read => (list.as_str(), "null"),
            Perm::Write => ("null", list.as_str()),
            Perm::ReadWrite => (list.as_str(), list.as_str()),
        };
        body.push_str(&format!(
            r#","{field}":{{"kv":{{"read":{read},"write":{write}}}}}"#
        ));
    }
    body.push('}');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_requests_carry_etcdctls_parameters() {
        let req = set(
            "foo",
            "bar",
            &SetOptions {
                prev_exist: Some(PrevExist::NoExist),
                ttl: 5,
                ..SetOptions::default()
            },
        );
        assert_eq!(req.path, "/v2/keys/foo");
        assert_eq!(req.query, "prevExist=false");
        assert_eq!(req.body.as_ref().unwrap().0, "ttl=5&value=bar");
        assert!(req.one_shot);
        let dir = set(
            "d",
            "",
            &SetOptions {
                dir: true,
                ..SetOptions::default()
            },
        );
        assert_eq!(
            (dir.query.as_str(), dir.body.unwrap().0.as_str()),
            ("dir=true", "")
        );
        assert_eq!(
            get("/a/", true, false, false).query,
            "quorum=false&recursive=true&sorted=false"
        );
    }

    #[test]
    fn auth_bodies_are_gos_json() {
        assert_eq!(
            user_body("u", Some("p"), &[], &[]),
            r#"{"user":"u","password":"p","roles":null}"#
        );
        assert_eq!(
            role_body("r", Some(("grant", Perm::Read, &["/foo/*".to_string()]))),
            r#"{"role":"r","permissions":{"kv":{"read":null,"write":null}},"grant":{"kv":{"read":["/foo/*"],"write":null}}}"#
        );
    }

    #[test]
    fn keys_errors_and_empty_bodies() {
        let resp = |status, body: &str| Response {
            status,
            index: Some(7),
            body: body.as_bytes().to_vec(),
        };
        let err = keys_response(&resp(
            404,
            r#"{"errorCode":100,"message":"Key not found","cause":"/k","index":7}"#,
        ))
        .unwrap_err();
        assert_eq!(err.to_string(), "100: Key not found (/k) [7]");
        assert_eq!(keys_response(&resp(200, "")).unwrap(), None);
        let ok = keys_response(&resp(200, r#"{"action":"get","node":{"key":"/k","value":"v","modifiedIndex":3,"createdIndex":3}}"#)).unwrap().unwrap();
        assert_eq!((ok.index, ok.node.unwrap().value.as_str()), (7, "v"));
    }
}
