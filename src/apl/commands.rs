//! APL commands: what a touch, `onMount` or the skill's `ExecuteCommands` run — on the screen
//! (SetValue, SetState, SetPage, AutoPage, Scroll…, Sequential, Parallel, Select) or out of it
//! (SendEvent, SpeakItem, OpenURL, Finish, as [`Outcome`]s). There is no animation: commands
//! run at once, in order.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Value, json};

use super::inflate::{Ctx, eval_value};
use super::{MAX_COMMAND_DEPTH, Outcome, Problem, Screen, draw, expr, next_serial};

impl Screen {
    pub(super) fn run(
        &mut self,
        cmds: &Value,
        scope: &Rc<Ctx>,
        source: Option<usize>,
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
        let list = match cmds {
            Value::Array(a) => a.clone(),
            Value::Object(_) => vec![cmds.clone()],
            _ => return,
        };
        let src_node = source.and_then(|u| self.root.as_ref()?.find_uid(u));
        let event = json!({
            "source": src_node.map(|n| json!({
                "type": n.type_name, "handler": "Press", "id": n.id, "uid": n.uid.to_string(),
                "value": n.props.get("checked").cloned().unwrap_or(json!(false)),
            })),
        });
        let scope = scope.child(HashMap::from([("event".to_owned(), event.clone())]));
        for (i, c) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
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
            let target = arg("componentId", self);
            let target = target.as_str().map(str::to_owned);
            match o.get("type").and_then(Value::as_str).unwrap_or_default() {
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
                    let node = match &target {
                        Some(id) => self.root.as_mut().and_then(|r| r.find_mut(id)),
                        None => source.and_then(|u| self.root.as_mut()?.find_uid_mut(u)),
                    };
                    match (node, prop.as_str()) {
                        (Some(n), Some(pn)) => {
                            n.props.insert(pn.to_owned(), value);
                        }
                        _ => self.problems.push(Problem::error(
                            &p,
                            format!("SetValue: no component {:?}", target.unwrap_or_default()),
                        )),
                    }
                }
                "SetState" => {
                    let state = arg("state", self);
                    let value = arg("value", self);
                    if let (Some(n), Some(s)) = (
                        target
                            .as_ref()
                            .and_then(|id| self.root.as_mut()?.find_mut(id)),
                        state.as_str(),
                    ) {
                        n.props.insert(s.to_owned(), value);
                    }
                }
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
                    let next = if o.get("type").and_then(Value::as_str) == Some("AutoPage") {
                        // No animation here: the pager ends on its last page at once.
                        count as i64 - 1
                    } else if arg("position", self).as_str() == Some("relative") {
                        cur + v
                    } else if v < 0 {
                        count as i64 + v
                    } else {
                        v
                    };
                    self.live
                        .page
                        .insert(uid, next.clamp(0, count.saturating_sub(1) as i64) as usize);
                }
                "Scroll" | "ScrollToIndex" | "ScrollToComponent" => {
                    // Scroll positions are set when drawn; a scroll by pages moves a viewport's
                    // height per page.
                    if let Some(uid) = target
                        .as_ref()
                        .and_then(|id| self.root.as_ref()?.find(id).map(|n| n.uid))
                    {
                        let cur = self.live.scroll.get(&uid).copied().unwrap_or(0.0);
                        let v = match o.get("type").and_then(Value::as_str) {
                            Some("Scroll") => {
                                cur + expr::as_num(&arg("distance", self)).unwrap_or(1.0) as f32
                                    * self.vp.height_dp()
                                    * 0.5
                            }
                            _ => 0.0,
                        };
                        self.live.scroll.insert(uid, v.max(0.0));
                    }
                }
                "Sequential" | "Parallel" => {
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
                "SpeakItem" | "SpeakList" => {
                    let text = target
                        .as_ref()
                        .and_then(|id| {
                            self.value_of(id, "speech")
                                .filter(|v| !v.is_null())
                                .or_else(|| self.value_of(id, "text"))
                        })
                        .map(|v| draw::markup(&expr::as_text(&v)))
                        .unwrap_or_default();
                    if !text.is_empty() {
                        out.push(Outcome::Speak(text));
                    }
                }
                "OpenURL" => out.push(Outcome::OpenUrl(expr::as_text(&arg("source", self)))),
                "Finish" => out.push(Outcome::Finish),
                // Nothing to show without animation or focus rings: accepted, no effect.
                "Idle" | "AnimateItem" | "SetFocus" | "ClearFocus" | "ControlMedia"
                | "PlayMedia" | "Reinflate" => {}
                other => self.problems.push(Problem::unsupported(
                    format!("{p}.type"),
                    format!("command {other:?} is not supported"),
                )),
            }
        }
    }
}
