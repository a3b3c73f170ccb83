//! `get` over a big range: read in pages at one revision ([`crate::paged`]) and printed as they
//! arrive ([`RangeStream`]), so memory stays flat and the output is what etcdctl prints for
//! the one response it would have asked for.

use std::io::Write;

use crate::output::{Format, PrintOptions, RangeStream};
use crate::paged::{KvSource, Pages};
use crate::pb::etcdserverpb::RangeRequest;
use crate::pb::etcdserverpb::range_request::{SortOrder, SortTarget};

/// Whether `request` is read in pages of `page_bytes`. Only a range in key order continues
/// from its last key; the revision filters make etcd read the whole range for every page, and
/// a count is one cheap request anyway.
pub fn applies(request: &RangeRequest, page_bytes: usize) -> bool {
    let key_order = request.sort_target == SortTarget::Key as i32
        && [SortOrder::None as i32, SortOrder::Descend as i32].contains(&request.sort_order);
    let filtered = request.min_mod_revision != 0
        || request.max_mod_revision != 0
        || request.min_create_revision != 0
        || request.max_create_revision != 0;
    page_bytes > 0 && !request.range_end.is_empty() && !request.count_only && key_order && !filtered
}

/// Reads `request` page by page and prints it in `format`.
pub async fn print(
    source: &dyn KvSource,
    request: RangeRequest,
    page_bytes: usize,
    format: Format,
    style: PrintOptions,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let limit = request.limit;
    let mut pages = Pages::new(source, request, page_bytes);
    let mut stream = RangeStream::new(format, style, out);
    let Some(first) = pages.next().await? else {
        return Ok(());
    };
    stream.begin(first.header.as_ref())?;
    let mut chunk = Some(first);
    while let Some(current) = chunk {
        // The next keys are read while these are printed. Printing yields at the end: on this
        // single thread the answer only comes in while something waits.
        let print = async {
            stream.kvs(&current.kvs)?;
            tokio::task::yield_now().await;
            std::io::Result::Ok(())
        };
        let (next, printed) = tokio::join!(pages.next(), print);
        printed?;
        chunk = next?;
    }
    // The whole range's count, as the one answer would have said it; etcd sets `more` when
    // the limit left keys out.
    let count = pages.count().unwrap_or_default();
    stream.end(limit > 0 && count > limit, count)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_ordered_unfiltered_ranges_are_paged() {
        let range = RangeRequest {
            key: b"a".to_vec(),
            range_end: b"b".to_vec(),
            ..RangeRequest::default()
        };
        assert!(applies(&range, 1));
        assert!(!applies(&range, 0));
        let descend = RangeRequest {
            sort_order: SortOrder::Descend as i32,
            ..range.clone()
        };
        assert!(applies(&descend, 1));
        for other in [
            RangeRequest {
                range_end: Vec::new(),
                ..range.clone()
            },
            RangeRequest {
                count_only: true,
                ..range.clone()
            },
            RangeRequest {
                sort_target: SortTarget::Mod as i32,
                ..range.clone()
            },
            RangeRequest {
                min_mod_revision: 3,
                ..range.clone()
            },
        ] {
            assert!(!applies(&other, 1), "{other:?}");
        }
    }
}
