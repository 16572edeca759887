//! Property tests: the PKCS#12 and BYOK parsers never panic and return quickly on
//! arbitrary bytes and on mutated real files (K2, K3).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use keyward_keys::{inspect, KeyExchangeKey, Password};
use proptest::prelude::*;

/// Generous bound: a mutated file may legitimately ask for up to the iteration limits.
const QUICKLY: Duration = Duration::from_secs(10);

fn kek() -> &'static KeyExchangeKey {
    static KEK: OnceLock<KeyExchangeKey> = OnceLock::new();
    KEK.get_or_init(common::test_kek)
}

/// Real files to mutate: PKCS#12 (DER, BER, legacy, base64) and BYOK.
fn seeds() -> &'static Vec<Vec<u8>> {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        [
            "pfx/p02a_openssl3_default_aes256_sha256mac.pfx",
            "pfx/p14_ber_indefinite_length_encoding.pfx",
            "pfx/p01a_legacy_rc2-40cert_3deskey_sha1mac.pfx",
            "pfx/p07a_pbmac1_hmac_sha256.pfx",
            "pfx/p13a_base64_text_single_line.pfx",
            "byok/b01_conformant_base64url_nopad.byok",
            "byok/b17_whole_file_base64_key_hsm_value.byok",
        ]
        .iter()
        .map(|file| std::fs::read(common::cases_dir().join(file)).unwrap())
        .collect()
    })
}

fn check_quick(bytes: &[u8]) {
    let password = Password::from_bytes(b"Test-Pfx-Pass-1!");
    let start = Instant::now();
    let _ = inspect(bytes, Some(&password), Some(kek()));
    assert!(start.elapsed() < QUICKLY, "took {:?}", start.elapsed());
}

/// One edit to a file: flip, overwrite, truncate or insert.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match edit {
            Edit::Flip(at, mask) => bytes[at % len] ^= mask.max(&1),
            Edit::Set(at, value) => bytes[at % len] = *value,
            Edit::Truncate(at) => bytes.truncate(at % len),
            Edit::Insert(at, more) => {
                let at = at % len;
                bytes.splice(at..at, more.iter().copied());
            }
        }
    }
    bytes
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(a, m)| Edit::Flip(a, m)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, v)| Edit::Set(a, v)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(a, v)| Edit::Insert(a, v)),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn k2_k3_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check_quick(&bytes);
    }

    #[test]
    fn k2_k3_arbitrary_bytes_after_a_sequence_header_never_panic(
        tail in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        let mut bytes = vec![0x30, 0x80];
        bytes.extend(tail);
        check_quick(&bytes);
    }

    #[test]
    fn k2_k3_mutated_real_files_never_panic(
        seed in 0usize..7,
        edits in prop::collection::vec(edit(), 1..4)
    ) {
        let bytes = apply(seeds()[seed % seeds().len()].clone(), &edits);
        check_quick(&bytes);
    }
}
