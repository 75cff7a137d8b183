//! The document changed by commands. InsertItem adds a component to a multi-child component
//! (`at` an index, negative from the end, at the end by default), inflated in the parent's
//! data-binding context, its own `onMount` run; RemoveItem takes one away, with its handlers
//! and anything live on it (focus, the keyboard, a scroll position); ImportPackage adds a
//! package's layouts, styles and graphics (its resources reach only a document that imports
//! it: the components on the screen keep the resources they were inflated with); Reinflate
//! makes the whole document again.

use std::collections::HashSet;

use serde_json::Value;

use super::inflate::Inflater;
use super::node::Node;
use super::problem::{Outcome, Problem};
use super::rebind::max_uid;
use super::screen::{Screen, next_serial};

pub(super) fn uids(n: &Node, out: &mut HashSet<usize>) {
    out.insert(n.uid);
    for c in &n.children {
        uids(c, out);
    }
}

impl Screen {
    /// InsertItem: `items` (the command's `item` or `items`, unevaluated) into the component
    /// `target` at `at`. Problems go under `path`.
    pub(super) fn insert_item(
        &mut self,
        target: Option<&str>,
        at: Option<i64>,
        items: &Value,
        path: &str,
        out: &mut Vec<Outcome>,
        depth: usize,
    ) {
        let (Some(doc), Some(root)) = (self.doc.clone(), self.root.as_mut()) else {
            return;
        };
        let next = max_uid(root) + 1;
        let Some(parent) = target.and_then(|id| root.find_mut(id)) else {
            self.problems.push(Problem::error(
                format!("{path}.componentId"),
                format!("InsertItem: no component {:?}", target.unwrap_or_default()),
            ));
            return;
        };
        if !parent.kind.multi() {
            self.problems.push(Problem::error(
                format!("{path}.componentId"),
                format!(
                    "InsertItem: a {} takes no inserted component; insert into a \
                     Container, a Sequence, a GridSequence, a FlexSequence or a Pager",
                    parent.type_name
                ),
            ));
            return;
        }
        let defs = match items {
            Value::Array(a) => a.clone(),
            Value::Null => vec![],
            one => vec![one.clone()],
        };
        let mut inf = Inflater::new(&doc);
        inf.next_uid = next;
        let made: Vec<Node> = defs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| inf.component(d, &parent.scope, &format!("{path}.item[{i}]")))
            .collect();
        self.problems.append(&mut inf.problems);
        let len = parent.children.len() as i64;
        let index = match at {
            None => len,
            Some(i) if i < 0 => (len + i).max(0),
            Some(i) => i.min(len),
        } as usize;
        let mut mounted = HashSet::new();
        for n in &made {
            uids(n, &mut mounted);
        }
        parent.children.splice(index..index, made);
        self.handlers.extend(inf.handlers);
        self.serial = next_serial();
        self.restyle();
        let mut mounted: Vec<usize> = mounted.into_iter().collect();
        mounted.sort_unstable();
        for uid in mounted {
            self.handle(uid, "onMount", "Mount", out, depth + 1);
        }
    }

    /// ImportPackage: package `name` joins the document's packages, its layouts, styles and
    /// graphics there for what is inflated afterwards (InsertItem, a SetValue that makes a
    /// component again). False, with a problem said, when linkscreen has no such package (the
    /// command's `onFail` runs).
    pub(super) fn import_package(&mut self, name: &str, path: &str) -> bool {
        let Some(doc) = self.doc.clone() else {
            return false;
        };
        if doc.packages.names.iter().any(|n| n == name) {
            return true;
        }
        match super::doc::with_package(&doc, name) {
            Some(d) => {
                self.doc = Some(std::sync::Arc::new(d));
                true
            }
            None => {
                self.problems.push(Problem::unsupported(
                    format!("{path}.name"),
                    format!(
                        "ImportPackage: package {name:?} is not available offline (linkscreen's \
                         own packages, or the files given with --apl-packages): onFail runs"
                    ),
                ));
                false
            }
        }
    }

    /// Reinflate: the document made again from the directive it came in, in the device's
    /// environment (which does not change here): bound values, scroll positions, pages and the
    /// focus start over and its onMount commands run again; commands still running or waiting
    /// are dropped. Its images stay loaded and its clock goes on.
    pub(super) fn reinflate(&mut self, out: &mut Vec<Outcome>) {
        let made_from = self.made_from.clone();
        let mut fresh = Screen::with_packages(made_from.0.clone(), self.vp.clone(), &made_from.1);
        fresh.images = std::mem::take(&mut self.images);
        fresh.time.now = self.time.now;
        // What the first inflation said has been said: the problems waiting stay, not again.
        fresh.problems = std::mem::take(&mut self.problems);
        fresh.generation = self.generation + 1;
        *self = fresh;
        out.extend(self.mount());
    }

    /// RemoveItem: the component `target` leaves the screen (the top component cannot).
    pub(super) fn remove_item(&mut self, target: Option<&str>, path: &str) {
        let Some(root) = self.root.as_mut() else {
            return;
        };
        let Some(id) = target else {
            self.problems.push(Problem::error(
                format!("{path}.componentId"),
                "RemoveItem needs the componentId of what to remove",
            ));
            return;
        };
        if root.id.as_deref() == Some(id) {
            self.problems.push(Problem::error(
                format!("{path}.componentId"),
                format!("RemoveItem: {id:?} is the top component, which stays"),
            ));
            return;
        }
        fn take(n: &mut Node, id: &str) -> Option<Node> {
            if let Some(i) = n.children.iter().position(|c| c.id.as_deref() == Some(id)) {
                return Some(n.children.remove(i));
            }
            n.children.iter_mut().find_map(|c| take(c, id))
        }
        let Some(gone) = take(root, id) else {
            self.problems.push(Problem::error(
                format!("{path}.componentId"),
                format!("RemoveItem: no component {id:?}"),
            ));
            return;
        };
        let mut set = HashSet::new();
        uids(&gone, &mut set);
        self.handlers.retain(|(u, _), _| !set.contains(u));
        let live = &mut self.live;
        for slot in [
            &mut live.focus,
            &mut live.pressed,
            &mut live.editing,
            &mut live.karaoke,
        ] {
            if slot.is_some_and(|u| set.contains(&u)) {
                *slot = None;
            }
        }
        live.scroll.retain(|u, _| !set.contains(u));
        live.page.retain(|u, _| !set.contains(u));
        self.time.anims.retain(|a| !set.contains(&a.uid));
        self.serial = next_serial();
        self.restyle();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::primitives::Paint;
    use super::super::tests::{Mono, screen};
    use super::*;

    fn shown(s: &mut Screen) -> Vec<String> {
        s.draw(&mut Mono)
            .into_iter()
            .filter_map(|p| match p.paint {
                Paint::Text { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    /// A button adds a row to a list (at an index, from the end, at the end), inflated in the
    /// list's context with its own onMount run, and another takes one away with its focus.
    #[test]
    fn insert_item_and_remove_item_change_the_tree() {
        let doc = json!({"type": "APL", "version": "2024.3",
            "mainTemplate": {"parameters": ["payload"], "items": [{"type": "Container", "items": [
                {"type": "Container", "id": "list", "bind": [{"name": "word", "value": "new"}],
                 "items": [{"type": "Text", "id": "a", "text": "a"},
                           {"type": "Text", "id": "b", "text": "b"}]},
                {"type": "TouchWrapper", "id": "add", "onPress": [
                    {"type": "InsertItem", "componentId": "list", "at": 1,
                     "item": {"type": "Text", "id": "c", "text": "${word}",
                              "onMount": {"type": "SetValue", "property": "text",
                                          "value": "${word} mounted"}}},
                    {"type": "InsertItem", "componentId": "list", "at": -1,
                     "items": [{"type": "Text", "text": "d"}]},
                    {"type": "InsertItem", "componentId": "list",
                     "item": {"type": "Text", "text": "e"}}]},
                {"type": "TouchWrapper", "id": "drop", "onPress": [
                    {"type": "RemoveItem", "componentId": "c"},
                    {"type": "RemoveItem", "componentId": "nowhere"},
                    {"type": "InsertItem", "componentId": "a", "item": {"type": "Text"}}]}]}]}});
        let mut s = screen(doc, json!({}));
        let uid = |s: &Screen, id: &str| s.root().unwrap().find(id).unwrap().uid;
        assert_eq!(shown(&mut s), ["a", "b"]);
        s.press(uid(&s, "add"));
        assert_eq!(shown(&mut s), ["a", "new mounted", "d", "b", "e"]);
        s.live.focus = Some(uid(&s, "c"));
        s.press(uid(&s, "drop"));
        assert_eq!(shown(&mut s), ["a", "d", "b", "e"]);
        assert_eq!(s.live.focus, None, "the focus went with it");
        let problems: Vec<String> = s.take_problems().into_iter().map(|p| p.message).collect();
        assert!(
            problems
                .iter()
                .any(|m| m.contains("no component \"nowhere\"")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|m| m.contains("a Text takes no inserted component")),
            "{problems:?}"
        );
    }
}

#[cfg(test)]
mod import_tests {
    use serde_json::json;

    use super::super::doc::RenderDocument;
    use super::super::tests::screen;
    use super::*;

    /// Conditional imports (APL 2023.3) are chosen in the initial context: a `oneOf` gives
    /// the first that holds, else its `otherwise`; a plain import whose `when` fails is left
    /// out. ImportPackage loads a package for what is inflated after it (onLoad), or runs
    /// onFail for one nobody has.
    #[test]
    fn imports_are_chosen_and_imported_on_command() {
        let doc = |w: &str| {
            json!({"type": "APL", "version": "2024.3",
                "import": [
                    {"type": "oneOf", "items": [
                        {"when": w, "name": "alexa-layouts", "version": "1.7.0"}],
                     "otherwise": [{"name": "my-missing-package", "version": "1.0"}]},
                    {"when": "${viewport.width < 0}", "name": "never-asked", "version": "1.0"}],
                "mainTemplate": {"items": [{"type": "Container", "id": "top", "items": [
                    {"type": "AlexaDivider", "id": "divider"}]}]}})
        };
        let missing = |s: &mut Screen| -> Vec<String> {
            s.take_problems()
                .into_iter()
                .filter(|p| p.message.contains("not available offline"))
                .map(|p| p.message)
                .collect()
        };
        let mut yes = screen(doc("${viewport.shape == 'rectangle'}"), json!({}));
        assert!(yes.root().unwrap().find("divider").is_some());
        assert!(missing(&mut yes).is_empty());
        let mut no = screen(doc("${viewport.shape == 'round'}"), json!({}));
        assert!(no.root().unwrap().find("divider").is_none());
        let said = missing(&mut no);
        assert!(
            said.len() == 1 && said[0].contains("my-missing-package"),
            "{said:?}"
        );

        let mut s = Screen::new(
            &RenderDocument {
                token: "tok".into(),
                document: json!({"type": "APL", "version": "2024.3",
                    "onMount": [
                        {"type": "ImportPackage", "name": "alexa-layouts", "version": "1.7.0",
                         "onLoad": {"type": "InsertItem", "componentId": "top",
                                    "item": {"type": "AlexaDivider", "id": "late"}}},
                        {"type": "ImportPackage", "name": "nobody-has-it", "version": "1.0",
                         "onFail": {"type": "InsertItem", "componentId": "top",
                                    "item": {"type": "Text", "id": "failed", "text": "x"}}}],
                    "mainTemplate": {"items": [{"type": "Container", "id": "top"}]}}),
                datasources: json!({}),
            },
            yes.viewport().clone(),
        );
        s.mount();
        let root = s.root().unwrap();
        assert!(
            root.find("late").is_some(),
            "the layout came with the package"
        );
        assert!(root.find("failed").is_some(), "onFail ran");
        assert_eq!(missing(&mut s).len(), 1);
    }
}
