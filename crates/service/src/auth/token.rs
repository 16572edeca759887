//! The token format `kw_<id>_<secret>`: `<id>` is 16 lowercase hex digits (public, the
//! store's key), `<secret>` is 64 lowercase hex digits encoding 32 random bytes.
//!
//! Only SHA-256 of the secret's 32 bytes is stored. Secrets live in wiped buffers, have no
//! `Debug`, and are compared through their hashes in constant time.

use keyward_domain::model::Role;
use openssl::sha::sha256;
use zeroize::Zeroizing;

use crate::error::ApiError;

/// Bytes of randomness in a token's public id.
const ID_BYTES: usize = 8;
/// Bytes of randomness in a token's secret.
const SECRET_BYTES: usize = 32;

/// A whole bearer token, `kw_<id>_<secret>`: shown once, when issued.
pub struct TokenSecret(Zeroizing<String>);

impl TokenSecret {
    /// The token's text, to hand to its holder once. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(REDACTED)")
    }
}

/// A token just issued: its public id, the token itself, its label and role.
#[derive(Debug)]
pub struct IssuedToken {
    /// The public id.
    pub id: String,
    /// The whole token; shown once.
    pub token: TokenSecret,
    /// Who holds it (the audit actor).
    pub label: String,
    /// Its role and scope.
    pub role: Role,
}

impl IssuedToken {
    /// A fresh random token and the hash of its secret.
    pub(crate) fn generate(label: &str, role: Role) -> Result<(Self, [u8; 32]), ApiError> {
        let random = |n: usize| -> Result<Zeroizing<Vec<u8>>, ApiError> {
            let mut bytes = Zeroizing::new(vec![0u8; n]);
            openssl::rand::rand_bytes(&mut bytes).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(bytes)
        };
        let id = hex::encode(random(ID_BYTES)?.as_slice());
        let secret = random(SECRET_BYTES)?;
        let hash = sha256(&secret);
        let text = Zeroizing::new(format!("kw_{id}_{}", hex::encode(secret.as_slice())));
        let issued = Self {
            id,
            token: TokenSecret(text),
            label: label.to_owned(),
            role,
        };
        Ok((issued, hash))
    }
}

/// A token as presented in an `Authorization` header, parsed.
pub(crate) struct PresentedToken {
    id: String,
    secret: Zeroizing<Vec<u8>>,
}

impl PresentedToken {
    /// Parses `kw_<id>_<secret>`; `None` for anything else.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (id, secret) = text.strip_prefix("kw_")?.split_once('_')?;
        let lower_hex = |s: &str, len: usize| {
            s.len() == len
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !lower_hex(id, 2 * ID_BYTES) || !lower_hex(secret, 2 * SECRET_BYTES) {
            return None;
        }
        let secret = Zeroizing::new(hex::decode(secret).ok()?);
        Some(Self {
            id: id.to_owned(),
            secret,
        })
    }

    /// The public id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Whether the secret hashes to `stored`, compared in constant time.
    pub(crate) fn matches(&self, stored: &[u8; 32]) -> bool {
        openssl::memcmp::eq(&sha256(&self.secret), stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_parses_back_and_matches_only_its_own_hash() {
        let (issued, hash) = IssuedToken::generate("alice", Role::Operator).unwrap();
        let presented = PresentedToken::parse(issued.token.expose()).unwrap();
        assert_eq!(presented.id(), issued.id);
        assert!(presented.matches(&hash));
        assert!(!presented.matches(&[0u8; 32]));
        assert_eq!(issued.token.expose().len(), 3 + 16 + 1 + 64);
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        for bad in [
            "",
            "kw_",
            "kw_abc_def",
            "xx_0123456789abcdef_00",
            "kw_0123456789ABCDEF_00",
        ] {
            assert!(PresentedToken::parse(bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_token_never_shows_in_debug_output() {
        let (issued, _) = IssuedToken::generate("alice", Role::Operator).unwrap();
        assert!(!format!("{issued:?}").contains(issued.token.expose()));
    }
}
