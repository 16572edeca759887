//! `keyward key inspect` driven like a user: the built binary, real case files, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn cases() -> PathBuf {
    std::env::var_os("KEYWARD_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/cases"))
        .join("keys")
}

fn keyward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn password_file(dir: &tempfile::TempDir, password: &str) -> String {
    let path = dir.path().join("password");
    std::fs::write(&path, format!("{password}\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Parses stdout as exactly one JSON object.
fn one_json_object(output: &Output) -> serde_json::Value {
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    let value = stream.next().unwrap().unwrap();
    assert!(stream.next().is_none(), "more than one JSON value: {text}");
    assert!(value.is_object());
    value
}

fn case(path: &str) -> String {
    cases().join(path).to_str().unwrap().to_owned()
}

#[test]
fn k2_accepted_pkcs12_exits_0_with_one_json_object_naming_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let pw = password_file(&dir, "Test-Pfx-Pass-1!");
    let file = case("pfx/p02a_openssl3_default_aes256_sha256mac.pfx");
    let output = keyward(&["key", "inspect", &file, "--password-file", &pw, "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let json = one_json_object(&output);
    assert_eq!(json["accepted"], true);
    assert_eq!(json["format"], "pkcs12");
    assert_eq!(
        json["fingerprint"],
        "fd811584fdae6316a4bc57e165a21e1d5552ef72e104e39be573e0374bfd09f1"
    );
}

#[test]
fn k3_accepted_byok_exits_0_with_the_same_fingerprint() {
    let kid =
        "https://example-vault.vault.azure.net/keys/test-kek/0123456789abcdef0123456789abcdef";
    let kek = case("kek/kek_private.pem");
    let file = case("byok/b01_conformant_base64url_nopad.byok");
    let args = [
        "key",
        "inspect",
        &file,
        "--kek-private-key",
        &kek,
        "--kek-id",
        kid,
        "--json",
    ];
    let output = keyward(&args);
    assert_eq!(output.status.code(), Some(0));
    let json = one_json_object(&output);
    assert_eq!(json["format"], "byok");
    assert_eq!(
        json["fingerprint"],
        "fd811584fdae6316a4bc57e165a21e1d5552ef72e104e39be573e0374bfd09f1"
    );
}

#[test]
fn k2_refused_file_exits_1_with_code_rule_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let pw = password_file(&dir, "Wrong-Pass-9?");
    let file = case("pfx/p18b_wrong_password_supplied.pfx");
    let output = keyward(&["key", "inspect", &file, "--password-file", &pw, "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let json = one_json_object(&output);
    assert_eq!(json["accepted"], false);
    assert_eq!(json["code"], "pkcs12_incorrect_password");
    assert_eq!(json["rule"], "K2");
    assert!(json["message"]
        .as_str()
        .unwrap()
        .contains("incorrect password"));
}

#[test]
fn k1_wrong_key_size_is_refused_in_the_human_summary_too() {
    let dir = tempfile::tempdir().unwrap();
    let pw = password_file(&dir, "Test-Pfx-Pass-1!");
    let file = case("pfx/p12_rsa3072_wrong_size.pfx");
    let output = keyward(&["key", "inspect", &file, "--password-file", &pw]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("key_wrong_size") && text.contains("found RSA 3072"),
        "{text}"
    );
}

#[test]
fn missing_file_is_a_usage_error_with_exit_2() {
    let output = keyward(&["key", "inspect", "/nonexistent/key.pfx", "--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn missing_arguments_are_a_usage_error_with_exit_2() {
    assert_eq!(keyward(&["key", "inspect"]).status.code(), Some(2));
    let output = keyward(&["key", "inspect", "x.pfx", "--kek-id", "only-the-id"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_password_is_never_accepted_as_an_argument() {
    let file = case("pfx/p00_control_builder_aes256_sha256mac.pfx");
    let output = keyward(&["key", "inspect", &file, "--password", "Test-Pfx-Pass-1!"]);
    assert_eq!(output.status.code(), Some(2));
}
