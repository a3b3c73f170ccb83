//! `-w table`: etcdctl's ASCII tables. etcdctl draws them only for cluster-maintenance
//! responses (member list, endpoint status, health and hash, snapshot status); every other
//! method keeps its default, which refuses.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table};

use super::{Fallback, Format, Printer};

pub struct TablePrinter<'w> {
    pub(super) out: &'w mut dyn Write,
    /// The terminal's width, which ectl's own reports (status, maintain) wrap their cells to;
    /// `None` off a terminal. etcdctl's tables never wrap.
    pub(super) width: Option<u16>,
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

/// The narrowest a wrapping column gets, however narrow the terminal.
const MIN_WRAPPED_WIDTH: usize = 30;

/// etcdctl's tables (olekukonko/tablewriter with right-aligned cells): `+`/`-`/`|` borders, an
/// upper-case centred header, one space of padding, no lines between rows.
pub(crate) fn ascii_table(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    ascii_table_within(out, header, rows, None)
}

/// [`ascii_table`] fitted to `width` columns when there is a width: only the last column (the
/// free text, such as an error) wraps; the figures before it keep their width, since a figure
/// cut in two is worse than a line the terminal wraps.
pub(crate) fn ascii_table_within(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    width: Option<u16>,
) -> io::Result<()> {
    let chars = |s: &str| s.chars().count();
    let column_width = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|c| chars(c))
            .fold(chars(header[i]), usize::max)
    };
    // The figures' columns, each with its padding and border, and the table's last border.
    let fixed = (0..header.len().saturating_sub(1))
        .map(|i| column_width(i) + 3)
        .sum::<usize>()
        + 1;
    // On a terminal too narrow to leave the text a readable column, nothing wraps: the
    // terminal folding whole lines reads better than a column one letter wide.
    let width = width.filter(|w| usize::from(*w) >= fixed + MIN_WRAPPED_WIDTH + 3);
    let mut table = Table::new();
    if let Some(width) = width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table.load_preset("||--+-++|    ++++++");
    let wraps = width.is_some();
    // tablewriter centres with the odd space on the right, comfy-table on the left: pad here.
    let centred = header.iter().enumerate().map(|(i, h)| {
        // A wrapping column's width is not known here: its header is not padded.
        let gap = if wraps && i + 1 == header.len() {
            0
        } else {
            column_width(i) - chars(h)
        };
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
    let last = header.len().saturating_sub(1);
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_cell_alignment(CellAlignment::Right);
        if wraps && i < last {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    let mut text = table.to_string();
    text.push('\n');
    out.write_all(text.as_bytes())
}
