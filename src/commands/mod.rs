//! One module per command group. Each command is an `Args` struct (clap derive; its doc comment
//! is the help), a pure step that turns it into a request, and an async `run`.

pub mod alarm;
pub mod auth;
pub mod completion;
pub mod defrag;
pub mod diff;
pub mod doctor;
pub mod downgrade;
pub mod du;
pub mod elect;
pub mod endpoint;
pub mod kv;
pub mod lease;
pub mod lock;
pub mod member;
pub mod move_leader;
pub mod scan;
pub mod snapshot;
pub mod version;
pub mod watch;

use std::io::Write;
use std::sync::Arc;

use crate::cli::Settings;
use crate::client::{self, Client, Observer};
use crate::error::CliError;
use crate::output::{self, Format, Kind, Printer, Style};

/// What a running command may use: settings, a lazily connected client, and the output.
pub struct Context<'a> {
    pub settings: Settings,
    pub out: &'a mut dyn Write,
    observer: Option<Arc<dyn Observer>>,
    client: Option<Client>,
}

impl<'a> Context<'a> {
    pub fn new(settings: Settings, out: &'a mut dyn Write) -> Self {
        Self {
            settings,
            out,
            observer: None,
            client: None,
        }
    }

    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The client, built on first use; it connects on its first request.
    pub fn client(&mut self) -> anyhow::Result<&Client> {
        if self.client.is_none() {
            let config = self.client_config()?;
            self.client = Some(self.new_client(config)?);
        }
        Ok(self.client.as_ref().expect("client was just built"))
    }

    /// The client settings with complete credentials: the `--user` password is asked for
    /// here, on first use, because etcdctl asks when it connects (after a command's own
    /// prompts, such as `user add`'s). Clients for single endpoints start from this too.
    pub fn client_config(&mut self) -> Result<client::Config, CliError> {
        if let Some(user) = self.settings.password_wanted_for.take() {
            let password = crate::cli::ask_password("Password: ")?;
            if !password.is_empty() {
                self.settings.client.credentials = Some(client::Credentials { user, password });
            }
        }
        Ok(self.settings.client.clone())
    }

    /// A separate client with other settings (one endpoint of several, no credentials, ...),
    /// reporting to the same observer as [`Context::client`] so `--print-curl` and `--debug`
    /// show its requests too.
    pub fn new_client(&self, config: client::Config) -> Result<Client, client::Error> {
        let client = Client::new(config)?;
        Ok(match &self.observer {
            Some(observer) => client.with_observer(observer.clone()),
            None => client,
        })
    }

    /// The client and the output at once, for streams that print while they receive (watch).
    pub fn client_and_out(&mut self) -> anyhow::Result<(&Client, &mut (dyn Write + 'a))> {
        self.client()?;
        let client = self.client.as_ref().expect("client was just built");
        Ok((client, &mut *self.out))
    }

    pub fn format(&self) -> Format {
        self.settings.format
    }

    /// Fails with etcdctl's exit-4 error when the chosen format cannot print `kind`; commands
    /// call it before sending anything.
    pub fn ensure_format(&self, kind: Kind) -> Result<(), crate::error::CliError> {
        self.settings.format.ensure_supports(kind)
    }

    pub fn style(&self) -> Style {
        Style {
            hex: self.settings.hex,
            value_only: false,
        }
    }

    pub fn printer(&mut self, style: Style) -> Box<dyn Printer + '_> {
        output::printer(self.settings.format, style, &mut *self.out)
    }
}

/// Positional arguments are bytes: keys need not be UTF-8.
pub fn arg_bytes(arg: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    arg.as_bytes().to_vec()
}

/// Ctrl-C in a streaming command: flush what was printed, then die of SIGINT as etcdctl does
/// (it installs no handler), so the parent sees the same status. The returned error is only
/// a fallback should the signal not end the process.
pub fn die_of_sigint(out: &mut dyn Write) -> anyhow::Error {
    let _ = out.flush();
    // SAFETY: restoring the default disposition and raising a signal in this process.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::raise(libc::SIGINT);
    }
    CliError::new(crate::error::ExitCode::Interrupted, "interrupted").into()
}

/// Parses `argv` as one command's arguments, for unit tests of `plan` functions.
#[cfg(test)]
pub(crate) fn try_parse_args<A: clap::Args + clap::FromArgMatches>(
    argv: &[&str],
) -> Result<A, clap::Error> {
    let cmd = A::augment_args(clap::Command::new("test"));
    let matches = cmd.try_get_matches_from(std::iter::once("test").chain(argv.iter().copied()))?;
    A::from_arg_matches(&matches)
}
