//! Files stream in and out: a multi-MiB upload and download round-trip with their SHA-256,
//! and the process never holds the file whole in memory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use common::Harness;
use futures_util::StreamExt;
use keyward_domain::model::Role;
use openssl::sha::Sha256;
use tower::ServiceExt;

const MIB: usize = 1024 * 1024;
const FILE_MIB: usize = 64;

/// Deterministic, incompressible-looking content: chunk `i` of the file.
fn chunk(i: usize) -> Bytes {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    let mut out = Vec::with_capacity(MIB);
    while out.len() < MIB {
        seed = openssl::sha::sha256(&seed);
        out.extend_from_slice(&seed);
    }
    Bytes::from(out)
}

/// Peak resident memory of this process, in MiB.
fn peak_rss_mib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_file_streams_in_and_out_with_its_sha256_without_sitting_in_memory() {
    let h = Harness::new();
    let tenant = h.tenant("a", false).await;
    let env = h.environment("a", "a1").await;
    let user = h.token("u", Role::TenantAdmin { tenant });
    let uri = format!("/api/v1/environments/{env}/files/big%20file.bin");
    let before = peak_rss_mib();

    let mut expected = Sha256::new();
    (0..FILE_MIB).for_each(|i| expected.update(&chunk(i)));
    let expected = hex::encode(expected.finish());
    let upload = futures_util::stream::iter(0..FILE_MIB).map(|i| Ok::<_, std::io::Error>(chunk(i)));
    let put = Request::put(&uri)
        .header("authorization", format!("Bearer {user}"))
        .body(Body::from_stream(upload))
        .unwrap();
    let reply = h.send(put).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["sha256"], expected.as_str());
    assert_eq!(reply.body["size"], (FILE_MIB * MIB) as u64);
    assert_eq!(reply.body["name"], "big file.bin");

    let get = Request::get(&uri)
        .header("authorization", format!("Bearer {user}"))
        .body(Body::empty())
        .unwrap();
    let response = h.router.clone().oneshot(get).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.into_body().into_data_stream();
    let (mut digest, mut size, mut frames) = (Sha256::new(), 0usize, 0usize);
    while let Some(frame) = stream.next().await {
        let frame = frame.unwrap();
        digest.update(&frame);
        size += frame.len();
        frames += 1;
    }
    assert_eq!(size, FILE_MIB * MIB);
    assert_eq!(hex::encode(digest.finish()), expected);
    assert!(
        frames >= FILE_MIB,
        "the download came in {frames} pieces, not streamed"
    );

    let grown = peak_rss_mib().saturating_sub(before);
    assert!(
        grown < FILE_MIB / 2,
        "peak memory grew by {grown} MiB for a {FILE_MIB} MiB file"
    );
}
