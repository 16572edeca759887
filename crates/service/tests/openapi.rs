//! The OpenAPI document stays true: it lists exactly the routes the router serves, with
//! their methods, and exactly the routes of `docs/api.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use common::Harness;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn concrete(path: &str) -> String {
    let parts: Vec<String> = path
        .split('/')
        .map(|p| {
            if p.starts_with('{') {
                "x-1".to_owned()
            } else {
                p.to_owned()
            }
        })
        .collect();
    format!("/api/v1{}", parts.join("/"))
}

async fn document(h: &Harness) -> serde_json::Value {
    let reply = h
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["openapi"], "3.1.0");
    reply.body
}

fn operations(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_and_every_other_method_is_405() {
    let h = Harness::new();
    let doc = document(&h).await;
    let documented = operations(&doc);
    assert!(!documented.is_empty());
    for (method, path) in &documented {
        let method: Method = method.to_uppercase().parse().unwrap();
        let reply = h
            .call(method.clone(), &concrete(path), Some(&h.operator), None)
            .await;
        let served =
            reply.status != StatusCode::METHOD_NOT_ALLOWED && reply.code() != "no_such_route";
        assert!(
            served,
            "{method} {path} is documented but not served: {}",
            reply.status
        );
    }
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in METHODS {
            if documented.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let verb: Method = method.to_uppercase().parse().unwrap();
            let reply = h.call(verb, &concrete(path), Some(&h.operator), None).await;
            assert_eq!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is served but not documented"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_exactly_the_router_table_and_the_routes_of_docs_api_md() {
    let h = Harness::new();
    let documented = operations(&document(&h).await);
    let table: BTreeSet<(String, String)> = keyward_service::ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, table);

    let api_md =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    let contract: BTreeSet<(String, String)> = api_md
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let method = cells.get(1)?;
            if !METHODS.iter().any(|m| m.eq_ignore_ascii_case(method)) {
                return None;
            }
            let path = cells.get(2)?.trim_matches('`');
            let path = path.split('?').next()?;
            Some((method.to_lowercase(), path.to_owned()))
        })
        .collect();
    assert_eq!(
        documented, contract,
        "docs/api.md and the OpenAPI document differ"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_openapi_need_no_token_and_every_other_operation_declares_one() {
    let h = Harness::new();
    let doc = document(&h).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = op.get("security") == Some(&serde_json::json!([]));
            let expected = path == "/health" || path == "/openapi.json";
            assert_eq!(public, expected, "{method} {path}");
        }
    }
    let health = h.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(health.body["status"], "ok");
}
