//! Speaking and scrolling into view. SpeakItem says a component's words (highlighted in its
//! `karaoke` state and captioned while said) after scrolling it into view by its `align`;
//! SpeakList says a list's children from `start`, `count` of them, one after another on the
//! screen's clock, each for as long as its words take (at least `minimumDwellTime`).
//! ScrollToIndex and ScrollToComponent scroll by `align` too. Where a child lies needs the
//! layout, which the view makes: a scroll waits for the view to report where the components
//! went (see [`Screen::set_positions`]) and is done then.

use super::node::{Kind, Node};
use super::problem::{Outcome, Problem};
use super::screen::{Screen, next_serial};
use super::timeline::Later;

/// How long a device takes to say these words, ms (no audio: about 150 words a minute, at
/// least 1.5 s).
pub fn speaking_ms(text: &str) -> u64 {
    (text.split_whitespace().count() as u64 * 400).max(1500)
}

/// Whether a component scrolls what it holds.
fn scrolls(n: &Node) -> bool {
    matches!(
        n.kind,
        Kind::Sequence | Kind::ScrollView | Kind::GridSequence | Kind::FlexSequence
    )
}

/// The innermost scrolling component holding `uid`.
fn scroller_of(n: &Node, uid: usize) -> Option<usize> {
    let c = n
        .children
        .iter()
        .find(|c| c.uid == uid || c.find_uid(uid).is_some())?;
    scroller_of(c, uid).or(scrolls(n).then_some(n.uid))
}

impl Screen {
    /// The words a component says: its `speech` where a data source's transformer made it,
    /// else its text, else the texts it holds.
    pub(super) fn words_of(&self, uid: usize) -> String {
        let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return String::new();
        };
        let speech = n
            .text("speech")
            .and_then(|s| s.strip_prefix(super::transform::SPEECH).map(str::to_owned));
        let text = speech
            .or_else(|| n.text("text"))
            .or_else(|| Some(super::queries::texts_in(n)).filter(|t| !t.is_empty()))
            .unwrap_or_default();
        super::primitives::markup(&text)
    }

    /// SpeakItem on component `uid`: scrolled into view by `align`, highlighted and captioned,
    /// its words said (false: it has none).
    pub(super) fn speak_item(&mut self, uid: usize, align: &str, out: &mut Vec<Outcome>) -> bool {
        let text = self.words_of(uid);
        self.scroll_into_view(uid, align);
        self.live.karaoke = Some(uid);
        self.live.caption = Some(text.clone()).filter(|t| !t.is_empty());
        self.serial = next_serial();
        if text.is_empty() {
            return false;
        }
        out.push(Outcome::Speak(text));
        true
    }

    /// SpeakList on the list `uid`: its children from `start` (negative: from the end),
    /// `count` of them, each said in turn on the screen's clock.
    pub(super) fn speak_list(
        &mut self,
        uid: usize,
        (start, count, dwell): (i64, Option<i64>, f64),
        align: &str,
        path: &str,
    ) {
        let Some(list) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return;
        };
        let kids: Vec<usize> = list.children.iter().map(|c| c.uid).collect();
        let len = kids.len() as i64;
        let from = if start < 0 { len + start } else { start }.clamp(0, len);
        let to = count.map_or(len, |c| (from + c.max(0)).min(len));
        if from >= to {
            self.problems.push(Problem::error(
                path,
                format!("SpeakList: no items from {start} in a list of {len}"),
            ));
            return;
        }
        for child in &kids[from as usize..to as usize] {
            let at = self.time.now + self.time.cursor;
            let words = self.words_of(*child);
            self.time.later.push((
                at,
                Later::Speak {
                    uid: *child,
                    align: align.to_owned(),
                },
            ));
            self.time.cursor += (speaking_ms(&words) as f64).max(dwell);
        }
        // The last item's highlight ends with its words.
        let at = self.time.now + self.time.cursor;
        self.time.later.push((at, Later::Hush));
    }

    /// Scrolls component `uid` into view in the list holding it, by `align` (`first`, `center`,
    /// `last`, or `visible`: the least move that shows it), once the view has laid it out.
    pub(super) fn scroll_into_view(&mut self, uid: usize, align: &str) {
        self.wanted.retain(|(u, _)| *u != uid);
        self.wanted.push((uid, align.to_owned()));
        self.scroll_wanted();
    }

    /// Does the scrolls asked for whose components the view has laid out; true when one moved.
    pub(super) fn scroll_wanted(&mut self) -> bool {
        let mut moved = false;
        let wanted = std::mem::take(&mut self.wanted);
        for (uid, align) in wanted {
            let Some(root) = self.root.as_ref() else {
                return moved;
            };
            let Some(s) = scroller_of(root, uid) else {
                continue;
            };
            // Where it lies: its row in the list (the list's child holding it), from the first
            // row (the list's padding before it is not scrolled away).
            let list = root.find_uid(s);
            let row = list
                .and_then(|l| l.children.iter().find(|c| c.find_uid(uid).is_some()))
                .map_or(uid, |c| c.uid);
            let first = list.and_then(|l| l.children.first()).map_or(row, |c| c.uid);
            let (Some(c), Some(f), Some(sb)) = (
                self.positions.get(&row).copied(),
                self.positions.get(&first).copied(),
                self.positions.get(&s).copied(),
            ) else {
                // Not laid out yet: done when the view reports where things went.
                self.wanted.push((uid, align));
                continue;
            };
            let across = root.find_uid(s).is_some_and(|n| {
                n.kind != Kind::ScrollView
                    && n.get(&super::props::SCROLL_DIRECTION)
                        == super::props::ScrollDirection::Horizontal
            });
            let (i, len) = if across { (0, 2) } else { (1, 3) };
            let now = self.live.scroll.get(&s).copied().unwrap_or(0.0);
            let at = c[i] - f[i];
            let to = match align.as_str() {
                // Larger than the view: its start comes first (a device speaking it line by
                // line starts at its first line).
                _ if c[len] > sb[len] => at,
                "first" => at,
                "center" => at + (c[len] - sb[len]) / 2.0,
                "last" => at + c[len] - sb[len],
                _ if at < now => at,
                _ if at + c[len] > now + sb[len] => at + c[len] - sb[len],
                _ => now,
            }
            .max(0.0);
            if (to - now).abs() > 0.5 {
                self.live.scroll.insert(s, to);
                self.serial = next_serial();
                moved = true;
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::screen;
    use super::*;

    /// ScrollToIndex brings a row in by its `align` once the view said where the rows lie;
    /// SpeakList says its rows in turn on the clock, each scrolled into view and highlighted,
    /// and the highlight ends with the last.
    #[test]
    fn speak_list_and_scroll_to_index_bring_rows_into_view() {
        let mut s = screen(
            json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
                {"type": "Container", "items": [
                    {"type": "Sequence", "id": "list", "height": 200, "data": [0, 1, 2, 3, 4],
                     "items": [{"type": "Text", "height": 100, "text": "row ${data}"}]},
                    {"type": "TouchWrapper", "id": "jump", "onPress": {"type": "ScrollToIndex",
                        "componentId": "list", "index": -2, "align": "first"}},
                    {"type": "TouchWrapper", "id": "say", "onPress": {"type": "SpeakList",
                        "componentId": "list", "start": 1, "count": 2, "align": "first"}}]}]}}),
            json!({}),
        );
        let list = s.root().unwrap().find("list").unwrap();
        let (l, rows): (usize, Vec<usize>) =
            (list.uid, list.children.iter().map(|c| c.uid).collect());
        let mut laid = vec![(l, [0.0, 0.0, 100.0, 200.0])];
        laid.extend(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (*r, [0.0, i as f32 * 100.0, 100.0, 100.0])),
        );
        let uid = |s: &Screen, id: &str| s.root().unwrap().find(id).unwrap().uid;
        s.press(uid(&s, "jump"));
        assert_eq!(s.live.scroll.get(&l), None, "not laid out yet: it waits");
        s.set_positions(laid.clone());
        assert_eq!(s.live.scroll.get(&l), Some(&300.0), "row 3 first");
        s.set_positions(
            laid.iter()
                .map(|(u, [x, y, w, h])| (*u, [*x, if *u == l { *y } else { y - 300.0 }, *w, *h]))
                .collect(),
        );
        s.press(uid(&s, "say"));
        s.advance(0.0);
        assert_eq!(s.live.scroll.get(&l), Some(&100.0), "row 1 first, said");
        assert_eq!(s.live.karaoke, Some(rows[1]));
        assert!(s.busy(), "row 2 waits its turn");
        s.advance(1500.0);
        assert_eq!(s.live.karaoke, Some(rows[2]));
        assert_eq!(s.live.scroll.get(&l), Some(&200.0));
        s.settle(10_000.0);
        assert_eq!(s.live.karaoke, None, "the highlight ends with the last row");
    }
}
