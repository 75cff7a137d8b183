//! Styles: a component's `style` gives it the values of a named style (and the styles it
//! `extend`s), in the default state — not pressed, disabled, checked or focused.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Problem;
use super::expr::truthy;
use super::inflate::{Ctx, Inflater, eval_value};
use std::sync::Arc as Rc;

impl Inflater<'_> {
    /// A style's values for the default state (not pressed, not disabled, not checked), with
    /// the styles it extends first.
    pub(super) fn style_values(
        &mut self,
        style: Option<&Value>,
        ctx: &Rc<Ctx>,
        path: &str,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(name) = style.and_then(Value::as_str) else {
            return out;
        };
        self.style_into(name, ctx, path, &mut out, 0);
        out
    }

    fn style_into(
        &mut self,
        name: &str,
        ctx: &Rc<Ctx>,
        path: &str,
        out: &mut Map<String, Value>,
        depth: usize,
    ) {
        let Some(style) = self.doc.styles.get(name).cloned() else {
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
        let parents: Vec<String> = match style.get("extend") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => vec![],
        };
        for p in parents {
            self.style_into(&p, ctx, path, out, depth + 1);
        }
        let state = ctx.child(HashMap::from([(
            "state".to_owned(),
            json!({"pressed": false, "disabled": false, "checked": false, "focused": false, "karaoke": false}),
        )]));
        let values = match style.get("values") {
            Some(Value::Array(a)) => a.clone(),
            Some(v @ Value::Object(_)) => vec![v.clone()],
            _ => vec![],
        };
        for (i, v) in values.iter().enumerate() {
            let vpath = format!("$.document.styles.{name}.values[{i}]");
            if let Some(w) = v.get("when")
                && !truthy(&eval_value(
                    w,
                    &state,
                    &format!("{vpath}.when"),
                    &mut self.problems,
                ))
            {
                continue;
            }
            if let Some(o) = v.as_object() {
                for (k, x) in o {
                    if k != "when" {
                        let val =
                            eval_value(x, &state, &format!("{vpath}.{k}"), &mut self.problems);
                        out.insert(k.clone(), val);
                    }
                }
            }
        }
    }
}
