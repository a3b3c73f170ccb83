//! `--decode=k8s`: Kubernetes objects as the API server stores them in etcd, shown as JSON or
//! YAML. Pure: bytes in, text out; the simple printer calls [`render`] for each value.
//!
//! The API server writes built-in objects as protobuf behind the 4-byte magic `k8s\0`: a
//! `runtime.Unknown` whose type meta names the apiVersion and kind and whose `raw` bytes are the
//! object. Custom resources it writes as JSON. Objects are read with the descriptors of the
//! Kubernetes API in proto/k8s/ (decoded on the first `--decode` only), and shown as the
//! API server's JSON shows them: `kind` and `apiVersion` first, then the fields in the API's
//! order, times as RFC 3339, quantities and int-or-strings as their text, embedded JSON
//! (managed fields, raw extensions) as JSON. Fields are those the stored bytes hold, so a zero
//! value the API server's own JSON would leave out (`"stdin": false`) shows too. YAML sorts keys,
//! as `kubectl -o yaml` (and auger) do.

use std::fmt;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor,
    ReflectMessage, Value,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// How `--decode` shows a Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Decode {
    /// Indented JSON, as etcdhelper and `kubectl get -o json` print it.
    #[value(name = "k8s")]
    Json,
    /// YAML with sorted keys, as auger and `kubectl get -o yaml` print it.
    #[value(name = "k8s-yaml")]
    Yaml,
}

/// What the API server puts before a protobuf-encoded object.
const MAGIC: &[u8] = b"k8s\0";

/// `value` shown as `decode` asks, ending in a newline; `None` when it is not a Kubernetes
/// object this build knows (it then prints as without `--decode`).
pub fn render(value: &[u8], decode: Decode) -> Option<Vec<u8>> {
    let object = match value.strip_prefix(MAGIC) {
        Some(unknown) => from_protobuf(unknown)?,
        None => from_json(value)?,
    };
    let mut out = match decode {
        Decode::Json => serde_json::to_vec_pretty(&object).ok()?,
        Decode::Yaml => serde_norway::to_string(&object.sorted()).ok()?.into_bytes(),
    };
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    Some(out)
}

/// A JSON object with a string `kind` and `apiVersion`, as the API server stores custom
/// resources; other JSON is some application's value, not ours to reformat.
fn from_json(value: &[u8]) -> Option<Node> {
    let object: Node = serde_json::from_slice(value).ok()?;
    let Node::Map(fields) = &object else {
        return None;
    };
    let is_string = |name: &str| {
        fields
            .iter()
            .any(|(k, v)| k == name && matches!(v, Node::Str(_)))
    };
    (is_string("kind") && is_string("apiVersion")).then_some(object)
}

fn from_protobuf(unknown: &[u8]) -> Option<Node> {
    let pool = pool()?;
    let unknown = DynamicMessage::decode(
        pool.get_message_by_name("apimachinery.pkg.runtime.Unknown")?,
        unknown,
    )
    .ok()?;
    let text = |msg: &DynamicMessage, name: &str| {
        msg.get_field_by_name(name)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    // Only the API server's own encoding: no compression, no other content type inside.
    if !text(&unknown, "contentEncoding").is_empty() {
        return None;
    }
    let type_meta = unknown.get_field_by_name("typeMeta")?.as_message()?.clone();
    let (api_version, kind) = (text(&type_meta, "apiVersion"), text(&type_meta, "kind"));
    let raw = unknown.get_field_by_name("raw")?.as_bytes()?.clone();
    let object = DynamicMessage::decode(message_for(pool, &api_version, &kind)?, raw).ok()?;
    let Node::Map(fields) = message(&object) else {
        return None;
    };
    let mut all = vec![
        ("kind".to_owned(), Node::Str(kind)),
        ("apiVersion".to_owned(), Node::Str(api_version)),
    ];
    all.extend(fields);
    Some(Node::Map(all))
}

/// The embedded descriptors of the Kubernetes API, decoded once.
fn pool() -> Option<&'static DescriptorPool> {
    static POOL: OnceLock<Option<DescriptorPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(&include_bytes!("../proto/k8s/descriptors.bin")[..]).ok()
    })
    .as_ref()
}

/// The message type of `kind` in `api_version` (`v1`, `apps/v1`, `rbac.authorization.k8s.io/v1`).
fn message_for(pool: &DescriptorPool, api_version: &str, kind: &str) -> Option<MessageDescriptor> {
    pool.get_message_by_name(&format!("{}.{kind}", package(api_version)?))
}

/// The protobuf package of an API group version. Groups live in `api.<first label>`, except
/// those served outside k8s.io/api.
fn package(api_version: &str) -> Option<String> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let package = match group {
        "" => "api.core",
        "apiextensions.k8s.io" => "apiextensions_apiserver.pkg.apis.apiextensions",
        "apiregistration.k8s.io" => "kube_aggregator.pkg.apis.apiregistration",
        "internal.apiserver.k8s.io" => "api.apiserverinternal",
        _ => return Some(format!("api.{}.{version}", group.split('.').next()?)),
    };
    Some(format!("{package}.{version}"))
}

/// A JSON value that keeps the order of its object members (serde_json's `Value` sorts them).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The same value with every object's members in key order, as Go's YAML has them.
    fn sorted(self) -> Node {
        match self {
            Node::List(items) => Node::List(items.into_iter().map(Node::sorted).collect()),
            Node::Map(mut members) => {
                members.sort_by(|a, b| a.0.cmp(&b.0));
                Node::Map(members.into_iter().map(|(k, v)| (k, v.sorted())).collect())
            }
            other => other,
        }
    }
}

/// A message as the API server's JSON has it; the apimachinery types with a JSON form of their
/// own (their `MarshalJSON`) are handled by name.
fn message(msg: &DynamicMessage) -> Node {
    let field = |name: &str| {
        msg.get_field_by_name(name)
            .filter(|_| has(msg, name))
            .map(|v| v.into_owned())
    };
    let name = msg.descriptor().full_name().to_owned();
    match name.as_str() {
        "apimachinery.pkg.apis.meta.v1.Time" => time(field("seconds"), None),
        "apimachinery.pkg.apis.meta.v1.MicroTime" => time(field("seconds"), micros(field("nanos"))),
        "apimachinery.pkg.apis.meta.v1.Duration" => match field("duration") {
            Some(v) => Node::Str(crate::go::signed_duration(v.as_i64().unwrap_or_default())),
            None => Node::Str("0s".into()),
        },
        "apimachinery.pkg.api.resource.Quantity" => Node::Str(
            field("string")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
        "apimachinery.pkg.util.intstr.IntOrString" => {
            if field("type").and_then(|v| v.as_i64()) == Some(1) {
                Node::Str(
                    field("strVal")
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                )
            } else {
                Node::Int(
                    field("intVal")
                        .and_then(|v| v.as_i32())
                        .unwrap_or_default()
                        .into(),
                )
            }
        }
        "apimachinery.pkg.runtime.RawExtension"
        | "apimachinery.pkg.apis.meta.v1.FieldsV1"
        | "apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON" => {
            let raw = msg
                .descriptor()
                .fields()
                .find(|f| f.name().eq_ignore_ascii_case("raw"))
                .and_then(|f| msg.has_field(&f).then(|| msg.get_field(&f).into_owned()));
            match raw.as_ref().and_then(Value::as_bytes) {
                Some(raw) => serde_json::from_slice(raw).unwrap_or_else(|_| bytes(raw)),
                None => Node::Null,
            }
        }
        // Go's `[]string` named types, which protobuf wraps in a message.
        _ if name.ends_with(".ExtraValue") || name.ends_with(".Verbs") => {
            field("items").map_or(Node::List(Vec::new()), |v| value(&v))
        }
        // apiextensions' "schema or ...": whichever of the two is set.
        _ if name.starts_with("apiextensions_apiserver.")
            && name.contains(".JSONSchemaPropsOr") =>
        {
            match msg.descriptor().fields().find(|f| msg.has_field(f)) {
                Some(f) => value(&msg.get_field(&f)),
                None => Node::Null,
            }
        }
        _ => {
            let mut members = Vec::new();
            for f in msg.descriptor().fields().filter(|f| msg.has_field(f)) {
                match value(&msg.get_field(&f)) {
                    Node::Map(inner) if is_inline(&f) => members.extend(inner),
                    node => members.push((f.name().to_owned(), node)),
                }
            }
            Node::Map(members)
        }
    }
}

/// Go structs embedded with `json:",inline"`, whose fields JSON lifts into the outer object;
/// protobuf keeps them as a field of their own, named after the type (`handler` for Probe's
/// ProbeHandler, from before its rename). The list is every field named after its type that is
/// embedded in the Go types; the others so named (`securityContext`, `podAffinityTerm`) are not.
fn is_inline(field: &FieldDescriptor) -> bool {
    const INLINE: &[(&str, &str)] = &[
        ("localObjectReference", "LocalObjectReference"),
        ("volumeSource", "VolumeSource"),
        ("persistentVolumeSource", "PersistentVolumeSource"),
        ("handler", "ProbeHandler"),
        ("ephemeralContainerCommon", "EphemeralContainerCommon"),
        ("ingressRuleValue", "IngressRuleValue"),
        ("deviceConfiguration", "DeviceConfiguration"),
        ("rule", "Rule"),
        ("ruleWithOperations", "RuleWithOperations"),
    ];
    let Kind::Message(of) = field.kind() else {
        return false;
    };
    INLINE.contains(&(field.name(), of.name()))
}

fn has(msg: &DynamicMessage, name: &str) -> bool {
    msg.descriptor()
        .get_field_by_name(name)
        .is_some_and(|f| msg.has_field(&f))
}

fn value(v: &Value) -> Node {
    match v {
        Value::Bool(b) => Node::Bool(*b),
        Value::I32(n) => Node::Int((*n).into()),
        Value::I64(n) => Node::Int(*n),
        Value::U32(n) => Node::Uint((*n).into()),
        Value::U64(n) => Node::Uint(*n),
        Value::F32(n) => Node::Float((*n).into()),
        Value::F64(n) => Node::Float(*n),
        Value::String(s) => Node::Str(s.clone()),
        Value::Bytes(b) => bytes(b),
        Value::EnumNumber(n) => Node::Int((*n).into()),
        Value::Message(m) => message(m),
        Value::List(items) => Node::List(items.iter().map(value).collect()),
        // Go's encoding/json writes map keys in order.
        Value::Map(entries) => {
            let mut members: Vec<(String, Node)> = entries
                .iter()
                .map(|(k, v)| (map_key(k), value(v)))
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Node::Map(members)
        }
    }
}

fn map_key(key: &MapKey) -> String {
    match key {
        MapKey::String(s) => s.clone(),
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
    }
}

/// Go's `[]byte` in JSON: padded base64.
fn bytes(b: &[u8]) -> Node {
    Node::Str(STANDARD.encode(b))
}

/// `metav1.Time` (whole seconds) and `MicroTime` in UTC; an unset time is Go's zero time, which
/// its JSON writes as `null`.
fn time(seconds: Option<Value>, micros: Option<u32>) -> Node {
    let Some(seconds) = seconds.and_then(|v| v.as_i64()) else {
        return Node::Null;
    };
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = crate::go::civil_from_days(days);
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if let Some(micros) = micros {
        text.push_str(&format!(".{micros:06}"));
    }
    text.push('Z');
    Node::Str(text)
}

/// `MicroTime`'s fraction: always six digits, even when zero.
fn micros(nanos: Option<Value>) -> Option<u32> {
    Some(nanos.and_then(|v| v.as_i32()).unwrap_or_default().max(0) as u32 / 1000)
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(n) => s.serialize_i64(*n),
            Node::Uint(n) => s.serialize_u64(*n),
            Node::Float(n) => s.serialize_f64(*n),
            Node::Str(text) => s.serialize_str(text),
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                items
                    .iter()
                    .try_for_each(|item| seq.serialize_element(item))?;
                seq.end()
            }
            Node::Map(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                members
                    .iter()
                    .try_for_each(|(k, v)| map.serialize_entry(k, v))?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Uint(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
        Ok(Node::Float(n))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Node::Map(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_map_to_packages() {
        assert_eq!(package("v1").as_deref(), Some("api.core.v1"));
        assert_eq!(package("apps/v1").as_deref(), Some("api.apps.v1"));
        assert_eq!(
            package("rbac.authorization.k8s.io/v1").as_deref(),
            Some("api.rbac.v1")
        );
        let pool = pool().expect("the embedded descriptors decode");
        for (api_version, kind) in [
            ("v1", "Pod"),
            ("v1", "Secret"),
            ("apps/v1", "Deployment"),
            ("coordination.k8s.io/v1", "Lease"),
            ("networking.k8s.io/v1", "Ingress"),
            ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
            ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
            ("apiregistration.k8s.io/v1", "APIService"),
            ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"),
            ("internal.apiserver.k8s.io/v1alpha1", "StorageVersion"),
        ] {
            assert!(
                message_for(pool, api_version, kind).is_some(),
                "{api_version} {kind}"
            );
        }
        assert!(message_for(pool, "example.com/v1", "Widget").is_none());
    }

    #[test]
    fn times_print_as_go_does() {
        assert_eq!(
            time(Some(Value::I64(0)), None),
            Node::Str("1970-01-01T00:00:00Z".into())
        );
        assert_eq!(
            time(
                Some(Value::I64(1_709_294_400)),
                micros(Some(Value::I32(1_500)))
            ),
            Node::Str("2024-03-01T12:00:00.000001Z".into())
        );
        assert_eq!(
            time(Some(Value::I64(-86_400)), None),
            Node::Str("1969-12-31T00:00:00Z".into())
        );
        assert_eq!(time(None, None), Node::Null);
        assert_eq!(crate::go::signed_duration(90_000_000_000), "1m30s");
        assert_eq!(crate::go::signed_duration(-1_000_000), "-1ms");
    }

    #[test]
    fn json_objects_keep_their_order_and_other_values_are_left_alone() {
        let crd =
            br#"{"kind":"Widget","apiVersion":"example.com/v1","spec":{"z":1,"a":[true,null]}}"#;
        let json = render(crd, Decode::Json).unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            "{\n  \"kind\": \"Widget\",\n  \"apiVersion\": \"example.com/v1\",\n  \"spec\": {\n    \"z\": 1,\n    \"a\": [\n      true,\n      null\n    ]\n  }\n}\n"
        );
        let yaml = render(crd, Decode::Yaml).unwrap();
        assert_eq!(
            String::from_utf8(yaml).unwrap(),
            "apiVersion: example.com/v1\nkind: Widget\nspec:\n  a:\n  - true\n  - null\n  z: 1\n"
        );
        for other in [
            &b"hello"[..],
            br#"{"kind":"Widget"}"#,
            br#"{"kind":1,"apiVersion":"v1"}"#,
            b"k8s\0\x0a\x03not",
            b"k8s\0",
        ] {
            assert_eq!(render(other, Decode::Json), None, "{other:?}");
        }
    }
}
