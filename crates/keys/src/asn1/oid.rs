//! Object identifiers Keyward recognises, in their DER content encoding.
//!
//! Only constants live here; the meaning of each is decided where it is used.

use bcder::{ConstOid, Oid};

/// PKCS#7 data: 1.2.840.113549.1.7.1.
pub(crate) const DATA: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 7, 1]);
/// PKCS#7 encryptedData: 1.2.840.113549.1.7.6.
pub(crate) const ENCRYPTED_DATA: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 7, 6]);
/// PKCS#7 envelopedData: 1.2.840.113549.1.7.3.
pub(crate) const ENVELOPED_DATA: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 7, 3]);
/// PKCS#12 keyBag: 1.2.840.113549.1.12.10.1.1.
pub(crate) const KEY_BAG: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 10, 1, 1]);
/// PKCS#12 pkcs8ShroudedKeyBag: 1.2.840.113549.1.12.10.1.2.
pub(crate) const SHROUDED_KEY_BAG: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 10, 1, 2]);
/// PKCS#12 certBag: 1.2.840.113549.1.12.10.1.3.
pub(crate) const CERT_BAG: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 10, 1, 3]);
/// x509Certificate (certBag type): 1.2.840.113549.1.9.22.1.
pub(crate) const X509_CERTIFICATE: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 9, 22, 1]);
/// pbeWithSHAAnd128BitRC4: 1.2.840.113549.1.12.1.1.
pub(crate) const PBE_SHA1_RC4_128: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 1, 1]);
/// pbeWithSHAAnd40BitRC4: 1.2.840.113549.1.12.1.2.
pub(crate) const PBE_SHA1_RC4_40: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 1, 2]);
/// pbeWithSHAAnd3-KeyTripleDES-CBC: 1.2.840.113549.1.12.1.3.
pub(crate) const PBE_SHA1_3DES: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 1, 3]);
/// pbeWithSHAAnd2-KeyTripleDES-CBC: 1.2.840.113549.1.12.1.4.
pub(crate) const PBE_SHA1_2DES: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 1, 4]);
/// pbeWithSHAAnd128BitRC2-CBC: 1.2.840.113549.1.12.1.5.
pub(crate) const PBE_SHA1_RC2_128: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 1, 5]);
/// pbeWithSHAAnd40BitRC2-CBC: 1.2.840.113549.1.12.1.6.
pub(crate) const PBE_SHA1_RC2_40: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 12, 1, 6]);
/// PBES2 (PKCS#5): 1.2.840.113549.1.5.13.
pub(crate) const PBES2: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 5, 13]);
/// PBKDF2 (PKCS#5): 1.2.840.113549.1.5.12.
pub(crate) const PBKDF2: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 5, 12]);
/// PBMAC1 (RFC 9579): 1.2.840.113549.1.5.14.
pub(crate) const PBMAC1: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 5, 14]);
/// hmacWithSHA1: 1.2.840.113549.2.7.
pub(crate) const HMAC_SHA1: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 2, 7]);
/// hmacWithSHA224: 1.2.840.113549.2.8.
pub(crate) const HMAC_SHA224: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 2, 8]);
/// hmacWithSHA256: 1.2.840.113549.2.9.
pub(crate) const HMAC_SHA256: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 2, 9]);
/// hmacWithSHA384: 1.2.840.113549.2.10.
pub(crate) const HMAC_SHA384: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 2, 10]);
/// hmacWithSHA512: 1.2.840.113549.2.11.
pub(crate) const HMAC_SHA512: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 2, 11]);
/// SHA-1: 1.3.14.3.2.26.
pub(crate) const SHA1: ConstOid = Oid(&[43, 14, 3, 2, 26]);
/// SHA-224: 2.16.840.1.101.3.4.2.4.
pub(crate) const SHA224: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 2, 4]);
/// SHA-256: 2.16.840.1.101.3.4.2.1.
pub(crate) const SHA256: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 2, 1]);
/// SHA-384: 2.16.840.1.101.3.4.2.2.
pub(crate) const SHA384: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 2, 2]);
/// SHA-512: 2.16.840.1.101.3.4.2.3.
pub(crate) const SHA512: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 2, 3]);
/// AES-128-CBC: 2.16.840.1.101.3.4.1.2.
pub(crate) const AES_128_CBC: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 1, 2]);
/// AES-192-CBC: 2.16.840.1.101.3.4.1.22.
pub(crate) const AES_192_CBC: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 1, 22]);
/// AES-256-CBC: 2.16.840.1.101.3.4.1.42.
pub(crate) const AES_256_CBC: ConstOid = Oid(&[96, 134, 72, 1, 101, 3, 4, 1, 42]);
/// DES-EDE3-CBC: 1.2.840.113549.3.7.
pub(crate) const DES_EDE3_CBC: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 3, 7]);
/// rsaEncryption: 1.2.840.113549.1.1.1.
pub(crate) const RSA_ENCRYPTION: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 1, 1]);
/// id-RSASSA-PSS: 1.2.840.113549.1.1.10.
pub(crate) const RSASSA_PSS: ConstOid = Oid(&[42, 134, 72, 134, 247, 13, 1, 1, 10]);
/// id-ecPublicKey: 1.2.840.10045.2.1.
pub(crate) const EC_PUBLIC_KEY: ConstOid = Oid(&[42, 134, 72, 206, 61, 2, 1]);
/// id-dsa: 1.2.840.10040.4.1.
pub(crate) const DSA: ConstOid = Oid(&[42, 134, 72, 206, 56, 4, 1]);
/// id-X25519: 1.3.101.110.
pub(crate) const X25519: ConstOid = Oid(&[43, 101, 110]);
/// id-X448: 1.3.101.111.
pub(crate) const X448: ConstOid = Oid(&[43, 101, 111]);
/// id-Ed25519: 1.3.101.112.
pub(crate) const ED25519: ConstOid = Oid(&[43, 101, 112]);
/// id-Ed448: 1.3.101.113.
pub(crate) const ED448: ConstOid = Oid(&[43, 101, 113]);
/// dhpublicnumber: 1.2.840.10046.2.1.
pub(crate) const DH: ConstOid = Oid(&[42, 134, 72, 206, 62, 2, 1]);
