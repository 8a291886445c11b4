//! TLS for the sandbox's one port. Code written for AWS reaches API Gateway's management API at
//! `https://{domainName}/{stage}` (the domain from the event), so the sandbox answers TLS as well
//! as plain HTTP. Its certificate is issued at each start by a certificate authority the sandbox
//! keeps in its data directory (`tls/ca.pem`, the key beside it readable by its owner only), for
//! `localhost`, `*.localhost`, `*.execute-api.localhost`, 127.0.0.1 and ::1. Function processes
//! trust that authority through `tls/bundle.pem` — the system's roots and the sandbox's — which
//! [`Tls::bundle`] names for the variables the SDKs read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the sandbox's certificate is good for.
const SERVED_NAMES: [&str; 5] = [
    "localhost",
    "*.localhost",
    "*.execute-api.localhost",
    "127.0.0.1",
    "::1",
];

/// Where systems keep their trusted roots (Debian/Ubuntu, Fedora/RHEL, Alpine/macOS-style).
const SYSTEM_ROOTS: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The environment variables through which SDKs and HTTP libraries take extra roots: botocore
/// (`AWS_CA_BUNDLE`), OpenSSL and rustls-native-certs, which the Rust SDK uses
/// (`SSL_CERT_FILE`), and `requests` (`REQUESTS_CA_BUNDLE`).
pub const TRUST_VARIABLES: [&str; 3] = ["AWS_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"];

/// The sandbox's certificate authority could not be read, made or used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("the sandbox's certificate authority in {dir}: {source}")]
    Files {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("making the sandbox's certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("setting up TLS: {0}")]
    Config(#[from] tokio_rustls::rustls::Error),
}

/// What the front door needs to speak TLS, and the bundle function processes trust.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    bundle: PathBuf,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("bundle", &self.bundle).finish()
    }
}

impl Tls {
    /// Loads the authority kept under `data_dir` (making it the first time) and issues the
    /// sandbox's certificate.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, TlsError> {
        let dir = data_dir.join("tls");
        let files = |source| TlsError::Files {
            dir: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(files)?;
        let (cert_path, key_path) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
        let (authority_pem, authority_key) = match (
            std::fs::read_to_string(&cert_path),
            std::fs::read_to_string(&key_path),
        ) {
            (Ok(cert), Ok(key)) => (cert, KeyPair::from_pem(&key)?),
            _ => {
                let key = KeyPair::generate()?;
                let cert = authority_params().self_signed(&key)?.pem();
                write_private(&key_path, key.serialize_pem().as_bytes()).map_err(files)?;
                std::fs::write(&cert_path, &cert).map_err(files)?;
                (cert, key)
            }
        };
        let issuer = Issuer::new(authority_params(), authority_key);
        let leaf_key = KeyPair::generate()?;
        let leaf = leaf_params()?.signed_by(&leaf_key, &issuer)?;
        let authority_der = CertificateDer::from_pem_slice(authority_pem.as_bytes())
            .map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone(), authority_der],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let bundle = dir.join("bundle.pem");
        let mut roots = SYSTEM_ROOTS
            .iter()
            .find_map(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        if !roots.is_empty() && !roots.ends_with('\n') {
            roots.push('\n');
        }
        roots.push_str(&authority_pem);
        write_replacing(&bundle, roots.as_bytes()).map_err(files)?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            bundle,
        })
    }

    /// The roots a function process should trust: the system's and the sandbox's authority.
    pub fn bundle(&self) -> &Path {
        &self.bundle
    }
}

/// The authority's own certificate: the same name and settings each time, so a certificate
/// issued at a later start names the authority saved at the first.
fn authority_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "Serverless Lab");
    name.push(DnType::CommonName, "Serverless Lab sandbox CA");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let year = this_year();
    params.not_before = rcgen::date_time_ymd(year, 1, 1);
    params.not_after = rcgen::date_time_ymd(year + 20, 1, 1);
    params
}

fn this_year() -> i32 {
    i32::try_from(crate::clock::Civil::now().year).unwrap_or(2026)
}

/// The sandbox's certificate, valid from the start of this month for a year.
fn leaf_params() -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(SERVED_NAMES.map(str::to_owned).to_vec())?;
    params
        .distinguished_name
        .push(DnType::CommonName, "Serverless Lab sandbox");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let month = u8::try_from(crate::clock::Civil::now().month).unwrap_or(1);
    params.not_before = rcgen::date_time_ymd(this_year(), month, 1);
    params.not_after = rcgen::date_time_ymd(this_year() + 1, month, 1);
    Ok(params)
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

/// Replaces `path` whole (write beside it, then rename), so a reader never sees half a file.
fn write_replacing(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, contents)?;
    std::fs::rename(partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authority_is_kept_and_the_bundle_ends_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = Tls::load_or_create(dir.path()).unwrap();
        let authority = std::fs::read_to_string(dir.path().join("tls/ca.pem")).unwrap();
        let bundle = std::fs::read_to_string(first.bundle()).unwrap();
        assert!(
            bundle.ends_with(&authority),
            "the bundle adds the authority"
        );
        let again = Tls::load_or_create(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("tls/ca.pem")).unwrap(),
            authority,
            "a restart keeps the authority functions already trust"
        );
        drop(again);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("tls/ca-key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is its owner's alone");
    }
}
