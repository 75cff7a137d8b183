//! `--script FILE`: drives the device like a person, one step a line
//! (docs/ci.md "Scripts"): `say TEXT`, `tap LABEL`, `pick PROFILE`, `fill FIELD TEXT`,
//! `submit [BUTTON]`, `wait SCENE [SECS]`, `shot NAME`, `expect TEXT`, plus
//! `phone link|deny [[USER] PASSWORD]`, which plays the user's phone: it opens
//! the QR code's URL with a cookie jar, signs in (as USER, by default the sample server's demo
//! user; a word may be `"quoted"` or `$ENV_VAR`) and follows the forms; `phone app|app-lwa` links from
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
    /// `phone link|deny [[USER] PASSWORD]`: the account to sign in with, when given.
    Phone(PhoneAction, Option<Login>),
    /// `fault NAME on|off`: switches a fault (the emulator panel's toggles).
    Fault(crate::faults::Fault, bool),
    /// `remote up|down|left|right|select`: the remote (or keyboard) on the skill's APL screen
    /// (`prev`, `next` or `press` of its focus).
    Remote(&'static str),
    /// `drag LABEL FROM% TO%`: a finger down on the skill's APL touch target at FROM across
    /// it (a fraction), moved to TO, lifted (a slider dragged, an item swiped).
    Drag(String, f32, f32),
}

/// The account `phone link USER PASSWORD` signs in with (`user` None: the sample's demo user).
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    pub user: Option<String>,
    pub password: String,
}

/// Splits `rest` into words: whitespace-separated, a `"quoted phrase"` one word, and a word
/// `$NAME` or `${NAME}` read from the environment (a CI secret stays out of the script).
fn words(rest: &str, line: usize) -> Result<Vec<String>, String> {
    let mut out = vec![];
    let mut r = rest.trim_start();
    while !r.is_empty() {
        let (w, tail) = match r.strip_prefix('"') {
            Some(q) => {
                let (w, tail) = q
                    .split_once('"')
                    .ok_or_else(|| format!("line {line}: a quote is not closed"))?;
                (w.to_owned(), tail)
            }
            None => {
                let end = r.find(char::is_whitespace).unwrap_or(r.len());
                let w = &r[..end];
                let var = w
                    .strip_prefix("${")
                    .and_then(|v| v.strip_suffix('}'))
                    .or_else(|| w.strip_prefix('$'))
                    .filter(|v| !v.is_empty());
                let w = match var {
                    Some(v) => std::env::var(v)
                        .map_err(|_| format!("line {line}: ${v} is not set in the environment"))?,
                    None => w.to_owned(),
                };
                (w, &r[end..])
            }
        };
        out.push(w);
        r = tail.trim_start();
    }
    Ok(out)
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
            "drag" => {
                let w = words(rest, line)?;
                let across = |s: &str| {
                    s.strip_suffix('%')
                        .and_then(|n| n.trim().parse::<f32>().ok())
                        .filter(|n| (-100.0..=200.0).contains(n))
                        .map(|n| n / 100.0)
                };
                // The label is every word before the two positions (quoted or not).
                match w.as_slice() {
                    [label @ .., from, to] if !label.is_empty() => match (across(from), across(to))
                    {
                        (Some(a), Some(b)) => Action::Drag(label.join(" "), a, b),
                        _ => {
                            return Err(format!(
                                "line {line}: `drag` positions are percentages across the target (-100% to 200%), like 20% 80%"
                            ));
                        }
                    },
                    _ => {
                        return Err(format!(
                            "line {line}: `drag` needs a target and two positions across it, like: drag \"Volume\" 20% 80%"
                        ));
                    }
                }
            }
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
                let w = words(rest, line)?;
                let a = match w.first().map(String::as_str) {
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
                let login = match &w[1..] {
                    [] => None,
                    _ if matches!(a, PhoneAction::App | PhoneAction::AppLwa) => {
                        return Err(format!(
                            "line {line}: `phone {}` signs in to the sample Ride Hailer app and takes no account",
                            w[0]
                        ));
                    }
                    [password] => Some(Login {
                        user: None,
                        password: password.clone(),
                    }),
                    [user, password] => Some(Login {
                        user: Some(user.clone()),
                        password: password.clone(),
                    }),
                    _ => {
                        return Err(format!(
                            "line {line}: `phone {}` takes USER and PASSWORD (quote a word with spaces)",
                            w[0]
                        ));
                    }
                };
                Action::Phone(a, login)
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
                    "line {line}: unknown step {other:?} (say, tap, drag, pick, fill, submit, wait, shot, expect, phone, fault, remote)"
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

    #[test]
    fn drag_takes_a_target_and_two_places_across_it() {
        assert_eq!(
            parse("drag \"Buy milk\" 90% 10%").unwrap()[0].action,
            Action::Drag("Buy milk".into(), 0.9, 0.1)
        );
        assert_eq!(
            parse("drag Volume 0% 125%").unwrap()[0].action,
            Action::Drag("Volume".into(), 0.0, 1.25)
        );
        assert!(
            parse("drag Volume 10 90")
                .unwrap_err()
                .contains("percentages")
        );
        assert!(
            parse("drag Volume 10%")
                .unwrap_err()
                .contains("needs a target and two")
        );
        assert!(
            parse("drag Volume 10% 900%")
                .unwrap_err()
                .contains("-100% to 200%")
        );
        assert_eq!(
            parse("drag Buy milk 90% 10%").unwrap()[0].action,
            Action::Drag("Buy milk".into(), 0.9, 0.1)
        );
    }

    #[test]
    fn phone_link_takes_an_account_quoted_or_from_the_environment() {
        let login = |text: &str| match parse(text).unwrap()[0].action.clone() {
            Action::Phone(_, l) => l,
            other => panic!("{other:?}"),
        };
        assert_eq!(login("phone link"), None);
        assert_eq!(
            login("phone link s3cret"),
            Some(Login {
                user: None,
                password: "s3cret".into()
            })
        );
        assert_eq!(
            login("phone deny alice@example.org \"two words\""),
            Some(Login {
                user: Some("alice@example.org".into()),
                password: "two words".into()
            })
        );
        // SAFETY: no other test reads this variable.
        unsafe { std::env::set_var("LINKSCREEN_TEST_PW_7", "from-env") };
        assert_eq!(
            login("phone link bob ${LINKSCREEN_TEST_PW_7}"),
            Some(Login {
                user: Some("bob".into()),
                password: "from-env".into()
            })
        );
        assert_eq!(
            parse("phone link bob $LINKSCREEN_TEST_UNSET_7").unwrap_err(),
            "line 1: $LINKSCREEN_TEST_UNSET_7 is not set in the environment"
        );
        assert!(
            parse("phone link a b c")
                .unwrap_err()
                .contains("USER and PASSWORD")
        );
        assert!(
            parse("phone app bob pw")
                .unwrap_err()
                .contains("takes no account")
        );
        assert!(
            parse("phone link \"open")
                .unwrap_err()
                .contains("not closed")
        );
    }
}
