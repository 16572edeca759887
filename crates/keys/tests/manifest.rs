//! Every real-input case of `shared/cases/keys` gets the verdict its manifest expects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use keyward_keys::{inspect, Inspection};

/// The refusal code each rejected case must produce.
const EXPECTED_CODES: &[(&str, &str)] = &[
    (
        "pfx/p01c_rc4-128_obsolete.pfx",
        "pkcs12_unsupported_encryption",
    ),
    ("pfx/p03a_empty_password_aes.pfx", "pkcs12_no_password"),
    ("pfx/p03b_empty_password_legacy.pfx", "pkcs12_no_password"),
    (
        "pfx/p05a_no_mac_no_encryption.pfx",
        "pkcs12_not_password_protected",
    ),
    (
        "pfx/p05b_mac_only_plaintext_keybag.pfx",
        "pkcs12_key_not_encrypted",
    ),
    (
        "pfx/p08c_two_private_keys.pfx",
        "pkcs12_multiple_private_keys",
    ),
    (
        "pfx/p10_certificate_only_no_private_key.pfx",
        "pkcs12_no_private_key",
    ),
    (
        "pfx/p11_key_and_certificate_do_not_match.pfx",
        "pkcs12_certificate_mismatch",
    ),
    ("pfx/p12_rsa1024_wrong_size.pfx", "key_wrong_size"),
    ("pfx/p12_rsa3072_wrong_size.pfx", "key_wrong_size"),
    ("pfx/p12_rsa4096_wrong_size.pfx", "key_wrong_size"),
    ("pfx/p12_ec_p256_wrong_type.pfx", "key_wrong_type"),
    (
        "pfx/p12_rsassa_pss_2048_restricted.pfx",
        "key_rsa_pss_restricted",
    ),
    ("pfx/p13d_pem_bundle_renamed.pfx", "pem_not_pkcs12"),
    (
        "pfx/p13e_keyvault_style_base64_passwordless.pfx",
        "pkcs12_no_password",
    ),
    (
        "pfx/p15a_mac_iterations_2147483647.pfx",
        "pkcs12_iteration_limit",
    ),
    (
        "pfx/p15b_keybag_pbkdf2_6000000_iterations.pfx",
        "pkcs12_iteration_limit",
    ),
    (
        "pfx/p15d_mac_iterations_negative.pfx",
        "pkcs12_invalid_iteration_count",
    ),
    (
        "pfx/p16b_keytool_truststore_only_no_key.p12",
        "pkcs12_no_private_key",
    ),
    (
        "pfx/p16c_keytool_two_private_key_entries.p12",
        "pkcs12_multiple_private_keys",
    ),
    (
        "pfx/p16d_java_key_password_differs_from_store_password.p12",
        "pkcs12_key_password_differs",
    ),
    ("pfx/p18a_truncated.pfx", "pkcs12_malformed"),
    (
        "pfx/p18b_wrong_password_supplied.pfx",
        "pkcs12_incorrect_password",
    ),
    ("pfx/p18c_zero_bytes.pfx", "file_empty"),
    (
        "byok/b05_oaep_sha256_instead_of_sha1.byok",
        "byok_oaep_sha256",
    ),
    ("byok/b06_wrapped_for_other_kek.byok", "byok_kid_mismatch"),
    (
        "byok/b07_kid_mismatch_but_wrapped_with_our_kek.byok",
        "byok_kid_mismatch",
    ),
    ("byok/b08a_missing_ciphertext.byok", "byok_missing_field"),
    ("byok/b08b_missing_header.byok", "byok_missing_field"),
    (
        "byok/b08d_missing_schema_version.byok",
        "byok_missing_field",
    ),
    (
        "byok/b08f_schema_version_2.0.0.byok",
        "byok_unsupported_schema_version",
    ),
    (
        "byok/b09a_enc_CKM_RSA_AES_KEY_WRAP_PAD.byok",
        "byok_unsupported_enc",
    ),
    (
        "byok/b09b_alg_RSA-OAEP_not_dir.byok",
        "byok_unsupported_alg",
    ),
    ("byok/b10_target_ec_p256.byok", "key_wrong_type"),
    ("byok/b11a_target_rsa4096.byok", "key_wrong_size"),
    ("byok/b11c_target_rsa1024.byok", "key_wrong_size"),
    (
        "byok/b12_target_pkcs1_not_pkcs8.byok",
        "byok_target_not_pkcs8",
    ),
    ("byok/b14a_kwp_bitflip.byok", "byok_unwrap_failed"),
    (
        "byok/b14c_ciphertext_invalid_characters.byok",
        "byok_ciphertext_not_base64",
    ),
    // A binary PKCS#12 named .byok is recognised by content; it needs its password.
    (
        "byok/b15a_pfx_renamed_to_byok.byok",
        "pkcs12_password_required",
    ),
    ("byok/b15b_empty_file.byok", "file_empty"),
];

fn verdicts() -> Vec<(common::Case, Inspection)> {
    let kek = common::test_kek();
    common::manifest()
        .into_iter()
        .map(|case| {
            let password = case.password();
            let verdict = inspect(&case.bytes(), password.as_ref(), Some(&kek));
            (case, verdict)
        })
        .collect()
}

#[test]
fn k1_k2_k3_every_manifest_case_gets_its_expected_verdict_and_code() {
    let codes: BTreeMap<_, _> = EXPECTED_CODES.iter().copied().collect();
    let identities: BTreeMap<_, _> = common::identities().into_iter().collect();
    let mut failures = Vec::new();
    for (case, verdict) in verdicts() {
        let outcome = match &verdict {
            Inspection::Accepted(summary) => format!("accepted {}", summary.fingerprint),
            Inspection::Refused(error) => format!("refused {}: {error}", error.code()),
        };
        let ok = match (&verdict, case.accept) {
            (Inspection::Accepted(summary), true) => {
                identities.get(case.file.as_str()) == Some(&summary.fingerprint.to_hex())
            }
            (Inspection::Refused(error), false) => {
                let leaks = !case.password.is_empty() && outcome.contains(&case.password);
                codes.get(case.file.as_str()) == Some(&error.code()) && !leaks
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: {outcome}", case.file));
        }
    }
    assert!(
        failures.is_empty(),
        "unexpected verdicts:\n{}",
        failures.join("\n")
    );
}

#[test]
fn k2_every_rejected_case_has_an_expected_code_in_the_table() {
    let codes: BTreeMap<_, _> = EXPECTED_CODES.iter().copied().collect();
    for case in common::manifest().iter().filter(|case| !case.accept) {
        assert!(
            codes.contains_key(case.file.as_str()),
            "{} has no code",
            case.file
        );
    }
    assert_eq!(
        codes.len(),
        EXPECTED_CODES.len(),
        "duplicate rows in the table"
    );
}

#[test]
fn k2_k3_a_pkcs12_and_a_byok_of_the_same_key_have_the_same_identity() {
    let identities: BTreeMap<_, _> = common::identities().into_iter().collect();
    let key_a = common::key_a_fingerprint();
    assert_eq!(
        identities["pfx/p00_control_builder_aes256_sha256mac.pfx"],
        key_a
    );
    assert_eq!(
        identities["byok/b01_conformant_base64url_nopad.byok"],
        key_a
    );
}

#[test]
fn k2_without_any_password_an_empty_password_file_is_named_as_such() {
    let case = common::cases_dir().join("pfx/p03a_empty_password_aes.pfx");
    let verdict = inspect(&std::fs::read(case).unwrap(), None, None);
    assert_eq!(
        verdict.error().map(|e| e.code()),
        Some("pkcs12_no_password")
    );
}

#[test]
fn k2_a_password_protected_file_without_a_password_asks_for_one() {
    let case = common::cases_dir().join("pfx/p00_control_builder_aes256_sha256mac.pfx");
    let verdict = inspect(&std::fs::read(case).unwrap(), None, None);
    assert_eq!(
        verdict.error().map(|e| e.code()),
        Some("pkcs12_password_required")
    );
}

#[test]
fn k3_a_byok_without_a_kek_is_refused_after_its_header_is_checked() {
    let case = common::cases_dir().join("byok/b01_conformant_base64url_nopad.byok");
    let verdict = inspect(&std::fs::read(case).unwrap(), None, None);
    assert_eq!(verdict.error().map(|e| e.code()), Some("byok_no_kek"));
}
