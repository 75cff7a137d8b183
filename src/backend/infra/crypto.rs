//! Random secrets, hashing and comparison used across the backend.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// RFC 8628 §6.1: base-20, no vowels, no digits.
pub const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// `bytes` random bytes for `purpose`, base64url without padding: OS-random, or reproducible
/// in a seeded run (`run --seed`, see [`crate::entropy`]). For codes, ids and tokens a run
/// hands out; keys and client secrets use [`secret_token`].
pub fn random_token(purpose: &'static str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    crate::entropy::fill(purpose, &mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// `bytes` random bytes from the OS RNG, base64url without padding, even in a seeded run:
/// for secrets that are stored and never shown (client secrets, the device key).
pub fn secret_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// An 8-letter user code shown as `XXXX-XXXX` (reproducible in a seeded run).
pub fn user_code() -> String {
    let letters: String = (0..8)
        .map(|_| {
            USER_CODE_ALPHABET
                [crate::entropy::below("user_code", USER_CODE_ALPHABET.len() as u32) as usize]
                as char
        })
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// Normalises what a user typed: case and dashes/spaces are presentation only.
/// Returns `None` when it cannot be a user code.
pub fn normalize_user_code(input: &str) -> Option<String> {
    let letters: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == 8 && letters.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)) {
        Some(format!("{}-{}", &letters[..4], &letters[4..]))
    } else {
        None
    }
}

/// Hex SHA-256, for storing bearer secrets (device codes, auth codes, tokens).
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Constant-time string equality for secrets.
pub fn secret_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_rfc_alphabet() {
        for _ in 0..200 {
            let c = user_code();
            assert_eq!(c.len(), 9);
            assert_eq!(&c[4..5], "-");
            assert!(
                c.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| USER_CODE_ALPHABET.contains(&b))
            );
        }
    }

    #[test]
    fn user_code_input_ignores_case_and_dashes() {
        assert_eq!(
            normalize_user_code("wdjb mjht").as_deref(),
            Some("WDJB-MJHT")
        );
        assert_eq!(
            normalize_user_code("WDJBMJHT").as_deref(),
            Some("WDJB-MJHT")
        );
        assert_eq!(
            normalize_user_code("WDJB-MJHA"),
            None,
            "vowels are not in the alphabet"
        );
        assert_eq!(normalize_user_code("WDJB"), None);
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn device_codes_carry_at_least_128_bits() {
        // 32 bytes = 256 bits, base64url = 43 chars.
        assert_eq!(random_token("t", 32).len(), 43);
        assert_ne!(random_token("t", 32), random_token("t", 32));
        assert_ne!(secret_token(24), secret_token(24));
    }
}
