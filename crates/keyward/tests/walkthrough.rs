//! Runs `examples/walkthrough.sh` — the whole lifecycle through the CLI against a real
//! server — with the binary under test, as CI's proof that the main job works end to end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_walkthrough_runs_the_whole_lifecycle_through_the_cli() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new("bash")
        .arg(root.join("examples/walkthrough.sh"))
        .env("KEYWARD_BIN", env!("CARGO_BIN_EXE_keyward"))
        .env_remove("KEYWARD_TOKEN")
        .env_remove("KEYWARD_TOKEN_FILE")
        .env_remove("KEYWARD_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "walkthrough failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("walkthrough passed"), "{stdout}");
}
