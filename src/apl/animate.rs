//! AnimateItem: a component's opacity and `transform` over the command's `duration` on the
//! screen's clock, with its `easing`, `repeatCount` and `repeatMode` (each animated property an
//! [`Anim`] of the [`super::timeline`]); a Sequential's next command waits for it to end.

use serde_json::Value;

use super::easing::Easing;
use super::expr;
use super::problem::Problem;
use super::screen::Screen;
use super::timeline::Anim;

impl Screen {
    /// AnimateItem, its arguments read with `arg`, on component `target` (else the one whose
    /// handler runs it, `source`); problems go under `p`.
    pub(super) fn animate_item(
        &mut self,
        arg: &dyn Fn(&str, &mut Screen) -> Value,
        target: Option<&str>,
        source: Option<(usize, &'static str)>,
        p: &str,
    ) {
        let values = match arg("value", self) {
            Value::Array(a) => a,
            v @ Value::Object(_) => vec![v],
            _ => vec![],
        };
        let node = self.target_mut(target, source);
        let Some(n) = node else {
            self.problems.push(Problem::error(
                p,
                format!("AnimateItem: no component {:?}", target.unwrap_or_default()),
            ));
            return;
        };
        let (uid, opacity) = (n.uid, n.num("opacity").unwrap_or(1.0));
        let transform = n.prop("transform").cloned().unwrap_or(Value::Null);
        let mut unsupported = vec![];
        let mut anims = vec![];
        for v in &values {
            match (v.get("property").and_then(Value::as_str), v.get("to")) {
                (Some("opacity"), Some(to)) => anims.push((
                    "opacity",
                    vec![],
                    vec![v.get("from").and_then(expr::as_num).unwrap_or(opacity)],
                    vec![expr::as_num(to).unwrap_or(1.0)],
                )),
                (Some("transform"), Some(to)) => {
                    let to = super::affine::numbers(to, &self.vp);
                    // Without `from`: from what it has, else from no change.
                    let from = match v.get("from") {
                        Some(f) => super::affine::numbers(f, &self.vp),
                        None => super::affine::numbers(&transform, &self.vp)
                            .filter(|f| !f.is_empty())
                            .or_else(|| super::affine::unchanged(to.as_deref()?)),
                    };
                    // Entry by entry, the same names in the same order.
                    match (from, to) {
                        (Some(f), Some(t))
                            if f.len() == t.len() && f.iter().zip(&t).all(|(a, b)| a.0 == b.0) =>
                        {
                            anims.push((
                                "transform",
                                t.iter().map(|(k, _)| k.clone()).collect(),
                                f.into_iter().map(|(_, n)| n).collect(),
                                t.into_iter().map(|(_, n)| n).collect(),
                            ))
                        }
                        _ => self.problems.push(Problem::error(
                            format!("{p}.value"),
                            "AnimateItem of transform: `from` and `to` must list \
                                 the same transforms in the same order, in numbers \
                                 or absolute lengths",
                        )),
                    }
                }
                (Some(other), _) => unsupported.push(other.to_owned()),
                _ => {}
            }
        }
        let easing = match arg("easing", self) {
            Value::String(e) => Easing::parse(&e).unwrap_or_else(|| {
                self.problems.push(Problem::error(
                    format!("{p}.easing"),
                    format!("{e:?} is not an easing curve: linear instead"),
                ));
                Easing::Linear
            }),
            _ => Easing::Linear,
        };
        let duration = expr::as_num(&arg("duration", self)).unwrap_or(0.0).max(0.0);
        let repeats = expr::as_num(&arg("repeatCount", self)).unwrap_or(0.0) as i64;
        let reverse = arg("repeatMode", self).as_str() == Some("reverse");
        let start = self.time.now + self.time.cursor;
        let mut end = start;
        for (prop, names, from, to) in anims {
            let a = Anim {
                uid,
                prop,
                names,
                from,
                to,
                start,
                duration,
                easing: easing.clone(),
                repeats,
                reverse,
            };
            end = end.max(a.end());
            self.time.anims.push(a);
        }
        self.time.cursor = end - self.time.now;
        self.animate();
        for prop in unsupported {
            self.problems.push(Problem::unsupported(
                format!("{p}.value"),
                format!("AnimateItem of {prop:?} is not drawn (opacity and transform are)"),
            ));
        }
    }
}
