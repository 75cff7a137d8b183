//! `--events FILE`: one JSON object per line for every state change, HTTP
//! exchange and error, each with `type` and `t` (ms since start). Secrets are
//! redacted: tokens keep their first 4 characters.
//!
//! A leaf every layer may use: what can be recorded is the typed [`LogEvent`] (one variant
//! per `type`), and the emulator panel subscribes to the log as events happen.
//!
//! Must not import anything of the crate.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
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
    /// Who hears each event as it is recorded (the emulator's panel): its channel, and how
    /// to wake it.
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
}

/// A subscriber: the channel its events go to, and how to wake it once one is there.
type Subscriber = (std::sync::mpsc::Sender<Value>, Box<dyn Fn() + Send>);

/// Everything the event log records: one variant per `type`, with the fields that type has.
/// Each is written as one JSON object (`{"type": "poll", "t": …, "result": …}`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogEvent {
    /// The run began: where the backend listens, the device, locale and skill.
    Start {
        backend: String,
        device: String,
        locale: String,
        skill_endpoint: String,
    },
    /// Something failed at a step (a peer, a file, a command).
    Error {
        step: String,
        reason: String,
    },
    Fault {
        fault: String,
        on: bool,
    },
    /// A new screen.
    Scene {
        scene: String,
    },
    /// Something in the skill's APL that real Alexa would reject or not show (`path`: where,
    /// as a JSON path into the directive or document).
    AplError {
        path: String,
        message: String,
    },
    /// Something in the skill's APL linkscreen cannot draw or run yet (drawn as a labelled
    /// placeholder, never a silent blank).
    AplUnsupported {
        path: String,
        message: String,
    },
    /// An APL command that reaches outside the screen: `OpenURL` (not followed), `SpeakItem`,
    /// `Finish`.
    AplCommand {
        command: String,
        detail: String,
    },
    /// The emulator switched the device, locale or speaker.
    Settings {
        device: String,
        locale: String,
        speaker: Option<String>,
    },
    /// What Alexa made of an utterance (`result`: launch, intent, ambiguous, not_understood…).
    Nlu {
        utterance: String,
        result: String,
        intent: Value,
    },
    /// A stored link skipped the prompt.
    StoredLink {
        skill: String,
        db: String,
    },
    /// The link prompt is on screen.
    Prompt {
        qr_url: Option<String>,
        user_code: String,
        verification_uri: String,
        expires_in: u64,
    },
    /// The device's browser loaded a page (URL without its query).
    Browser {
        url: String,
        status: u16,
    },
    BrowserRequest {
        url: String,
        submit: bool,
    },
    OpenExternal {
        url: String,
    },
    OpenSignIn {},
    /// RFC 8628 §3.2 as the device got it.
    DeviceAuthorization {
        user_code: String,
        expires_in: u64,
        interval: Option<u64>,
    },
    /// One token poll: its OAuth result and how long the answer took.
    Poll {
        result: String,
        elapsed_ms: u64,
        wait_s: u64,
    },
    Unlink {
        person_id: String,
    },
    Speak {
        text: String,
        voice: String,
    },
    /// A request envelope to the skill, and its answer (tokens redacted).
    SkillRequest {
        url: String,
        body: Value,
    },
    SkillResponse {
        body: Value,
    },
    SkillError {
        reason: String,
    },
    /// A line the skill's Lambda handler printed.
    SkillLog {
        stream: String,
        line: String,
    },
    /// The Lambda handler's process started or was killed.
    SkillProcess {
        #[serde(skip_serializing_if = "Option::is_none")]
        started: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        runtime: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pid: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        killed: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        after_ms: Option<u64>,
    },
    /// Voice-forward linking: the one-time code went to the phone, and was checked.
    OtpSent {
        to: String,
        expires_in: u64,
    },
    OtpChecked {
        linked: bool,
    },
    VoiceLink {
        person_id: String,
        linked_person_id: String,
        scope: String,
    },
    /// Alexa's token request to the skill's authorization server, and how it went.
    #[serde(rename = "token_exchange")]
    TokenExchanged {
        grant_type: String,
        url: String,
        result: String,
        elapsed_ms: u64,
        expires_in: Option<u64>,
        refresh_token: bool,
        scope: Option<String>,
    },
    #[serde(rename = "token_exchange")]
    TokenExchangeFailed {
        grant_type: String,
        url: String,
        result: String,
        elapsed_ms: u64,
        reason: String,
    },
    /// The Skill Enablement API linked an account (app-to-app linking).
    SkillEnablement {
        stage: String,
        linked_person_id: String,
        status: String,
    },
    /// A redirect to Alexa's redirect URI that no journey started.
    UnsolicitedRedirect {
        why: String,
    },
    /// A conformance finding (its fields flattened).
    Conformance {
        #[serde(flatten)]
        finding: Value,
    },
    /// The run's closing conformance summary.
    ConformanceSummary {
        reject: usize,
        warn: usize,
        unchecked: usize,
        pass: usize,
        findings: Value,
    },
    KioskFit {
        width: u32,
        height: u32,
        x: i32,
        y: i32,
    },
    KioskExit {
        #[serde(skip_serializing_if = "Option::is_none")]
        refused: Option<String>,
    },
    /// The emulator opened the phone page in the desktop's browser.
    OpenPhone {
        url: String,
    },
    /// A script's step began.
    ScriptStep {
        line: usize,
        step: String,
    },
    /// A script's `phone` step loaded a page.
    Phone {
        url: String,
        status: u16,
    },
    /// A headless run gave up on a peer.
    GaveUp {
        peer: String,
        after_s: u64,
        reason: String,
    },
    /// A frame (`--frames`) or a script's screenshot was written.
    Frame {
        scene: Option<String>,
        path: String,
        name: String,
    },
    Shot {
        scene: Option<String>,
        path: String,
        name: String,
    },
    /// A script's screenshot compared with its golden.
    Check {
        name: String,
        result: String,
        reason: String,
    },
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
    /// (the panel schedules its refresh on the UI thread with it); it runs where the event is
    /// recorded, so it must only schedule, never work.
    pub fn subscribe(
        &self,
        wake: impl Fn() + Send + 'static,
    ) -> (Vec<Value>, std::sync::mpsc::Receiver<Value>) {
        let m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let (tx, rx) = std::sync::mpsc::channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((tx, Box::new(wake)));
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

    /// The remembered events of `kind` newer than the newest event of `after` (all of them
    /// when there is none), oldest first.
    pub fn since(&self, kind: &str, after: &str) -> Vec<Value> {
        let m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let from = m
            .iter()
            .rposition(|e| e["type"] == after)
            .map_or(0, |i| i + 1);
        m.iter()
            .skip(from)
            .filter(|e| e["type"] == kind)
            .cloned()
            .collect()
    }

    /// Ends the run's log: from now on only [`EventLog::log_final`] writes.
    pub fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Records one event (nothing once the log is closed).
    pub fn log(&self, e: LogEvent) {
        if !self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            self.write(e);
        }
    }

    /// Records that `step` failed, and why.
    pub fn error(&self, step: impl Into<String>, reason: impl std::fmt::Display) {
        self.log(LogEvent::Error {
            step: step.into(),
            reason: reason.to_string(),
        });
    }

    /// Records the run's closing words (the conformance summary), after [`EventLog::close`].
    pub fn log_final(&self, e: LogEvent) {
        self.write(e);
    }

    fn write(&self, e: LogEvent) {
        let mut fields = serde_json::to_value(e).unwrap_or_default();
        redact(&mut fields);
        let mut obj = json!({"t": self.start.elapsed().as_millis() as u64});
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
            .retain(|(tx, wake)| {
                let open = tx.send(obj.clone()).is_ok();
                if open {
                    wake();
                }
                open
            });
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
            log.log(LogEvent::Unlink {
                person_id: i.to_string(),
            });
        }
        let m = log.memory.lock().unwrap();
        assert_eq!(m.len(), MEMORY_EVENTS);
        assert_eq!(m.front().unwrap()["person_id"], "5");
    }

    #[test]
    fn a_subscriber_gets_the_past_then_every_new_event_once() {
        let log = EventLog::new(None).unwrap();
        log.log(LogEvent::OpenSignIn {});
        let (woken_tx, woken) = std::sync::mpsc::channel();
        let (past, rx) = log.subscribe(move || {
            let _ = woken_tx.send(());
        });
        assert_eq!(past.len(), 1);
        assert_eq!(past[0]["type"], "open_sign_in");
        for i in 0..3 {
            log.log(LogEvent::Unlink {
                person_id: i.to_string(),
            });
        }
        let wait = std::time::Duration::from_secs(10);
        for i in 0..3 {
            let v = rx.recv_timeout(wait).unwrap();
            let i = i.to_string();
            assert_eq!(
                (v["type"].as_str(), v["person_id"].as_str()),
                (Some("unlink"), Some(i.as_str()))
            );
            woken.recv_timeout(wait).unwrap();
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn typed_events_are_written_with_their_type_and_fields() {
        let log = EventLog::new(None).unwrap();
        log.log(LogEvent::TokenExchanged {
            grant_type: "authorization_code".into(),
            url: "http://127.0.0.1:1/token".into(),
            result: "ok".into(),
            elapsed_ms: 12,
            expires_in: None,
            refresh_token: false,
            scope: None,
        });
        log.log(LogEvent::KioskExit { refused: None });
        log.log(LogEvent::Conformance {
            finding: json!({"rule": "r", "level": "warn"}),
        });
        let m = log.memory.lock().unwrap();
        assert_eq!(m[0]["type"], "token_exchange");
        // A missing lifetime is recorded as such, not left out.
        assert!(m[0].as_object().unwrap().contains_key("expires_in"));
        assert_eq!(m[0]["expires_in"], Value::Null);
        assert_eq!(m[1], json!({"type": "kiosk_exit", "t": m[1]["t"]}));
        assert_eq!(
            (m[2]["type"].as_str(), m[2]["rule"].as_str()),
            (Some("conformance"), Some("r"))
        );
    }
}
