//! Certificates made at test time with rcgen: a CA, a server certificate for 127.0.0.1 and
//! localhost, a client certificate, and an unrelated second CA (with its own client
//! certificate) for wrong-CA tests. Files live in a temp dir that lives as long as any clone.

use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;

/// A set of PEM files for client TLS with client-certificate auth. Cheap to clone: clones share
/// one temp dir, removed when the last clone is dropped.
#[derive(Clone)]
pub struct Tls {
    dir: Arc<TempDir>,
}

impl Tls {
    /// Generates the CAs and certificates into a new temp dir.
    pub fn new() -> Tls {
        let dir = tempfile::Builder::new()
            .prefix("ectl-tls-")
            .tempdir()
            .expect("create TLS temp dir");
        let write = |name: &str, pem: String| {
            fs::write(dir.path().join(name), pem).unwrap_or_else(|e| panic!("write {name}: {e}"))
        };

        let (ca_pem, ca) = new_ca("ectl test CA");
        write("ca.pem", ca_pem);
        // etcd's gRPC gateway dials its own client port with the server certificate as its
        // client certificate when --client-cert-auth is on, so the server cert needs both usages.
        let (cert, key) = leaf(
            &ca,
            "server",
            // The names SRV discovery tests publish (the domain and a member under it).
            &["127.0.0.1", "localhost", "example.test", "m0.example.test"],
            &[
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        );
        write("server.pem", cert);
        write("server-key.pem", key);
        let (cert, key) = leaf(&ca, "client", &[], &[ExtendedKeyUsagePurpose::ClientAuth]);
        write("client.pem", cert);
        write("client-key.pem", key);

        let (other_pem, other) = new_ca("ectl unrelated CA");
        write("other-ca.pem", other_pem);
        let (cert, key) = leaf(
            &other,
            "client",
            &[],
            &[ExtendedKeyUsagePurpose::ClientAuth],
        );
        write("other-client.pem", cert);
        write("other-client-key.pem", key);

        Tls { dir: Arc::new(dir) }
    }

    /// Certificates made as many tutorials make them, with `openssl x509 -req` and no
    /// `-extfile`: X.509 v1, without extensions. The CA and the client certificate are v1;
    /// the server certificate is v1 too (no SANs) or a v3 one made with `-extfile`, whose
    /// only subjectAltName is `server_ip`. Same file names as [`Tls::new`], so
    /// [`crate::support::Options`] serves them; the `other_*` files are not made.
    pub fn openssl_v1(server: ServerCert) -> Tls {
        let dir = tempfile::Builder::new()
            .prefix("ectl-tls-v1-")
            .tempdir()
            .expect("create TLS temp dir");
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl runs");
            assert!(out.status.success(), "openssl {args:?}: {out:?}");
        };
        let key_and_request = |name: &str, subject: &str| {
            openssl(&["genrsa", "-out", &format!("{name}-key.pem"), "2048"]);
            openssl(&[
                "req",
                "-new",
                "-key",
                &format!("{name}-key.pem"),
                "-subj",
                subject,
                "-out",
                &format!("{name}.csr"),
            ]);
        };
        key_and_request("ca", "/CN=ectl v1 CA");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "ca.csr",
            "-signkey",
            "ca-key.pem",
            "-days",
            "30",
            "-out",
            "ca.pem",
        ]);
        let sign = |name: &str, extra: &[&str]| {
            let mut args = vec![
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-days",
                "30",
                "-out",
                &format!("{name}.pem"),
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
            args.extend(extra.iter().map(|a| a.to_string()));
            openssl(&args.iter().map(String::as_str).collect::<Vec<_>>());
        };
        key_and_request("server", "/CN=127.0.0.1");
        match server {
            ServerCert::V1 => sign("server", &[]),
            ServerCert::V3 { server_ip } => {
                fs::write(
                    dir.path().join("server.ext"),
                    format!(
                        "subjectAltName = IP:{server_ip}\n\
                         extendedKeyUsage = serverAuth, clientAuth\n"
                    ),
                )
                .expect("write server.ext");
                sign("server", &["-extfile", "server.ext"]);
            }
        }
        key_and_request("client", "/CN=client");
        sign("client", &[]);
        let tls = Tls { dir: Arc::new(dir) };
        for pem in [tls.ca(), tls.client_cert()] {
            let text = std::process::Command::new("openssl")
                .args(["x509", "-noout", "-text", "-in"])
                .arg(&pem)
                .output()
                .expect("openssl x509 -text");
            let text = String::from_utf8_lossy(&text.stdout);
            assert!(
                text.contains("Version: 1 (0x0)"),
                "{pem:?} is not v1:\n{text}"
            );
        }
        tls
    }

    /// The CA that signed the server and client certificates.
    pub fn ca(&self) -> PathBuf {
        self.path("ca.pem")
    }

    /// Server certificate, SANs IP 127.0.0.1 and DNS localhost, example.test, m0.example.test.
    pub fn server_cert(&self) -> PathBuf {
        self.path("server.pem")
    }

    /// Key of [`Tls::server_cert`].
    pub fn server_key(&self) -> PathBuf {
        self.path("server-key.pem")
    }

    /// Client certificate (CN "client") signed by [`Tls::ca`].
    pub fn client_cert(&self) -> PathBuf {
        self.path("client.pem")
    }

    /// Key of [`Tls::client_cert`].
    pub fn client_key(&self) -> PathBuf {
        self.path("client-key.pem")
    }

    /// A second CA that signed nothing the server trusts or presents.
    pub fn other_ca(&self) -> PathBuf {
        self.path("other-ca.pem")
    }

    /// A client certificate (CN "client") signed by [`Tls::other_ca`]: the server rejects it.
    pub fn other_client_cert(&self) -> PathBuf {
        self.path("other-client.pem")
    }

    /// Key of [`Tls::other_client_cert`].
    pub fn other_client_key(&self) -> PathBuf {
        self.path("other-client-key.pem")
    }

    /// `--cacert=… --cert=… --key=…` for the good CA and client certificate: the flag names
    /// shared by ectl and etcdctl.
    pub fn client_flags(&self) -> Vec<String> {
        vec![
            format!("--cacert={}", self.ca().display()),
            format!("--cert={}", self.client_cert().display()),
            format!("--key={}", self.client_key().display()),
        ]
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The server certificate [`Tls::openssl_v1`] makes.
#[derive(Clone, Copy)]
pub enum ServerCert {
    /// X.509 v1: no extensions, so no subjectAltName.
    V1,
    /// X.509 v3 with `IP:server_ip` as its only subjectAltName.
    V3 { server_ip: &'static str },
}

/// A self-signed CA: its PEM and the issuer that signs leaves.
fn new_ca(common_name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("generate CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("self-sign CA");
    (cert.pem(), Issuer::new(params, key))
}

/// A leaf certificate signed by `ca`: (certificate PEM, PKCS#8 key PEM).
fn leaf(
    ca: &Issuer<'_, KeyPair>,
    common_name: &str,
    sans: &[&str],
    usages: &[ExtendedKeyUsagePurpose],
) -> (String, String) {
    let key = KeyPair::generate().expect("generate leaf key");
    let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(sans).expect("leaf params");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = usages.to_vec();
    let cert = params.signed_by(&key, ca).expect("sign leaf");
    (cert.pem(), key.serialize_pem())
}
