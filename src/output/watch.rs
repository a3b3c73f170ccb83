//! How every format prints a watch response, as etcdctl 3.4's printers print clientv3's
//! `WatchResponse`: the events of one server response, its header, compact revision and flags.
//!
//! etcdctl also prints one response etcd never sent: when the client gives up on a watch (the
//! server refused to create it, or the stream failed for good) it hands on a canceled response
//! with an empty header and no events, which [`WatchPrinter::watch_closed`] prints.
//! etcdctl's table printer has no watch method; [`Format::supports`](super::Format::supports)
//! refuses `-w table` before the watch starts.

use std::io;

use super::fields::FieldsPrinter;
use super::json::{JsonPrinter, Object, kv};
use super::simple::SimplePrinter;
use super::{Fallback, ResponseKind};
use crate::pb::etcdserverpb::{ResponseHeader, WatchResponse};
use crate::pb::mvccpb::Event;
use crate::pb::mvccpb::event::EventType;

pub trait WatchPrinter: Fallback {
    /// One response of the watch stream (events, a progress notification, or a cancellation).
    fn watch(&mut self, resp: &WatchResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Watch, Some(&pb_watch(resp)))
    }
    /// The canceled response clientv3 makes up when a watch ends without a server response.
    fn watch_closed(&mut self) -> io::Result<()> {
        self.fallback(ResponseKind::Watch, Some(&pb_watch(&closed())))
    }
}

/// The event type as Go's `String()` of `mvccpb.Event_EventType` spells it.
pub fn event_type_name(event: &Event) -> String {
    match EventType::try_from(event.r#type) {
        Ok(EventType::Put) => "PUT".into(),
        Ok(EventType::Delete) => "DELETE".into(),
        Err(_) => event.r#type.to_string(),
    }
}

impl WatchPrinter for SimplePrinter<'_> {
    fn watch(&mut self, resp: &WatchResponse) -> io::Result<()> {
        for event in &resp.events {
            writeln!(self.out, "{}", event_type_name(event))?;
            if let Some(prev) = &event.prev_kv {
                self.kv(prev)?;
            }
            self.kv(event.kv.as_ref().unwrap_or(&Default::default()))?;
        }
        Ok(())
    }

    fn watch_closed(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl WatchPrinter for FieldsPrinter<'_> {
    fn watch(&mut self, resp: &WatchResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        for event in &resp.events {
            writeln!(self.out, "\"Type\" : {}", event_type_name(event))?;
            if let Some(prev) = &event.prev_kv {
                self.kv("Prev", prev)?;
            }
            self.kv("", event.kv.as_ref().unwrap_or(&Default::default()))?;
        }
        Ok(())
    }

    fn watch_closed(&mut self) -> io::Result<()> {
        self.hdr(None)
    }
}

/// clientv3's `WatchResponse` struct through `encoding/json`: Go field names (no json tags, so
/// nothing is omitted at this level), the header and events with etcd's own tags. `events` is
/// `None` for Go's nil slice (`null`), as in the made-up canceled response.
fn json_watch(
    o: &mut Object,
    header: &ResponseHeader,
    events: Option<&[Event]>,
    resp: &WatchResponse,
) {
    o.object("Header", |o| {
        o.scalar("cluster_id", header.cluster_id);
        o.scalar("member_id", header.member_id);
        o.scalar("revision", header.revision);
        o.scalar("raft_term", header.raft_term);
    });
    match events {
        None => o.raw("Events", "null"),
        Some([]) => o.raw("Events", "[]"),
        Some(events) => o.list("Events", events, |o, event| {
            o.scalar("type", event.r#type);
            if let Some(kv_) = &event.kv {
                o.object("kv", |o| kv(o, kv_));
            }
            if let Some(prev) = &event.prev_kv {
                o.object("prev_kv", |o| kv(o, prev));
            }
        }),
    }
    o.raw("CompactRevision", &resp.compact_revision.to_string());
    o.raw("Canceled", if resp.canceled { "true" } else { "false" });
    o.raw("Created", if resp.created { "true" } else { "false" });
}

impl WatchPrinter for JsonPrinter<'_> {
    fn watch(&mut self, resp: &WatchResponse) -> io::Result<()> {
        let header = resp.header.unwrap_or_default();
        self.print(|o| json_watch(o, &header, Some(&resp.events), resp))
    }

    fn watch_closed(&mut self) -> io::Result<()> {
        let resp = closed();
        self.print(|o| json_watch(o, &ResponseHeader::default(), None, &resp))
    }
}

/// etcdctl rebuilds the response from clientv3's struct, so the watch id, fragment flag and
/// cancel reason are not printed.
fn pb_watch(resp: &WatchResponse) -> WatchResponse {
    WatchResponse {
        header: Some(resp.header.unwrap_or_default()),
        events: resp.events.clone(),
        compact_revision: resp.compact_revision,
        canceled: resp.canceled,
        created: resp.created,
        ..Default::default()
    }
}

/// The made-up response behind [`WatchPrinter::watch_closed`].
fn closed() -> WatchResponse {
    WatchResponse {
        header: Some(ResponseHeader::default()),
        canceled: true,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    // Expected bytes are what etcdctl 3.4.23 printed for these responses.
    use crate::output::{Format, PrintOptions, printer};
    use crate::pb::etcdserverpb::{ResponseHeader, WatchResponse};
    use crate::pb::mvccpb::{Event, KeyValue};

    fn render(format: Format, call: impl FnOnce(&mut dyn super::super::Printer)) -> String {
        let mut out = Vec::new();
        call(&mut *printer(format, PrintOptions::default(), &mut out));
        String::from_utf8(out).unwrap()
    }

    fn header(revision: i64) -> Option<ResponseHeader> {
        Some(ResponseHeader {
            cluster_id: 15118495548433857066,
            member_id: 13668033151171901709,
            revision,
            raft_term: 2,
        })
    }

    /// `watch a --rev 1 --prev-kv` after `put a 1`, `put a 2`, `del a`.
    fn history() -> WatchResponse {
        let kv = |mod_revision, version, value: &[u8]| KeyValue {
            key: b"a".to_vec(),
            create_revision: if version > 0 { 2 } else { 0 },
            mod_revision,
            version,
            value: value.to_vec(),
            lease: 0,
        };
        WatchResponse {
            header: header(5),
            watch_id: 7,
            events: vec![
                Event {
                    r#type: 0,
                    kv: Some(kv(2, 1, b"1")),
                    prev_kv: None,
                },
                Event {
                    r#type: 0,
                    kv: Some(kv(3, 2, b"2")),
                    prev_kv: Some(kv(2, 1, b"1")),
                },
                Event {
                    r#type: 1,
                    kv: Some(kv(4, 0, b"")),
                    prev_kv: Some(kv(3, 2, b"2")),
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn simple_and_json() {
        let resp = history();
        assert_eq!(
            render(Format::Simple, |p| p.watch(&resp).unwrap()),
            "PUT\na\n1\nPUT\na\n1\na\n2\nDELETE\na\n2\na\n\n"
        );
        let json = concat!(
            r#"{"Header":{"cluster_id":15118495548433857066,"member_id":13668033151171901709,"#,
            r#""revision":5,"raft_term":2},"Events":[{"kv":{"key":"YQ==","create_revision":2,"#,
            r#""mod_revision":2,"version":1,"value":"MQ=="}},{"kv":{"key":"YQ==","#,
            r#""create_revision":2,"mod_revision":3,"version":2,"value":"Mg=="},"prev_kv":{"#,
            r#""key":"YQ==","create_revision":2,"mod_revision":2,"version":1,"value":"MQ=="}},"#,
            r#"{"type":1,"kv":{"key":"YQ==","mod_revision":4},"prev_kv":{"key":"YQ==","#,
            r#""create_revision":2,"mod_revision":3,"version":2,"value":"Mg=="}}],"#,
            r#""CompactRevision":0,"Canceled":false,"Created":false}"#,
            "\n"
        );
        assert_eq!(render(Format::Json, |p| p.watch(&resp).unwrap()), json);
    }

    #[test]
    fn compaction_and_made_up_cancellation() {
        let compacted = WatchResponse {
            header: Some(ResponseHeader {
                revision: 0,
                ..header(0).unwrap()
            }),
            canceled: true,
            compact_revision: 4,
            ..Default::default()
        };
        assert_eq!(
            render(Format::Json, |p| p.watch(&compacted).unwrap()),
            concat!(
                r#"{"Header":{"cluster_id":15118495548433857066,"member_id":13668033151171901709,"#,
                r#""raft_term":2},"Events":[],"CompactRevision":4,"Canceled":true,"Created":false}"#,
                "\n"
            )
        );
        assert_eq!(
            render(Format::Json, |p| p.watch_closed().unwrap()),
            "{\"Header\":{},\"Events\":null,\"CompactRevision\":0,\"Canceled\":true,\"Created\":false}\n"
        );
        assert_eq!(
            render(Format::Fields, |p| p.watch_closed().unwrap()),
            "\"ClusterID\" : 0\n\"MemberID\" : 0\n\"Revision\" : 0\n\"RaftTerm\" : 0\n"
        );
        let mut pb = Vec::new();
        printer(Format::Protobuf, PrintOptions::default(), &mut pb)
            .watch_closed()
            .unwrap();
        assert_eq!(pb, [0x0a, 0x00, 0x20, 0x01]);
        assert_eq!(render(Format::Simple, |p| p.watch_closed().unwrap()), "");
    }
}
