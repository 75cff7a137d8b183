//! A component's children: `items` (a list, one component, or a binding that gives them),
//! repeated over `data`, framed by `firstItem` and `lastItem`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Value, json};

use super::expr;
use super::inflate::{Inflater, MAX_ROWS};
use super::node::Node;
use super::problem::Problem;
use super::scope::{Ctx, eval_value};

impl Inflater<'_> {
    /// The first of `def`'s `item`/`items` whose `when` holds.
    pub(super) fn first_of(&mut self, def: &Value, ctx: &Rc<Ctx>, path: &str) -> Option<Node> {
        let (items, key) = self.items_of(def, ctx, path);
        for (i, it) in items.iter().enumerate() {
            let p = item_path(path, key, i, items.len());
            if let Some(n) = self.component(it, ctx, &p) {
                return Some(n);
            }
        }
        None
    }

    /// A component, or of a list of them the first that inflates (`firstItem`, `lastItem`).
    fn one_of(&mut self, def: &Value, ctx: &Rc<Ctx>, path: &str) -> Option<Node> {
        let Value::Array(list) = def else {
            return self.component(def, ctx, path);
        };
        list.iter()
            .enumerate()
            .find_map(|(i, c)| self.component(c, ctx, &format!("{path}[{i}]")))
    }

    /// A multi-child component's children: `data` repeats its items; otherwise each item whose
    /// `when` holds. `firstItem` and `lastItem` frame them.
    pub(super) fn children(&mut self, def: &Value, ctx: &Rc<Ctx>, path: &str) -> Vec<Node> {
        let Some(o) = def.as_object() else {
            return vec![];
        };
        let (items, key) = self.items_of(def, ctx, path);
        let mut out = vec![];
        let data = o
            .get("data")
            .map(|d| eval_value(d, ctx, &format!("{path}.data"), &mut self.problems));
        if let Some(first) = o.get("firstItem")
            && let Some(n) = self.one_of(first, ctx, &format!("{path}.firstItem"))
        {
            out.push(n);
        }
        match data {
            Some(Value::Array(mut rows)) => {
                let len = rows.len();
                if len > MAX_ROWS {
                    // A device inflates lists lazily; this one draws the first rows only.
                    self.problems.push(Problem::error(
                        format!("{path}.data"),
                        format!("{len} rows: the first {MAX_ROWS} are drawn"),
                    ));
                    rows.truncate(MAX_ROWS);
                }
                // Only the children of a `numbered` component have an ordinal.
                let numbered = o.get("numbered").is_some_and(|v| {
                    expr::truthy(&eval_value(
                        v,
                        ctx,
                        &format!("{path}.numbered"),
                        &mut self.problems,
                    ))
                });
                for (index, row) in rows.into_iter().enumerate() {
                    let mut vars = HashMap::from([
                        ("data".to_owned(), row),
                        ("index".to_owned(), json!(index)),
                        ("length".to_owned(), json!(len)),
                    ]);
                    if numbered {
                        vars.insert("ordinal".to_owned(), json!(index + 1));
                    }
                    let c = ctx.child(vars);
                    for (i, it) in items.iter().enumerate() {
                        let p = item_path(path, key, i, items.len());
                        if let Some(n) = self.component(it, &c, &p) {
                            out.push(n);
                            break;
                        }
                    }
                }
            }
            Some(Value::Null) | None => {
                for (i, it) in items.iter().enumerate() {
                    let p = item_path(path, key, i, items.len());
                    if let Some(n) = self.component(it, ctx, &p) {
                        out.push(n);
                    }
                }
            }
            Some(other) => {
                // `dynamicIndexList` and friends: their first page of items.
                let list = other.get("items").and_then(Value::as_array).cloned();
                match list {
                    Some(rows) => {
                        let mut o2 = o.clone();
                        o2.insert("data".into(), Value::Array(rows));
                        o2.remove("firstItem");
                        o2.remove("lastItem");
                        out.extend(self.children(&Value::Object(o2), ctx, path));
                    }
                    None => self.problems.push(Problem::error(
                        format!("{path}.data"),
                        "data must be an array (or a dynamic list with items)",
                    )),
                }
            }
        }
        if let Some(last) = o.get("lastItem")
            && let Some(n) = self.one_of(last, ctx, &format!("{path}.lastItem"))
        {
            out.push(n);
        }
        out
    }

    /// A component's `items` (or `item`): a list, one component, or a binding that gives
    /// either (`"items": "${item}"`, a layout passing on the components it was given).
    /// The definitions are borrowed (a component inflated for every row of a list does not
    /// copy them each time), or made when a binding gives them.
    fn items_of<'d>(
        &mut self,
        def: &'d Value,
        ctx: &Rc<Ctx>,
        path: &str,
    ) -> (Cow<'d, [Value]>, &'static str) {
        for key in ["items", "item"] {
            match def.get(key) {
                Some(Value::String(s)) if s.contains("${") => {
                    let bound = eval_value(
                        &Value::String(s.clone()),
                        ctx,
                        &format!("{path}.{key}"),
                        &mut self.problems,
                    );
                    match bound {
                        Value::Array(a) => return (Cow::Owned(a), key),
                        v @ Value::Object(_) => return (Cow::Owned(vec![v]), key),
                        _ => {}
                    }
                }
                Some(Value::Array(a)) => return (Cow::Borrowed(a), key),
                Some(v @ Value::Object(_)) => return (Cow::Borrowed(std::slice::from_ref(v)), key),
                _ => {}
            }
        }
        (Cow::Borrowed(&[]), "items")
    }
}

pub(super) fn item_path(path: &str, key: &str, i: usize, n: usize) -> String {
    if n == 1 && key == "item" {
        format!("{path}.item")
    } else {
        format!("{path}.{key}[{i}]")
    }
}
