//! Settings of `keyward serve`: defaults, a TOML file, `KEYWARD_*` environment variables
//! and command-line flags, in rising precedence (flags > environment > file > defaults).
//!
//! Each setting as `file key` / environment variable / default:
//!
//! - (flag `--config`) / `KEYWARD_CONFIG` / none: the TOML file to read.
//! - `data_dir` / `KEYWARD_DATA_DIR` / `./keyward-data`: metadata store, vault,
//!   environments and `operator.token`.
//! - `listen` / `KEYWARD_LISTEN` / `127.0.0.1:7443`: `IP:port` to listen on (port 0: any
//!   free port).
//! - `tls_cert` / `KEYWARD_TLS_CERT` / none: PEM certificate chain; TLS is served when it
//!   and `tls_key` are given.
//! - `tls_key` / `KEYWARD_TLS_KEY` / none: the PEM private key of `tls_cert`.
//! - `insecure_allow_plaintext` / `KEYWARD_INSECURE_ALLOW_PLAINTEXT` / `false`: allow plain
//!   HTTP on a non-loopback address.
//! - `retention_interval_seconds` / `KEYWARD_RETENTION_INTERVAL_SECONDS` / `3600`: how often
//!   the L7 retention purge runs.
//! - `shutdown_grace_seconds` / `KEYWARD_SHUTDOWN_GRACE_SECONDS` / `30`: how long a
//!   shutdown waits for in-flight requests, then again for running jobs.
//! - `job_workers` / `KEYWARD_JOB_WORKERS` / `2`: jobs that run at the same time; the rest
//!   queue.
//! - `log` / `KEYWARD_LOG` / `info`: a `tracing` filter, e.g. `info,keyward_engine=debug`.
//! - `[policy]` table (file only) / the SPEC's windows: `activation_cooldown_seconds`,
//!   `lock_grace_seconds`, `unlock_delay_seconds`, `locked_retention_seconds` (whole
//!   seconds) and `max_file_bytes` (S3).
//!
//! Must never: start a plaintext listener on a non-loopback address unless
//! `insecure_allow_plaintext` says so explicitly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use keyward_domain::Policy;
use serde::Deserialize;

/// The default listen address: loopback, port 7443.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7443";

/// The default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "keyward-data";

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML for these settings.
    #[error("configuration file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A setting has a value that cannot be used.
    #[error("setting {name} is invalid: {message}")]
    Invalid {
        /// The setting (file key or environment variable).
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A non-loopback address without TLS and without the explicit insecure flag.
    #[error(
        "refusing to serve plain HTTP on non-loopback address {0}: give --tls-cert and \
         --tls-key, listen on 127.0.0.1, or pass --insecure-allow-plaintext"
    )]
    PlaintextExposure(SocketAddr),
}

/// One layer of settings: the file, the environment or the flags. `None` leaves the
/// setting to a lower layer.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The data directory.
    pub data_dir: Option<PathBuf>,
    /// The listen address, `IP:port`.
    pub listen: Option<String>,
    /// The TLS certificate chain (PEM).
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_allow_plaintext: Option<bool>,
    /// Seconds between retention purges (L7).
    pub retention_interval_seconds: Option<u64>,
    /// Seconds a shutdown waits for requests, then for running jobs.
    pub shutdown_grace_seconds: Option<u64>,
    /// How many jobs run at once.
    pub job_workers: Option<usize>,
    /// The log filter.
    pub log: Option<String>,
    /// Windows and limits (S3); only the file sets them.
    pub policy: Option<Policy>,
}

/// TLS certificate and key files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, PEM.
    pub cert: PathBuf,
    /// Its private key, PEM.
    pub key: PathBuf,
}

/// The resolved settings the server runs with.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The listen address.
    pub listen: SocketAddr,
    /// TLS files, when serving TLS.
    pub tls: Option<TlsFiles>,
    /// Allow plain HTTP on a non-loopback address.
    pub insecure_allow_plaintext: bool,
    /// Time between retention purges.
    pub retention_interval: Duration,
    /// How long a shutdown waits for requests, then for jobs.
    pub shutdown_grace: Duration,
    /// How many jobs run at once.
    pub job_workers: usize,
    /// The log filter.
    pub log: String,
    /// Windows and limits.
    pub policy: Policy,
}

impl Settings {
    /// Reads a TOML configuration file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }

    /// Reads the `KEYWARD_*` variables through `lookup` (the process environment, or a
    /// map in tests).
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            data_dir: lookup("KEYWARD_DATA_DIR").map(PathBuf::from),
            listen: lookup("KEYWARD_LISTEN"),
            tls_cert: lookup("KEYWARD_TLS_CERT").map(PathBuf::from),
            tls_key: lookup("KEYWARD_TLS_KEY").map(PathBuf::from),
            insecure_allow_plaintext: parse_env(&lookup, "KEYWARD_INSECURE_ALLOW_PLAINTEXT")?,
            retention_interval_seconds: parse_env(&lookup, "KEYWARD_RETENTION_INTERVAL_SECONDS")?,
            shutdown_grace_seconds: parse_env(&lookup, "KEYWARD_SHUTDOWN_GRACE_SECONDS")?,
            job_workers: parse_env(&lookup, "KEYWARD_JOB_WORKERS")?,
            log: lookup("KEYWARD_LOG"),
            policy: None,
        })
    }

    /// This layer over `lower`: each setting from here when set, else from `lower`.
    #[must_use]
    pub fn over(self, lower: Settings) -> Settings {
        Settings {
            data_dir: self.data_dir.or(lower.data_dir),
            listen: self.listen.or(lower.listen),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            insecure_allow_plaintext: self
                .insecure_allow_plaintext
                .or(lower.insecure_allow_plaintext),
            retention_interval_seconds: self
                .retention_interval_seconds
                .or(lower.retention_interval_seconds),
            shutdown_grace_seconds: self.shutdown_grace_seconds.or(lower.shutdown_grace_seconds),
            job_workers: self.job_workers.or(lower.job_workers),
            log: self.log.or(lower.log),
            policy: self.policy.or(lower.policy),
        }
    }
}

fn parse_env<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<T>, ConfigError> {
    let Some(text) = lookup(name) else {
        return Ok(None);
    };
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| ConfigError::Invalid {
            name: name.to_owned(),
            message: format!("{text:?} is not a valid value"),
        })
}

impl ServiceConfig {
    /// Resolves the process's settings: `flags` over `KEYWARD_*` over the file named by
    /// `config_file` (or `KEYWARD_CONFIG`) over the defaults.
    pub fn load(config_file: Option<&Path>, flags: Settings) -> Result<Self, ConfigError> {
        let lookup = |name: &str| std::env::var(name).ok();
        let env = Settings::from_env(lookup)?;
        let path = config_file
            .map(Path::to_owned)
            .or_else(|| lookup("KEYWARD_CONFIG").map(PathBuf::from));
        let file = match path {
            Some(path) => Settings::from_file(&path)?,
            None => Settings::default(),
        };
        Self::resolve(flags.over(env).over(file))
    }

    /// Fills defaults into merged settings and checks them.
    pub fn resolve(settings: Settings) -> Result<Self, ConfigError> {
        let listen_text = settings.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen = listen_text.parse().map_err(|_| ConfigError::Invalid {
            name: "listen".into(),
            message: format!("{listen_text:?} is not IP:port, e.g. 127.0.0.1:7443"),
        })?;
        let tls = match (settings.tls_cert, settings.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => {
                return Err(invalid(
                    "tls_cert/tls_key",
                    "give both the certificate and its key",
                ))
            }
        };
        let policy = settings.policy.unwrap_or_default();
        policy
            .validate()
            .map_err(|e| invalid("policy", &e.to_string()))?;
        let job_workers = settings.job_workers.unwrap_or(2);
        if job_workers == 0 {
            return Err(invalid(
                "job_workers",
                "at least one job must be able to run",
            ));
        }
        let config = Self {
            data_dir: settings.data_dir.unwrap_or_else(|| DEFAULT_DATA_DIR.into()),
            listen,
            tls,
            insecure_allow_plaintext: settings.insecure_allow_plaintext.unwrap_or(false),
            retention_interval: seconds(settings.retention_interval_seconds, 3600)?,
            shutdown_grace: Duration::from_secs(settings.shutdown_grace_seconds.unwrap_or(30)),
            job_workers,
            log: settings.log.unwrap_or_else(|| "info".into()),
            policy,
        };
        config.check_exposure()?;
        Ok(config)
    }

    /// Refuses plain HTTP on a non-loopback address unless explicitly allowed.
    pub fn check_exposure(&self) -> Result<(), ConfigError> {
        let exposed = !self.listen.ip().is_loopback();
        if exposed && self.tls.is_none() && !self.insecure_allow_plaintext {
            return Err(ConfigError::PlaintextExposure(self.listen));
        }
        Ok(())
    }
}

fn seconds(value: Option<u64>, default: u64) -> Result<Duration, ConfigError> {
    match value.unwrap_or(default) {
        0 => Err(invalid("retention_interval_seconds", "must be at least 1")),
        n => Ok(Duration::from_secs(n)),
    }
}

fn invalid(name: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_environment_which_overrides_the_file() {
        let file: Settings = toml::from_str(
            "listen = \"127.0.0.1:1\"\ndata_dir = \"/f\"\nlog = \"debug\"\n\
             [policy]\nactivation_cooldown_seconds = 5\n",
        )
        .unwrap();
        let env = Settings::from_env(|name| {
            (name == "KEYWARD_LISTEN" || name == "KEYWARD_DATA_DIR").then(|| match name {
                "KEYWARD_LISTEN" => "127.0.0.1:2".to_owned(),
                _ => "/e".to_owned(),
            })
        })
        .unwrap();
        let flags = Settings {
            listen: Some("127.0.0.1:3".into()),
            ..Settings::default()
        };
        let config = ServiceConfig::resolve(flags.over(env).over(file)).unwrap();
        assert_eq!(config.listen.port(), 3);
        assert_eq!(config.data_dir, PathBuf::from("/e"));
        assert_eq!(config.log, "debug");
        assert_eq!(config.policy.activation_cooldown_seconds, 5);
        assert_eq!(config.policy.lock_grace_seconds, 72 * 3600);
    }

    #[test]
    fn defaults_listen_on_loopback_port_7443() {
        let config = ServiceConfig::resolve(Settings::default()).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert!(config.tls.is_none());
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<Settings>("listen_on = \"x\"").is_err());
    }

    #[test]
    fn a_certificate_without_its_key_is_refused() {
        let settings = Settings {
            tls_cert: Some("/c.pem".into()),
            ..Settings::default()
        };
        assert!(matches!(
            ServiceConfig::resolve(settings),
            Err(ConfigError::Invalid { .. })
        ));
    }
}
