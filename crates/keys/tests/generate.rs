//! Key generation (K4) round trips, and interoperability with the tools users have:
//! OpenSSL 3 (no `-legacy`), Java 17 keytool and Python `cryptography`, plus files made by
//! `openssl pkcs12 -export` and `keytool -genkeypair` imported back (K2).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use keyward_keys::{
    generate, import_key, GeneratedKey, IterationLimits, KeyFormat, Password, Pkcs12Profile,
    GENERATION_ITERATIONS,
};

/// ASCII, because keytool reads password files in the platform charset; the non-ASCII
/// path is covered by the legacy round trip below and by manifest case p06a.
const PASSWORD: &str = " Gen-Test-Pass-7 ";

fn password() -> Password {
    Password::from_bytes(PASSWORD.as_bytes())
}

/// One modern file for every interoperability test (generation costs ~0.5 s).
fn modern() -> &'static GeneratedKey {
    static MODERN: OnceLock<GeneratedKey> = OnceLock::new();
    MODERN.get_or_init(|| generate(&password(), Pkcs12Profile::Modern).unwrap())
}

/// Writes the modern file and its password into `dir`; returns (file, password file).
fn write_modern(dir: &Path) -> (String, String) {
    let file = dir.join("generated.p12");
    let pw = dir.join("password");
    std::fs::write(&file, modern().pkcs12.as_bytes()).unwrap();
    std::fs::write(&pw, PASSWORD).unwrap();
    (
        file.to_str().unwrap().to_owned(),
        pw.to_str().unwrap().to_owned(),
    )
}

/// Runs a command, asserting success, returning stdout + stderr.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{text}"
    );
    text
}

fn import(bytes: &[u8], password: &Password) -> keyward_keys::ImportedKey {
    import_key(bytes, Some(password), None, IterationLimits::default()).unwrap()
}

#[test]
fn k4_modern_and_legacy_files_import_back_with_the_same_fingerprint() {
    let non_ascii = Password::from_bytes("Pässwörd € Ünïcødé".as_bytes());
    let legacy = generate(&non_ascii, Pkcs12Profile::Legacy).unwrap();
    for (generated, password) in [(modern(), password()), (&legacy, non_ascii)] {
        let imported = import(generated.pkcs12.as_bytes(), &password);
        assert_eq!(imported.format, KeyFormat::Pkcs12);
        assert_eq!(imported.fingerprint, generated.fingerprint);
        assert_eq!(imported.certificates, Some(1));
        assert_eq!(generated.key.expose_pkey().bits(), 2048);
    }
}

#[test]
fn k4_generation_iterations_fit_within_the_default_import_limits() {
    let limits = IterationLimits::default();
    assert!(u64::from(GENERATION_ITERATIONS) <= limits.per_derivation);
    assert!(3 * u64::from(GENERATION_ITERATIONS) <= limits.per_file);
}

#[test]
fn k4_an_empty_password_is_refused() {
    let err = generate(&Password::from_bytes(b""), Pkcs12Profile::Modern).unwrap_err();
    assert_eq!(err.code(), "generate_empty_password");
}

#[test]
fn k4_a_password_shorter_than_twelve_characters_is_refused_before_any_work() {
    let err = generate(
        &Password::from_bytes("élevenchars".as_bytes()),
        Pkcs12Profile::Modern,
    )
    .unwrap_err();
    assert_eq!(err.code(), "generate_password_too_short");
    assert!(err.to_string().contains("at least 12"), "{err}");
}

#[test]
fn k4_modern_file_uses_pbes2_aes256_and_a_sha256_mac_per_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let (file, pw) = write_modern(dir.path());
    let passin = format!("file:{pw}");
    let info = run(
        "openssl",
        &[
            "pkcs12", "-in", &file, "-passin", &passin, "-nokeys", "-info",
        ],
    );
    assert!(info.contains("MAC: sha256"), "{info}");
    assert!(info.contains("PBES2, PBKDF2, AES-256-CBC"), "{info}");
    assert!(info.contains("PRF hmacWithSHA256"), "{info}");
    assert!(!info.contains("3DES") && !info.contains("RC2"), "{info}");
    assert!(
        info.contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC"),
        "{info}"
    );
}

#[test]
fn k4_modern_file_opens_in_java_17_keytool() {
    let dir = tempfile::tempdir().unwrap();
    let (file, pw) = write_modern(dir.path());
    let args = [
        "-list",
        "-keystore",
        &file,
        "-storetype",
        "PKCS12",
        "-storepass:file",
        &pw,
    ];
    let list = run("keytool", &args);
    assert!(list.contains("PrivateKeyEntry"), "{list}");
}

#[test]
fn k4_modern_file_opens_in_python_cryptography() {
    let dir = tempfile::tempdir().unwrap();
    let (file, pw) = write_modern(dir.path());
    let script = "import sys\n\
        from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat\n\
        import hashlib\n\
        data = open(sys.argv[1], 'rb').read()\n\
        pw = open(sys.argv[2], 'rb').read()\n\
        key, cert, extra = pkcs12.load_key_and_certificates(data, pw)\n\
        spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)\n\
        print(hashlib.sha256(spki).hexdigest(), key.key_size, cert is not None)\n";
    let out = run("python3", &["-c", script, &file, &pw]);
    let expected = format!("{} 2048 True", modern().fingerprint.to_hex());
    assert_eq!(out.trim(), expected);
}

/// The SPKI SHA-256 of a PEM private key, computed by the OpenSSL CLI and `sha256sum`.
fn independent_fingerprint(key_pem: &str) -> String {
    let script = format!("openssl pkey -in '{key_pem}' -pubout -outform DER | sha256sum");
    let out = run("sh", &["-c", &script]);
    out.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn k2_a_file_made_by_openssl_pkcs12_export_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (key, cert, out, pw) = (
        path("key.pem"),
        path("cert.pem"),
        path("out.p12"),
        path("pw"),
    );
    std::fs::write(&pw, "Openssl-Made-1\n").unwrap();
    let passout = format!("file:{pw}");
    run(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &key,
        ],
    );
    run(
        "openssl",
        &[
            "req", "-new", "-x509", "-key", &key, "-subj", "/CN=t", "-days", "2", "-out", &cert,
        ],
    );
    run(
        "openssl",
        &[
            "pkcs12", "-export", "-inkey", &key, "-in", &cert, "-passout", &passout, "-out", &out,
        ],
    );

    let password = Password::read_from_file(Path::new(&pw)).unwrap();
    let imported = import(&std::fs::read(&out).unwrap(), &password);
    assert_eq!(imported.fingerprint.to_hex(), independent_fingerprint(&key));
}

#[test]
fn k2_a_file_made_by_keytool_genkeypair_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let (store, pw, key) = (path("store.p12"), path("pw"), path("key.pem"));
    std::fs::write(&pw, "Keytool-Made-1").unwrap();
    let genkey = [
        "-genkeypair",
        "-alias",
        "k",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=t",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        &store,
        "-storepass:file",
        &pw,
    ];
    run("keytool", &genkey);
    let passin = format!("file:{pw}");
    run(
        "openssl",
        &[
            "pkcs12", "-in", &store, "-passin", &passin, "-nocerts", "-noenc", "-out", &key,
        ],
    );

    let password = Password::read_from_file(Path::new(&pw)).unwrap();
    let imported = import(&std::fs::read(&store).unwrap(), &password);
    assert_eq!(imported.fingerprint.to_hex(), independent_fingerprint(&key));
}
