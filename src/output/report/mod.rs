//! ectl's own reports in the printer trait: `doctor`'s checks, `du`'s usage, `diff`'s
//! comparisons, `del --dry-run`'s preview, `status`'s view and `maintain`'s steps and table,
//! each drawn by the formats that have a layout for it (their bodies are in this module's own modules: [`doctor`], [`du`], [`diff`],
//! [`del_preview`], [`status`], [`maintain`] and [`history`]; a new report is its body module
//! and its lines here); the others refuse, as
//! [`Format::supports`] says. On a terminal the simple format draws a report as a table
//! ([`Format::for_report`]): the caller says whether stdout is one, as the terminal layer
//! tells it.

use std::io;

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
use super::{Fallback, Format, ResponseKind};
use del_preview::Preview;
use diff::Comparison;
use doctor::Report;
use du::UsageReport;
use history::History;
use maintain::{MaintainEvent, MaintainReport};
use status::ClusterView;

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
    fn del_preview(&mut self, _preview: &Preview) -> io::Result<()> {
        self.fallback(ResponseKind::DelPreview, None)
    }
    fn status(&mut self, _view: &ClusterView) -> io::Result<()> {
        self.fallback(ResponseKind::Report, None)
    }
    /// One step of `maintain`, as it happens.
    fn maintain_step(&mut self, _event: &MaintainEvent) -> io::Result<()> {
        self.fallback(ResponseKind::Report, None)
    }
    /// `maintain`'s whole report, at the end.
    fn maintain(&mut self, _report: &MaintainReport) -> io::Result<()> {
        self.fallback(ResponseKind::Report, None)
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

/// The printer for ectl's own reports of `kind` in `format`; `width` is stdout's when it is a
/// terminal. There the simple format draws for people ([`Format::for_report`]) and tables fit
/// the width.
pub fn report_printer<'w>(
    format: Format,
    kind: ResponseKind,
    width: Option<u16>,
    style: super::PrintOptions,
    out: &'w mut dyn std::io::Write,
) -> Box<dyn super::Printer + 'w> {
    match format.for_report(kind, width.is_some()) {
        Format::Table => Box::new(TablePrinter {
            out,
            width,
            for_terminal: format != Format::Table,
        }),
        other => super::printer(other, style, out),
    }
}

impl ReportPrinter for SimplePrinter<'_> {
    fn maintain_step(&mut self, event: &MaintainEvent) -> io::Result<()> {
        maintain::event_line(event, self.out)
    }
    fn maintain(&mut self, report: &MaintainReport) -> io::Result<()> {
        maintain::table(report, self.out, None)
    }
    fn status(&mut self, view: &ClusterView) -> io::Result<()> {
        status::simple(view, self.out)
    }
    fn doctor(&mut self, report: &Report) -> io::Result<()> {
        doctor::simple(report, self.out)
    }
    fn du(&mut self, report: &UsageReport) -> io::Result<()> {
        du::simple(report, self.out)
    }
    fn diff(&mut self, comparisons: &[Comparison]) -> io::Result<()> {
        diff::unified(comparisons, self.out)
    }
    fn del_preview(&mut self, preview: &Preview) -> io::Result<()> {
        del_preview::simple(preview, self.out)
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
    fn maintain_step(&mut self, event: &MaintainEvent) -> io::Result<()> {
        maintain::event_line(event, self.out)
    }
    fn maintain(&mut self, report: &MaintainReport) -> io::Result<()> {
        maintain::table(report, self.out, self.width)
    }
    fn status(&mut self, view: &ClusterView) -> io::Result<()> {
        status::table(view, self.out, self.width)
    }
    fn doctor(&mut self, report: &Report) -> io::Result<()> {
        match (self.for_terminal, self.width) {
            (true, Some(width)) => doctor::blocks(report, width, self.out),
            _ => doctor::table(report, self.width, self.out),
        }
    }
    fn du(&mut self, report: &UsageReport) -> io::Result<()> {
        du::table(report, self.out)
    }
}

impl ReportPrinter for JsonPrinter<'_> {
    /// The steps are in the one object printed at the end.
    fn maintain_step(&mut self, _event: &MaintainEvent) -> io::Result<()> {
        Ok(())
    }
    fn maintain(&mut self, report: &MaintainReport) -> io::Result<()> {
        maintain::json(report, self.out)
    }
    fn status(&mut self, view: &ClusterView) -> io::Result<()> {
        status::json(view, self.out)
    }
    fn doctor(&mut self, report: &Report) -> io::Result<()> {
        doctor::json(report, self.out)
    }
    fn du(&mut self, report: &UsageReport) -> io::Result<()> {
        du::json(report, self.out)
    }
    fn diff(&mut self, comparisons: &[Comparison]) -> io::Result<()> {
        diff::json(comparisons, self.out)
    }
    fn del_preview(&mut self, preview: &Preview) -> io::Result<()> {
        del_preview::json(preview, self.out)
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
