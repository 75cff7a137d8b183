//! Layouts (user-defined components): an instance becomes the layout's item inflated with
//! the instance's parameters (or their defaults), in the caller's context, a cycle refused.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Map, Value};

use super::expr;
use super::inflate::{Inflater, MAX_DEPTH, structural};
use super::node::Node;
use super::problem::Problem;
use super::scope::param_name;
use super::scope::{Ctx, eval_value};

impl Inflater<'_> {
    /// A user-defined layout: its parameters bound from the instance, its item inflated, and
    /// the instance's other properties applied to that item.
    pub(super) fn layout(
        &mut self,
        name: &str,
        layout: &Value,
        inst: &Map<String, Value>,
        ctx: &Rc<Ctx>,
        path: &str,
    ) -> Option<Node> {
        if self.stack.iter().any(|s| s == name) || self.stack.len() >= MAX_DEPTH {
            self.problems.push(Problem::error(
                path,
                format!(
                    "layout {name:?} contains itself ({} → {name}); not expanded",
                    self.stack.join(" → ")
                ),
            ));
            return None;
        }
        let mut vars = HashMap::new();
        let mut names = vec![];
        for p in layout
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let pname = param_name(p).to_owned();
            let v = match inst.get(&pname) {
                Some(v) => eval_value(v, ctx, &format!("{path}.{pname}"), &mut self.problems),
                None => eval_value(
                    p.get("default").unwrap_or(&Value::Null),
                    ctx,
                    &format!("$.document.layouts.{name}.parameters.{pname}"),
                    &mut self.problems,
                ),
            };
            vars.insert(pname.clone(), v);
            names.push(pname);
        }
        // A layout's item sees its parameters over everything its caller sees (apl-core
        // expands a layout in the caller's context): the mainTemplate's `payload`, a list's
        // `data` and `index`, the caller's `bind`s — so components given as a parameter bind
        // as they would where they were written.
        // A package's layout (alexa-layouts) given a `theme` (light or dark) other than its
        // caller's sees that theme's resources (`@colorText`…) and `viewport.theme`, as
        // Amazon's responsive components take their colours from their `theme` parameter. A
        // document's own layouts keep the document's theme, as in apl-core: they choose their
        // colours from `theme` themselves.
        let theme = vars
            .get("theme")
            .filter(|_| self.doc.is_package_layout(name));
        let lctx = match self.themed_globals(ctx, theme) {
            Some(globals) => ctx.child_in(vars, globals),
            None => ctx.child(vars),
        };
        let lctx = self.bind(layout, &lctx, &format!("$.document.layouts.{name}"));
        self.stack.push(name.to_owned());
        let node = self.first_of(layout, &lctx, &format!("$.document.layouts.{name}"));
        self.stack.pop();
        let mut node = node?;
        let mut given = vec![];
        for (k, v) in inst {
            if !structural(k) && !names.contains(k) {
                let val = eval_value(v, ctx, &format!("{path}.{k}"), &mut self.problems);
                node.set_own(k, val.clone());
                given.push((k.clone(), val));
            }
        }
        // A top component with its own `bind` is made again when a bound value is set: it
        // keeps what the instance gave it.
        if let Some(b) = node.binding.as_mut().filter(|_| !given.is_empty()) {
            *b = b.given(given);
        }
        if let Some(id) = inst.get("id") {
            node.id = Some(expr::as_text(&eval_value(
                id,
                ctx,
                path,
                &mut self.problems,
            )));
        }
        if let Some(cmds) = inst.get("onPress") {
            self.handlers.insert((node.uid, "onPress"), cmds.clone());
            node.scope = ctx.clone();
        }
        Some(node)
    }
}

/// How many components one inflation may consider (every definition tried counts, drawn or
/// not): a hostile document (layouts ten wide and nine deep, lists nested in lists) stops
/// here with an `apl_error`, and what was inflated before is drawn. Amazon's own documents
/// stay far below it (a list of 1,000 rows of ten components is 10,000).
pub const MAX_COMPONENTS: usize = 20_000;

impl Inflater<'_> {
    /// Counts one more component against [`MAX_COMPONENTS`]: true once past it (the first
    /// time, with an `apl_error` at `path`).
    pub(super) fn over_budget(&mut self, path: &str) -> bool {
        self.work += 1;
        if self.work == MAX_COMPONENTS + 1 {
            self.problems.push(super::Problem::error(
                path,
                format!(
                    "the document inflates more than {MAX_COMPONENTS} components: this one and the rest are not drawn"
                ),
            ));
        }
        self.work > MAX_COMPONENTS
    }
}

impl Inflater<'_> {
    /// The globals for `theme` when it is a theme other than the one `ctx` sees.
    fn themed_globals(
        &mut self,
        ctx: &Rc<Ctx>,
        theme: Option<&Value>,
    ) -> Option<Rc<super::scope::Globals>> {
        let theme = theme?.as_str().filter(|t| matches!(*t, "light" | "dark"))?;
        let globals = ctx.globals();
        let now = globals.vars.get("viewport").and_then(|v| v.get("theme"));
        if now.and_then(Value::as_str) == Some(theme) {
            return None;
        }
        if let Some(g) = self.themed.get(theme) {
            return Some(g.clone());
        }
        let mut doc = self.doc.clone();
        doc.theme = theme.to_owned();
        let mut problems = vec![];
        let g = super::scope::globals(&doc, &globals.viewport, &mut problems);
        self.themed.insert(theme.to_owned(), g.clone());
        Some(g)
    }
}
