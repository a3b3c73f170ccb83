//! One module per command group. Each command is an `Args` struct (clap derive; its doc comment
//! is the help), a pure step that turns it into a request, and an async `run`.

pub mod kv;
pub mod version;

use std::io::Write;
use std::sync::Arc;

use crate::cli::Settings;
use crate::client::{self, Client, Observer};
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
    pub fn client(&mut self) -> Result<&Client, client::Error> {
        if self.client.is_none() {
            let mut client = Client::new(self.settings.client.clone())?;
            if let Some(observer) = &self.observer {
                client = client.with_observer(observer.clone());
            }
            self.client = Some(client);
        }
        Ok(self.client.as_ref().expect("client was just built"))
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
