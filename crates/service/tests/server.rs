//! The real server on a loopback listener: the operator token file, the refusal of plain
//! HTTP on a non-loopback address, TLS with a certificate made at test time, and a
//! graceful stop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use keyward_service::config::{ConfigError, ServiceConfig, Settings};
use keyward_service::ServeError;
use openssl::asn1::Asn1Time;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod};
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509Builder, X509NameBuilder};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

fn config(data_dir: &Path, extra: Settings) -> ServiceConfig {
    let base = Settings {
        data_dir: Some(data_dir.to_owned()),
        listen: Some("127.0.0.1:0".into()),
        shutdown_grace_seconds: Some(5),
        ..Settings::default()
    };
    ServiceConfig::resolve(extra.over(base)).unwrap()
}

/// Starts the server; returns its address, the stop switch and the serving task.
async fn start(
    config: ServiceConfig,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    JoinHandle<Result<(), ServeError>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (ready, address) = oneshot::channel();
    let task = tokio::spawn(keyward_service::serve_until(
        config,
        async {
            let _ = stopped.await;
        },
        move |addr| {
            let _ = ready.send(addr);
        },
    ));
    (address.await.unwrap(), stop, task)
}

/// One HTTP/1.1 GET over `stream`.
async fn get<S>(stream: S, path: &str, token: Option<&str>) -> (StatusCode, serde_json::Value)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = Request::get(path).header("host", "localhost");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = sender
        .send_request(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_writes_an_operator_token_file_with_mode_0600_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (addr, stop, task) = start(config(&data, Settings::default())).await;

    let file = data.join("operator.token");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let token = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(token.starts_with("kw_"));

    let stream = TcpStream::connect(addr).await.unwrap();
    let (status, body) = get(stream, "/api/v1/metrics", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tenants"], 0);

    stop.send(()).unwrap();
    task.await.unwrap().unwrap();

    // A second start keeps the token: the file is not rewritten.
    let (_, stop, task) = start(config(&data, Settings::default())).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), token);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_token_file_readable_by_others_refuses_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let file = data.join("operator.token");
    std::fs::write(&file, "kw_x\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let outcome =
        keyward_service::serve_until(config(&data, Settings::default()), async {}, |_| {}).await;
    assert!(
        matches!(outcome, Err(ServeError::OperatorTokenExposed(_))),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_address_without_tls_is_refused_unless_explicitly_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let exposed = Settings {
        listen: Some("0.0.0.0:7443".into()),
        data_dir: Some(dir.path().into()),
        ..Settings::default()
    };
    let refused = ServiceConfig::resolve(exposed.clone());
    assert!(
        matches!(refused, Err(ConfigError::PlaintextExposure(_))),
        "{refused:?}"
    );

    // serve refuses such a config even when built by hand, before binding anything.
    let mut by_hand = config(dir.path(), Settings::default());
    by_hand.listen = "0.0.0.0:7443".parse().unwrap();
    let outcome = keyward_service::serve_until(by_hand, async {}, |_| {}).await;
    assert!(matches!(
        outcome,
        Err(ServeError::Config(ConfigError::PlaintextExposure(_)))
    ));

    let insecure = Settings {
        insecure_allow_plaintext: Some(true),
        ..exposed.clone()
    };
    assert!(ServiceConfig::resolve(insecure).is_ok());
    let with_tls = Settings {
        tls_cert: Some("/c.pem".into()),
        tls_key: Some("/k.pem".into()),
        ..exposed
    };
    assert!(ServiceConfig::resolve(with_tls).is_ok());
}

/// A self-signed certificate for `localhost` and 127.0.0.1, written as PEM files.
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, openssl::x509::X509) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut builder = X509Builder::new().unwrap();
    builder.set_version(2).unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_issuer_name(&name).unwrap();
    builder.set_pubkey(&key).unwrap();
    builder
        .set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .build(&builder.x509v3_context(None, None))
        .unwrap();
    builder.append_extension(san).unwrap();
    builder.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = builder.build();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.to_pem().unwrap()).unwrap();
    std::fs::write(&key_path, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    (cert_path, key_path, cert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_the_api_with_a_certificate_made_at_test_time() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path, cert) = self_signed(dir.path());
    let tls = Settings {
        tls_cert: Some(cert_path),
        tls_key: Some(key_path),
        ..Settings::default()
    };
    let (addr, stop, task) = start(config(&dir.path().join("data"), tls)).await;

    let mut connector = SslConnector::builder(SslMethod::tls()).unwrap();
    connector.cert_store_mut().add_cert(cert).unwrap();
    let ssl = connector
        .build()
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    std::pin::Pin::new(&mut stream).connect().await.unwrap();
    let (status, body) = get(stream, "/api/v1/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");

    // Plain HTTP to the TLS port gets no answer.
    let plain = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http1::handshake::<_, Body>(TokioIo::new(plain))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut sender = sender;
    let request = Request::get("/api/v1/health")
        .header("host", "localhost")
        .body(Body::empty());
    assert!(sender.send_request(request.unwrap()).await.is_err());

    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
