//! Printers for the key-value responses (get, put, del, txn), which every format but table
//! prints: the simple format's lines, JSON through Go's `encoding/json`, and etcdctl's fields.

use std::io;

use super::fields::FieldsPrinter;
use super::json::{JsonPrinter, Object, header, kv};
use super::simple::SimplePrinter;
use super::{Fallback, ResponseKind};
use crate::pb::etcdserverpb::response_op::Response;
use crate::pb::etcdserverpb::{
    DeleteRangeResponse, PutResponse, RangeResponse, ResponseOp, TxnResponse,
};

pub trait KvPrinter: Fallback {
    fn get(&mut self, resp: &RangeResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Get, Some(resp))
    }
    fn put(&mut self, resp: &PutResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Put, Some(resp))
    }
    fn del(&mut self, resp: &DeleteRangeResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Del, Some(resp))
    }
    fn txn(&mut self, resp: &TxnResponse) -> io::Result<()> {
        self.fallback(ResponseKind::Txn, Some(resp))
    }
}

impl KvPrinter for SimplePrinter<'_> {
    fn get(&mut self, resp: &RangeResponse) -> io::Result<()> {
        resp.kvs.iter().try_for_each(|kv| self.kv(kv))
    }

    fn put(&mut self, resp: &PutResponse) -> io::Result<()> {
        writeln!(self.out, "OK")?;
        resp.prev_kv.iter().try_for_each(|kv| self.kv(kv))
    }

    fn del(&mut self, resp: &DeleteRangeResponse) -> io::Result<()> {
        writeln!(self.out, "{}", resp.deleted)?;
        resp.prev_kvs.iter().try_for_each(|kv| self.kv(kv))
    }

    fn txn(&mut self, resp: &TxnResponse) -> io::Result<()> {
        let outcome = if resp.succeeded { "SUCCESS" } else { "FAILURE" };
        writeln!(self.out, "{outcome}")?;
        for op in &resp.responses {
            // etcdctl separates every operation's output with a blank line.
            writeln!(self.out)?;
            match &op.response {
                Some(Response::ResponseRange(r)) => self.get(r)?,
                Some(Response::ResponsePut(r)) => self.put(r)?,
                Some(Response::ResponseDeleteRange(r)) => self.del(r)?,
                // etcdctl cannot send nested transactions and would dump this one in Go syntax;
                // printing it as a transaction is more useful.
                Some(Response::ResponseTxn(r)) => self.txn(r)?,
                // etcdctl prints the empty message's (empty) text form.
                None => writeln!(self.out, "unexpected response ")?,
            }
        }
        Ok(())
    }
}

impl KvPrinter for JsonPrinter<'_> {
    fn get(&mut self, resp: &RangeResponse) -> io::Result<()> {
        self.print(|o| range(o, resp))
    }

    fn put(&mut self, resp: &PutResponse) -> io::Result<()> {
        self.print(|o| put(o, resp))
    }

    fn del(&mut self, resp: &DeleteRangeResponse) -> io::Result<()> {
        self.print(|o| del(o, resp))
    }

    fn txn(&mut self, resp: &TxnResponse) -> io::Result<()> {
        self.print(|o| txn(o, resp))
    }
}

fn range(o: &mut Object, r: &RangeResponse) {
    header(o, &r.header);
    o.list("kvs", &r.kvs, kv);
    o.scalar("more", r.more);
    o.scalar("count", r.count);
}

fn put(o: &mut Object, r: &PutResponse) {
    header(o, &r.header);
    if let Some(prev) = &r.prev_kv {
        o.object("prev_kv", |o| kv(o, prev));
    }
}

fn del(o: &mut Object, r: &DeleteRangeResponse) {
    header(o, &r.header);
    o.scalar("deleted", r.deleted);
    o.list("prev_kvs", &r.prev_kvs, kv);
}

fn txn(o: &mut Object, r: &TxnResponse) {
    header(o, &r.header);
    o.scalar("succeeded", r.succeeded);
    o.list("responses", &r.responses, op);
}

/// Go marshals the oneof as the interface field `Response` (no tag, so no `omitempty`) holding
/// a wrapper struct whose one field has no json tag either.
fn op(o: &mut Object, op: &ResponseOp) {
    let Some(response) = &op.response else {
        return o.raw("Response", "null");
    };
    o.object("Response", |o| match response {
        Response::ResponseRange(r) => o.object("ResponseRange", |o| range(o, r)),
        Response::ResponsePut(r) => o.object("ResponsePut", |o| put(o, r)),
        Response::ResponseDeleteRange(r) => o.object("ResponseDeleteRange", |o| del(o, r)),
        Response::ResponseTxn(r) => o.object("ResponseTxn", |o| txn(o, r)),
    });
}

impl KvPrinter for FieldsPrinter<'_> {
    fn get(&mut self, resp: &RangeResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        for kv in &resp.kvs {
            self.kv("", kv)?;
        }
        writeln!(self.out, "\"More\" : {}", resp.more)?;
        writeln!(self.out, "\"Count\" : {}", resp.count)
    }

    fn put(&mut self, resp: &PutResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        resp.prev_kv.iter().try_for_each(|kv| self.kv("Prev", kv))
    }

    fn del(&mut self, resp: &DeleteRangeResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        writeln!(self.out, "\"Deleted\" : {}", resp.deleted)?;
        resp.prev_kvs.iter().try_for_each(|kv| self.kv("Prev", kv))
    }

    fn txn(&mut self, resp: &TxnResponse) -> io::Result<()> {
        self.hdr(resp.header.as_ref())?;
        writeln!(self.out, "\"Succeeded\" : {}", resp.succeeded)?;
        for op in &resp.responses {
            match &op.response {
                Some(Response::ResponseRange(r)) => self.get(r)?,
                Some(Response::ResponsePut(r)) => self.put(r)?,
                Some(Response::ResponseDeleteRange(r)) => self.del(r)?,
                // etcdctl cannot send nested transactions and would print a Go pointer here;
                // printing the fields of the transaction is more useful.
                Some(Response::ResponseTxn(r)) => self.txn(r)?,
                None => writeln!(self.out, "\"Unknown\" : \"<nil>\"")?,
            }
        }
        Ok(())
    }
}
