//! TLS with the system's OpenSSL: a PEM certificate chain and its private key, served with
//! Mozilla's "modern" settings (TLS 1.3).

use axum_server::tls_openssl::OpenSSLConfig;

use crate::config::TlsFiles;
use crate::server::ServeError;

/// The TLS configuration for `files`; fails when either file is unreadable or the key
/// does not match the certificate.
pub(crate) fn openssl_config(files: &TlsFiles) -> Result<OpenSSLConfig, ServeError> {
    OpenSSLConfig::from_pem_chain_file(&files.cert, &files.key).map_err(|e| ServeError::Tls {
        cert: files.cert.clone(),
        message: e.to_string(),
    })
}
