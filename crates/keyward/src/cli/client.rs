//! The HTTP client every server command uses: base URL, bearer token, JSON and streams.
//!
//! The token comes from `KEYWARD_TOKEN` or a file (`--token-file`, `KEYWARD_TOKEN_FILE`),
//! never from an argument. Responses are kept as JSON values: the CLI shows what the
//! server says rather than re-modelling it. A refusal from the server becomes
//! [`Refused`], which `main` turns into exit code 1 with the server's code and message.
//!
//! Must never: print the token, send it anywhere but `--url`, or follow a proxy.

use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use clap::Args;
use reqwest::blocking::{Body, Client, RequestBuilder, Response};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use zeroize::Zeroizing;

/// Where the server is and who we are; shared by every server command.
#[derive(Args, Clone, Debug)]
pub struct ClientArgs {
    /// The Keyward server's URL.
    #[arg(
        long,
        env = "KEYWARD_URL",
        default_value = "http://127.0.0.1:7443",
        global = true
    )]
    pub url: String,
    /// A file holding the API token (else the KEYWARD_TOKEN environment variable).
    #[arg(long, env = "KEYWARD_TOKEN_FILE", value_name = "FILE", global = true)]
    pub token_file: Option<PathBuf>,
    /// A PEM CA certificate to trust for the server's TLS certificate.
    #[arg(long, env = "KEYWARD_CA_CERT", value_name = "PEM", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A refusal or error answered by the server, as `{code, rule, message}`.
#[derive(Debug)]
pub struct Refused {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: String,
    /// SPEC rule, if any.
    pub rule: Option<String>,
    /// Sentence for a person.
    pub message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}", self.message, self.code)?;
        if let Some(rule) = &self.rule {
            write!(f, ", rule {rule}")?;
        }
        write!(f, ", HTTP {})", self.status.as_u16())
    }
}

impl std::error::Error for Refused {}

/// The server could not be reached at all.
#[derive(Debug)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unreachable {}

/// An authenticated connection to one server.
pub struct Api {
    base: String,
    token: Zeroizing<String>,
    http: Client,
    /// Whether to print JSON.
    pub json: bool,
}

impl Api {
    /// Builds a client from the common arguments.
    pub fn new(args: &ClientArgs) -> anyhow::Result<Self> {
        let token = read_token(args)?;
        let mut builder = Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .timeout(None);
        if let Some(path) = &args.ca_cert {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read CA certificate {}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", path.display()))?;
            builder = builder.add_root_certificate(cert);
        }
        Ok(Self {
            base: format!("{}/api/v1", args.url.trim_end_matches('/')),
            token,
            http: builder.build().context("cannot build the HTTP client")?,
            json: args.json,
        })
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token.as_str())
    }

    /// GET returning JSON.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        json_of(self.send(self.request(Method::GET, path))?)
    }

    /// POST a JSON body, returning JSON (or null for 204).
    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        json_of(self.send(self.request(Method::POST, path).json(body))?)
    }

    /// POST a body that carries a secret (a password): serialised into a buffer that is
    /// wiped after sending. The HTTP stack's own copies are freed without wiping.
    pub fn post_secret(&self, path: &str, body: &impl serde::Serialize) -> anyhow::Result<Value> {
        let bytes = Zeroizing::new(serde_json::to_vec(body)?);
        let request = self
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body(bytes.to_vec());
        json_of(self.send(request)?)
    }

    /// DELETE.
    pub fn delete(&self, path: &str) -> anyhow::Result<Value> {
        json_of(self.send(self.request(Method::DELETE, path))?)
    }

    /// POST or PUT a file's bytes, streamed, returning JSON.
    pub fn upload(&self, method: Method, path: &str, file: File) -> anyhow::Result<Value> {
        let len = file.metadata().map(|m| m.len()).ok();
        let body = match len {
            Some(len) => Body::sized(file, len),
            None => Body::new(file),
        };
        let request = self
            .request(method, path)
            .header("content-type", "application/octet-stream")
            .body(body);
        json_of(self.send(request)?)
    }

    /// GET raw bytes, streamed into `out`; returns how many.
    pub fn download(&self, path: &str, out: &mut impl Write) -> anyhow::Result<u64> {
        let mut response = self.send(self.request(Method::GET, path))?;
        Ok(response.copy_to(out)?)
    }

    fn send(&self, request: RequestBuilder) -> anyhow::Result<Response> {
        let response = request.send().map_err(|e| {
            Unreachable(format!(
                "cannot reach the Keyward server at {}: {e}",
                self.base
            ))
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(refusal_of(response).into())
    }
}

fn json_of(response: Response) -> anyhow::Result<Value> {
    if response.status() == StatusCode::NO_CONTENT {
        return Ok(Value::Null);
    }
    let text = response.text().context("cannot read the server's answer")?;
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).context("the server's answer is not JSON")
}

fn refusal_of(response: Response) -> Refused {
    let status = response.status();
    let body: Value = response.json().unwrap_or(Value::Null);
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    Refused {
        status,
        code: text("code").unwrap_or_else(|| "http_error".into()),
        rule: text("rule"),
        message: text("message").unwrap_or_else(|| format!("the server answered {status}")),
    }
}

fn read_token(args: &ClientArgs) -> anyhow::Result<Zeroizing<String>> {
    if let Some(path) = &args.token_file {
        let mut text = Zeroizing::new(String::new());
        File::open(path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .with_context(|| format!("cannot read token file {}", path.display()))?;
        return Ok(Zeroizing::new(text.trim().to_owned()));
    }
    match std::env::var("KEYWARD_TOKEN") {
        Ok(token) if !token.trim().is_empty() => Ok(Zeroizing::new(token.trim().to_owned())),
        _ => Err(anyhow!(
            "no API token: set KEYWARD_TOKEN or pass --token-file (the operator token is in \
             <data-dir>/operator.token)"
        )),
    }
}

/// Percent-encodes one path segment (file names may hold spaces and other characters).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
