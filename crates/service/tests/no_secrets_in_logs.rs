//! Logs help an operator, never an attacker: with trace-level logging on, a planted
//! password, a token and SQL text never reach the log, while the request lines do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use common::Harness;
use keyward_domain::model::Role;
use serde_json::json;

/// A log sink shared by every thread of the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_password_token_and_sql_never_appear_in_trace_logs() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let h = Harness::new();
    let tenant = h.tenant("a", true).await;
    let env = h.environment("a", "a1").await;
    let admin = h.token("planted-admin", Role::TenantAdmin { tenant });
    let password = "planted-password-3f9a1c";
    let generate = json!({"password": password, "acknowledge_risk": true});
    let path = "/api/v1/tenants/a/regions/eu/keys/generate";
    let reply = h
        .call(Method::POST, path, Some(&admin), Some(generate))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let file = &reply.body["pkcs12_base64"];
    let wrong =
        json!({"file_base64": file, "password": "planted-wrong-77b2", "acknowledge_risk": true});
    let path = "/api/v1/tenants/a/regions/eu/keys/upload";
    h.call(Method::POST, path, Some(&admin), Some(wrong)).await;
    let sql = json!({"sql": "select 'planted-sql-5e1d'"});
    let path = format!("/api/v1/environments/{env}/sql");
    h.call(Method::POST, &path, Some(&admin), Some(sql)).await;

    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("/api/v1/environments/{e}/sql"),
        "request lines are logged"
    );
    assert!(
        log.contains("planted-admin"),
        "the token's label is the principal"
    );
    let (_, secret) = admin.rsplit_once('_').unwrap();
    for planted in [
        password,
        "planted-wrong-77b2",
        "planted-sql-5e1d",
        secret,
        &h.operator,
    ] {
        assert!(!log.contains(planted), "{planted} leaked into the log");
    }
}
