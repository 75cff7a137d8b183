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
    /// Who hears each event as it is recorded (the emulator's panel).
    subscribers: Arc<Mutex<Vec<std::sync::mpsc::Sender<Value>>>>,
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
            subscribers: Default::default(),
        })
    }

    /// The events remembered so far (oldest first) and a channel that gets every later one,
    /// in order, none lost or doubled between the two. `wake` runs after each event is sent
    /// (the panel schedules its refresh on the UI thread with it).
    pub fn subscribe(
        &self,
        wake: impl Fn() + Send + 'static,
    ) -> (Vec<Value>, std::sync::mpsc::Receiver<Value>) {
        let m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let (tx, rx) = std::sync::mpsc::channel();
        let (wtx, wrx) = std::sync::mpsc::channel::<Value>();
        // A forwarding thread: emitters never run the subscriber's code.
        std::thread::spawn(move || {
            while let Ok(v) = wrx.recv() {
                if tx.send(v).is_err() {
                    break;
                }
                wake();
            }
        });
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(wtx);
        (m.iter().cloned().collect(), rx)
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
        // Under the memory's lock: a subscriber sees each event once, after its snapshot.
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|s| s.send(obj.clone()).is_ok());
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

    #[test]
    fn a_subscriber_gets_the_past_then_every_new_event_once() {
        let log = EventLog::new(None).unwrap();
        log.emit("before", json!({}));
        let (woken_tx, woken) = std::sync::mpsc::channel();
        let (past, rx) = log.subscribe(move || {
            let _ = woken_tx.send(());
        });
        assert_eq!(past.len(), 1);
        assert_eq!(past[0]["type"], "before");
        for i in 0..3 {
            log.emit("after", json!({"i": i}));
        }
        let wait = std::time::Duration::from_secs(10);
        for i in 0..3 {
            let v = rx.recv_timeout(wait).unwrap();
            assert_eq!(
                (v["type"].as_str(), v["i"].as_i64()),
                (Some("after"), Some(i))
            );
            woken.recv_timeout(wait).unwrap();
        }
        assert!(rx.try_recv().is_err());
    }
}
