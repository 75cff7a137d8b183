//! Styles: a component's `style` gives it the values of a named style (and the styles it
//! `extend`s) for the state it is in — pressed, disabled, checked, focused, karaoke — and gives
//! them anew when that state changes ([`restyle`]).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::inflate::Inflater;
use super::node::LiveState;
use super::node::Node;
use super::node::{States, Styling};
use super::problem::Problem;
use super::scope::{Ctx, eval_value};
use super::value::truthy;
use std::sync::Arc as Rc;

impl Inflater<'_> {
    /// A component's properties: its style's values for its state, then its own over them.
    pub(super) fn styled(
        &mut self,
        style: Option<String>,
        own: Map<String, Value>,
        ctx: &Rc<Ctx>,
        path: &str,
    ) -> (Map<String, Value>, Option<Box<Styling>>) {
        let Some(name) = style.filter(|s| !s.is_empty()) else {
            return (own, None);
        };
        if self.doc.style(&name).is_none() {
            self.problems.push(Problem::error(
                format!("{path}.style"),
                format!("no style {name:?}"),
            ));
            return (own, None);
        }
        let state = States::of_props(&own);
        let mut props = self.style_values(&name, ctx, path, state);
        let keys = props
            .keys()
            .filter(|k| !own.contains_key(*k))
            .cloned()
            .collect();
        props.extend(own);
        (props, Some(Box::new(Styling { name, keys, state })))
    }

    /// A style's values for a state, with the styles it extends first.
    fn style_values(
        &mut self,
        name: &str,
        ctx: &Rc<Ctx>,
        path: &str,
        state: States,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let scope = ctx.child(HashMap::from([("state".to_owned(), state.json())]));
        self.style_into(name, &scope, path, &mut out, 0);
        out
    }

    fn style_into(
        &mut self,
        name: &str,
        scope: &Rc<Ctx>,
        path: &str,
        out: &mut Map<String, Value>,
        depth: usize,
    ) {
        // Borrowed from the document, which outlives this inflater: no copy per component.
        let doc = self.doc;
        let Some(style) = doc.style(name) else {
            self.problems.push(Problem::error(
                format!("{path}.style"),
                format!("no style {name:?}"),
            ));
            return;
        };
        if depth > 16 {
            self.problems.push(Problem::error(
                format!("$.document.styles.{name}.extend"),
                "styles extend each other in a cycle",
            ));
            return;
        }
        // `extend` (the reference) or `extends` (which apl-core takes too).
        let parents: Vec<String> = match style.get("extend").or_else(|| style.get("extends")) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => vec![],
        };
        for p in parents {
            self.style_into(&p, scope, path, out, depth + 1);
        }
        let values: &[Value] = match style.get("values") {
            Some(Value::Array(a)) => a,
            Some(v @ Value::Object(_)) => std::slice::from_ref(v),
            _ => &[],
        };
        // One buffer for the values' paths (`$.document.styles.NAME.values[I].KEY`).
        let mut at = String::new();
        for (i, v) in values.iter().enumerate() {
            use std::fmt::Write;
            at.clear();
            let _ = write!(at, "$.document.styles.{name}.values[{i}].");
            let vpath = at.len();
            if let Some(w) = v.get("when") {
                at.push_str("when");
                if !truthy(&eval_value(w, scope, &at, &mut self.problems)) {
                    continue;
                }
            }
            if let Some(o) = v.as_object() {
                for (k, x) in o {
                    if k != "when" {
                        at.truncate(vpath);
                        at.push_str(k);
                        let val = eval_value(x, scope, &at, &mut self.problems);
                        out.insert(k.clone(), val);
                    }
                }
            }
        }
    }
}

/// Gives every styled component the values of its style for the state it is in now (a child
/// with `inheritParentState` takes its parent's). True when anything changed.
pub fn restyle(inf: &mut Inflater, n: &mut Node, live: &LiveState, parent: States) -> bool {
    let state = if n.get(&super::props::INHERIT_PARENT_STATE) {
        parent
    } else {
        States::of(n, live)
    };
    let mut changed = false;
    if let Some(mut st) = n.styling.take() {
        if st.state != state {
            let values = inf.style_values(&st.name, &n.scope, &n.path, state);
            for k in st.keys.drain(..) {
                n.props.remove(&k);
            }
            for (k, v) in values {
                if !n.props.contains_key(&k) {
                    st.keys.push(k.clone());
                    n.props.insert(k, v);
                }
            }
            st.state = state;
            changed = true;
        }
        n.styling = Some(st);
    }
    for c in &mut n.children {
        changed |= restyle(inf, c, live, state);
    }
    changed
}

impl Node {
    /// Sets a property as the component's own (a style no longer sets it).
    pub fn set_own(&mut self, key: &str, value: Value) {
        if let Some(st) = self.styling.as_mut() {
            st.keys.retain(|k| k != key);
        }
        self.props.insert(key.to_owned(), value);
    }
}
