//! The byte encodings of one password that PKCS#12 readers have to try.
//!
//! - The PKCS#12 KDF takes a BMPString: UTF-16BE plus a 0x0000 terminator.
//! - PBKDF2 (PBES2, PBMAC1) takes the raw UTF-8 bytes.
//! - OpenSSL before 1.1 zero-extended each UTF-8 *byte* instead of each character; for
//!   non-ASCII passwords that encoding is tried as a fallback, as OpenSSL itself does.
//! - The empty password has two PKCS#12 encodings: no bytes at all, or the terminator
//!   alone. Either one opening a file means the file has no password.
//!
//! The buffers here are wiped on drop and never formatted.

use zeroize::Zeroizing;

use crate::Password;

/// Which encoding of which password a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CandidateKind {
    /// The given password, encoded as the standard says.
    Given,
    /// The given password, OpenSSL < 1.1 zero-extended bytes (non-ASCII only).
    GivenZeroExtended,
    /// The empty password as no bytes at all.
    EmptyNoBytes,
    /// The empty password as just the BMPString terminator.
    EmptyTerminator,
}

/// One password encoding to try.
pub(super) struct Candidate {
    pub kind: CandidateKind,
    /// Secret for the PKCS#12 KDF.
    pub bmp: Zeroizing<Vec<u8>>,
    /// Secret for PBKDF2.
    pub utf8: Zeroizing<Vec<u8>>,
}

impl Candidate {
    /// The encodings of a given non-empty password, most likely first.
    pub fn given(password: &Password) -> Vec<Candidate> {
        let bytes = password.expose_bytes();
        let mut out = vec![Candidate {
            kind: CandidateKind::Given,
            bmp: bmp_string(bytes),
            utf8: Zeroizing::new(bytes.to_vec()),
        }];
        if !bytes.is_ascii() {
            out.push(Candidate {
                kind: CandidateKind::GivenZeroExtended,
                bmp: zero_extended(bytes),
                utf8: Zeroizing::new(bytes.to_vec()),
            });
        }
        out
    }

    /// The two encodings of the empty password.
    pub fn empty() -> Vec<Candidate> {
        let empty = || Zeroizing::new(Vec::new());
        vec![
            Candidate {
                kind: CandidateKind::EmptyNoBytes,
                bmp: empty(),
                utf8: empty(),
            },
            Candidate {
                kind: CandidateKind::EmptyTerminator,
                bmp: Zeroizing::new(vec![0, 0]),
                utf8: empty(),
            },
        ]
    }

    /// Whether PBKDF2 would see the same bytes as an earlier candidate of the same
    /// password, so trying it again for PBKDF2-based schemes is wasted work.
    pub fn repeats_pbkdf2_secret(&self) -> bool {
        matches!(
            self.kind,
            CandidateKind::GivenZeroExtended | CandidateKind::EmptyTerminator
        )
    }
}

/// UTF-16BE with a 0x0000 terminator; bytes that are not UTF-8 are zero-extended, as
/// OpenSSL does for such input.
fn bmp_string(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return zero_extended(bytes);
    };
    let mut out = Zeroizing::new(Vec::with_capacity(2 * bytes.len() + 2));
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// Each byte widened to two bytes, plus the terminator (OpenSSL < 1.1 behaviour).
fn zero_extended(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(2 * bytes.len() + 2));
    for &byte in bytes {
        out.extend_from_slice(&[0, byte]);
    }
    out.extend_from_slice(&[0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_passwords_get_standard_and_legacy_encodings() {
        let candidates = Candidate::given(&Password::from_bytes("é".as_bytes()));
        assert_eq!(candidates.len(), 2);
        assert_eq!(&candidates[0].bmp[..], &[0x00, 0xe9, 0, 0]);
        assert_eq!(&candidates[1].bmp[..], &[0x00, 0xc3, 0x00, 0xa9, 0, 0]);
        assert_eq!(&candidates[0].utf8[..], "é".as_bytes());
    }

    #[test]
    fn ascii_passwords_have_one_encoding() {
        let candidates = Candidate::given(&Password::from_bytes(b"ab"));
        assert_eq!(candidates.len(), 1);
        assert_eq!(&candidates[0].bmp[..], &[0, b'a', 0, b'b', 0, 0]);
    }
}
