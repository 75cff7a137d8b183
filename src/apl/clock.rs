//! The screen's clock as the device moves it: animations take their values for the time, and
//! the commands due run in turn ([`super::timeline`] holds what is timed).

use super::problem::Outcome;
use super::screen::{Screen, next_serial};
use super::timeline::Later;

impl Screen {
    /// Moves the screen's clock on to `now` (ms since [`Screen::mount`]; it never goes back):
    /// animations take their values for that time, and the commands due by then run, in the
    /// order they fall due.
    pub fn advance(&mut self, now: f64) -> Vec<Outcome> {
        let mut out = vec![];
        let mut ran = false;
        while let Some((at, later)) = self.time.take_due(now) {
            self.time.now = self.time.now.max(at);
            self.animate();
            match later {
                Later::Commands {
                    cmd,
                    scope,
                    source,
                    path,
                } => {
                    self.run(&cmd, &scope, source, &path, &mut out, 0);
                    ran = true;
                }
                Later::Page { uid, page } => {
                    ran |= self.show_page(uid, page, &mut out, 0);
                }
                Later::Speak { uid, align } => {
                    self.speak_item(uid, &align, &mut out);
                    ran = true;
                }
                Later::Hush => self.end_karaoke(),
            }
            self.time.cursor = 0.0;
        }
        self.time.now = self.time.now.max(now);
        self.animate();
        if ran {
            self.restyle();
        }
        out
    }

    /// Moves the clock on until every animation has ended and no command waits, but no
    /// further than `limit` ms after mount (an animation that repeats for ever stops there).
    /// What the commands run meanwhile asked of the device comes back.
    pub fn settle(&mut self, limit: f64) -> Vec<Outcome> {
        let mut out = vec![];
        while self.busy() && self.time.now < limit {
            let to = self.time.settles_at().min(limit);
            out.extend(self.advance(to));
        }
        out
    }

    /// The screen's clock: ms since it was mounted.
    pub fn clock(&self) -> f64 {
        self.time.now
    }

    /// Whether anything on the screen is still timed: an animation running, a command waiting.
    pub fn busy(&self) -> bool {
        !self.time.anims.is_empty() || !self.time.later.is_empty()
    }

    /// When the screen next changes by itself (ms since mount): now while an animation runs.
    pub fn next_due(&self) -> Option<f64> {
        self.time.next_due()
    }

    /// Every animation started takes its value for the clock's time; those ended go.
    pub(super) fn animate(&mut self) {
        let now = self.time.now;
        let Some(root) = self.root.as_mut() else {
            self.time.anims.clear();
            return;
        };
        let mut changed = false;
        for a in self.time.anims.iter().filter(|a| a.start <= now) {
            if let Some(n) = root.find_uid_mut(a.uid) {
                let v = a.value_at(now);
                if n.prop(a.prop) != Some(&v) {
                    n.set_own(a.prop, v);
                    changed = true;
                }
            }
        }
        self.time.anims.retain(|a| a.end() > now);
        if changed {
            self.serial = next_serial();
        }
    }
}
