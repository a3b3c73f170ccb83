//! What every command uses, imported from here (as cargo's commands import `command_prelude`),
//! never from the registry: the [`Workbench`] a running command gets (settings, a lazily
//! connected client, the output), [`NoArgs`], [`arg_bytes`], and [`try_parse_args`] for the
//! unit tests of `plan` steps. Nothing here knows the list of commands.

use std::io::{self, Write};
use std::sync::Arc;

use crate::client::{self, Client, Observer};
use crate::error::CliError;
use crate::k8s::Decode;
use crate::output::{self, Format, PrintOptions, Printer, Report, ResponseKind};
use crate::paged::KvSource;
use crate::settings::Settings;
use crate::storage::mvcc::MvccFile;

use crate::term::{self, prompt};

/// What a running command may use: settings, a lazily connected client, and the output. The
/// v2 tree's is a `Workbench` too; "context" means only a named context of config.toml
/// (`crate::contexts`, the `context` command).
pub struct Workbench<'a> {
    pub settings: Settings,
    pub out: &'a mut dyn Write,
    observer: Option<Arc<dyn Observer>>,
    client: Option<Client>,
    /// The file `--db` names, opened on first use.
    file: Option<MvccFile>,
}

impl<'a> Workbench<'a> {
    pub fn new(settings: Settings, out: &'a mut dyn Write) -> Self {
        Self {
            settings,
            out,
            observer: None,
            client: None,
            file: None,
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
        // etcdctl reads its variables when it builds its client, and warns of those no flag
        // takes before it asks for a password.
        for (name, value) in std::mem::take(&mut self.settings.unrecognized_vars) {
            term::warn(format_args!(
                "{} W | pkg/flags: unrecognized environment variable {name}={value}",
                crate::go::log_stamp()
            ));
        }
        if let Some(user) = self.settings.password_wanted_for.take() {
            let password = prompt::ask_password(&mut *self.out, "Password: ")?;
            if !password.is_empty() {
                self.settings.client.credentials = Some(client::Credentials { user, password });
            }
        }
        Ok(self.settings.client.clone())
    }

    /// A separate client with other settings (one endpoint of several, no credentials, ...),
    /// reporting to the same observer as [`Workbench::client`] so `--print-curl` and `--debug`
    /// show its requests too.
    pub fn new_client(&self, config: client::Config) -> Result<Client, client::Error> {
        let client = Client::new(config)?.with_token(self.settings.token.clone());
        Ok(match &self.observer {
            Some(observer) => client.with_observer(observer.clone()),
            None => client,
        })
    }

    /// A client for `endpoint` alone, with the command's other settings.
    pub fn endpoint_client(&mut self, endpoint: &str) -> anyhow::Result<Client> {
        Ok(self.client()?.for_endpoint(endpoint)?)
    }

    /// `--endpoints`, or with `--cluster` every member's client URLs from the member list (asked
    /// without credentials, as etcdctl does: listing members needs none).
    pub async fn endpoints(&self, cluster: bool) -> anyhow::Result<Vec<String>> {
        if !cluster {
            return Ok(self.settings.client.endpoints.clone());
        }
        let client = self.new_client(client::Config {
            credentials: None,
            ..self.settings.client.clone()
        })?;
        let members = client.member_list(Default::default()).await.map_err(|e| {
            CliError::error(format!(
                "failed to fetch endpoints from etcd cluster member list: {e}"
            ))
        })?;
        Ok(members
            .members
            .into_iter()
            .flat_map(|m| m.client_ur_ls)
            .collect())
    }

    /// Where reads are answered: the file `--db` names (opened on first use), or the cluster.
    /// Only the commands the registry lets run under `--db` read through this.
    pub fn source(&mut self) -> anyhow::Result<&dyn KvSource> {
        match self.settings.db.clone() {
            Some(path) => {
                if self.file.is_none() {
                    self.file = Some(open_db(&path)?);
                }
                Ok(self.file.as_ref().expect("the file was just opened"))
            }
            None => Ok(self.client()?),
        }
    }

    /// [`Workbench::source`] and the output at once, for ranges printed as they are read.
    pub fn source_and_out(&mut self) -> anyhow::Result<(&dyn KvSource, &mut (dyn Write + 'a))> {
        self.source()?;
        let source: &dyn KvSource = match &self.file {
            Some(file) => file,
            None => self.client.as_ref().expect("the client was just built"),
        };
        Ok((source, &mut *self.out))
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
    pub fn ensure_format(&self, kind: ResponseKind) -> Result<(), crate::error::CliError> {
        self.settings.format.ensure_supports(kind)
    }

    pub fn style(&self) -> PrintOptions {
        PrintOptions {
            hex: self.settings.hex,
            value_only: false,
            decode: None,
        }
    }

    /// The style with `--decode`, which only the simple format applies (the others print values
    /// as bytes, in base64 or protobuf).
    pub fn decoding_style(&self, decode: Option<Decode>) -> Result<PrintOptions, CliError> {
        if decode.is_some() && self.format() != Format::Simple {
            return Err(CliError::bad_args(
                "--decode is only for `--write-out=simple`",
            ));
        }
        Ok(PrintOptions {
            decode,
            ..self.style()
        })
    }

    pub fn printer(&mut self, style: PrintOptions) -> Box<dyn Printer + '_> {
        output::printer(self.settings.format, style, &mut *self.out)
    }

    /// Prints one of ectl's own reports, which the simple format draws as a table when stdout
    /// is a terminal; `style` is what the simple format honours (`--hex`, `--decode`).
    pub fn print_report(&mut self, style: PrintOptions, report: &dyn Report) -> io::Result<()> {
        output::print_report(
            report,
            self.settings.format,
            term::stdout_width(),
            style,
            &mut *self.out,
        )
    }
}

/// The arguments of a command that takes none (its help is on its enum variant): etcdctl
/// accepts them, and ignores or refuses them, so they are collected and hidden.
#[derive(Debug, Clone, clap::Args)]
pub struct NoArgs {
    #[arg(hide = true)]
    pub args: Vec<std::ffi::OsString>,
}

/// The etcd backend file at `path` (a data dir, a member dir, a db or snapshot file), opened
/// for offline reads.
pub fn open_db(path: &std::path::Path) -> Result<MvccFile, CliError> {
    MvccFile::open(path)
        .map_err(|e| CliError::invalid_input(format!("cannot read {}: {e}", path.display())))
}

/// Positional arguments are bytes: keys need not be UTF-8.
pub fn arg_bytes(arg: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    arg.as_bytes().to_vec()
}

/// Parses `argv` as one command's arguments, for unit tests of `plan` functions.
#[cfg(test)]
pub(crate) fn try_parse_args<A: clap::Args + clap::FromArgMatches>(
    argv: &[&str],
) -> Result<A, clap::Error> {
    let cmd = <crate::cli::Etcdctl<A> as clap::Args>::augment_args(clap::Command::new("test"));
    let matches = cmd.try_get_matches_from(std::iter::once("test").chain(argv.iter().copied()))?;
    <crate::cli::Etcdctl<A> as clap::FromArgMatches>::from_arg_matches(&matches).map(|args| args.0)
}
