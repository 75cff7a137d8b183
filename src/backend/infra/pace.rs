//! RFC 8628 §3.5 polling pace, in memory: when each device code was last polled and how many
//! seconds `slow_down` added to its interval. A poll is answered from this and one read of the
//! code's row: nothing is written to the database per poll. A restart forgets the pace (a
//! code's status, and every link, is in the database).
//! Infrastructure: imports nothing of the backend.

use std::collections::HashMap;
use std::sync::Mutex;

/// How many codes are remembered before expired ones are swept out.
const SWEEP_AT: usize = 4_096;

#[derive(Default)]
pub struct Pace(Mutex<HashMap<String, Entry>>);

struct Entry {
    last_ms: i64,
    extra_s: i64,
    until_ms: i64,
}

impl Pace {
    /// A poll at `now_ms` of the code `key` (interval `base_s`, expiring at `until_ms`): `Ok`
    /// with the interval in force, or `Err` with the grown one when it came too soon (RFC 8628
    /// §3.5: `slow_down`, and the interval grows by 5 s for this and every later request).
    /// Two polls at the same moment count as too soon whichever reached the server first.
    pub fn poll(&self, key: &str, base_s: i64, now_ms: i64, until_ms: i64) -> Result<i64, i64> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= SWEEP_AT && !m.contains_key(key) {
            m.retain(|_, e| e.until_ms > now_ms);
        }
        match m.get_mut(key) {
            None => {
                m.insert(
                    key.to_owned(),
                    Entry {
                        last_ms: now_ms,
                        extra_s: 0,
                        until_ms,
                    },
                );
                Ok(base_s)
            }
            Some(e) => {
                let interval = base_s + e.extra_s;
                let since = (now_ms - e.last_ms).max(0);
                e.last_ms = e.last_ms.max(now_ms);
                if since < interval * 1000 {
                    e.extra_s += 5;
                    Err(interval + 5)
                } else {
                    Ok(interval)
                }
            }
        }
    }

    /// The code is done with (granted, denied, expired): its pace is dropped.
    pub fn forget(&self, key: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// How many codes are remembered.
    pub fn remembered(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_soon_is_slow_down_and_the_interval_grows_for_good() {
        let p = Pace::default();
        assert_eq!(p.poll("a", 5, 0, 600_000), Ok(5));
        assert_eq!(p.poll("a", 5, 1_000, 600_000), Err(10));
        assert_eq!(p.poll("a", 5, 7_000, 600_000), Err(15));
        assert_eq!(p.poll("a", 5, 23_000, 600_000), Ok(15));
        // Another code has its own pace.
        assert_eq!(p.poll("b", 5, 23_000, 600_000), Ok(5));
        // A poll stamped earlier than the last one (it waited for the lock) is too soon.
        assert_eq!(p.poll("b", 5, 22_000, 600_000), Err(10));
        // Interval 0: never too soon, even at the same moment.
        assert_eq!(p.poll("c", 0, 5, 600_000), Ok(0));
        assert_eq!(p.poll("c", 0, 4, 600_000), Ok(0));
        p.forget("a");
        assert_eq!(p.poll("a", 5, 23_001, 600_000), Ok(5));
    }

    #[test]
    fn expired_codes_are_swept_out_when_many_are_remembered() {
        let p = Pace::default();
        for i in 0..SWEEP_AT {
            p.poll(&i.to_string(), 5, 0, 1_000).unwrap();
        }
        assert_eq!(p.remembered(), SWEEP_AT);
        p.poll("new", 5, 2_000, 600_000).unwrap();
        assert_eq!(p.remembered(), 1);
    }
}
