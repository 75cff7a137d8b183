//! Secrets at rest: the key file beside the database, and what is derived from it. Tokens and
//! client secrets that must be replayed are sealed with XChaCha20-Poly1305 (each value under
//! a fresh random nonce, bound to the column it lives in); the phone session cookie is signed
//! and its CSRF token is an HMAC, both with keys derived from the same file. A copied database
//! file alone reveals no token; the key file (0600) is what unlocks it.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// What a sealed value starts with (the format's version).
const SEALED: &str = "enc1:";
const KEY_BYTES: usize = 32;

/// The key file of the database at `db`: `<db>.key`.
pub fn key_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

/// Why the key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("key file {path}: {why}")]
    Key { path: String, why: String },
    #[error("a sealed value ({0}) does not open with this key file")]
    Open(String),
}

/// The master key and the keys derived from it.
pub struct Vault {
    aead: XChaCha20Poly1305,
    cookie: axum_extra::extract::cookie::Key,
    mac: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(…)")
    }
}

impl Vault {
    /// Reads the key file at `path`, or creates it (0600, 32 random bytes) when `may_create`.
    pub fn load(path: &Path, may_create: bool) -> Result<Vault, VaultError> {
        let err = |why: String| VaultError::Key {
            path: path.display().to_string(),
            why,
        };
        let master = match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim())
                    .map_err(|_| err("is not a linkscreen key (64 hex digits)".into()))?;
                <[u8; KEY_BYTES]>::try_from(bytes.as_slice())
                    .map_err(|_| err("is not a linkscreen key (64 hex digits)".into()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && may_create => {
                let mut k = [0u8; KEY_BYTES];
                rand::rngs::OsRng.fill_bytes(&mut k);
                write_private(path, &hex::encode(k))
                    .map_err(|e| err(format!("cannot be created ({e})")))?;
                k
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(err(
                    "is missing, and the database holds tokens sealed with it. Restore the key file, or start over with another --db (or `linkscreen unlink` after restoring it)".into(),
                ));
            }
            Err(e) => return Err(err(format!("cannot be read ({e})"))),
        };
        Ok(Vault::from_master(&master))
    }

    fn from_master(master: &[u8; KEY_BYTES]) -> Vault {
        let derive = |label: &str| -> [u8; 32] {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length");
            m.update(label.as_bytes());
            m.finalize().into_bytes().into()
        };
        Vault {
            aead: XChaCha20Poly1305::new(&derive("linkscreen aead v1").into()),
            cookie: axum_extra::extract::cookie::Key::from(
                &[
                    derive("linkscreen cookie v1 a"),
                    derive("linkscreen cookie v1 b"),
                ]
                .concat(),
            ),
            mac: derive("linkscreen csrf v1"),
        }
    }

    /// A throwaway vault (tests of parts that never restart).
    pub fn ephemeral() -> Vault {
        let mut k = [0u8; KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Vault::from_master(&k)
    }

    /// Seals `plain` for the column `what` (e.g. `links.access_token`).
    pub fn seal(&self, what: &str, plain: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: what.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length this program stores");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{SEALED}{}", STANDARD_NO_PAD.encode(out))
    }

    /// Opens a value [`Vault::seal`] sealed for the same column.
    pub fn open(&self, what: &str, stored: &str) -> Result<String, VaultError> {
        let bytes = stored
            .strip_prefix(SEALED)
            .and_then(|b| STANDARD_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > 24)
            .ok_or_else(|| VaultError::Open(what.into()))?;
        let (nonce, ct) = bytes.split_at(24);
        let plain = self
            .aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: what.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Open(what.into()))?;
        String::from_utf8(plain).map_err(|_| VaultError::Open(what.into()))
    }

    /// Whether a stored value is sealed (a database from before sealing holds plaintext).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED)
    }

    /// The key the phone session cookie is signed with.
    pub fn cookie_key(&self) -> &axum_extra::extract::cookie::Key {
        &self.cookie
    }

    /// A keyed digest of `msg` (the CSRF token of a phone session), base64url.
    pub fn mac(&self, msg: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac).expect("any key length");
        m.update(msg.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    }
}

/// Writes a new file only its user may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_only_with_the_same_key_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("db.key");
        let v = Vault::load(&p, true).unwrap();
        let s = v.seal("links.access_token", "Atza|secret");
        assert!(Vault::is_sealed(&s) && !s.contains("secret"));
        assert_eq!(v.open("links.access_token", &s).unwrap(), "Atza|secret");
        assert!(v.open("links.refresh_token", &s).is_err());
        assert_ne!(
            s,
            v.seal("links.access_token", "Atza|secret"),
            "fresh nonce"
        );
        // The same file gives the same key; another file does not.
        let again = Vault::load(&p, false).unwrap();
        assert_eq!(again.open("links.access_token", &s).unwrap(), "Atza|secret");
        assert!(Vault::ephemeral().open("links.access_token", &s).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(Vault::load(&dir.path().join("none.key"), false).is_err());
    }
}
