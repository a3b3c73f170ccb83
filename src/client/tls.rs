//! TLS client configuration over rustls, built only when some endpoint uses TLS so plain
//! connections never pay for loading certificates.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::ResolvesClientCert;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
    verify_tls13_signature_with_raw_key,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, ServerName, SubjectPublicKeyInfoDer, UnixTime,
};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

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
        .map_err(|e| Error::Config(format!("TLS: {}", crate::go::tls_error(&e))))?;
    let verifier = if opts.skip_verify {
        CertVerifier::accept_any(&provider)
    } else {
        CertVerifier::checked(&provider, root_store(opts.ca_file.as_deref())?)?
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match (&opts.cert_file, &opts.key_file) {
        (Some(cert), Some(key)) => {
            builder.with_client_cert_resolver(Arc::new(ClientCert::load(&provider, cert, key)?))
        }
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
            // webpki takes X.509 v1 CA certificates as trust anchors, as Go does.
            for cert in load_certs("--cacert", path)? {
                roots.add(cert).map_err(|e| {
                    Error::Config(format!(
                        "--cacert {}: not a CA certificate ectl can use ({})",
                        path.display(),
                        crate::go::tls_error(&e)
                    ))
                })?;
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

/// The PEM certificates in `path`, given with `flag`; errors name both, in words.
fn load_certs(flag: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error(flag, path, &e))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{flag} {}: no PEM certificates found (a CERTIFICATE block)",
            path.display()
        )));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error("--key", path, &e))
}

/// A PEM file that could not be read, worded as Go words an open error (`open x: no such
/// file or directory`) or in words, never with Rust's `(os error 2)`.
fn pem_error(flag: &str, path: &Path, e: &rustls::pki_types::pem::Error) -> Error {
    use rustls::pki_types::pem::Error as E;
    let what = match e {
        E::Io(io) => {
            return Error::Config(format!(
                "{flag}: {}",
                crate::go::path_error("open", path, io)
            ));
        }
        E::NoItemsFound => "no PEM data of the expected kind found".to_string(),
        E::MissingSectionEnd { .. } | E::IllegalSectionStart { .. } => {
            "not a complete PEM file (a section has no END line)".to_string()
        }
        E::Base64Decode(_) => "not a PEM file (bad base64 inside a section)".to_string(),
        _ => "not a PEM file ectl can read".to_string(),
    };
    Error::Config(format!("{flag} {}: {what}", path.display()))
}

/// The client certificate and its key, offered whenever the server asks. rustls' own loader
/// parses the certificate with webpki, which refuses X.509 v1 certificates that Go (and so
/// etcd) accepts; the only thing it checked, that the key belongs to the certificate, is
/// checked here with a parser that reads v1 too.
#[derive(Debug)]
struct ClientCert(Arc<CertifiedKey>);

impl ClientCert {
    fn load(provider: &CryptoProvider, cert: &Path, key: &Path) -> Result<ClientCert, Error> {
        let certs = load_certs("--cert", cert)?;
        let signing_key = provider
            .key_provider
            .load_private_key(load_key(key)?)
            .map_err(|_| {
                Error::Config(format!(
                    "--key {}: not a private key ectl can use (RSA, ECDSA P-256/P-384 or Ed25519)",
                    key.display()
                ))
            })?;
        if let (Some(ours), Some(theirs)) = (signing_key.public_key(), subject_key(&certs[0]))
            && ours.as_ref() != theirs.as_slice()
        {
            // Go's check (`tls: private key does not match public key`), before any dialling.
            return Err(Error::Config(format!(
                "--key {} does not match --cert {}: the private key is not the one of the \
                 certificate's public key",
                key.display(),
                cert.display()
            )));
        }
        Ok(ClientCert(Arc::new(CertifiedKey::new(certs, signing_key))))
    }
}

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The certificate's SubjectPublicKeyInfo (DER), for any X.509 version; `None` when it does
/// not parse, which is then the server's to judge.
fn subject_key(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    Some(parsed.tbs_certificate.subject_pki.raw.to_vec())
}

/// The public key of an X.509 v1 certificate, which webpki cannot read: Go accepts them, so
/// the handshake signature is checked against the raw key instead.
fn v1_subject_key(cert: &CertificateDer<'_>) -> Option<SubjectPublicKeyInfoDer<'static>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    (parsed.tbs_certificate.version == x509_parser::x509::X509Version::V1)
        .then(|| SubjectPublicKeyInfoDer::from(parsed.tbs_certificate.subject_pki.raw.to_vec()))
}

/// A v1 certificate has no subject alternative names, and Go (since 1.15) matches the host
/// only against those: what Go refuses is refused here with the same reason, in words, rather
/// than webpki's `UnsupportedCertVersion`.
fn v1_name_error(server_name: &ServerName<'_>) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
        expected: server_name.to_owned(),
        presented: Vec::new(),
    })
}

/// How a [`CertVerifier`] judges the server's certificate chain; the arguments are those of
/// [`ServerCertVerifier::verify_server_cert`].
type CertCheck = dyn Fn(
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
/// the server sent), the usual check otherwise ([`CertVerifier::checked`]).
pub(crate) struct CertVerifier {
    algorithms: WebPkiSupportedAlgorithms,
    check: Box<CertCheck>,
}

impl CertVerifier {
    fn new(provider: &CryptoProvider, check: Box<CertCheck>) -> Self {
        CertVerifier {
            algorithms: provider.signature_verification_algorithms,
            check,
        }
    }

    fn accept_any(provider: &CryptoProvider) -> Self {
        let accept: Box<CertCheck> = Box::new(|_, _, _, _, _| Ok(ServerCertVerified::assertion()));
        Self::new(provider, accept)
    }

    /// rustls' own check against `roots`, except that an X.509 v1 server certificate is
    /// refused for what Go refuses it for (it names no host) instead of for its version.
    fn checked(provider: &Arc<CryptoProvider>, roots: RootCertStore) -> Result<Self, Error> {
        Self::checked_after(provider, roots, Box::new(|_| {}))
    }

    /// [`CertVerifier::checked`], showing the server's certificate to `first` before the
    /// check (`doctor` keeps it, to say what it names).
    pub(crate) fn checked_after(
        provider: &Arc<CryptoProvider>,
        roots: RootCertStore,
        first: Box<dyn Fn(&CertificateDer<'_>) + Send + Sync>,
    ) -> Result<Self, Error> {
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::Config(format!("--cacert: {e}")))?;
        let check: Box<CertCheck> = Box::new(move |end_entity, intermediates, name, ocsp, now| {
            first(end_entity);
            if v1_subject_key(end_entity).is_some() {
                return Err(v1_name_error(name));
            }
            webpki.verify_server_cert(end_entity, intermediates, name, ocsp, now)
        });
        Ok(Self::new(provider, check))
    }
}

impl std::fmt::Debug for CertVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertVerifier").finish_non_exhaustive()
    }
}

/// rustls asks for the handshake signature check once per TLS version, under the name of
/// webpki's check for that version; each takes the certificate's raw key (`raw_key`) for an
/// X.509 v1 certificate, which webpki cannot read.
macro_rules! signature_check {
    ($webpki_check:ident, $raw_key:ident) => {
        fn $webpki_check(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            match v1_subject_key(cert) {
                Some(spki) => $raw_key(message, &spki, dss, &self.algorithms),
                None => $webpki_check(message, cert, dss, &self.algorithms),
            }
        }
    };
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

    signature_check!(verify_tls12_signature, verify_tls12_with_raw_key);
    signature_check!(verify_tls13_signature, verify_tls13_signature_with_raw_key);

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// [`verify_tls12_signature`] for a raw public key (rustls has only the TLS 1.3 one): TLS 1.2
/// does not say which algorithm a scheme means, so each candidate is tried, as rustls does.
fn verify_tls12_with_raw_key(
    message: &[u8],
    spki: &SubjectPublicKeyInfoDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let key = webpki::RawPublicKeyEntity::try_from(spki)
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let candidates = algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map_or(&[][..], |(_, algs)| *algs);
    let verified = candidates
        .iter()
        .any(|alg| key.verify_signature(*alg, message, dss.signature()).is_ok());
    if verified {
        Ok(HandshakeSignatureValid::assertion())
    } else {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::BadSignature,
        ))
    }
}
