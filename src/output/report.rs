//! ectl's own reports in the printer trait: `doctor`'s checks, `du`'s usage and `diff`'s
//! comparisons, each drawn by the formats that have a layout for it (their bodies are in
//! [`super::doctor`], [`super::du`] and [`super::diff`]); the others refuse, as
//! [`Format::supports`] says. On a terminal the simple format draws a report as a table
//! ([`Format::for_report`]): the caller says whether stdout is one, as the terminal layer
//! tells it.

use std::io;

use super::diff::Comparison;
use super::doctor::Report;
use super::du::UsageReport;
use super::fields::FieldsPrinter;
use super::history::History;
use super::json::JsonPrinter;
use super::protobuf::ProtobufPrinter;
use super::simple::SimplePrinter;
use super::table::TablePrinter;
use super::{Fallback, Format, ResponseKind, diff, doctor, du, history};

pub trait ReportPrinter: Fallback {
    fn doctor(&mut self, _report: &Report) -> io::Result<()> {
        self.fallback(ResponseKind::Report, None)
    }
    fn du(&mut self, _report: &UsageReport) -> io::Result<()> {
        self.fallback(ResponseKind::Report, None)
    }
    fn diff(&mut self, _comparisons: &[Comparison]) -> io::Result<()> {
        self.fallback(ResponseKind::Diff, None)
    }
    fn history(&mut self, _history: &History) -> io::Result<()> {
        self.fallback(ResponseKind::History, None)
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

impl ReportPrinter for SimplePrinter<'_> {
    fn doctor(&mut self, report: &Report) -> io::Result<()> {
        doctor::simple(report, self.out)
    }
    fn du(&mut self, report: &UsageReport) -> io::Result<()> {
        du::simple(report, self.out)
    }
    fn diff(&mut self, comparisons: &[Comparison]) -> io::Result<()> {
        diff::unified(comparisons, self.out)
    }
    fn history(&mut self, history: &History) -> io::Result<()> {
        let decode = self.style.decode;
        // A decoded object ends in a newline, which the listing adds itself.
        let render = |value: &[u8]| match decode.and_then(|d| crate::k8s::render(value, d)) {
            Some(mut text) => {
                text.pop();
                text
            }
            None => value.to_vec(),
        };
        history::simple(history, &render, self.out)
    }
}

impl ReportPrinter for TablePrinter<'_> {
    fn doctor(&mut self, report: &Report) -> io::Result<()> {
        doctor::table(report, self.out)
    }
    fn du(&mut self, report: &UsageReport) -> io::Result<()> {
        du::table(report, self.out)
    }
}

impl ReportPrinter for JsonPrinter<'_> {
    fn doctor(&mut self, report: &Report) -> io::Result<()> {
        doctor::json(report, self.out)
    }
    fn du(&mut self, report: &UsageReport) -> io::Result<()> {
        du::json(report, self.out)
    }
    fn diff(&mut self, comparisons: &[Comparison]) -> io::Result<()> {
        diff::json(comparisons, self.out)
    }
    fn history(&mut self, history: &History) -> io::Result<()> {
        history::json(history, self.out)
    }
}

impl ReportPrinter for FieldsPrinter<'_> {}
impl ReportPrinter for ProtobufPrinter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_simple_format_draws_reports_as_tables_and_only_on_a_terminal() {
        use ResponseKind::{Diff, Report};
        assert_eq!(Format::Simple.for_report(Report, true), Format::Table);
        assert_eq!(Format::Simple.for_report(Report, false), Format::Simple);
        assert_eq!(Format::Simple.for_report(Diff, true), Format::Simple);
        assert_eq!(Format::Json.for_report(Report, true), Format::Json);
    }
}
