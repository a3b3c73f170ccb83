//! v2 printers: `-o simple|extended|json` for keys responses, byte for byte as etcdctl's
//! `printResponseKey`, and `ls`'s listing. Printers write to the writer they are given and
//! nothing else; an unknown format is reported back for the caller to put on stderr.

use std::io::{self, Write};

use super::api::{KeysResponse, Node};
use crate::go::json_string as go_json_string;

/// `-o` as given; anything but the three formats prints nothing (etcdctl says so on stderr
/// after the request was made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Simple,
    Extended,
    Json,
    Unsupported,
}

impl Format {
    pub fn parse(s: &str) -> Format {
        match s {
            "simple" => Format::Simple,
            "extended" => Format::Extended,
            "json" => Format::Json,
            _ => Format::Unsupported,
        }
    }
}

/// What printing a response could not do.
#[derive(Debug, PartialEq, Eq)]
pub enum Printed {
    Done,
    /// The format is not one etcdctl knows: `Unsupported output format: X` belongs on stderr.
    UnsupportedFormat,
}

/// etcdctl's `printResponseKey`.
pub fn print_response(
    out: &mut dyn Write,
    resp: &KeysResponse,
    format: Format,
) -> io::Result<Printed> {
    let empty = Node::default();
    let node = resp.node.as_ref().unwrap_or(&empty);
    match format {
        Format::Simple => {
            if resp.action != "delete" {
                out.write_all(node.value.as_bytes())?;
                out.write_all(b"\n")?;
            } else {
                let prev = resp.prev_node.as_ref().unwrap_or(&empty);
                writeln!(out, "PrevNode.Value: {}", prev.value)?;
            }
        }
        Format::Extended => {
            writeln!(out, "Key: {}", node.key)?;
            writeln!(out, "Created-Index: {}", node.created_index)?;
            writeln!(out, "Modified-Index: {}", node.modified_index)?;
            if let Some(prev) = &resp.prev_node {
                writeln!(out, "PrevNode.Value: {}", prev.value)?;
            }
            writeln!(out, "TTL: {}", node.ttl)?;
            writeln!(out, "Index: {}", resp.index)?;
            if resp.action != "delete" {
                writeln!(out)?;
                writeln!(out, "{}", node.value)?;
            }
        }
        Format::Json => {
            let mut s = String::with_capacity(128);
            s.push_str(r#"{"action":"#);
            s.push_str(&go_json_string(resp.action.as_bytes()));
            s.push_str(r#","node":"#);
            node_json(&mut s, resp.node.as_ref());
            s.push_str(r#","prevNode":"#);
            node_json(&mut s, resp.prev_node.as_ref());
            s.push_str("}\n");
            out.write_all(s.as_bytes())?;
        }
        Format::Unsupported => return Ok(Printed::UnsupportedFormat),
    }
    Ok(Printed::Done)
}

/// Go's `json.Marshal` of the client's `*Node`: `dir`, `expiration` and `ttl` omitted when
/// empty, `nodes` null when absent.
fn node_json(s: &mut String, node: Option<&Node>) {
    let Some(node) = node else {
        s.push_str("null");
        return;
    };
    s.push_str(r#"{"key":"#);
    s.push_str(&go_json_string(node.key.as_bytes()));
    if node.dir {
        s.push_str(r#","dir":true"#);
    }
    s.push_str(r#","value":"#);
    s.push_str(&go_json_string(node.value.as_bytes()));
    s.push_str(r#","nodes":"#);
    match &node.nodes {
        None => s.push_str("null"),
        Some(nodes) => {
            s.push('[');
            for (i, child) in nodes.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                node_json(s, Some(child));
            }
            s.push(']');
        }
    }
    s.push_str(&format!(
        r#","createdIndex":{},"modifiedIndex":{}"#,
        node.created_index, node.modified_index
    ));
    if let Some(exp) = &node.expiration {
        s.push_str(r#","expiration":"#);
        s.push_str(&go_json_string(exp.as_bytes()));
    }
    if node.ttl != 0 {
        s.push_str(&format!(r#","ttl":{}"#, node.ttl));
    }
    s.push('}');
}

/// `ls`: in simple format the key itself unless it is a directory, then every child key
/// (`-p` marks directories with `/`); other formats print the whole response.
pub fn print_ls(
    out: &mut dyn Write,
    resp: &KeysResponse,
    format: Format,
    slash_dirs: bool,
) -> io::Result<Printed> {
    if format != Format::Simple {
        return print_response(out, resp, format);
    }
    let Some(node) = &resp.node else {
        return Ok(Printed::Done);
    };
    if !node.dir {
        writeln!(out, "{}", node.key)?;
    }
    for child in node.nodes.iter().flatten() {
        print_tree(out, child, slash_dirs)?;
    }
    Ok(Printed::Done)
}

fn print_tree(out: &mut dyn Write, node: &Node, slash_dirs: bool) -> io::Result<()> {
    if node.dir && slash_dirs {
        writeln!(out, "{}/", node.key)?;
    } else {
        writeln!(out, "{}", node.key)?;
    }
    for child in node.nodes.iter().flatten() {
        print_tree(out, child, slash_dirs)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(action: &str, node: Node, prev: Option<Node>) -> KeysResponse {
        KeysResponse {
            action: action.into(),
            node: Some(node),
            prev_node: prev,
            index: 9,
        }
    }

    fn printed(r: &KeysResponse, f: Format) -> String {
        let mut buf = Vec::new();
        print_response(&mut buf, r, f).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats_match_etcdctl() {
        let node = Node {
            key: "/a<b".into(),
            value: "v".into(),
            created_index: 4,
            modified_index: 5,
            ttl: 10,
            expiration: Some("2026-01-01T00:00:00.5Z".into()),
            ..Node::default()
        };
        let prev = Node {
            key: "/a<b".into(),
            value: "old".into(),
            created_index: 4,
            modified_index: 4,
            ..Node::default()
        };
        let set = resp("set", node.clone(), Some(prev.clone()));
        assert_eq!(printed(&set, Format::Simple), "v\n");
        assert_eq!(
            printed(&set, Format::Extended),
            "Key: /a<b\nCreated-Index: 4\nModified-Index: 5\nPrevNode.Value: old\nTTL: 10\nIndex: 9\n\nv\n"
        );
        assert_eq!(
            printed(&set, Format::Json),
            concat!(
                r#"{"action":"set","node":{"key":"/a\u003cb","value":"v","nodes":null,"createdIndex":4,"#,
                r#""modifiedIndex":5,"expiration":"2026-01-01T00:00:00.5Z","ttl":10},"prevNode":{"key":"/a\u003cb","#,
                r#""value":"old","nodes":null,"createdIndex":4,"modifiedIndex":4}}"#,
                "\n"
            )
        );
        let del = resp("delete", prev.clone(), Some(prev));
        assert_eq!(printed(&del, Format::Simple), "PrevNode.Value: old\n");
        let mut buf = Vec::new();
        assert_eq!(
            print_response(&mut buf, &del, Format::Unsupported).unwrap(),
            Printed::UnsupportedFormat
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn ls_walks_the_tree() {
        let leaf = |k: &str| Node {
            key: k.into(),
            ..Node::default()
        };
        let dir = Node {
            key: "/d".into(),
            dir: true,
            nodes: Some(vec![leaf("/d/x")]),
            ..Node::default()
        };
        let root = Node {
            key: "".into(),
            dir: true,
            nodes: Some(vec![dir, leaf("/k")]),
            ..Node::default()
        };
        let r = resp("get", root, None);
        let mut buf = Vec::new();
        print_ls(&mut buf, &r, Format::Simple, true).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "/d/\n/d/x\n/k\n");
    }
}
