//! Errors: `{code, rule, message, allowed_from}` with the status chosen by the variant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::Harness;
use keyward_domain::model::{JobState, Role};
use keyward_domain::{Policy, TenantId};
use serde_json::json;

fn assert_shape(body: &serde_json::Value) {
    let object = body.as_object().expect("an error is a JSON object");
    for field in ["code", "rule", "message", "allowed_from"] {
        assert!(object.contains_key(field), "{field} missing from {body}");
    }
    assert!(!body["message"].as_str().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k2_a_refused_key_file_is_400_with_its_code_and_rule() {
    let h = Harness::new();
    let tenant = h.tenant("a", true).await;
    let admin = h.token("ta", Role::TenantAdmin { tenant });
    let path = "/api/v1/tenants/a/regions/eu/keys/upload";
    let garbage =
        json!({"file_base64": BASE64.encode(b"not a key file"), "acknowledge_risk": true});
    let reply = h
        .call(Method::POST, path, Some(&admin), Some(garbage))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_shape(&reply.body);
    assert_eq!(reply.body["rule"], "K2");

    let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
    let key = openssl::pkey::PKey::from_rsa(rsa).unwrap();
    let p12 = openssl::pkcs12::Pkcs12::builder()
        .pkey(&key)
        .build2("")
        .unwrap();
    let file = BASE64.encode(p12.to_der().unwrap());
    let empty = json!({"file_base64": file, "password": "", "acknowledge_risk": true});
    let reply = h.call(Method::POST, path, Some(&admin), Some(empty)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.body["rule"], "K2", "{}", reply.body);
    assert!(reply.body["allowed_from"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l2_and_l5_refusals_are_409_with_rule_window_end_and_environment_locked() {
    let h = Harness::new();
    let tenant = h.tenant("a", true).await;
    let env = h.environment("a", "a1").await;
    let admin = h.token(
        "ta",
        Role::TenantAdmin {
            tenant: tenant.clone(),
        },
    );
    let keys = "/api/v1/tenants/a/regions/eu";
    let generated = h
        .call(
            Method::POST,
            &format!("{keys}/keys/generate"),
            Some(&admin),
            Some(json!({"password": "errors-test-pass-1", "acknowledge_risk": true})),
        )
        .await;
    assert_eq!(generated.status, StatusCode::OK, "{}", generated.body);
    let pkcs12 = generated.body["pkcs12_base64"].as_str().unwrap().to_owned();
    assert_eq!(generated.body["key"]["state"], "active");

    let applied = h
        .call(
            Method::POST,
            &format!("/api/v1/environments/{env}/apply-key"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(applied.status, StatusCode::ACCEPTED, "{}", applied.body);
    let job = h
        .wait_job(applied.body["id"].as_str().unwrap(), &admin)
        .await;
    assert_eq!(job.state, JobState::Succeeded, "{job:?}");

    let too_soon = h
        .call(
            Method::POST,
            &format!("{keys}/lock/confirmation"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(too_soon.status, StatusCode::CONFLICT, "{}", too_soon.body);
    assert_shape(&too_soon.body);
    assert_eq!(
        (too_soon.code(), &too_soon.body["rule"]),
        ("lock_too_soon", &json!("L2"))
    );
    assert!(too_soon.body["allowed_from"].is_string());

    h.clock.advance(time::Duration::hours(73));
    let issued = h
        .call(
            Method::POST,
            &format!("{keys}/lock/confirmation"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let lock = json!({
        "file_base64": pkcs12, "password": "errors-test-pass-1", "acknowledge_risk": true,
        "confirmation": issued.body["confirmation"],
    });
    let locked = h
        .call(
            Method::POST,
            &format!("{keys}/lock"),
            Some(&admin),
            Some(lock),
        )
        .await;
    assert_eq!(locked.status, StatusCode::ACCEPTED, "{}", locked.body);
    h.wait_job(locked.body["id"].as_str().unwrap(), &admin)
        .await;

    let sql = json!({"sql": "select 1"});
    let reply = h
        .call(
            Method::POST,
            &format!("/api/v1/environments/{env}/sql"),
            Some(&admin),
            Some(sql),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert_shape(&reply.body);
    assert_eq!(reply.code(), "environment_locked");
    assert_eq!(reply.body["rule"], "L5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_object_is_404_not_found_and_an_unknown_route_is_404_no_such_route() {
    let h = Harness::new();
    let reply = h
        .call(
            Method::GET,
            "/api/v1/environments/env-nothing",
            Some(&h.operator),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_shape(&reply.body);
    assert_eq!(reply.code(), "not_found");
    assert!(reply.body["rule"].is_null());

    let reply = h
        .call(Method::GET, "/api/v1/nowhere", Some(&h.operator), None)
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::NOT_FOUND, "no_such_route")
    );
    let reply = h
        .call(Method::PATCH, "/api/v1/tenants", Some(&h.operator), None)
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let reply = h
        .call(
            Method::GET,
            "/api/v1/tenants/Not_Valid",
            Some(&h.operator),
            None,
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e5_a_file_over_the_policy_limit_is_413_and_nothing_is_stored() {
    let policy = Policy {
        max_file_bytes: 1024,
        ..Policy::default()
    };
    let h = Harness::with_policy(policy);
    let tenant = h.tenant("a", false).await;
    let env = h.environment("a", "a1").await;
    let admin = h.token(
        "ta",
        Role::TenantAdmin {
            tenant: TenantId::clone(&tenant),
        },
    );
    let uri = format!("/api/v1/environments/{env}/files/big.bin");
    let auth = format!("Bearer {admin}");

    // Declared too large: refused before the body is read.
    let declared = Request::put(&uri)
        .header("authorization", &auth)
        .header("content-length", "2048");
    let reply = h
        .send(declared.body(Body::from(vec![7u8; 2048])).unwrap())
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_shape(&reply.body);
    assert_eq!(
        (reply.code(), &reply.body["rule"]),
        ("file_too_large", &json!("E5"))
    );

    // No length declared: cut off while streaming.
    let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 512])));
    let streamed = Request::put(&uri).header("authorization", &auth);
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let reply = h.send(streamed.body(body).unwrap()).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert_eq!(reply.code(), "file_too_large");

    let listed = h
        .call(
            Method::GET,
            &format!("/api/v1/environments/{env}/files"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(listed.body, json!([]), "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_body_over_one_mib_is_413_body_too_large() {
    let h = Harness::new();
    let body = json!({"id": "a", "name": "x".repeat(1024 * 1024 + 1), "regions": ["eu"]});
    let reply = h
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(&h.operator),
            Some(body),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    let reply = h
        .call(
            Method::POST,
            "/api/v1/tenants",
            Some(&h.operator),
            Some(json!({"id": 1})),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}
