//! `-w table`: etcdctl's ASCII tables. etcdctl draws them only for cluster-maintenance
//! responses (member list, endpoint status, health and hash, snapshot status); every other
//! method keeps its default, which refuses.

use std::io::{self, Write};

use comfy_table::{CellAlignment, Table};

use super::{Fallback, Format, Printer};

pub struct TablePrinter<'w> {
    pub(super) out: &'w mut dyn Write,
}

impl Fallback for TablePrinter<'_> {
    fn format(&self) -> Format {
        Format::Table
    }
}

impl Printer for TablePrinter<'_> {}
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
    ascii_table_left(out, header, rows, 0)
}

/// [`ascii_table`] with its first `left` columns left-aligned: ectl's own reports, whose
/// leading columns are names (du's prefixes) that read badly right-aligned.
pub(crate) fn ascii_table_left(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    left: usize,
) -> io::Result<()> {
    let mut table = Table::new();
    table.load_preset("||--+-++|    ++++++");
    // tablewriter centres with the odd space on the right, comfy-table on the left: pad here.
    let width = |s: &str| s.chars().count();
    let centred = header.iter().enumerate().map(|(i, h)| {
        let column = rows
            .iter()
            .filter_map(|r| r.get(i))
            .map(|c| width(c))
            .fold(width(h), usize::max);
        let gap = column - width(h);
        format!(
            "{}{}{}",
            " ".repeat(gap / 2),
            h.to_uppercase(),
            " ".repeat(gap - gap / 2)
        )
    });
    table.set_header(centred.map(comfy_table::Cell::new));
    for row in rows {
        table.add_row(row.iter().map(comfy_table::Cell::new));
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_cell_alignment(if i < left {
            CellAlignment::Left
        } else {
            CellAlignment::Right
        });
    }
    let mut text = table.to_string();
    text.push('\n');
    out.write_all(text.as_bytes())
}
