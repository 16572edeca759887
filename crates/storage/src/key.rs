//! Handing the environment's data key to SQLCipher.
//!
//! The caller owns the 256-bit DEK in its own zeroizing type and lends it as `&[u8; 32]`.
//! SQLCipher is given the key in its *raw-key* form, `x'<64 hex digits>'`, so it uses the
//! bytes directly as the AES-256 key and runs no password-based key derivation on open.
//!
//! Invariants: the hex text exists only in a [`Zeroizing`] heap buffer that is allocated at its
//! final size (so it never reallocates and leaves stale copies) and wiped when this call
//! returns. The key is passed through `sqlite3_key_v2`, never spliced into SQL text, so it
//! cannot end up in a statement cache, a trace or an error message. This module must never
//! log, store or return the key in any form.

use rusqlite::Connection;
use zeroize::Zeroizing;

/// `x'` + 64 hex digits + `'`.
const RAW_KEY_TEXT_LEN: usize = 2 + 64 + 1;

/// Lowercase hex digits by value.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Keys `conn`'s main database with the raw 256-bit data key.
///
/// Nothing is read or checked here: SQLCipher only derives the page keys on first access,
/// which the caller does right after setting the cipher parameters.
pub(crate) fn apply_raw_key(conn: &Connection, key: &[u8; 32]) -> rusqlite::Result<()> {
    let text = raw_key_text(key);
    conn.key(Some(rusqlite::MAIN_DB), text.as_slice(), false)
}

/// The raw-key text `x'…'` for `key`, in a buffer wiped on drop.
pub(crate) fn raw_key_text(key: &[u8; 32]) -> Zeroizing<Vec<u8>> {
    let mut text = Zeroizing::new(vec![0u8; RAW_KEY_TEXT_LEN]);
    text[0] = b'x';
    text[1] = b'\'';
    text[RAW_KEY_TEXT_LEN - 1] = b'\'';

    // Hex digits written one by one, straight into the wiped buffer.
    for (i, byte) in key.iter().enumerate() {
        text[2 + 2 * i] = HEX_DIGITS[usize::from(byte >> 4)];
        text[3 + 2 * i] = HEX_DIGITS[usize::from(byte & 0x0f)];
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_key_text_is_sqlcipher_raw_key_syntax() {
        let mut key = [0u8; 32];
        key[0] = 0xab;
        key[31] = 0x01;
        let text = raw_key_text(&key);
        let text = std::str::from_utf8(&text).unwrap();
        assert_eq!(text.len(), 67);
        assert!(text.starts_with("x'ab00"));
        assert!(text.ends_with("0001'"));
    }
}
