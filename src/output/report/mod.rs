//! ectl's own reports (`doctor`, `du`, `diff`, `del --dry-run`, `status`, `maintain`,
//! `history`) in the printer trait. Each report is a type that implements [`Report`]: the kind
//! that says which formats draw it, and its simple, JSON and (for [`ResponseKind::Report`])
//! table layouts. [`ReportPrinter`] has one method for them all, so a new report is one module
//! here implementing [`Report`], plus its `pub mod` line below; the formats without a layout for
//! it refuse, as [`Format::supports`] says. On a terminal the simple format draws a report as a
//! table ([`Format::for_report`]): the caller says whether stdout is one, as the terminal layer
//! tells it.

use std::io::{self, Write};

pub mod del_preview;
pub mod diff;
pub mod doctor;
pub mod du;
pub mod history;
pub mod maintain;
pub mod status;

use super::fields::FieldsPrinter;
use super::json::JsonPrinter;
use super::protobuf::ProtobufPrinter;
use super::simple::SimplePrinter;
use super::table::TablePrinter;
use super::{Fallback, Format, PrintOptions, ResponseKind, refused};

/// One of ectl's own reports, in every layout it has.
pub trait Report {
    /// Which formats draw it: [`ResponseKind::Report`] (simple, JSON and table) or
    /// [`ResponseKind::Listing`] (simple and JSON).
    fn kind(&self) -> ResponseKind;

    /// `style` carries what the simple format honours, such as `--decode`.
    fn simple(&self, out: &mut dyn Write, style: &PrintOptions) -> io::Result<()>;

    fn json(&self, out: &mut dyn Write) -> io::Result<()>;

    /// `width` is the terminal's when stdout is one; `for_terminal` says the table stands in
    /// for the simple format there, so a report may choose a layout for people over a grid.
    /// A listing has no table: [`Format::supports`] refuses it before anything is sent, and
    /// this refusal keeps the printers to the same answer.
    fn table(
        &self,
        _out: &mut dyn Write,
        _width: Option<u16>,
        _for_terminal: bool,
    ) -> io::Result<()> {
        Err(refused(Format::Table, self.kind()))
    }
}

pub trait ReportPrinter: Fallback {
    fn report(&mut self, report: &dyn Report) -> io::Result<()> {
        self.fallback(report.kind(), None)
    }
}

impl Format {
    /// The format that draws a report of `kind` when stdout `on_terminal` is a terminal or
    /// not: a person at a terminal reads a table where a pipe gets the simple lines.
    pub fn for_report(self, kind: ResponseKind, on_terminal: bool) -> Format {
        match (self, kind) {
            (Format::Simple, ResponseKind::Report) if on_terminal => Format::Table,
            _ => self,
        }
    }
}

/// Prints `report` in `format`; `width` is stdout's when it is a terminal. There the simple
/// format draws for people ([`Format::for_report`]) and tables fit the width.
pub fn print_report(
    report: &dyn Report,
    format: Format,
    width: Option<u16>,
    style: PrintOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format.for_report(report.kind(), width.is_some()) {
        Format::Table => TablePrinter {
            out,
            width,
            for_terminal: format != Format::Table,
        }
        .report(report),
        other => super::printer(other, style, out).report(report),
    }
}

impl ReportPrinter for SimplePrinter<'_> {
    fn report(&mut self, report: &dyn Report) -> io::Result<()> {
        report.simple(self.out, &self.style)
    }
}

impl ReportPrinter for TablePrinter<'_> {
    fn report(&mut self, report: &dyn Report) -> io::Result<()> {
        report.table(self.out, self.width, self.for_terminal)
    }
}

impl ReportPrinter for JsonPrinter<'_> {
    fn report(&mut self, report: &dyn Report) -> io::Result<()> {
        report.json(self.out)
    }
}

impl ReportPrinter for FieldsPrinter<'_> {}
impl ReportPrinter for ProtobufPrinter<'_> {}

/// Every report, empty, with the kind the printers are held to for it (by the test in
/// `output`): a new report gets a line here.
#[cfg(test)]
pub(super) fn examples() -> Vec<(ResponseKind, Box<dyn Report>)> {
    use ResponseKind::{Listing, Report};
    vec![
        (Report, Box::new(doctor::DoctorReport::default())),
        (Report, Box::new(du::UsageReport::default())),
        (Report, Box::new(status::ClusterView::default())),
        (Report, Box::new(maintain::MaintainReport::default())),
        (
            Report,
            Box::new(maintain::MaintainEvent::Compact {
                revision: 1,
                done: false,
            }),
        ),
        (Listing, Box::new(diff::Comparisons(&[]))),
        (
            Listing,
            Box::new(del_preview::Preview {
                revision: 1,
                count: 0,
                sample: vec![],
                last: None,
            }),
        ),
        (Listing, Box::new(history::History::default())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_simple_format_draws_reports_as_tables_and_only_on_a_terminal() {
        use ResponseKind::{Listing, Report};
        assert_eq!(Format::Simple.for_report(Report, true), Format::Table);
        assert_eq!(Format::Simple.for_report(Report, false), Format::Simple);
        assert_eq!(Format::Simple.for_report(Listing, true), Format::Simple);
        assert_eq!(Format::Json.for_report(Report, true), Format::Json);
    }
}
