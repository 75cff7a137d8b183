//! Time on an APL screen. `AnimateItem` runs over its `duration` with its `easing` (and
//! `repeatCount`, `repeatMode`); a command waits for its `delay` and, in a Sequential (or a
//! list of commands), for the commands before it to end; a Parallel's commands start
//! together; `AutoPage` turns a page every `duration`. The clock is the caller's, in ms since
//! the document was mounted: the device moves it in real time, `shoot` and a seeded run move
//! it at once to where everything has settled (bounded by `--settle`).

use std::sync::Arc as Rc;

use serde_json::Value;

use super::easing::Easing;
use super::scope::Ctx;

/// An animation of one property of one component: a number (`opacity`), or the numbers of a
/// `transform` list, entry by entry.
#[derive(Debug, Clone)]
pub(super) struct Anim {
    pub uid: usize,
    pub prop: &'static str,
    /// Each entry's name in a `transform` list; empty for a plain number.
    pub names: Vec<String>,
    pub from: Vec<f64>,
    pub to: Vec<f64>,
    /// When it starts and how long one run takes (ms on the screen's clock).
    pub start: f64,
    pub duration: f64,
    pub easing: Easing,
    /// Runs after the first (`repeatCount`; infinite when negative).
    pub repeats: i64,
    /// `repeatMode: reverse`: every other run goes back.
    pub reverse: bool,
}

impl Anim {
    /// When it ends (infinite when it repeats for ever).
    pub fn end(&self) -> f64 {
        if self.repeats < 0 {
            f64::INFINITY
        } else {
            self.start + self.duration * (self.repeats + 1) as f64
        }
    }

    /// How far from its start value to its end value it is at `now`, eased (0 before it
    /// starts; after it ends 1, or 0 when a reversed run ended it).
    pub fn progress(&self, now: f64) -> f64 {
        if self.duration <= 0.0 || now >= self.end() {
            let back = self.reverse && self.repeats > 0 && self.repeats % 2 == 1;
            return if back { 0.0 } else { 1.0 };
        }
        let run = ((now - self.start).max(0.0) / self.duration).floor();
        let mut t = ((now - self.start).max(0.0) - run * self.duration) / self.duration;
        if self.reverse && run as i64 % 2 == 1 {
            t = 1.0 - t;
        }
        self.easing.at(t)
    }

    /// Its value at `now`: a number, or a transform list.
    pub fn value_at(&self, now: f64) -> Value {
        let k = self.progress(now);
        let mut at = self.from.iter().zip(&self.to).map(|(a, b)| a + (b - a) * k);
        if self.names.is_empty() {
            return serde_json::json!(at.next().unwrap_or(0.0));
        }
        Value::Array(
            self.names
                .iter()
                .zip(at)
                .map(|(name, v)| serde_json::json!({ name: v }))
                .collect(),
        )
    }
}

/// Something that happens later: commands that wait their turn, or a page an AutoPage turns.
pub(super) enum Later {
    Commands {
        cmd: Value,
        scope: Rc<Ctx>,
        source: Option<(usize, &'static str)>,
        path: String,
    },
    Page {
        uid: usize,
        page: usize,
    },
    /// SpeakList's turn to say one of its items.
    Speak {
        uid: usize,
        align: String,
    },
    /// SpeakList's last item has been said: its highlight ends.
    Hush,
}

/// The screen's clock and what is timed on it.
#[derive(Default)]
pub(super) struct Timeline {
    /// ms since the document was mounted.
    pub now: f64,
    /// While commands run: how far after `now` the next one starts (its turn in a
    /// Sequential); 0 outside a run.
    pub cursor: f64,
    pub anims: Vec<Anim>,
    /// Waiting, with when each is due (in the order they were made).
    pub later: Vec<(f64, Later)>,
}

impl Timeline {
    /// When the next timed thing is due (an animation's value changes continuously: now).
    pub fn next_due(&self) -> Option<f64> {
        let anim = (!self.anims.is_empty()).then_some(self.now);
        let later = self.later.iter().map(|(at, _)| *at).reduce(f64::min);
        match (anim, later) {
            (Some(a), Some(l)) => Some(a.min(l)),
            (a, l) => a.or(l),
        }
    }

    /// When everything now timed has ended (infinite with a repeating animation).
    pub fn settles_at(&self) -> f64 {
        self.anims
            .iter()
            .map(Anim::end)
            .chain(self.later.iter().map(|(at, _)| *at))
            .fold(self.now, f64::max)
    }

    /// Takes the earliest waiting thing due by `until`.
    pub fn take_due(&mut self, until: f64) -> Option<(f64, Later)> {
        let i = self
            .later
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at <= until)
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map(|(i, _)| i)?;
        Some(self.later.remove(i))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::screen::Screen;
    use super::super::tests::screen;
    use super::*;

    fn fade(repeats: i64, reverse: bool) -> Anim {
        Anim {
            uid: 1,
            prop: "opacity",
            names: vec![],
            from: vec![0.0],
            to: vec![1.0],
            start: 100.0,
            duration: 1000.0,
            easing: Easing::Linear,
            repeats,
            reverse,
        }
    }

    #[test]
    fn an_animation_runs_from_its_start_to_its_end_and_repeats_as_told() {
        let a = fade(0, false);
        assert_eq!(a.progress(0.0), 0.0, "its start value before it starts");
        assert!((a.progress(600.0) - 0.5).abs() < 1e-9);
        assert_eq!(a.progress(1100.0), 1.0);
        assert_eq!(a.end(), 1100.0);
        let r = fade(1, true);
        assert!((r.progress(1350.0) - 0.75).abs() < 1e-9, "going back");
        assert_eq!(
            r.progress(5000.0),
            0.0,
            "a reversed second run ends where it began"
        );
        assert_eq!(fade(-1, false).end(), f64::INFINITY);
        let moved = Anim {
            prop: "transform",
            names: vec!["translateX".into(), "rotate".into()],
            from: vec![100.0, 720.0],
            to: vec![0.0, 0.0],
            ..fade(0, false)
        };
        assert_eq!(
            moved.value_at(600.0),
            serde_json::json!([{"translateX": 50.0}, {"rotate": 360.0}]),
            "a transform list moves entry by entry"
        );
        let eased = Anim {
            easing: Easing::parse("ease-in").unwrap(),
            ..fade(0, false)
        };
        assert!(eased.progress(600.0) < 0.5, "ease-in is slow to start");
    }

    /// Commands take their turn on the screen's clock: in a Sequential one starts when the one
    /// before ends, a `delay` waits, a Parallel's commands start together, a component's own
    /// onMount runs too, an easing shapes the run, and `settle` stops at its limit when an
    /// animation repeats for ever.
    #[test]
    fn commands_wait_their_turn_on_the_screen_clock() {
        let doc = json!({
            "type": "APL", "version": "2024.3",
            "onMount": [{"type": "Parallel", "commands": [
                {"type": "Sequential", "commands": [
                    {"type": "AnimateItem", "componentId": "a", "duration": 1000, "easing": "ease-in",
                     "value": {"property": "opacity", "from": 0, "to": 1}},
                    {"type": "SetValue", "componentId": "a", "property": "text", "value": "done"}]},
                {"type": "SetValue", "componentId": "b", "property": "text", "value": "later",
                 "delay": 400}]}],
            "mainTemplate": {"items": [{"type": "Container", "items": [
                {"type": "Text", "id": "a", "text": "start"},
                {"type": "Text", "id": "b", "text": "first"},
                {"type": "Text", "id": "c", "text": "c", "opacity": 0,
                 "onMount": [{"type": "AnimateItem", "duration": 100, "repeatCount": -1,
                              "repeatMode": "reverse", "value": {"property": "opacity", "to": 1}}]}]}]}
        });
        let mut s = screen(doc, json!({}));
        s.mount();
        let num = |s: &Screen, id: &str| s.value_of(id, "opacity").and_then(|v| v.as_f64());
        let text = |s: &Screen, id: &str| {
            s.value_of(id, "text")
                .and_then(|v| v.as_str().map(str::to_owned))
        };
        s.advance(399.0);
        assert_eq!(
            text(&s, "b").as_deref(),
            Some("first"),
            "its delay is not over"
        );
        assert!(
            num(&s, "a").unwrap() < 0.399,
            "ease-in is slow to start: {:?}",
            num(&s, "a")
        );
        s.advance(400.0);
        assert_eq!(text(&s, "b").as_deref(), Some("later"));
        assert_eq!(
            text(&s, "a").as_deref(),
            Some("start"),
            "waits for the animation"
        );
        s.advance(1000.0);
        assert_eq!(text(&s, "a").as_deref(), Some("done"));
        assert_eq!(num(&s, "a"), Some(1.0));
        assert!(
            (num(&s, "c").unwrap() - 0.0).abs() < 1e-9,
            "the component's own onMount ran: back at 0 after 10 runs"
        );
        assert!(s.busy(), "a repeating animation never ends");
        s.settle(1250.0);
        assert!(
            (num(&s, "c").unwrap() - 0.5).abs() < 1e-9,
            "stopped at the limit"
        );
    }

    /// AutoPage turns a page every `duration` ms, on the clock.
    #[test]
    fn auto_page_turns_a_page_every_duration() {
        let doc = json!({
            "type": "APL", "version": "2024.3",
            "onMount": [{"type": "AutoPage", "componentId": "p", "duration": 1000}],
            "mainTemplate": {"items": [{"type": "Pager", "id": "p", "width": 100, "height": 100,
                "items": [{"type": "Text", "text": "1"}, {"type": "Text", "text": "2"},
                          {"type": "Text", "text": "3"}]}]}
        });
        let mut s = screen(doc, json!({}));
        s.mount();
        let uid = s.root().unwrap().find("p").unwrap().uid;
        assert_eq!(s.live.page.get(&uid), Some(&1), "the first turn is at once");
        s.advance(999.0);
        assert_eq!(s.live.page.get(&uid), Some(&1));
        s.advance(1000.0);
        assert_eq!(s.live.page.get(&uid), Some(&2));
        s.settle(10_000.0);
        assert!(!s.busy());
    }
}
