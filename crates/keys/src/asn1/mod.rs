//! Shared BER reading on top of `bcder`: algorithm identifiers, integers, byte strings.
//!
//! Every structure Keyward reads from an upload is parsed in BER mode (indefinite lengths,
//! constructed OCTET STRINGs), because real PKCS#12 writers emit BER. `bcder` bounds each
//! length to four bytes and checks it against the input, so hostile lengths fail cleanly.
//!
//! Parsing here is purely structural: it never decides whether an algorithm is acceptable
//! and never touches secrets beyond copying bytes into wiped buffers.

pub(crate) mod oid;

use std::convert::Infallible;

use bcder::decode::{Constructed, DecodeError, Source};
use bcder::{Mode, OctetString, Oid, Tag};

/// A decoding failure on an in-memory slice; callers map it to "malformed".
pub(crate) type Asn1Error = DecodeError<Infallible>;

/// An AlgorithmIdentifier: the OID and the raw encoding of its parameters, if any.
pub(crate) struct AlgorithmId {
    /// The algorithm.
    pub oid: Oid,
    /// The encoded parameters (zero, one or more TLVs); empty when absent.
    pub params: Vec<u8>,
}

impl AlgorithmId {
    /// Reads `SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`.
    pub fn take_from<S: Source>(cons: &mut Constructed<S>) -> Result<Self, DecodeError<S::Error>> {
        cons.take_sequence(|cons| {
            let oid = Oid::take_from(cons)?;
            let params = cons.capture_all()?.as_slice().to_vec();
            Ok(Self { oid, params })
        })
    }

    /// The OID in dotted form, for messages about unsupported algorithms.
    pub fn oid_text(&self) -> String {
        self.oid.to_string()
    }
}

/// Reads an OCTET STRING (primitive or, in BER, constructed) into a plain vector.
pub(crate) fn take_octets<S: Source>(
    cons: &mut Constructed<S>,
) -> Result<Vec<u8>, DecodeError<S::Error>> {
    Ok(OctetString::take_from(cons)?.to_bytes().to_vec())
}

/// Reads an INTEGER as `i64` (iteration counts may be negative in hostile files).
pub(crate) fn take_i64<S: Source>(cons: &mut Constructed<S>) -> Result<i64, DecodeError<S::Error>> {
    cons.take_primitive_if(Tag::INTEGER, bcder::Integer::i64_from_primitive)
}

/// Reads an optional INTEGER as `i64`.
pub(crate) fn take_opt_i64<S: Source>(
    cons: &mut Constructed<S>,
) -> Result<Option<i64>, DecodeError<S::Error>> {
    cons.take_opt_primitive_if(Tag::INTEGER, bcder::Integer::i64_from_primitive)
}

/// The algorithm OID of a PKCS#8 PrivateKeyInfo, read without loading the key.
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> Result<Oid, Asn1Error> {
    Mode::Ber.decode(der, |cons| {
        cons.take_sequence(|cons| {
            take_i64(cons)?;
            let algorithm = AlgorithmId::take_from(cons)?;
            cons.skip_all()?;
            Ok(algorithm.oid)
        })
    })
}
