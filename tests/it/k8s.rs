//! `get --decode=k8s` and `watch --decode=k8s` against real etcd holding what an API server
//! would store: built-in objects encoded by the k8s-pb crate (prost, independent of the
//! descriptors ectl decodes with) behind the `k8s\0` envelope, a custom resource as JSON, and
//! values that are no Kubernetes object. Outputs are parsed and compared field by field; without
//! `--decode` every byte must still be etcdctl's.

use std::collections::BTreeMap;

use k8s_pb::api::core::v1 as core;
use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;
use prost::Message;
use serde_json::{Value, json};

use crate::support::Etcd;

const POD: &str = "/registry/pods/default/web";
const CONFIG_MAP: &str = "/registry/configmaps/default/settings";
const SECRET: &str = "/registry/secrets/default/token";
const WIDGET: &str = "/registry/example.com/widgets/default/w1";
const PLAIN: &str = "/registry/plain";
const APP_JSON: &str = "/registry/app-json";
/// The kind named in the envelope is unknown to the Kubernetes API.
const ODD_KIND: &str = "/registry/odd";

/// 2024-03-01T12:00:00Z
const CREATED: i64 = 1_709_294_400;

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

fn metadata(name: &str) -> Option<meta::ObjectMeta> {
    Some(meta::ObjectMeta {
        name: s(name),
        namespace: s("default"),
        uid: s("0a1b2c3d"),
        resource_version: s("42"),
        creation_timestamp: Some(meta::Time {
            seconds: Some(CREATED),
            nanos: None,
        }),
        labels: BTreeMap::from([("app".to_owned(), "web".to_owned())]),
        ..Default::default()
    })
}

/// What the API server writes: the magic, then a runtime.Unknown around the object.
fn envelope(api_version: &str, kind: &str, object: &impl Message) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s(api_version),
            kind: s(kind),
        }),
        raw: Some(object.encode_to_vec()),
        content_encoding: s(""),
        content_type: s(""),
    };
    [b"k8s\0".as_slice(), &unknown.encode_to_vec()].concat()
}

fn pod() -> core::Pod {
    let mut metadata = metadata("web");
    metadata.as_mut().unwrap().managed_fields = vec![meta::ManagedFieldsEntry {
        manager: s("kubectl"),
        operation: s("Apply"),
        fields_type: s("FieldsV1"),
        fields_v1: Some(meta::FieldsV1 {
            raw: Some(br#"{"f:spec":{"f:containers":{}}}"#.to_vec()),
        }),
        ..Default::default()
    }];
    core::Pod {
        metadata,
        spec: Some(core::PodSpec {
            containers: vec![core::Container {
                name: s("web"),
                image: s("nginx:1.27"),
                ports: vec![core::ContainerPort {
                    container_port: Some(8080),
                    protocol: s("TCP"),
                    ..Default::default()
                }],
                resources: Some(core::ResourceRequirements {
                    limits: BTreeMap::from([("cpu".to_owned(), Quantity { string: s("500m") })]),
                    ..Default::default()
                }),
                liveness_probe: Some(core::Probe {
                    handler: Some(core::ProbeHandler {
                        http_get: Some(core::HttpGetAction {
                            path: s("/healthz"),
                            port: Some(IntOrString {
                                r#type: Some(0),
                                int_val: Some(8080),
                                str_val: None,
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                env: vec![core::EnvVar {
                    name: s("PASSWORD"),
                    value_from: Some(core::EnvVarSource {
                        secret_key_ref: Some(core::SecretKeySelector {
                            local_object_reference: Some(core::LocalObjectReference {
                                name: s("token"),
                            }),
                            key: s("password"),
                            optional: Some(false),
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            volumes: vec![core::Volume {
                name: s("config"),
                volume_source: Some(core::VolumeSource {
                    config_map: Some(core::ConfigMapVolumeSource {
                        local_object_reference: Some(core::LocalObjectReference {
                            name: s("settings"),
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            }],
            node_name: s("node-1"),
            ..Default::default()
        }),
        status: Some(core::PodStatus {
            phase: s("Running"),
            pod_ip: s("10.0.0.7"),
            ..Default::default()
        }),
    }
}

fn config_map() -> core::ConfigMap {
    core::ConfigMap {
        metadata: metadata("settings"),
        data: BTreeMap::from([
            ("mode".to_owned(), "fast".to_owned()),
            ("script".to_owned(), "echo one\necho two\n".to_owned()),
        ]),
        ..Default::default()
    }
}

fn secret() -> core::Secret {
    core::Secret {
        metadata: metadata("token"),
        data: BTreeMap::from([("password".to_owned(), b"s3cr3t\0".to_vec())]),
        r#type: s("Opaque"),
        ..Default::default()
    }
}

const WIDGET_JSON: &str = r#"{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1","namespace":"default"},"spec":{"size":3,"colors":["red","blue"]}}"#;

/// An etcd holding every kind of value the tests read, written with etcdctl (from stdin, so
/// NUL bytes go in as they are).
fn loaded() -> Etcd {
    let etcd = Etcd::single();
    let values: [(&str, Vec<u8>); 7] = [
        (POD, envelope("v1", "Pod", &pod())),
        (CONFIG_MAP, envelope("v1", "ConfigMap", &config_map())),
        (SECRET, envelope("v1", "Secret", &secret())),
        (WIDGET, WIDGET_JSON.into()),
        (PLAIN, b"just bytes \xff\0 here".to_vec()),
        (APP_JSON, br#"{"feature":"on"}"#.to_vec()),
        (
            ODD_KIND,
            envelope("example.com/v1", "Gadget", &config_map()),
        ),
    ];
    for (key, value) in values {
        etcd.etcdctl()
            .args(["put", key])
            .stdin(value)
            .run()
            .assert_ok();
    }
    etcd
}

/// What `get KEY --decode=DECODE --print-value-only` prints.
fn decoded(etcd: &Etcd, key: &str, decode: &str) -> String {
    let out = etcd
        .ectl()
        .args([
            "get",
            key,
            &format!("--decode={decode}"),
            "--print-value-only",
        ])
        .run();
    out.assert_ok();
    out.stdout_str()
}

fn decoded_json(etcd: &Etcd, key: &str) -> Value {
    let text = decoded(etcd, key, "k8s");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{key}: {e}\n{text}"))
}

fn decoded_yaml(etcd: &Etcd, key: &str) -> Value {
    let text = decoded(etcd, key, "k8s-yaml");
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{key}: {e}\n{text}"))
}

#[test]
fn built_in_objects_decode_to_their_api_json_and_yaml() {
    let etcd = loaded();
    for decoded in [decoded_json(&etcd, POD), decoded_yaml(&etcd, POD)] {
        assert_eq!(decoded["kind"], "Pod");
        assert_eq!(decoded["apiVersion"], "v1");
        let metadata = &decoded["metadata"];
        assert_eq!(metadata["name"], "web");
        assert_eq!(metadata["namespace"], "default");
        assert_eq!(metadata["uid"], "0a1b2c3d");
        assert_eq!(metadata["resourceVersion"], "42");
        assert_eq!(metadata["creationTimestamp"], "2024-03-01T12:00:00Z");
        assert_eq!(metadata["labels"], json!({"app": "web"}));
        let managed = &metadata["managedFields"][0];
        assert_eq!(managed["manager"], "kubectl");
        assert_eq!(managed["fieldsV1"], json!({"f:spec": {"f:containers": {}}}));
        let container = &decoded["spec"]["containers"][0];
        assert_eq!(container["name"], "web");
        assert_eq!(container["image"], "nginx:1.27");
        assert_eq!(
            container["ports"],
            json!([{"containerPort": 8080, "protocol": "TCP"}])
        );
        assert_eq!(container["resources"]["limits"], json!({"cpu": "500m"}));
        assert_eq!(
            container["livenessProbe"]["httpGet"],
            json!({"path": "/healthz", "port": 8080})
        );
        // Embedded Go structs (ProbeHandler above, LocalObjectReference, VolumeSource) are
        // inlined, and a false that was stored shows.
        assert_eq!(
            container["env"],
            json!([{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {
                "name": "token", "key": "password", "optional": false}}}])
        );
        assert_eq!(
            decoded["spec"]["volumes"],
            json!([{"name": "config", "configMap": {"name": "settings"}}])
        );
        assert_eq!(decoded["spec"]["nodeName"], "node-1");
        assert_eq!(
            decoded["status"],
            json!({"phase": "Running", "podIP": "10.0.0.7"})
        );
    }

    for decoded in [
        decoded_json(&etcd, CONFIG_MAP),
        decoded_yaml(&etcd, CONFIG_MAP),
    ] {
        assert_eq!(decoded["kind"], "ConfigMap");
        assert_eq!(decoded["metadata"]["name"], "settings");
        assert_eq!(
            decoded["data"],
            json!({"mode": "fast", "script": "echo one\necho two\n"})
        );
    }

    for decoded in [decoded_json(&etcd, SECRET), decoded_yaml(&etcd, SECRET)] {
        assert_eq!(decoded["kind"], "Secret");
        assert_eq!(decoded["type"], "Opaque");
        // Bytes are base64, as in the API server's JSON.
        assert_eq!(decoded["data"], json!({"password": "czNjcjN0AA=="}));
    }
}

#[test]
fn json_prints_in_api_order_and_yaml_sorted() {
    let etcd = loaded();
    let json = decoded(&etcd, POD, "k8s");
    assert!(
        json.starts_with("{\n  \"kind\": \"Pod\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {\n"),
        "{json}"
    );
    let yaml = decoded(&etcd, POD, "k8s-yaml");
    assert!(
        yaml.starts_with("apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp:"),
        "{yaml}"
    );
}

#[test]
fn custom_resources_stored_as_json_pass_through() {
    let etcd = loaded();
    let stored: Value = serde_json::from_str(WIDGET_JSON).unwrap();
    assert_eq!(decoded_json(&etcd, WIDGET), stored);
    assert_eq!(decoded_yaml(&etcd, WIDGET), stored);
    // The stored order stays in JSON.
    let json = decoded(&etcd, WIDGET, "k8s");
    assert!(
        json.starts_with("{\n  \"apiVersion\": \"example.com/v1\",\n  \"kind\""),
        "{json}"
    );
}

#[test]
fn other_values_print_as_without_decode() {
    let etcd = loaded();
    for key in [PLAIN, APP_JSON, ODD_KIND] {
        let plain = etcd.ectl().args(["get", key]).run();
        plain.assert_ok();
        for decode in ["--decode=k8s", "--decode=k8s-yaml"] {
            let decoded = etcd.ectl().args(["get", key, decode]).run();
            decoded.assert_ok();
            assert_eq!(
                decoded.stdout.escape_ascii().to_string(),
                plain.stdout.escape_ascii().to_string(),
                "{key} {decode}"
            );
        }
    }
}

#[test]
fn a_range_prints_each_key_then_its_object() {
    let etcd = loaded();
    let out = etcd
        .ectl()
        .args(["get", "/registry/", "--prefix", "--decode=k8s-yaml"])
        .run();
    out.assert_ok();
    let text = out.stdout_str();
    // Keys in order, each followed by its value: YAML for the objects, bytes for the rest.
    let configmap = text
        .find(&format!("{CONFIG_MAP}\napiVersion: v1\n"))
        .expect(&text);
    let widget = text
        .find(&format!("{WIDGET}\napiVersion: example.com/v1\n"))
        .expect(&text);
    let plain = text.find(&format!("{PLAIN}\njust bytes")).expect(&text);
    let pod = text
        .find(&format!("{POD}\napiVersion: v1\nkind: Pod\n"))
        .expect(&text);
    assert!(
        configmap < widget && widget < plain && plain < pod,
        "{text}"
    );
}

#[test]
fn decode_is_only_for_the_simple_format() {
    let etcd = loaded();
    for args in [
        &["get", POD, "--decode=k8s", "-w", "json"][..],
        &["watch", POD, "--decode=k8s", "-w", "fields"],
    ] {
        let out = etcd.ectl().args(args).run();
        out.assert_code(128);
        assert!(
            out.stderr_str()
                .contains("--decode is only for `--write-out=simple`"),
            "{}",
            out.stderr_str()
        );
    }
    let out = etcd.ectl().args(["get", POD, "--decode=xml"]).run();
    out.assert_code(128);
}

#[test]
fn without_decode_get_is_etcdctls_byte_for_byte() {
    let etcd = loaded();
    for args in [
        &["get", "/registry/", "--prefix"][..],
        &["get", "/registry/", "--prefix", "-w", "json"],
        &["get", POD, "--print-value-only"],
        &["get", SECRET, "--hex"],
    ] {
        let ours = etcd.ectl().args(args).run();
        let reference = etcd.etcdctl().args(args).run();
        ours.assert_ok();
        reference.assert_ok();
        assert_eq!(
            ours.stdout.escape_ascii().to_string(),
            reference.stdout.escape_ascii().to_string(),
            "{args:?}"
        );
    }
}

#[test]
fn watch_prints_decoded_events() {
    let etcd = Etcd::single();
    let watch = etcd
        .ectl()
        .args(["watch", "--prefix", "/registry/", "--decode=k8s"])
        .timeout(std::time::Duration::from_secs(20))
        .spawn();
    // The watch is created once the first write shows; until then, writes may come too early.
    let mut marker = 0;
    while !String::from_utf8_lossy(&watch.stdout_so_far()).contains("/registry/marker") {
        marker += 1;
        etcd.etcdctl()
            .args(["put", "/registry/marker", &marker.to_string()])
            .run()
            .assert_ok();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    etcd.etcdctl()
        .args(["put", CONFIG_MAP])
        .stdin(envelope("v1", "ConfigMap", &config_map()))
        .run()
        .assert_ok();
    etcd.etcdctl().args(["del", CONFIG_MAP]).run().assert_ok();
    watch.wait_for_stdout(&format!("DELETE\n{CONFIG_MAP}\n"));
    watch.interrupt();
    let out = watch.wait();
    let text = out.stdout_str();
    let put = format!("PUT\n{CONFIG_MAP}\n");
    let start = text.find(&put).expect(&text) + put.len();
    let end = text.find("DELETE\n").expect(&text);
    let decoded: Value = serde_json::from_str(&text[start..end]).expect(&text);
    assert_eq!(decoded["kind"], "ConfigMap");
    assert_eq!(decoded["metadata"]["name"], "settings");
    assert_eq!(decoded["data"]["mode"], "fast");
    // A delete carries an empty value, which prints as the empty line it is.
    assert!(
        text.ends_with(&format!("DELETE\n{CONFIG_MAP}\n\n")),
        "{text}"
    );
}
