//! TLS client configuration over rustls, built only when some endpoint uses TLS so plain
//! connections never pay for loading certificates.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::Error;

/// The TLS flags as given: `--cacert`, `--cert`, `--key`, `--insecure-skip-tls-verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub skip_verify: bool,
    /// Overrides the name checked in the server certificate (etcdctl's `--discovery-srv` domain).
    pub server_name: Option<String>,
}

pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?;
    let builder = if opts.skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CertVerifier::accept_any(&provider)))
    } else {
        builder.with_root_certificates(root_store(opts.ca_file.as_deref())?)
    };
    let mut config = match (&opts.cert_file, &opts.key_file) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(load_certs(cert)?, load_key(key)?)
            .map_err(|e| {
                Error::Config(format!("TLS client certificate {}: {e}", cert.display()))
            })?,
        (None, None) => builder.with_no_client_auth(),
        (Some(_), None) => return Err(Error::Config("--cert is set but --key is not".into())),
        (None, Some(_)) => return Err(Error::Config("--key is set but --cert is not".into())),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

pub(crate) fn root_store(ca_file: Option<&Path>) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for cert in load_certs(path)? {
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("--cacert {}: {e}", path.display())))?;
            }
        }
        None => {
            // Only reached for TLS without --cacert: the system store is the sensible default.
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    Ok(roots)
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::Config(format!("open {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{}: no PEM certificates found",
            path.display()
        )));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| Error::Config(format!("open {}: {e}", path.display())))
}

/// How a [`CertVerifier`] judges the server's certificate chain; the arguments are those of
/// [`ServerCertVerifier::verify_server_cert`].
pub(crate) type CertCheck = dyn Fn(
        &CertificateDer<'_>,
        &[CertificateDer<'_>],
        &ServerName<'_>,
        &[u8],
        UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error>
    + Send
    + Sync;

/// A server certificate verifier that checks the handshake signatures with the provider's
/// algorithms, as rustls' own verifier does, and the certificate with its `check`:
/// `--insecure-skip-tls-verify` accepts any (the session is still bound to the certificate
/// the server sent), `doctor` records it before the usual check.
pub(crate) struct CertVerifier {
    algorithms: WebPkiSupportedAlgorithms,
    check: Box<CertCheck>,
}

impl CertVerifier {
    pub(crate) fn new(provider: &CryptoProvider, check: Box<CertCheck>) -> Self {
        CertVerifier {
            algorithms: provider.signature_verification_algorithms,
            check,
        }
    }

    fn accept_any(provider: &CryptoProvider) -> Self {
        let accept: Box<CertCheck> = Box::new(|_, _, _, _, _| Ok(ServerCertVerified::assertion()));
        Self::new(provider, accept)
    }
}

impl std::fmt::Debug for CertVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertVerifier").finish_non_exhaustive()
    }
}

impl ServerCertVerifier for CertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        (self.check)(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
