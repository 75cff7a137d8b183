//! APL commands: what a touch, `onMount` or the skill's `ExecuteCommands` run — on the screen
//! (SetValue, SetState, SetPage, AutoPage, Scroll…, Sequential, Parallel, Select) or out of it
//! (SendEvent, SpeakItem, OpenURL, Finish, as [`Outcome`]s). Commands take time as on a device
//! (see [`super::timeline`]): one whose turn or `delay` is later waits on the screen's clock,
//! and AnimateItem animates over its duration.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Value, json};

use super::expr;
use super::problem::{Outcome, Problem};
use super::scope::{Ctx, eval_value};
use super::screen::{MAX_COMMAND_DEPTH, Screen, next_serial};
use super::timeline::Later;

impl Screen {
    /// The component a command names (`componentId`), else the one whose handler runs it.
    pub(super) fn target_mut(
        &mut self,
        id: Option<&str>,
        source: Option<(usize, &'static str)>,
    ) -> Option<&mut super::node::Node> {
        let root = self.root.as_mut()?;
        match id {
            Some(id) => root.find_mut(id),
            None => root.find_uid_mut(source?.0),
        }
    }

    pub(super) fn run(
        &mut self,
        cmds: &Value,
        scope: &Rc<Ctx>,
        source: Option<(usize, &'static str)>,
        path: &str,
        out: &mut Vec<Outcome>,
        depth: usize,
    ) {
        self.serial = next_serial();
        if depth > MAX_COMMAND_DEPTH {
            self.problems
                .push(Problem::error(path, "commands nest too deep; stopped"));
            return;
        }
        // Commands passed through a layout's parameter arrive as a binding ("${primaryAction}").
        let cmds = match cmds {
            Value::String(_) => &eval_value(cmds, scope, path, &mut self.problems),
            c => c,
        };
        // A list runs in turn: each command starts when the one before it ends.
        let (list, one) = match cmds {
            Value::Array(a) => (a.clone(), false),
            Value::Object(_) => (vec![cmds.clone()], true),
            _ => return,
        };
        if depth == 0 {
            self.time.cursor = 0.0;
        }
        let src_node = source.and_then(|(u, _)| self.root.as_ref()?.find_uid(u));
        let mut event = json!({
            "source": src_node.map(|n| json!({
                "type": n.type_name,
                "handler": source.map(|(_, h)| h).unwrap_or("Press"),
                "id": n.id,
                "uid": n.uid.to_string(),
                "value": self.value(n),
                "position": self.position(n.uid),
                "bounds": self.positions.get(&n.uid).map(|r| json!({
                    "left": r[0], "top": r[1], "width": r[2], "height": r[3]})),
            })),
        });
        if let (Some(extra), Some(e)) = (&self.event_extra, event.as_object_mut()) {
            e.extend(extra.clone());
        }
        let scope = scope.child(HashMap::from([("event".to_owned(), event.clone())]));
        let generation = self.generation;
        for (i, c) in list.iter().enumerate() {
            // A Reinflate made the document again: what this list had left is dropped.
            if self.generation != generation {
                return;
            }
            let p = if one {
                path.to_owned()
            } else {
                format!("{path}[{i}]")
            };
            let Some(o) = c.as_object() else { continue };
            if let Some(w) = o.get("when")
                && !expr::truthy(&eval_value(
                    w,
                    &scope,
                    &format!("{p}.when"),
                    &mut self.problems,
                ))
            {
                continue;
            }
            let arg = |k: &str, me: &mut Screen| {
                eval_value(
                    o.get(k).unwrap_or(&Value::Null),
                    &scope,
                    &format!("{p}.{k}"),
                    &mut me.problems,
                )
            };
            // Where a scroll or a speech brings its component: `visible` unless told.
            let align = |me: &mut Screen| match expr::as_text(&arg("align", me)) {
                a if a.is_empty() => "visible".to_owned(),
                a => a,
            };
            let kind = o.get("type").and_then(Value::as_str).unwrap_or_default();
            self.time.cursor += expr::as_num(&arg("delay", self)).unwrap_or(0.0).max(0.0);
            // Its turn is later: it waits on the screen's clock (those that only order time
            // run now and place their commands).
            if self.time.cursor > 0.0
                && !matches!(
                    kind,
                    "Sequential" | "Parallel" | "Select" | "AnimateItem" | "AutoPage"
                )
            {
                let mut cmd = o.clone();
                cmd.remove("delay");
                cmd.remove("when");
                let at = self.time.now + self.time.cursor;
                self.time.later.push((
                    at,
                    Later::Commands {
                        cmd: Value::Object(cmd),
                        scope: scope.clone(),
                        source,
                        path: p,
                    },
                ));
                continue;
            }
            let target = arg("componentId", self);
            let target = target.as_str().map(str::to_owned);
            match kind {
                "SendEvent" => {
                    let arguments = match arg("arguments", self) {
                        Value::Array(a) => a,
                        Value::Null => vec![],
                        v => vec![v],
                    };
                    let mut components = serde_json::Map::new();
                    if let Value::Array(ids) = arg("components", self) {
                        for id in ids.iter().filter_map(Value::as_str) {
                            let v = self
                                .value_of(id, "text")
                                .or_else(|| self.value_of(id, "checked"))
                                .unwrap_or(Value::Null);
                            components.insert(id.to_owned(), v);
                        }
                    }
                    out.push(Outcome::UserEvent {
                        arguments,
                        source: event["source"].clone(),
                        components: Value::Object(components),
                    });
                }
                "SetValue" => {
                    let prop = arg("property", self);
                    let value = arg("value", self);
                    let node = self.target_mut(target.as_deref(), source);
                    match (node, prop.as_str()) {
                        (Some(n), Some(pn)) => {
                            let uid = n.uid;
                            if !self.rebind(uid, pn, value.clone())
                                && let Some(n) =
                                    self.root.as_mut().and_then(|r| r.find_uid_mut(uid))
                            {
                                n.set_own(pn, value);
                            }
                        }
                        _ => self.problems.push(Problem::error(
                            &p,
                            format!("SetValue: no component {:?}", target.unwrap_or_default()),
                        )),
                    }
                }
                "SetState" => {
                    let state = arg("state", self);
                    let on = expr::truthy(&arg("value", self));
                    let node = self.target_mut(target.as_deref(), source);
                    match (node, state.as_str()) {
                        (Some(n), Some(s @ ("checked" | "disabled"))) => n.set_own(s, json!(on)),
                        (Some(n), Some("focused")) => {
                            let uid = n.uid;
                            if on {
                                self.live.focus = Some(uid);
                            } else if self.live.focus == Some(uid) {
                                self.live.focus = None;
                            }
                        }
                        (Some(_), s) => self.problems.push(Problem::error(
                            format!("{p}.state"),
                            format!(
                                "SetState: {s:?} is not a state a command sets (checked, disabled, focused)"
                            ),
                        )),
                        (None, _) => self.problems.push(Problem::error(
                            &p,
                            format!("SetState: no component {:?}", target.unwrap_or_default()),
                        )),
                    }
                }
                "SetFocus" => {
                    match target
                        .as_ref()
                        .and_then(|id| self.root.as_ref()?.find(id).map(|n| n.uid))
                    {
                        Some(uid) => self.live.focus = Some(uid),
                        None => self.problems.push(Problem::error(
                            &p,
                            format!("SetFocus: no component {:?}", target.unwrap_or_default()),
                        )),
                    }
                }
                "ClearFocus" => self.live.focus = None,
                "SetPage" | "AutoPage" => {
                    let Some(n) = target.as_ref().and_then(|id| {
                        self.root
                            .as_ref()?
                            .find(id)
                            .map(|n| (n.uid, n.children.len()))
                    }) else {
                        self.problems
                            .push(Problem::error(&p, "no Pager with that componentId"));
                        continue;
                    };
                    let (uid, count) = n;
                    let cur = self.live.page.get(&uid).copied().unwrap_or(0) as i64;
                    let v = expr::as_num(&arg("value", self)).unwrap_or(1.0) as i64;
                    let next = if kind == "AutoPage" {
                        // The next `count` pages (all those left by default), one every
                        // `duration` ms: the first now, the others on the clock.
                        let last = count.saturating_sub(1) as i64;
                        let n = expr::as_num(&arg("count", self))
                            .map(|c| c.max(0.0) as i64)
                            .unwrap_or(last - cur)
                            .min(last - cur);
                        let every = expr::as_num(&arg("duration", self)).unwrap_or(0.0).max(0.0);
                        for k in 1..n.max(0) {
                            let at = self.time.now + self.time.cursor + every * k as f64;
                            let page = (cur + 1 + k) as usize;
                            self.time.later.push((at, Later::Page { uid, page }));
                        }
                        self.time.cursor += every * n.max(0) as f64;
                        if n <= 0 {
                            continue;
                        }
                        cur + 1
                    } else if arg("position", self).as_str() == Some("relative") {
                        cur + v
                    } else if v < 0 {
                        count as i64 + v
                    } else {
                        v
                    };
                    let next = next.clamp(0, count.saturating_sub(1) as i64) as usize;
                    self.show_page(uid, next, out, depth + 1);
                }
                // A scroll by pages moves a viewport's height per page; ScrollToIndex and
                // ScrollToComponent bring a child into view by their `align`.
                kind @ ("Scroll" | "ScrollToIndex" | "ScrollToComponent") => {
                    let Some((uid, kids)) = target
                        .as_ref()
                        .and_then(|id| self.root.as_ref()?.find(id))
                        .map(|n| (n.uid, n.children.iter().map(|c| c.uid).collect::<Vec<_>>()))
                    else {
                        continue;
                    };
                    let align = align(self);
                    match kind {
                        "Scroll" => {
                            let cur = self.live.scroll.get(&uid).copied().unwrap_or(0.0);
                            let by = expr::as_num(&arg("distance", self)).unwrap_or(1.0) as f32;
                            let v = cur + by * self.vp.height_dp() * 0.5;
                            self.live.scroll.insert(uid, v.max(0.0));
                        }
                        "ScrollToIndex" => {
                            let i = expr::as_num(&arg("index", self)).unwrap_or(0.0) as i64;
                            let i = if i < 0 { kids.len() as i64 + i } else { i };
                            if let Some(child) = usize::try_from(i).ok().and_then(|i| kids.get(i)) {
                                self.scroll_into_view(*child, &align);
                            }
                        }
                        _ => self.scroll_into_view(uid, &align),
                    }
                }
                "Sequential" => {
                    let sub = o.get("commands").cloned().unwrap_or(Value::Null);
                    self.run(
                        &sub,
                        &scope,
                        source,
                        &format!("{p}.commands"),
                        out,
                        depth + 1,
                    );
                    if let Some(f) = o.get("finally") {
                        self.run(f, &scope, source, &format!("{p}.finally"), out, depth + 1);
                    }
                }
                "Parallel" => {
                    // Its commands start together; it ends with the last of them.
                    let start = self.time.cursor;
                    let mut end = start;
                    let subs = match o.get("commands") {
                        Some(Value::Array(a)) => a.clone(),
                        Some(c @ Value::Object(_)) => vec![c.clone()],
                        _ => vec![],
                    };
                    for (j, sub) in subs.iter().enumerate() {
                        self.time.cursor = start;
                        self.run(
                            sub,
                            &scope,
                            source,
                            &format!("{p}.commands[{j}]"),
                            out,
                            depth + 1,
                        );
                        end = end.max(self.time.cursor);
                    }
                    self.time.cursor = end;
                    if let Some(f) = o.get("finally") {
                        self.run(f, &scope, source, &format!("{p}.finally"), out, depth + 1);
                    }
                }
                "Select" => {
                    // The first command whose `when` holds.
                    if let Some(Value::Array(alts)) = o.get("commands")
                        && let Some(pick) = alts.iter().find(|a| {
                            a.get("when").is_none_or(|w| {
                                expr::truthy(&eval_value(w, &scope, &p, &mut Vec::new()))
                            })
                        })
                    {
                        self.run(
                            pick,
                            &scope,
                            source,
                            &format!("{p}.commands"),
                            out,
                            depth + 1,
                        );
                    }
                }
                "SpeakItem" => {
                    let node = target
                        .as_ref()
                        .and_then(|id| self.root.as_ref()?.find(id).map(|n| n.uid));
                    let align = align(self);
                    let said = node.is_some_and(|uid| self.speak_item(uid, &align, out));
                    if !said {
                        self.problems.push(Problem::error(
                            &p,
                            format!(
                                "SpeakItem: nothing to say in {:?}",
                                target.unwrap_or_default()
                            ),
                        ));
                    }
                }
                "SpeakList" => {
                    let list = target
                        .as_ref()
                        .and_then(|id| self.root.as_ref()?.find(id).map(|n| n.uid));
                    let align = align(self);
                    let num = |k: &str, me: &mut Screen| expr::as_num(&arg(k, me));
                    let turns = (
                        num("start", self).unwrap_or(0.0) as i64,
                        num("count", self).map(|c| c as i64),
                        num("minimumDwellTime", self).unwrap_or(0.0).max(0.0),
                    );
                    match list {
                        Some(uid) => self.speak_list(uid, turns, &align, &p),
                        None => self.problems.push(Problem::error(
                            format!("{p}.componentId"),
                            format!("SpeakList: no list {:?}", target.unwrap_or_default()),
                        )),
                    }
                }
                "OpenURL" => out.push(Outcome::OpenUrl(expr::as_text(&arg("source", self)))),
                "Finish" => out.push(Outcome::Finish),
                // Over its duration on the screen's clock, with its easing.
                "AnimateItem" => {
                    let args = |k: &str, me: &mut Screen| arg(k, me);
                    self.animate_item(&args, target.as_deref(), source, &p);
                }
                "InsertItem" => {
                    let at = expr::as_num(&arg("at", self)).map(|n| n as i64);
                    let items = o.get("items").or_else(|| o.get("item"));
                    let items = items.cloned().unwrap_or(Value::Null);
                    self.insert_item(target.as_deref(), at, &items, &p, out, depth);
                }
                "RemoveItem" => self.remove_item(target.as_deref(), &p),
                "ImportPackage" => {
                    let name = expr::as_text(&arg("name", self));
                    let loaded = self.import_package(&name, &p);
                    let (then, on) = if loaded {
                        (o.get("onLoad"), "onLoad")
                    } else {
                        (o.get("onFail"), "onFail")
                    };
                    if let Some(cmds) = then {
                        let at = format!("{p}.{on}");
                        self.run(cmds, &scope, source, &at, out, depth + 1);
                    }
                }
                // Nothing to show without media: accepted, no effect.
                "Idle" => {}
                // Noted in the event log: nothing plays offline, and the document stays as
                // it was inflated.
                "Reinflate" => {
                    out.push(Outcome::Logged {
                        command: "Reinflate".into(),
                        detail: "the document is inflated again".into(),
                    });
                    self.reinflate(out);
                }
                kind @ ("Log" | "PlayMedia" | "ControlMedia") => {
                    let detail = match kind {
                        "Log" => format!(
                            "{}: {} {}",
                            expr::as_text(&arg("level", self)),
                            expr::as_text(&arg("message", self)),
                            arg("arguments", self)
                        ),
                        "PlayMedia" => format!(
                            "{} on {}",
                            arg("source", self),
                            target.clone().unwrap_or_default()
                        ),
                        "ControlMedia" => format!(
                            "{} on {}",
                            expr::as_text(&arg("command", self)),
                            target.clone().unwrap_or_default()
                        ),
                        _ => String::new(),
                    };
                    out.push(Outcome::Logged {
                        command: kind.to_owned(),
                        detail,
                    });
                    let play = kind == "PlayMedia"
                        || (kind == "ControlMedia"
                            && arg("command", self).as_str() == Some("play"));
                    if let Some(uid) = play
                        .then(|| self.target_mut(target.as_deref(), source).map(|n| n.uid))
                        .flatten()
                    {
                        let given = (kind == "PlayMedia").then(|| arg("source", self));
                        self.track_fails(uid, given.as_ref(), out, depth);
                    }
                }
                other => self.problems.push(Problem::unsupported(
                    format!("{p}.type"),
                    format!("command {other:?} is not supported"),
                )),
            }
        }
    }

    /// A Pager shows another page: its `onPageChanged` commands run (true when they did).
    pub(super) fn show_page(
        &mut self,
        uid: usize,
        page: usize,
        out: &mut Vec<Outcome>,
        depth: usize,
    ) -> bool {
        let before = self.live.page.insert(uid, page);
        self.serial = next_serial();
        before.unwrap_or(0) != page && self.handle(uid, "onPageChanged", "Page", out, depth)
    }

    /// Runs a component's handler (`onPress`, `onScroll`…) in the bindings where it was
    /// inflated, `event.source` naming the component and the handler (`Press`, `Scroll`…).
    /// False when it has none (nothing ran).
    pub(super) fn handle(
        &mut self,
        uid: usize,
        on: &'static str,
        name: &'static str,
        out: &mut Vec<Outcome>,
        depth: usize,
    ) -> bool {
        let Some(cmds) = self.handlers.get(&(uid, on)).cloned() else {
            return false;
        };
        let Some(n) = self.root.as_ref().and_then(|r| r.find_uid(uid)) else {
            return false;
        };
        let (scope, path) = (n.scope.clone(), format!("{}.{on}", n.path));
        self.run(&cmds, &scope, Some((uid, name)), &path, out, depth);
        true
    }

    /// How far a scrolling component is scrolled, in the lengths of it that show (0 at the
    /// start; 0 when it does not scroll).
    fn position(&self, uid: usize) -> f32 {
        let offset = self.live.scroll.get(&uid).copied().unwrap_or(0.0);
        match self.extents.get(&uid) {
            Some(e) if *e > 0.0 => offset / e,
            _ => 0.0,
        }
    }

    /// A component's `event.source.value`: a Pager's page, an EditText's text, whether a
    /// touch target is checked.
    fn value(&self, n: &super::node::Node) -> Value {
        match n.kind {
            super::node::Kind::Pager => json!(self.live.page.get(&n.uid).copied().unwrap_or(0)),
            super::node::Kind::EditText => json!(n.text("text").unwrap_or_default()),
            super::node::Kind::ScrollView
            | super::node::Kind::Sequence
            | super::node::Kind::GridSequence
            | super::node::Kind::FlexSequence => {
                json!(self.position(n.uid))
            }
            _ => json!(n.get(&super::props::CHECKED)),
        }
    }
}
