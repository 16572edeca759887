//! L4 and the logging rule: with TRACE logging on, no import or generation path writes a
//! password or any private-key bytes (raw, hex or base64) into the logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use keyward_keys::{generate, import_key, IterationLimits, Password, Pkcs12Profile};
use tracing_subscriber::fmt::MakeWriter;

/// A writer that appends everything into one shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every encoding of `der` a careless log line could contain.
fn forbidden_forms(der: &[u8]) -> Vec<Vec<u8>> {
    let middle = &der[der.len() / 2..der.len() / 2 + 24];
    vec![
        hex::encode(der).into_bytes(),
        hex::encode_upper(middle).into_bytes(),
        hex::encode(middle).into_bytes(),
        base64::engine::general_purpose::STANDARD
            .encode(der)
            .into_bytes(),
        base64::engine::general_purpose::STANDARD
            .encode(middle)
            .into_bytes(),
        middle.to_vec(),
        format!("{middle:?}").into_bytes(),
    ]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn l4_trace_logs_of_every_import_and_generation_path_hold_no_secret() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let password_text = "Test-Pfx-Pass-1!";
    let password = Password::from_bytes(password_text.as_bytes());
    let kek = common::test_kek();
    let mut secrets: Vec<Vec<u8>> = vec![password_text.as_bytes().to_vec()];

    tracing::subscriber::with_default(subscriber, || {
        for profile in [Pkcs12Profile::Modern, Pkcs12Profile::Legacy] {
            let generated = generate(&password, profile).unwrap();
            secrets.extend(forbidden_forms(&generated.key.to_pkcs8_der().unwrap()));
            let bytes = generated.pkcs12.as_bytes();
            import_key(bytes, Some(&password), None, IterationLimits::default()).unwrap();
        }
        for case in common::manifest() {
            let given = case.password();
            let result = import_key(
                &case.bytes(),
                given.as_ref(),
                Some(&kek),
                Default::default(),
            );
            if let Ok(imported) = result {
                secrets.extend(forbidden_forms(&imported.key.to_pkcs8_der().unwrap()));
            }
        }
    });

    for case in common::manifest().iter().filter(|c| !c.password.is_empty()) {
        secrets.push(case.password.clone().into_bytes());
    }
    secrets.extend(forbidden_forms(
        kek.export_private().unwrap().expose_pkcs8_der(),
    ));

    let logs = capture.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&logs);
    assert!(
        text.contains("key import") && text.contains("tenant key generated"),
        "{text}"
    );
    assert!(
        text.contains("DEBUG") && text.contains("fingerprint"),
        "{text}"
    );
    for secret in &secrets {
        assert!(!contains(&logs, secret), "a secret appeared in the logs");
    }
}
