//! Typing into an EditText: a touch (or the remote's select) gives it the keyboard; keys change
//! its text within `maxLength` and `validCharacters`, each change runs `onTextChange`, Enter
//! runs `onSubmit` and hides the keyboard, as a device does.

use serde_json::json;

use super::node::Node;
use super::problem::Outcome;
use super::screen::{Screen, next_serial};

/// Backspace, Enter and Escape as keys arrive (the on-screen keyboard, a physical one, a
/// script).
pub const BACKSPACE: &str = "\u{8}";
pub const ENTER: &str = "\n";
pub const ESCAPE: &str = "\u{1b}";

impl Screen {
    /// The EditText that has the keyboard (its uid), if any.
    pub fn editing(&self) -> Option<&Node> {
        let uid = self.live.editing?;
        self.root.as_ref()?.find_uid(uid)
    }

    /// A touch on an EditText: it takes the keyboard (and the focus).
    pub(super) fn start_editing(&mut self, uid: usize) {
        self.live.editing = Some(uid);
        self.live.focus = Some(uid);
        self.serial = next_serial();
        self.restyle();
    }

    /// The keyboard goes away (Escape, a touch elsewhere).
    pub fn stop_editing(&mut self) {
        if self.live.editing.take().is_some() {
            self.serial = next_serial();
            self.restyle();
        }
    }

    /// A key typed into the EditText that has the keyboard: text, [`BACKSPACE`], [`ENTER`]
    /// (submits) or [`ESCAPE`]. Keys that type nothing (arrows, function keys) are ignored.
    pub fn type_key(&mut self, key: &str) -> Vec<Outcome> {
        let Some(n) = self.editing() else {
            return vec![];
        };
        let (uid, old) = (n.uid, n.text("text").unwrap_or_default());
        let mut out = vec![];
        match key {
            ENTER => {
                self.live.editing = None;
                self.serial = next_serial();
                self.handle(uid, "onSubmit", "Submit", &mut out, 0);
            }
            ESCAPE => self.stop_editing(),
            BACKSPACE => {
                let mut t = old.clone();
                t.pop();
                self.set_text(uid, &old, t, &mut out);
            }
            k => {
                let (max, valid) = (
                    n.get(&super::props::MAX_LENGTH).max(0.0) as usize,
                    n.str("validCharacters").map(str::to_owned),
                );
                let mut t = old.clone();
                for c in k.chars().filter(|c| typable(*c)) {
                    if (max == 0 || t.chars().count() < max)
                        && valid.as_deref().is_none_or(|v| allowed(v, c))
                    {
                        t.push(c);
                    }
                }
                self.set_text(uid, &old, t, &mut out);
            }
        }
        self.restyle();
        out
    }

    fn set_text(&mut self, uid: usize, old: &str, new: String, out: &mut Vec<Outcome>) {
        if new == old {
            return;
        }
        if let Some(n) = self.root.as_mut().and_then(|r| r.find_uid_mut(uid)) {
            n.set_own("text", json!(new));
        }
        self.serial = next_serial();
        self.handle(uid, "onTextChange", "TextChange", out, 0);
    }
}

/// A character a key types (not a control character nor a key's private code, like arrows).
fn typable(c: char) -> bool {
    !c.is_control() && !('\u{e000}'..='\u{f8ff}').contains(&c)
}

/// Whether `validCharacters` (single characters and ranges such as `0-9a-fA-F`, a `-` first
/// or last standing for itself) lets `c` through.
fn allowed(valid: &str, c: char) -> bool {
    let v: Vec<char> = valid.chars().collect();
    let mut i = 0;
    while i < v.len() {
        if i + 2 < v.len() && v[i + 1] == '-' {
            if (v[i]..=v[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if v[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}
