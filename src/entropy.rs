//! Where a run's random values come from: the OS, or — with `run --seed N` — a reproducible
//! stream per purpose, so two runs with the same seed show the same codes, QR payloads and ids.
//!
//! Each purpose (`"user_code"`, `"ask_request_id"`, …) draws its own numbered values:
//! value *n* of purpose *p* is SHA-256 of (seed, p, n, block), so the order in which concurrent
//! tasks draw for different purposes never changes what each gets. Keys and secrets that are
//! never shown (the vault's key and nonces, client secrets) do not come from here: they stay
//! OS-random even in a seeded run.
//!
//! Process-wide by design: a seed is a property of the run, set once by `app` before anything
//! starts; unit tests never set it.
//!
//! Must not import anything of the crate.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rand::RngCore;
use sha2::{Digest, Sha256};

static SEED: OnceLock<u64> = OnceLock::new();
static DRAWN: Mutex<Option<HashMap<&'static str, u64>>> = Mutex::new(None);

/// Makes this process's values reproducible from `seed`. Only the first call counts;
/// returns whether this one did.
pub fn seed(seed: u64) -> bool {
    SEED.set(seed).is_ok()
}

/// The seed in force, if any.
pub fn seeded() -> Option<u64> {
    SEED.get().copied()
}

/// Fills `buf` with the next value for `purpose`.
pub fn fill(purpose: &'static str, buf: &mut [u8]) {
    let Some(seed) = seeded() else {
        rand::rngs::OsRng.fill_bytes(buf);
        return;
    };
    let n = {
        let mut m = DRAWN.lock().unwrap_or_else(|p| p.into_inner());
        let c = m
            .get_or_insert_with(HashMap::new)
            .entry(purpose)
            .or_insert(0);
        *c += 1;
        *c - 1
    };
    stream(seed, purpose, n, buf);
}

/// Value `n` of `purpose` under `seed` (deterministic).
fn stream(seed: u64, purpose: &str, n: u64, buf: &mut [u8]) {
    for (block, chunk) in buf.chunks_mut(32).enumerate() {
        let mut h = Sha256::new();
        h.update(b"linkscreen-seed\0");
        h.update(seed.to_le_bytes());
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(n.to_le_bytes());
        h.update((block as u64).to_le_bytes());
        let d = h.finalize();
        chunk.copy_from_slice(&d[..chunk.len()]);
    }
}

/// A uniform number below `bound` (> 0) for `purpose` (rejection sampling: no modulo bias).
pub fn below(purpose: &'static str, bound: u32) -> u32 {
    assert!(bound > 0);
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut b = [0u8; 4];
        fill(purpose, &mut b);
        let v = u32::from_le_bytes(b);
        if v < zone {
            return v % bound;
        }
    }
}

/// A 64-bit number for `purpose`.
pub fn u64_for(purpose: &'static str) -> u64 {
    let mut b = [0u8; 8];
    fill(purpose, &mut b);
    u64::from_le_bytes(b)
}

/// A version-4 UUID for `purpose`.
pub fn uuid(purpose: &'static str) -> uuid::Uuid {
    let mut b = [0u8; 16];
    fill(purpose, &mut b);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_stream_is_the_same_for_the_same_seed_purpose_and_number() {
        let draw = |seed, p, n| {
            let mut b = [0u8; 40];
            stream(seed, p, n, &mut b);
            b
        };
        assert_eq!(draw(7, "user_code", 0), draw(7, "user_code", 0));
        assert_ne!(draw(7, "user_code", 0), draw(7, "user_code", 1));
        assert_ne!(draw(7, "user_code", 0), draw(8, "user_code", 0));
        assert_ne!(draw(7, "user_code", 0), draw(7, "device_code", 0));
        // Past the first 32 bytes the stream goes on, it does not repeat.
        let b = draw(7, "x", 0);
        assert_ne!(b[..8], b[32..40]);
    }

    #[test]
    fn unseeded_values_differ() {
        // Unit tests never seed the process.
        assert_eq!(seeded(), None);
        assert_ne!(uuid("t"), uuid("t"));
        assert!(below("t", 10) < 10);
    }
}
