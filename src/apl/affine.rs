//! APL's `transform`: a list of `rotate`, `scale`, `scaleX`, `scaleY`, `skewX`, `skewY`,
//! `translateX` and `translateY`, each applied about the centre of the component's box, as a
//! 2-D affine matrix. The list composes as CSS does: the first entry is the outermost, so
//! `[{"translateX": 100}, {"rotate": 90}]` turns the component, then moves it.
//!
//! Slint's software renderer neither scales nor turns, so the drawing moves and sizes each
//! drawn thing itself ([`Affine::map`]); a thing turned or skewed carries the matrix from its
//! own box (a [`Turn`]), and the view draws it as SVG, turned.

use serde_json::Value;

use super::primitives::{Paint, Prim, Turn};
use super::scope::Viewport;
use super::value::as_num;

/// `x' = a·x + c·y + e`, `y' = b·x + d·y + f` (dp, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
    pub e: f32,
    pub f: f32,
}

impl Affine {
    pub const IDENTITY: Affine = Affine {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: 1.0,
        e: 0.0,
        f: 0.0,
    };

    fn translate(x: f32, y: f32) -> Affine {
        Affine {
            e: x,
            f: y,
            ..Affine::IDENTITY
        }
    }

    /// `self` after `inner`: a point goes through `inner` first.
    pub fn then_inner(self, inner: Affine) -> Affine {
        let s = self;
        Affine {
            a: s.a * inner.a + s.c * inner.b,
            b: s.b * inner.a + s.d * inner.b,
            c: s.a * inner.c + s.c * inner.d,
            d: s.b * inner.c + s.d * inner.d,
            e: s.a * inner.e + s.c * inner.f + s.e,
            f: s.b * inner.e + s.d * inner.f + s.f,
        }
    }

    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }

    /// Whether it only moves and scales (no turn, no skew, no mirror: a half turn is a
    /// mirror both ways).
    pub fn axis_aligned(&self) -> bool {
        self.b.abs() < 1e-5 && self.c.abs() < 1e-5 && self.a > 0.0 && self.d > 0.0
    }

    /// How much it scales along each axis.
    pub fn scales(&self) -> (f32, f32) {
        (self.a.hypot(self.b), self.c.hypot(self.d))
    }

    fn from_array([a, b, c, d, e, f]: [f32; 6]) -> Affine {
        Affine { a, b, c, d, e, f }
    }

    /// A drawn thing moved, scaled, turned or skewed by this transform. Its clip moves with it
    /// unless it is `outer`, the clip the transformed component itself is drawn in (which
    /// stays). A move and a scale place and size it; a turn or a skew (or anything done to a
    /// thing already turned) gives it a [`Turn`]: it lands in the box that holds it turned.
    pub fn map(&self, p: &mut Prim, outer: [f32; 4]) {
        self.map_clip(p, outer);
        if self.axis_aligned() && p.turn.is_none() {
            self.map_box(p);
            return;
        }
        let (w, h, inner, lines) = match p.turn.take() {
            Some(t) => (t.w, t.h, Affine::from_array(t.m), t.lines),
            None => (p.w, p.h, Affine::IDENTITY, vec![]),
        };
        let full = self
            .then_inner(Affine::translate(p.x, p.y))
            .then_inner(inner);
        // Room around its own box for what is drawn past it: a text's ink (a glyph reaching
        // past its advance, a line longer than the box), a border's edge.
        let pad = match &p.paint {
            Paint::Text { style, .. } => style.size * 0.5,
            _ => 1.0,
        };
        let corners = [
            full.apply(-pad, -pad),
            full.apply(w + pad, -pad),
            full.apply(-pad, h + pad),
            full.apply(w + pad, h + pad),
        ];
        let (l, t, r, b) = corners.iter().fold(
            (f32::MAX, f32::MAX, f32::MIN, f32::MIN),
            |(l, t, r, b), &(x, y)| (l.min(x), t.min(y), r.max(x), b.max(y)),
        );
        let m = Affine::translate(-l, -t).then_inner(full);
        (p.x, p.y, p.w, p.h) = (l, t, r - l, b - t);
        p.turn = Some(Box::new(Turn {
            w,
            h,
            m: [m.a, m.b, m.c, m.d, m.e, m.f],
            lines,
        }));
    }

    fn map_clip(&self, p: &mut Prim, outer: [f32; 4]) {
        if p.clip == outer {
            return;
        }
        let [x, y, w, h] = p.clip;
        let corners = [
            self.apply(x, y),
            self.apply(x + w, y),
            self.apply(x, y + h),
            self.apply(x + w, y + h),
        ];
        let (l, t, r, b) = corners.iter().fold(
            (f32::MAX, f32::MAX, f32::MIN, f32::MIN),
            |(l, t, r, b), &(x, y)| (l.min(x), t.min(y), r.max(x), b.max(y)),
        );
        let [ox, oy, ow, oh] = outer;
        let (l, t) = (l.max(ox), t.max(oy));
        let (r, b) = (r.min(ox + ow), b.min(oy + oh));
        p.clip = [l, t, (r - l).max(0.0), (b - t).max(0.0)];
    }

    /// Moved and scaled (no turn): its box and what it draws with (borders, radii, type).
    fn map_box(&self, p: &mut Prim) {
        let (sx, sy) = self.scales();
        let (x0, y0) = self.apply(p.x, p.y);
        let (x1, y1) = self.apply(p.x + p.w, p.y + p.h);
        (p.x, p.y, p.w, p.h) = (x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
        let k = sx.min(sy);
        match &mut p.paint {
            Paint::Box {
                border_width,
                radius,
                ..
            } => {
                *border_width *= k;
                *radius *= k;
            }
            Paint::Text { style, .. } => {
                style.size *= sy;
                style.letter_spacing *= sx;
            }
            Paint::Image { radius, .. } => *radius *= k,
            Paint::Vector { .. } | Paint::Placeholder { .. } => {}
        }
    }
}

/// One entry of a transform list, as APL names it, with its value in degrees, a factor, or dp
/// (a translation in `%` is of the component's own width or height).
fn entry(key: &str, v: &Value, size: (f32, f32), vp: &Viewport) -> Option<Affine> {
    let len = |of: f32| match v {
        Value::String(s) if s.trim().ends_with('%') => {
            let n: f32 = s.trim().trim_end_matches('%').trim().parse().ok()?;
            Some(n * of / 100.0)
        }
        Value::String(s) => vp.length(s),
        v => as_num(v).map(|n| n as f32),
    };
    let num = || as_num(v).map(|n| n as f32).filter(|n| n.is_finite());
    let scale = |x: f32, y: f32| Affine {
        a: x,
        d: y,
        ..Affine::IDENTITY
    };
    Some(match key {
        "translateX" => Affine::translate(len(size.0)?, 0.0),
        "translateY" => Affine::translate(0.0, len(size.1)?),
        "scale" => scale(num()?, num()?),
        "scaleX" => scale(num()?, 1.0),
        "scaleY" => scale(1.0, num()?),
        "rotate" => {
            let (s, c) = num()?.to_radians().sin_cos();
            Affine {
                a: c,
                b: s,
                c: -s,
                d: c,
                ..Affine::IDENTITY
            }
        }
        "skewX" => Affine {
            c: num()?.to_radians().tan(),
            ..Affine::IDENTITY
        },
        "skewY" => Affine {
            b: num()?.to_radians().tan(),
            ..Affine::IDENTITY
        },
        _ => return None,
    })
}

/// A component's `transform` for its box `[x, y, w, h]` (dp on the screen): none when it has
/// none, or it changes nothing.
pub fn of(list: &Value, [x, y, w, h]: [f32; 4], vp: &Viewport) -> Option<Affine> {
    let items = match list {
        Value::Array(a) => a.as_slice(),
        o @ Value::Object(_) => std::slice::from_ref(o),
        _ => return None,
    };
    let mut m = Affine::IDENTITY;
    for it in items {
        for (k, v) in it.as_object().into_iter().flatten() {
            if let Some(t) = entry(k, v, (w, h), vp) {
                m = m.then_inner(t);
            }
        }
    }
    if m == Affine::IDENTITY {
        return None;
    }
    // About the box's centre.
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    Some(
        Affine::translate(cx, cy)
            .then_inner(m)
            .then_inner(Affine::translate(-cx, -cy)),
    )
}

/// A transform list's entries as (name, number) for an animation, lengths in dp (`%` and
/// anything else that is no length is none).
pub fn numbers(list: &Value, vp: &Viewport) -> Option<Vec<(String, f64)>> {
    let items = match list {
        Value::Array(a) => a.as_slice(),
        o @ Value::Object(_) => std::slice::from_ref(o),
        _ => return None,
    };
    let mut out = vec![];
    for it in items {
        for (k, v) in it.as_object()? {
            let n = match v {
                Value::String(s) => vp.length(s).map(f64::from),
                v => as_num(v),
            }?;
            out.push((k.clone(), n));
        }
    }
    Some(out)
}

/// The entries of a transform list that change nothing, by name (a scale of 1, else 0).
pub fn unchanged(like: &[(String, f64)]) -> Option<Vec<(String, f64)>> {
    Some(
        like.iter()
            .map(|(k, _)| (k.clone(), if k.starts_with("scale") { 1.0 } else { 0.0 }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::vp;
    use super::*;

    #[test]
    fn a_transform_is_about_the_centre_and_composes_as_css_does() {
        let b = [100.0, 100.0, 50.0, 20.0];
        let m = of(&json!([{"scale": 2}]), b, &vp()).unwrap();
        assert_eq!(m.apply(100.0, 100.0), (75.0, 90.0), "grows from its centre");
        let m = of(
            &json!([{"translateX": "10%"}, {"translateY": "1vh"}]),
            b,
            &vp(),
        )
        .unwrap();
        assert_eq!(
            m.apply(0.0, 0.0),
            (5.0, 8.0),
            "10% of its width, 1% of 800 dp"
        );
        // Turned a quarter clockwise, then moved right: the top left goes to the top right.
        let m = of(&json!([{"translateX": 100}, {"rotate": 90}]), b, &vp()).unwrap();
        let (x, y) = m.apply(100.0, 100.0);
        assert!(
            (x - 235.0).abs() < 1e-3 && (y - 85.0).abs() < 1e-3,
            "{x},{y}"
        );
        assert!(!m.axis_aligned());
        assert!(of(&json!([{"rotate": 0}, {"scale": 1}]), b, &vp()).is_none());
        assert_eq!(
            numbers(&json!([{"translateX": "100vw"}, {"rotate": 720}]), &vp()),
            Some(vec![
                ("translateX".into(), 1280.0),
                ("rotate".into(), 720.0)
            ])
        );
    }
}
