//! `-w table`: etcdctl's ASCII tables. etcdctl draws them only for cluster-maintenance
//! responses (member list, endpoint status, health and hash, snapshot status); every other
//! method keeps its default, which refuses.

use std::io::{self, Write};

use comfy_table::{CellAlignment, Table};

use super::{Fallback, Format};

pub struct TablePrinter<'w> {
    pub(super) out: &'w mut dyn Write,
    /// The terminal's width, when stdout is one: ectl's own reports fit into it.
    pub(super) width: Option<u16>,
    /// Drawn because stdout is a terminal (the simple format there), not asked for with
    /// `-w table`: reports may then choose a layout for people rather than a grid.
    pub(super) for_terminal: bool,
}

impl Fallback for TablePrinter<'_> {
    fn format(&self) -> Format {
        Format::Table
    }
}

impl super::kv::KvPrinter for TablePrinter<'_> {}
impl super::auth::AuthPrinter for TablePrinter<'_> {}
impl super::watch::WatchPrinter for TablePrinter<'_> {}
impl super::lease::LeasePrinter for TablePrinter<'_> {}

/// etcdctl's tables (olekukonko/tablewriter with right-aligned cells): `+`/`-`/`|` borders, an
/// upper-case centred header, one space of padding, no lines between rows.
pub(crate) fn ascii_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    ascii_table_within(out, header, rows, None)
}

/// [`ascii_table`], fitted into `width` columns when given (a terminal's): comfy-table then
/// wraps cells at word boundaries instead of letting the terminal break every row.
pub(crate) fn ascii_table_within(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    width: Option<u16>,
) -> io::Result<()> {
    let mut table = Table::new();
    if let Some(width) = width {
        table
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
            .set_width(width);
    }
    table.load_preset("||--+-++|    ++++++");
    // tablewriter centres with the odd space on the right, comfy-table on the left: pad here.
    let chars = |s: &str| s.chars().count();
    let centred = header.iter().enumerate().map(|(i, h)| {
        if width.is_some() {
            // Wrapped columns are narrower than their longest cell: comfy-table centres.
            return comfy_table::Cell::new(h.to_uppercase()).set_alignment(CellAlignment::Center);
        }
        let column = rows
            .iter()
            .filter_map(|r| r.get(i))
            .map(|c| chars(c))
            .fold(chars(h), usize::max);
        let gap = column - chars(h);
        comfy_table::Cell::new(format!(
            "{}{}{}",
            " ".repeat(gap / 2),
            h.to_uppercase(),
            " ".repeat(gap - gap / 2)
        ))
    });
    table.set_header(centred);
    for row in rows {
        table.add_row(row.iter().map(comfy_table::Cell::new));
    }
    for column in table.column_iter_mut() {
        column.set_cell_alignment(CellAlignment::Right);
    }
    let mut text = table.to_string();
    text.push('\n');
    out.write_all(text.as_bytes())
}
