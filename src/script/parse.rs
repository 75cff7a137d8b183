//! `--script FILE`: drives the device like a person, one step a line
//! (DESIGN.md): `say TEXT`, `tap LABEL`, `pick PROFILE`, `fill FIELD TEXT`,
//! `submit [BUTTON]`, `wait SCENE [SECS]`, `shot NAME`, `expect TEXT`, plus
//! `phone link|deny|open [PASSWORD]`, which plays the user's phone: it opens
//! the QR code's URL with a cookie jar and follows the forms; `phone app|app-lwa` links from
//! the sample Ride Hailer app (app-to-app, through the Alexa app or Login with Amazon);
//! and `fault NAME on|off`.
//! In `say`, `{code}` is the one-time code voice-forward linking last sent to the phone.
//! Blank lines and lines starting with `#` are ignored.

use crate::flow::Scene;

/// One step and the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub line: usize,
    pub text: String,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Say(String),
    Tap(String),
    Pick(String),
    Fill(String, String),
    Submit(Option<String>),
    Wait(Scene, u64),
    Shot(String),
    Expect(String),
    Phone(PhoneAction, Option<String>),
    /// `fault NAME on|off`: switches a fault (the emulator panel's toggles).
    Fault(crate::faults::Fault, bool),
    /// `remote up|down|left|right|select`: the remote (or keyboard) on the skill's APL screen
    /// (`prev`, `next` or `press` of its focus).
    Remote(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneAction {
    /// Scan, link, log in, accept the terms, allow.
    Link,
    /// Scan, link, log in, accept the terms, deny.
    Deny,
    /// App-to-app linking from the Ride Hailer app: Link with Alexa, Link in the Alexa app.
    App,
    /// The same with the Alexa app not installed: Login with Amazon's consent page.
    AppLwa,
}

/// The longest a `wait` step may wait (an hour).
pub const MAX_WAIT_SECS: u64 = 3_600;

/// Default seconds a `wait` allows.
pub const DEFAULT_WAIT_SECS: u64 = 30;

/// Parses a script; errors name the line.
pub fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = vec![];
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let (verb, rest) = t
            .split_once(char::is_whitespace)
            .map(|(v, r)| (v, r.trim()))
            .unwrap_or((t, ""));
        let need = |what: &str| {
            if rest.is_empty() {
                Err(format!("line {line}: `{verb}` needs {what}"))
            } else {
                Ok(rest.to_owned())
            }
        };
        let action = match verb {
            "say" => Action::Say(need("the words")?),
            "tap" => Action::Tap(need("a button label")?),
            "pick" => Action::Pick(need("a profile name")?),
            "fill" => {
                let r = need("a field and a text")?;
                // `fill "Email address" annie@example.com`, or one word: `fill password x`.
                let split = match r.strip_prefix('"') {
                    Some(q) => q.split_once('"'),
                    None => r.split_once(char::is_whitespace),
                };
                let (f, v) = split
                    .filter(|(_, v)| !v.trim().is_empty())
                    .ok_or_else(|| format!("line {line}: `fill` needs a field and a text"))?;
                Action::Fill(f.to_owned(), v.trim().to_owned())
            }
            "submit" => Action::Submit((!rest.is_empty()).then(|| rest.to_owned())),
            "wait" => {
                let mut it = rest.split_whitespace();
                let name = it
                    .next()
                    .ok_or_else(|| format!("line {line}: `wait` needs a scene"))?;
                let scene = Scene::from_id(name).ok_or_else(|| {
                    format!("line {line}: unknown scene {name:?}; `linkscreen scenes` lists them")
                })?;
                let secs = match it.next() {
                    Some(s) => s
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (1..=MAX_WAIT_SECS).contains(n))
                        .ok_or_else(|| {
                            format!(
                                "line {line}: `wait` seconds must be a whole number from 1 to {MAX_WAIT_SECS}, found {s:?}"
                            )
                        })?,
                    None => DEFAULT_WAIT_SECS,
                };
                Action::Wait(scene, secs)
            }
            "shot" => {
                let n = need("a name")?;
                if !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    return Err(format!(
                        "line {line}: shot names are letters, digits, - and _"
                    ));
                }
                Action::Shot(n)
            }
            "expect" => Action::Expect(need("a text")?),
            "remote" => Action::Remote(match rest {
                "up" | "left" => "prev",
                "down" | "right" => "next",
                "select" | "enter" | "ok" => "press",
                _ => {
                    return Err(format!(
                        "line {line}: `remote` takes up, down, left, right or select, found {rest:?}"
                    ));
                }
            }),
            "phone" => {
                let mut it = rest.split_whitespace();
                let a = match it.next() {
                    Some("link") => PhoneAction::Link,
                    Some("deny") => PhoneAction::Deny,
                    Some("app") => PhoneAction::App,
                    Some("app-lwa") => PhoneAction::AppLwa,
                    other => {
                        return Err(format!(
                            "line {line}: `phone` takes link, deny, app or app-lwa, found {other:?}"
                        ));
                    }
                };
                Action::Phone(a, it.next().map(str::to_owned))
            }
            "fault" => {
                use crate::faults::Fault;
                let mut it = rest.split_whitespace();
                let name = it.next().unwrap_or("");
                let f = Fault::from_id(name).ok_or_else(|| {
                    format!(
                        "line {line}: unknown fault {name:?} (one of {})",
                        Fault::names()
                    )
                })?;
                let on = match it.next() {
                    Some("on") | None => true,
                    Some("off") => false,
                    Some(x) => {
                        return Err(format!("line {line}: `fault` takes on or off, found {x:?}"));
                    }
                };
                Action::Fault(f, on)
            }
            other => {
                return Err(format!(
                    "line {line}: unknown step {other:?} (say, tap, pick, fill, submit, wait, shot, expect, phone, fault)"
                ));
            }
        };
        steps.push(Step {
            line,
            text: t.to_owned(),
            action,
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_step_and_names_bad_lines() {
        let s = parse("# QR journey\nsay Alexa, open Ride Hailer\nwait link-prompt 10\nshot prompt\nphone link\nwait skill-response\nexpect Where would you like to go?\ntap Home\n").unwrap();
        assert_eq!(s.len(), 7);
        assert_eq!(s[1].action, Action::Wait(Scene::LinkPrompt, 10));
        assert_eq!(s[1].line, 3);
        assert_eq!(
            s[5].action,
            Action::Expect("Where would you like to go?".into())
        );
        assert_eq!(
            parse("wait nowhere").unwrap_err(),
            "line 1: unknown scene \"nowhere\"; `linkscreen scenes` lists them"
        );
        assert!(
            parse("\n\njump")
                .unwrap_err()
                .starts_with("line 3: unknown step")
        );
    }
}
