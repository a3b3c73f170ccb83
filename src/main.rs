//! parse -> settings -> runtime -> commands::run -> print the error once -> exit code.

// main owns the process's streams, with `ectl::term` (see clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;

use ectl::app::{Api, ParseError, Parsed};
use ectl::commands::{self, prelude::Workbench};
use ectl::error::{self, ExitCode as Code};
use ectl::settings::Settings;

fn main() -> ExitCode {
    commands::completion::answer_if_requested();
    let api = match Api::from_env() {
        Ok(api) => api,
        Err(e) => return fail(&e),
    };
    let mut cli = match api.parse() {
        Ok(Parsed::V3(cli)) => cli,
        Ok(Parsed::V2(invocation)) => return run_v2(invocation),
        Err(ParseError::V3(e)) => return usage_error(e),
        Err(ParseError::V2(exit)) => return v2_exit(&exit),
    };
    let mut stdout = std::io::stdout().lock();
    if let Some(result) = commands::run_offline(&cli.command, &cli.global, &mut stdout) {
        return match result.and_then(|()| Ok(stdout.flush()?)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        };
    }
    drop(stdout);
    // etcdctl checks a command's own arguments before the global settings (`put -w bogus` is
    // "needs 1 argument") and before it asks for a password.
    if let Err(e) = cli.command.check_args() {
        return fail(&e.into());
    }
    if let Err(e) = ectl::contexts::apply(&mut cli.global, &|name| std::env::var_os(name)) {
        return fail(&e.into());
    }
    let settings = match Settings::resolve(&cli.global) {
        Ok(settings) => settings,
        Err(e) => return fail(&e.into()),
    };
    for notice in &settings.notices {
        eprintln!("{notice}");
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::Error::new(e).context("starting the async runtime")),
    };

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let observer = ectl::observe::from_settings(&settings);
    let mut ctx = Workbench::new(settings, &mut out);
    if let Some(observer) = observer {
        ctx = ctx.with_observer(observer);
    }
    let result = runtime.block_on(commands::run(cli.command, &mut ctx));
    drop(ctx);
    let flushed = out.flush().map_err(anyhow::Error::from);
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `ETCDCTL_API=2`: the v2 client runs with its own texts and exit codes.
fn run_v2(invocation: ectl::v2::Invocation) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&anyhow::Error::new(e).context("starting the async runtime")),
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let result = runtime.block_on(ectl::v2::run(invocation, &mut out));
    let flushed = out.flush().map_err(anyhow::Error::from);
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<ectl::v2::Exit>() {
            Some(exit) => v2_exit(exit),
            None => fail(&e),
        },
    }
}

/// The v2 client's own ending: its stdout screen (a usage error's help), its stderr line, and
/// its exit code, printed verbatim.
fn v2_exit(exit: &ectl::v2::Exit) -> ExitCode {
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(exit.stdout.as_bytes());
    let _ = stdout.flush();
    if !exit.stderr.is_empty() {
        eprintln!("{}", exit.stderr);
    }
    ExitCode::from(exit.code)
}

/// Prints the error once, as etcdctl does (`Error: ...`), and maps it to the exit code.
fn fail(err: &anyhow::Error) -> ExitCode {
    if error::is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    if let Some(e) = err.downcast_ref::<error::Verbatim>() {
        if !e.message.is_empty() {
            eprintln!("{e}");
        }
        return e.code.into();
    }
    if let Some(hint) = error::hint(err) {
        // Before the error, so the last line stays the one etcdctl prints.
        eprintln!("hint: {hint}");
    }
    eprintln!("Error: {}", error::render(err));
    if let Some(e) = err.downcast_ref::<error::CommandFailed>() {
        return ExitCode::from(e.status);
    }
    error::classify(err).into()
}

/// Help and version go to stdout with success; parse errors are usage errors (exit 128).
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        // Bare `ectl`: etcdctl prints its help to stdout and succeeds.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(std::io::stdout(), "{}", e.render());
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
