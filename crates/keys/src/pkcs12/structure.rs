//! The PKCS#12 structure (RFC 7292) read into plain Rust values, before any cryptography.
//!
//! Three layers are read here: the PFX (authenticated safe + MacData), the
//! AuthenticatedSafe (a sequence of ContentInfo, each `data`, `encryptedData` or other) and
//! SafeContents (a sequence of bags). Nothing here decrypts, derives keys or judges an
//! algorithm: the caller first sees every iteration count, then decides what to run.

use bcder::decode::{Constructed, DecodeError, Source};
use bcder::{Mode, OctetString, Oid, Tag};
use zeroize::Zeroizing;

use crate::asn1::{oid, take_i64, take_octets, take_opt_i64, AlgorithmId, Asn1Error};

/// The outer PFX.
pub(super) struct Pfx {
    /// The content octets of the authSafe `data` ContentInfo: what the MAC covers.
    pub auth_safe: Vec<u8>,
    /// The MacData, if present.
    pub mac: Option<MacData>,
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`
pub(super) struct MacData {
    /// The digest (classic) or PBMAC1 algorithm.
    pub algorithm: AlgorithmId,
    /// The expected MAC value.
    pub digest: Vec<u8>,
    /// The salt for the classic PKCS#12 MAC key derivation.
    pub salt: Vec<u8>,
    /// The classic iteration count (ignored by PBMAC1).
    pub iterations: i64,
}

/// One ContentInfo of the AuthenticatedSafe.
pub(super) enum Content {
    /// Plain SafeContents.
    Data(Vec<u8>),
    /// SafeContents encrypted with a password-based scheme.
    Encrypted {
        /// The PBE scheme.
        algorithm: AlgorithmId,
        /// The encrypted SafeContents.
        ciphertext: Vec<u8>,
    },
    /// SafeContents encrypted to a certificate (not supported).
    Enveloped,
    /// Anything else (ignored).
    Other,
}

/// One SafeBag.
pub(super) enum Bag {
    /// A plaintext PKCS#8 PrivateKeyInfo.
    Key(Zeroizing<Vec<u8>>),
    /// An EncryptedPrivateKeyInfo.
    ShroudedKey {
        /// The PBE scheme.
        algorithm: AlgorithmId,
        /// The encrypted PKCS#8.
        ciphertext: Vec<u8>,
    },
    /// A DER X.509 certificate.
    Certificate(Vec<u8>),
    /// CRLs, secrets, nested contents, other certificate types: ignored.
    Other,
}

/// Parses the outer PFX.
pub(super) fn parse_pfx(bytes: &[u8]) -> Result<Pfx, Asn1Error> {
    Mode::Ber.decode(bytes, |cons| {
        cons.take_sequence(|cons| {
            let _version = take_i64(cons)?;
            let auth_safe = cons.take_sequence(take_data_content_info)?;
            let mac = cons.take_opt_sequence(take_mac_data)?;
            Ok(Pfx { auth_safe, mac })
        })
    })
}

/// Reads a ContentInfo that must be `data` and returns its octets.
fn take_data_content_info<S: Source>(
    cons: &mut Constructed<S>,
) -> Result<Vec<u8>, DecodeError<S::Error>> {
    let content_type = Oid::take_from(cons)?;
    if content_type != oid::DATA {
        return Err(cons.content_err("authSafe is not PKCS#7 data"));
    }
    cons.take_constructed_if(Tag::CTX_0, take_octets)
}

fn take_mac_data<S: Source>(cons: &mut Constructed<S>) -> Result<MacData, DecodeError<S::Error>> {
    let (algorithm, digest) = cons.take_sequence(|cons| {
        let algorithm = AlgorithmId::take_from(cons)?;
        let digest = take_octets(cons)?;
        Ok((algorithm, digest))
    })?;
    let salt = take_octets(cons)?;
    let iterations = take_opt_i64(cons)?.unwrap_or(1);
    Ok(MacData {
        algorithm,
        digest,
        salt,
        iterations,
    })
}

/// Parses the AuthenticatedSafe: `SEQUENCE OF ContentInfo`.
pub(super) fn parse_auth_safe(bytes: &[u8]) -> Result<Vec<Content>, Asn1Error> {
    Mode::Ber.decode(bytes, |cons| {
        cons.take_sequence(|cons| {
            let mut contents = Vec::new();
            while let Some(content) = cons.take_opt_sequence(take_content_info)? {
                contents.push(content);
            }
            Ok(contents)
        })
    })
}

fn take_content_info<S: Source>(
    cons: &mut Constructed<S>,
) -> Result<Content, DecodeError<S::Error>> {
    let content_type = Oid::take_from(cons)?;
    let content = if content_type == oid::DATA {
        Content::Data(cons.take_constructed_if(Tag::CTX_0, take_octets)?)
    } else if content_type == oid::ENCRYPTED_DATA {
        cons.take_constructed_if(Tag::CTX_0, |cons| cons.take_sequence(take_encrypted_data))?
    } else if content_type == oid::ENVELOPED_DATA {
        Content::Enveloped
    } else {
        Content::Other
    };
    cons.skip_all()?;
    Ok(content)
}

/// `EncryptedData ::= SEQUENCE { version, EncryptedContentInfo, [1] attrs OPTIONAL }`
fn take_encrypted_data<S: Source>(
    cons: &mut Constructed<S>,
) -> Result<Content, DecodeError<S::Error>> {
    let _version = take_i64(cons)?;
    let content = cons.take_sequence(|cons| {
        let _content_type = Oid::take_from(cons)?;
        let algorithm = AlgorithmId::take_from(cons)?;
        let ciphertext = cons
            .take_opt_value_if(Tag::CTX_0, OctetString::from_content)?
            .map(|octets| octets.to_bytes().to_vec())
            .unwrap_or_default();
        Ok(Content::Encrypted {
            algorithm,
            ciphertext,
        })
    })?;
    cons.skip_all()?;
    Ok(content)
}

/// Parses SafeContents: `SEQUENCE OF SafeBag`.
pub(super) fn parse_safe_contents(bytes: &[u8]) -> Result<Vec<Bag>, Asn1Error> {
    Mode::Ber.decode(bytes, |cons| {
        cons.take_sequence(|cons| {
            let mut bags = Vec::new();
            while let Some(bag) = cons.take_opt_sequence(take_safe_bag)? {
                bags.push(bag);
            }
            Ok(bags)
        })
    })
}

/// `SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OPTIONAL }`
///
/// Attributes (friendlyName, localKeyID, CSP names, Java trust markers) are informational
/// and skipped.
fn take_safe_bag<S: Source>(cons: &mut Constructed<S>) -> Result<Bag, DecodeError<S::Error>> {
    let bag_id = Oid::take_from(cons)?;
    let bag = cons.take_constructed_if(Tag::CTX_0, |cons| {
        if bag_id == oid::KEY_BAG {
            let der = cons.capture_all()?;
            Ok(Bag::Key(Zeroizing::new(der.as_slice().to_vec())))
        } else if bag_id == oid::SHROUDED_KEY_BAG {
            cons.take_sequence(take_encrypted_private_key_info)
        } else if bag_id == oid::CERT_BAG {
            cons.take_sequence(take_cert_bag)
        } else {
            cons.skip_all()?;
            Ok(Bag::Other)
        }
    })?;
    cons.skip_all()?;
    Ok(bag)
}

fn take_encrypted_private_key_info<S: Source>(
    cons: &mut Constructed<S>,
) -> Result<Bag, DecodeError<S::Error>> {
    let algorithm = AlgorithmId::take_from(cons)?;
    let ciphertext = take_octets(cons)?;
    Ok(Bag::ShroudedKey {
        algorithm,
        ciphertext,
    })
}

/// `CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }`
fn take_cert_bag<S: Source>(cons: &mut Constructed<S>) -> Result<Bag, DecodeError<S::Error>> {
    let cert_id = Oid::take_from(cons)?;
    if cert_id != oid::X509_CERTIFICATE {
        cons.skip_all()?;
        return Ok(Bag::Other);
    }
    let der = cons.take_constructed_if(Tag::CTX_0, take_octets)?;
    Ok(Bag::Certificate(der))
}
