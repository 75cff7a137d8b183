//! `--events FILE`: one JSON object per line for every state change, HTTP
//! exchange and error, each with `type` and `t` (ms since start). Secrets are
//! redacted: tokens keep their first 4 characters.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

#[derive(Clone)]
pub struct EventLog {
    start: Instant,
    out: Option<Arc<Mutex<std::fs::File>>>,
    /// The most recent events, also in memory (for scripts' `phone` step and the emulator's
    /// panel): at most [`MEMORY_EVENTS`], so a kiosk running for days does not grow.
    pub memory: Arc<Mutex<std::collections::VecDeque<Value>>>,
    /// The run is over: later events (a request still on its way) are not the run's.
    closed: Arc<std::sync::atomic::AtomicBool>,
}

/// How many recent events [`EventLog::memory`] keeps.
pub const MEMORY_EVENTS: usize = 1000;

const SECRET_KEYS: &[&str] = &[
    "accessToken",
    "access_token",
    "refresh_token",
    "device_code",
    "apiAccessToken",
    "client_secret",
    "code_verifier",
];

/// Replaces secret values with a 4-character prefix and their length.
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str())
                    && let Value::String(s) = val
                {
                    let keep: String = s.chars().take(4).collect();
                    *s = format!("{keep}…[redacted {} chars]", s.chars().count());
                } else {
                    redact(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        _ => {}
    }
}

impl EventLog {
    pub fn new(path: Option<&std::path::Path>) -> std::io::Result<EventLog> {
        let out = match path {
            Some(p) => Some(Arc::new(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            ))),
            None => None,
        };
        Ok(EventLog {
            start: Instant::now(),
            out,
            memory: Default::default(),
            closed: Default::default(),
        })
    }

    /// A string field of the newest remembered event of `kind` (`"start"` is the first event,
    /// so the newest of its kind too).
    pub fn latest(&self, kind: &str, field: &str) -> Option<String> {
        self.memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .rev()
            .find(|e| e["type"] == kind)
            .and_then(|e| e[field].as_str().map(str::to_owned))
    }

    /// Ends the run's log: from now on only [`EventLog::emit_final`] writes.
    pub fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Records one event of `kind` with extra fields (nothing once the log is closed).
    pub fn emit(&self, kind: &str, fields: Value) {
        if !self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            self.write(kind, fields);
        }
    }

    /// Records the run's closing words (the conformance summary), after [`EventLog::close`].
    pub fn emit_final(&self, kind: &str, fields: Value) {
        self.write(kind, fields);
    }

    fn write(&self, kind: &str, mut fields: Value) {
        redact(&mut fields);
        let mut obj = json!({"type": kind, "t": self.start.elapsed().as_millis() as u64});
        if let (Value::Object(o), Value::Object(f)) = (&mut obj, fields) {
            o.extend(f);
        }
        if let Some(out) = &self.out {
            let mut f = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(f, "{obj}");
            let _ = f.flush();
        }
        let mut m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MEMORY_EVENTS {
            m.pop_front();
        }
        m.push_back(obj);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted_deep_inside() {
        let mut v = json!({"body": {"session": {"user": {"accessToken": "abcdefghijkl"}}}, "list": [{"refresh_token": "xyzw123"}]});
        redact(&mut v);
        assert_eq!(
            v["body"]["session"]["user"]["accessToken"],
            "abcd…[redacted 12 chars]"
        );
        assert_eq!(v["list"][0]["refresh_token"], "xyzw…[redacted 7 chars]");
    }

    #[test]
    fn memory_keeps_only_the_most_recent_events() {
        let log = EventLog::new(None).unwrap();
        for i in 0..MEMORY_EVENTS + 5 {
            log.emit("n", json!({"i": i}));
        }
        let m = log.memory.lock().unwrap();
        assert_eq!(m.len(), MEMORY_EVENTS);
        assert_eq!(m.front().unwrap()["i"], 5);
    }
}
