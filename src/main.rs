//! parse -> settings -> runtime -> app::run -> print the error once -> exit code.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use ectl::cli::Cli;
use ectl::commands::Context;
use ectl::error::{self, ExitCode as Code};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let settings = match cli.global.settings() {
        Ok(settings) => settings,
        Err(e) => return fail(&e.into()),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::Error::new(e).context("starting the async runtime")),
    };

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let debug = settings.debug;
    let mut ctx = Context::new(settings, &mut out);
    if debug {
        ctx = ctx.with_observer(ectl::app::debug_observer());
    }
    let result = runtime.block_on(ectl::app::run(cli.command, &mut ctx));
    drop(ctx);
    let flushed = out.flush().map_err(anyhow::Error::from);
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Prints the error once, as etcdctl does (`Error: ...`), and maps it to the exit code.
fn fail(err: &anyhow::Error) -> ExitCode {
    if error::is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    eprintln!("Error: {}", error::render(err));
    error::classify(err).into()
}

/// Help and version go to stdout with success; parse errors are usage errors (exit 128).
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            eprint!("Error: {text}");
            Code::BadArgs.into()
        }
    }
}
