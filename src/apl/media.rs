//! Video offline. Nothing plays: linkscreen fetches no media, and its device says
//! `disallowVideo`. A Video asked to play — by PlayMedia, by ControlMedia `play`, or by its
//! own `autoplay` when it is shown — fails to load its track, as a device's does when the track
//! cannot be had: its `onTrackFail` runs, and the event log says so. Its other media events
//! (onPlay, onPause, onEnd, onTimeUpdate, onTrackUpdate, onTrackReady) never come, since it
//! never plays.

use super::node::Kind;
use super::problem::Outcome;
use super::props;
use super::screen::Screen;

impl Screen {
    /// The Video `uid` was asked to play (PlayMedia's `source`, else its own): its track fails
    /// to load, offline.
    pub(super) fn track_fails(
        &mut self,
        uid: usize,
        given: Option<&serde_json::Value>,
        out: &mut Vec<Outcome>,
        depth: usize,
    ) {
        let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return;
        };
        if n.kind != Kind::Video {
            return;
        }
        let name = n.id.clone().unwrap_or_else(|| format!("uid {uid}"));
        // `source`: an address, or a list of tracks (each an address or `{url}`): the first.
        let first = match given.filter(|g| !g.is_null()).or(n.prop("source")) {
            Some(serde_json::Value::Array(a)) => a.first(),
            v => v,
        };
        let track = first
            .and_then(|t| t.get("url").unwrap_or(t).as_str())
            .unwrap_or_default()
            .to_owned();
        let detail = if track.is_empty() {
            format!("Video {name}: it has no track to play")
        } else {
            format!("Video {name}: its track {track:?} does not load offline")
        };
        out.push(Outcome::Logged {
            command: "onTrackFail".into(),
            detail,
        });
        self.handle(uid, "onTrackFail", "TrackFail", out, depth + 1);
    }

    /// When the screen is shown: each Video with `autoplay` tries to play.
    pub(super) fn autoplay(&mut self, out: &mut Vec<Outcome>) {
        fn walk(n: &super::node::Node, out: &mut Vec<usize>) {
            if n.kind == Kind::Video && n.get(&props::AUTOPLAY) {
                out.push(n.uid);
            }
            for c in &n.children {
                walk(c, out);
            }
        }
        let mut videos = vec![];
        if let Some(r) = &self.root {
            walk(r, &mut videos);
        }
        for uid in videos {
            self.track_fails(uid, None, out, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::screen;
    use super::*;

    /// A Video that autoplays, and one PlayMedia plays: each fails to load its track offline,
    /// runs its onTrackFail and is logged; a ControlMedia `pause` fails nothing.
    #[test]
    fn a_video_asked_to_play_fails_its_track_offline() {
        let mut s = screen(
            json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
                {"type": "Container", "items": [
                    {"type": "Video", "id": "intro", "autoplay": true, "source": "https://example.com/a.mp4",
                     "onTrackFail": {"type": "SetValue", "componentId": "said", "property": "text",
                                     "value": "${event.source.id} failed"}},
                    {"type": "Video", "id": "clip", "source": ["https://example.com/b.mp4"],
                     "onPlay": {"type": "SendEvent", "arguments": ["never"]}},
                    {"type": "TouchWrapper", "id": "go", "onPress": [
                        {"type": "ControlMedia", "componentId": "clip", "command": "pause"},
                        {"type": "PlayMedia", "componentId": "clip", "source": "https://example.com/c.mp4"}]},
                    {"type": "Text", "id": "said", "text": ""}]}]}}),
            json!({}),
        );
        let logged = |out: Vec<Outcome>| -> Vec<String> {
            out.into_iter()
                .filter_map(|o| match o {
                    Outcome::Logged { command, detail } => Some(format!("{command}: {detail}")),
                    _ => None,
                })
                .collect()
        };
        let mounted = logged(s.mount());
        assert_eq!(
            mounted,
            [
                "onTrackFail: Video intro: its track \"https://example.com/a.mp4\" does not load offline"
            ]
        );
        assert_eq!(
            s.value_of("said", "text"),
            Some(json!("intro failed")),
            "its onTrackFail ran"
        );
        let go = s.root().unwrap().find("go").unwrap().uid;
        let pressed = logged(s.press(go));
        assert_eq!(pressed.len(), 3, "{pressed:?}");
        assert!(pressed[0].starts_with("ControlMedia: pause on clip"));
        assert!(pressed[1].starts_with("PlayMedia:"));
        assert!(
            pressed[2]
                .starts_with("onTrackFail: Video clip: its track \"https://example.com/c.mp4\""),
            "PlayMedia's own source: {pressed:?}"
        );
        assert!(
            s.take_problems()
                .iter()
                .all(|p| !p.message.contains("onPlay"))
        );
    }
}
