//! Recognises an upload's format by its content, never by its file name.
//!
//! Accepted shapes: binary DER/BER PKCS#12; PKCS#12 as base64 text (one line or wrapped)
//! or in `-----BEGIN PKCS12-----` armour; `.byok` JSON (UTF-8 BOM tolerated); the whole
//! `.byok` file base64-encoded. A PEM private key or certificate is named as such so the
//! user knows what to export instead. Only one layer of base64 is ever removed.
//!
//! This module copies bytes around but never interprets keys or passwords.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::ImportError;

/// The two upload formats (SPEC K2, K3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    /// PKCS#12 (`.pfx`/`.p12`).
    Pkcs12,
    /// Azure Key Vault BYOK key-transfer blob (`.byok`).
    Byok,
}

impl KeyFormat {
    /// The format's name in JSON output and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pkcs12 => "pkcs12",
            Self::Byok => "byok",
        }
    }
}

/// An upload with its format known and any text armour removed.
pub(crate) struct Sniffed {
    pub format: KeyFormat,
    pub bytes: Vec<u8>,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const PKCS12_PEM_BEGIN: &str = "-----BEGIN PKCS12-----";
const PKCS12_PEM_END: &str = "-----END PKCS12-----";

/// Recognises the format of an upload by its content, without any key or password.
///
/// Callers use this to decide whether to ask for a password before importing.
pub fn detect_format(bytes: &[u8]) -> Result<KeyFormat, ImportError> {
    sniff(bytes).map(|sniffed| sniffed.format)
}

/// Decides the format of `bytes`.
pub(crate) fn sniff(bytes: &[u8]) -> Result<Sniffed, ImportError> {
    let body = strip_bom(bytes);
    let text = body.trim_ascii_start();
    if text.is_empty() {
        return Err(ImportError::FileEmpty);
    }
    if text.starts_with(b"{") {
        return Ok(found(KeyFormat::Byok, body));
    }
    if let Ok(utf8) = std::str::from_utf8(text) {
        if utf8.contains("-----BEGIN ") {
            return sniff_pem(utf8);
        }
    }
    if let Some(decoded) = decode_base64_text(text) {
        if let Some(sniffed) = classify_decoded(decoded) {
            return Ok(sniffed);
        }
    }
    if body.first() == Some(&0x30) {
        return Ok(found(KeyFormat::Pkcs12, body));
    }
    Err(ImportError::UnrecognizedFormat)
}

fn found(format: KeyFormat, bytes: &[u8]) -> Sniffed {
    Sniffed {
        format,
        bytes: bytes.to_vec(),
    }
}

/// Strips a UTF-8 byte-order mark, which Windows editors add.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// PEM: PKCS#12 armour is unwrapped; any other PEM block is refused by name.
fn sniff_pem(text: &str) -> Result<Sniffed, ImportError> {
    let Some(start) = text.find(PKCS12_PEM_BEGIN) else {
        return Err(ImportError::PemNotPkcs12);
    };
    let rest = &text[start + PKCS12_PEM_BEGIN.len()..];
    let end = rest
        .find(PKCS12_PEM_END)
        .ok_or(ImportError::Pkcs12Malformed)?;
    let der = decode_base64_text(&rest.as_bytes()[..end]).ok_or(ImportError::Pkcs12Malformed)?;
    Ok(Sniffed {
        format: KeyFormat::Pkcs12,
        bytes: der,
    })
}

/// What a base64 layer held, if it is one of the two formats.
fn classify_decoded(decoded: Vec<u8>) -> Option<Sniffed> {
    if decoded.first() == Some(&0x30) {
        return Some(Sniffed {
            format: KeyFormat::Pkcs12,
            bytes: decoded,
        });
    }
    if strip_bom(&decoded).trim_ascii_start().starts_with(b"{") {
        return Some(Sniffed {
            format: KeyFormat::Byok,
            bytes: decoded,
        });
    }
    None
}

/// Decodes base64 text leniently: standard or URL-safe alphabet, with or without padding,
/// with any ASCII whitespace (line wrapping) ignored. `None` if it is not base64.
pub(crate) fn decode_base64_text(text: &[u8]) -> Option<Vec<u8>> {
    let mut normalized = Vec::with_capacity(text.len());
    for &byte in text {
        match byte {
            b'-' => normalized.push(b'+'),
            b'_' => normalized.push(b'/'),
            b if b.is_ascii_whitespace() => {}
            b => normalized.push(b),
        }
    }
    if normalized.is_empty() {
        return None;
    }
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&alphabet::STANDARD, config)
        .decode(&normalized)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_read_in_either_alphabet_with_or_without_padding() {
        for text in ["+/8=", "-_8", "-_8=", " +/\n8= "] {
            assert_eq!(
                decode_base64_text(text.as_bytes()),
                Some(vec![0xfb, 0xff]),
                "{text}"
            );
        }
        assert_eq!(decode_base64_text(b"ab*~"), None);
    }

    #[test]
    fn k2_empty_and_whitespace_files_are_empty() {
        for bytes in [&b""[..], b"  \n", UTF8_BOM] {
            assert!(matches!(sniff(bytes), Err(ImportError::FileEmpty)));
        }
    }

    #[test]
    fn k2_pem_keys_are_named_as_pem() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            sniff(pem.as_bytes()),
            Err(ImportError::PemNotPkcs12)
        ));
    }
}
