//! The designer's emulator around the device screen: the device frame and the side panel
//! (scene preview, live device/locale/speaker switches, code, phone page, unlink & reset,
//! event log, fault toggles, conformance report).
//!
//! [`Panel`] is what the panel shows, built from the event log, the faults and the report;
//! [`apply_panel`] pushes it into the UI; [`wiring`] connects its callbacks to the device and
//! feeds it the event log.
//!
//! Must not import: `device`, `backend`, `app`, `cli`, `shots`.

pub mod wiring;

use serde_json::Value;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::ui::{AppWindow, Emulator, FaultRow, FindingRow, LogRow};
use crate::faults::Fault;
use crate::findings::{Finding, Level};
use crate::protocol::viewport::DeviceProfile;

/// Width of the side panel and of the bezel, in logical pixels (ui/components/panel.slint).
pub const PANEL_WIDTH: f32 = 440.0;
pub const BEZEL: f32 = 24.0;
/// Margin around the frame.
pub const MARGIN: f32 = 48.0;
/// The utterance bar under the frame, with the gap above it.
pub const BAR: f32 = 56.0;
/// Smallest window height with the panel.
pub const MIN_HEIGHT: f32 = 680.0;
/// How many recent events the panel lists.
pub const PANEL_EVENTS: usize = 300;

/// The scale that fits a device's screen into an area of a desktop window (1100×700), never
/// above 1.
pub fn default_scale(p: &DeviceProfile) -> f32 {
    (1100.0 / p.width as f32)
        .min(700.0 / p.height as f32)
        .min(1.0)
}

/// The emulator window's size for a device at a scale (frame, margins, panel).
pub fn window_size(p: &DeviceProfile, scale: f32) -> (u32, u32) {
    let w = p.width as f32 * scale + 2.0 * BEZEL + MARGIN + PANEL_WIDTH;
    let h = (p.height as f32 * scale + 2.0 * BEZEL + MARGIN + BAR).max(MIN_HEIGHT);
    (w.round() as u32, h.round() as u32)
}

/// The scale at which the device fits a window of `w`×`h` logical pixels beside the panel.
pub fn fit_scale(p: &DeviceProfile, w: f32, h: f32, panel: bool) -> f32 {
    let (rw, rh) = if panel {
        (
            PANEL_WIDTH + 2.0 * BEZEL + MARGIN,
            2.0 * BEZEL + MARGIN + BAR,
        )
    } else {
        (0.0, 0.0)
    };
    ((w - rw) / p.width as f32).min((h - rh) / p.height as f32)
}

/// Everything the panel shows.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub skill_name: String,
    pub device: String,
    pub locale: String,
    pub speaker: String,
    pub preview: String,
    pub user_code: String,
    pub can_open_phone: bool,
    pub status: String,
    pub events: Vec<Value>,
    pub selected: Option<usize>,
    pub faults: Vec<(Fault, bool, bool)>,
    pub findings: Vec<Finding>,
    pub tab: i32,
}

/// `12.345 s` since start.
fn time_of(e: &Value) -> String {
    let t = e["t"].as_u64().unwrap_or(0);
    format!("{}.{:03}", t / 1000, t % 1000)
}

fn s<'a>(e: &'a Value, k: &str) -> &'a str {
    e[k].as_str().unwrap_or("")
}

/// One line about an event: what happened, without its type (shown beside it).
pub fn summary(e: &Value) -> String {
    let kind = s(e, "type");
    let j = |k: &str| match &e[k] {
        Value::Null => String::new(),
        Value::String(x) => x.clone(),
        v => v.to_string(),
    };
    match kind {
        "scene" => j("scene"),
        "prompt" => format!("{} at {}", j("user_code"), j("verification_uri")),
        "device_authorization" => format!("code {} for {} s", j("user_code"), j("expires_in")),
        "poll" => format!("{} ({} ms)", j("result"), j("elapsed_ms")),
        "token_exchange" => format!(
            "{} {} in {} ms{}",
            j("grant_type"),
            j("result"),
            j("elapsed_ms"),
            match &e["reason"] {
                Value::String(r) => format!(": {r}"),
                _ => String::new(),
            }
        ),
        "skill_request" if e["body"]["request"]["type"] == "SessionResumedRequest" => {
            let c = &e["body"]["request"]["cause"];
            format!(
                "SessionResumedRequest {} {}",
                s(&c["status"], "code"),
                c["result"]["status"].as_str().unwrap_or("(no result)")
            )
        }
        "skill_request" => {
            let b = &e["body"]["request"];
            let token = e["body"]["context"]["System"]["user"]["accessToken"].is_string();
            format!(
                "{}{} {}",
                s(b, "type"),
                b["intent"]["name"]
                    .as_str()
                    .map(|n| format!(" {n}"))
                    .unwrap_or_default(),
                if token { "with token" } else { "without token" }
            )
        }
        "skill_response"
            if e["body"]["response"]["directives"][0]["type"] == "Connections.StartConnection" =>
        {
            let d = &e["body"]["response"]["directives"][0];
            format!(
                "StartConnection {} ({})",
                s(d, "uri"),
                d["onCompletion"].as_str().unwrap_or("RESUME_SESSION")
            )
        }
        "voice_link" => format!(
            "linked {} with an LWA token ({})",
            if j("linked_person_id").is_empty() {
                "the account".to_owned()
            } else {
                j("linked_person_id")
            },
            j("scope")
        ),
        "otp_sent" => format!("a one-time code sent to {}’s phone", j("to")),
        "otp_checked" => (if e["linked"] == true {
            "code matched: linked"
        } else {
            "wrong code"
        })
        .to_owned(),
        "skill_response" => {
            let r = &e["body"]["response"];
            let speech = r["outputSpeech"]["text"]
                .as_str()
                .or(r["outputSpeech"]["ssml"].as_str())
                .unwrap_or("");
            format!("“{speech}”")
        }
        "conformance" => format!("{}: {}", j("level"), j("rule")),
        "conformance_summary" => format!("{} reject, {} warn", j("reject"), j("warn")),
        "fault" => format!(
            "{} {}",
            j("fault"),
            if e["on"] == true { "on" } else { "off" }
        ),
        "error" | "skill_error" => format!("{} {}", j("step"), j("reason")).trim().to_owned(),
        // What was said is isolated (U+2068 … U+2069): an Arabic utterance in the English
        // panel keeps its own direction without reordering the arrow and result around it.
        "nlu" => format!("“\u{2068}{}\u{2069}” → {}", j("utterance"), j("result")),
        "browser" | "browser_request" | "open_external" => j("url"),
        "settings" => format!("{} {} {}", j("device"), j("locale"), j("speaker")),
        "unlink" => format!("person {:?}", j("person_id")),
        "start" => format!("{} on {}", j("device"), j("backend")),
        _ => {
            // Anything else: its fields, compactly.
            let mut v = e.clone();
            if let Value::Object(m) = &mut v {
                m.remove("type");
                m.remove("t");
            }
            v.to_string()
        }
    }
}

/// 0 normal, 1 error, 2 conformance problem.
fn tone(e: &Value) -> i32 {
    match s(e, "type") {
        "error" | "skill_error" => 1,
        "token_exchange" if s(e, "result") == "error" => 1,
        "conformance" if s(e, "level") != "pass" => 2,
        _ => 0,
    }
}

/// The full event, pretty-printed (secrets were redacted when it was logged).
pub fn detail(e: &Value) -> String {
    serde_json::to_string_pretty(e).unwrap_or_default()
}

/// The one-line headline of the report.
pub fn report_summary(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "Nothing checked yet: run a journey (say “open …”, link on the phone or here)."
            .into();
    }
    let n = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let unchecked = match n(Level::Unchecked) {
        0 => String::new(),
        u => format!(" · {u} not checked"),
    };
    format!(
        "{} problem(s) real Alexa would reject · {} warning(s){unchecked} · {} passed",
        n(Level::Reject),
        n(Level::Warn),
        n(Level::Pass)
    )
}

/// Back to the bare device screen (headless shots of plain scenes).
pub fn hide_panel(app: &AppWindow) {
    app.global::<Emulator>().set_panel(false);
}

/// Pushes the panel into the UI (the event rows only when they changed, so a click in the
/// list is not lost to a refresh).
pub fn apply_panel(app: &AppWindow, p: &Panel) {
    let e = app.global::<Emulator>();
    e.set_panel(true);
    e.set_panel_width(PANEL_WIDTH);
    e.set_bezel(BEZEL);
    e.set_bar(BAR);
    e.set_skill_name(p.skill_name.as_str().into());
    // The example is said in the device's language (the utterance bar takes any).
    e.set_say_placeholder(
        format!(
            "Say something to Alexa, e.g. “{}”",
            crate::locale::tr(
                "device.open_utterance",
                &p.locale,
                &[("skill_name", &p.skill_name)]
            )
        )
        .into(),
    );
    e.set_device(p.device.as_str().into());
    e.set_locale(p.locale.as_str().into());
    e.set_speaker(p.speaker.as_str().into());
    e.set_preview(p.preview.as_str().into());
    e.set_user_code(p.user_code.as_str().into());
    e.set_can_open_phone(p.can_open_phone);
    e.set_status(p.status.as_str().into());
    e.set_tab(p.tab);
    let rows: Vec<LogRow> = p
        .events
        .iter()
        .map(|ev| LogRow {
            time: time_of(ev).into(),
            kind: s(ev, "type").into(),
            summary: summary(ev).into(),
            tone: tone(ev),
        })
        .collect();
    use slint::Model;
    let current = e.get_events();
    let same = current.row_count() == rows.len()
        && rows
            .last()
            .is_none_or(|r| current.row_data(rows.len() - 1).as_ref() == Some(r))
        && rows
            .first()
            .is_none_or(|r| current.row_data(0).as_ref() == Some(r));
    if !same {
        e.set_events(ModelRc::new(VecModel::from(rows)));
    }
    e.set_selected(p.selected.map_or(-1, |i| i as i32));
    e.set_detail(
        p.selected
            .and_then(|i| p.events.get(i))
            .map(detail)
            .unwrap_or_default()
            .into(),
    );
    let faults: Vec<FaultRow> = p
        .faults
        .iter()
        .map(|(f, on, available)| FaultRow {
            id: f.id().into(),
            label: match (available, f.needs_sample()) {
                (true, _) => f.describe().to_owned(),
                (false, Some(_)) => format!("{} (your own server: not injected)", f.describe()),
                (false, None) => format!("{} (a system proxy is set)", f.describe()),
            }
            .into(),
            on: *on,
            available: *available,
        })
        .collect();
    e.set_faults(ModelRc::new(VecModel::from(faults)));
    let findings: Vec<FindingRow> = p
        .findings
        .iter()
        .map(|f| FindingRow {
            level: f.level.id().into(),
            rule: f.rule.into(),
            message: f.message.as_str().into(),
            evidence: f.evidence.as_str().into(),
        })
        .collect();
    e.set_findings(ModelRc::new(VecModel::from(findings)));
    e.set_report_summary(report_summary(&p.findings).into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summaries_say_what_happened() {
        let req = json!({"type": "skill_request", "t": 1200, "body": {"request": {"type": "LaunchRequest"}, "context": {"System": {"user": {"accessToken": "abcd…[redacted 43 chars]"}}}}});
        assert_eq!(summary(&req), "LaunchRequest with token");
        assert_eq!(time_of(&req), "1.200");
        let ex = json!({"type": "token_exchange", "grant_type": "authorization_code", "result": "error", "elapsed_ms": 4502, "reason": "the token endpoint did not answer within 4.5 s"});
        assert_eq!(
            summary(&ex),
            "authorization_code error in 4502 ms: the token endpoint did not answer within 4.5 s"
        );
        assert_eq!(tone(&ex), 1);
        let c = json!({"type": "conformance", "level": "reject", "rule": "token-endpoint-slow"});
        assert_eq!(summary(&c), "reject: token-endpoint-slow");
        assert_eq!(tone(&c), 2);
        let other = json!({"type": "kiosk_exit", "t": 5, "refused": "wrong PIN"});
        assert_eq!(summary(&other), r#"{"refused":"wrong PIN"}"#);
    }

    #[test]
    fn the_window_fits_the_device_beside_the_panel() {
        let p = crate::protocol::viewport::profile("echo-show-15").unwrap();
        let s = default_scale(p);
        assert!(p.width as f32 * s <= 1100.0 && p.height as f32 * s <= 700.0);
        let (w, h) = window_size(p, s);
        assert!((fit_scale(p, w as f32, h as f32, true) - s).abs() < 0.01);
        let small = crate::protocol::viewport::profile("echo-show-5").unwrap();
        assert_eq!(default_scale(small), 1.0);
    }
}
