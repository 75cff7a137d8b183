//! Alexa Vector Graphics (AVG), the basics: a document's `graphics` entry — its size,
//! viewport, `parameters` and items (`path`, `group` with transforms and opacity, `text`) —
//! bound in the VectorGraphic's scope and written as SVG, which the view draws with Slint's
//! own SVG renderer, with the DropShadow and Blur filters. Patterns and Noise are not drawn.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::Value;

use super::problem::Problem;
use super::scope::param_name;
use super::scope::{Ctx, eval_value};
use super::value::{as_num, as_text};
use std::sync::Arc as Rc;

/// A graphic bound for one VectorGraphic.
#[derive(Debug, Clone, PartialEq)]
pub struct Graphic {
    pub svg: String,
    /// Its natural size in dp.
    pub width: f32,
    pub height: f32,
    /// One colour over its whole viewport (a scrim: one rectangle path, filled, nothing else):
    /// drawn as a box, which costs a fraction of rasterising the SVG and blending its pixels.
    pub plain: Option<super::primitives::Rgba>,
}

/// The SVG of graphic `name` for a VectorGraphic in `ctx` (its own properties give the
/// graphic's parameters), with the graphic's natural size in dp.
pub fn svg(
    graphic: Option<&Value>,
    name: &str,
    props: &serde_json::Map<String, Value>,
    ctx: &Rc<Ctx>,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<Graphic> {
    let Some(g) = graphic else {
        problems.push(Problem::error(
            format!("{path}.source"),
            format!("no graphic {name:?} in the document's graphics"),
        ));
        return None;
    };
    // Parameters: the component's property of that name (or its `parameters` map's entry),
    // else the default.
    let mut vars = HashMap::new();
    for p in g
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pname = param_name(p).to_owned();
        let v = props
            .get(&pname)
            .or_else(|| props.get("parameters")?.get(&pname))
            .cloned()
            .or_else(|| p.get("default").cloned())
            .unwrap_or(Value::Null);
        vars.insert(pname, v);
    }
    let ctx = ctx.child(vars);
    let gpath = format!("$.document.graphics.{name}");
    let num = |k: &str, problems: &mut Vec<Problem>| {
        g.get(k)
            .map(|v| eval_value(v, &ctx, &format!("{gpath}.{k}"), problems))
            .as_ref()
            .and_then(as_num)
    };
    let w = num("width", problems).unwrap_or(100.0);
    let h = num("height", problems).unwrap_or(100.0);
    let vw = num("viewportWidth", problems).unwrap_or(w);
    let vh = num("viewportHeight", problems).unwrap_or(h);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {vw} {vh}" preserveAspectRatio="none">"#
    );
    let items = g.get("items").or_else(|| g.get("item"));
    items_svg(items, &ctx, &gpath, problems, &mut out, 0);
    out.push_str("</svg>");
    Some(Graphic {
        svg: out,
        width: w as f32,
        height: h as f32,
        plain: plain(items, &ctx, (vw, vh)),
    })
}

/// The colour of a graphic that is one rectangle over its whole viewport, filled with one
/// colour and nothing else (no stroke, filter, or group), if it is one.
fn plain(
    items: Option<&Value>,
    ctx: &Rc<Ctx>,
    (vw, vh): (f64, f64),
) -> Option<super::primitives::Rgba> {
    let [item] = list(items).try_into().ok()?;
    let known = ["type", "pathData", "fill", "fillOpacity", "description"];
    if item.get("type")?.as_str()? != "path"
        || item
            .as_object()?
            .keys()
            .any(|k| !known.contains(&k.as_str()))
    {
        return None;
    }
    // Its problems were said when its SVG was written.
    let problems = &mut vec![];
    let v =
        |k: &str, problems: &mut Vec<Problem>| item.get(k).map(|x| eval_value(x, ctx, k, problems));
    if !covers(&as_text(&v("pathData", problems)?), vw, vh) {
        return None;
    }
    let [r, g, b, a] = super::primitives::colour(Some(&v("fill", problems)?))?;
    let opacity = match v("fillOpacity", problems) {
        Some(o) => as_num(&o)?.clamp(0.0, 1.0),
        None => 1.0,
    };
    Some([r, g, b, (a as f64 * opacity).round() as u8])
}

/// Whether SVG path data is the rectangle (0, 0)–(w, h): a move and three lines (absolute),
/// each to another of its corners along an edge, then closed or not (read by `svgtypes`).
fn covers(d: &str, w: f64, h: f64) -> bool {
    use svgtypes::PathSegment::{ClosePath, LineTo, MoveTo};
    let mut points = vec![];
    for (i, segment) in svgtypes::PathParser::from(d).enumerate() {
        match (i, segment) {
            (0, Ok(MoveTo { abs: true, x, y })) | (1..=3, Ok(LineTo { abs: true, x, y })) => {
                points.push((x, y))
            }
            (4, Ok(ClosePath { .. })) => {}
            _ => return false,
        }
    }
    if points.len() != 4 {
        return false;
    }
    let corner = |x: f64, y: f64| {
        let on = |v: f64, end: f64| (v - 0.0).abs() < 1e-9 || (v - end).abs() < 1e-9;
        on(x, w) && on(y, h)
    };
    let distinct = (0..4).all(|i| (i + 1..4).all(|j| points[i] != points[j]));
    let along_edges = (0..4).all(|i| {
        let (a, b) = (points[i], points[(i + 1) % 4]);
        a.0 == b.0 || a.1 == b.1
    });
    w > 0.0 && h > 0.0 && distinct && along_edges && points.iter().all(|p| corner(p.0, p.1))
}

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        _ => vec![],
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn items_svg(
    items: Option<&Value>,
    ctx: &Rc<Ctx>,
    path: &str,
    problems: &mut Vec<Problem>,
    out: &mut String,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    for (i, it) in list(items).iter().enumerate() {
        let p = format!("{path}.items[{i}]");
        let v = |k: &str, problems: &mut Vec<Problem>| {
            it.get(k)
                .map(|x| eval_value(x, ctx, &format!("{p}.{k}"), problems))
                .filter(|x| !x.is_null())
        };
        let attr = |k: &str, svg: &str, problems: &mut Vec<Problem>| {
            v(k, problems)
                .map(|x| format!(r#" {svg}="{}""#, esc(&as_text(&x))))
                .unwrap_or_default()
        };
        let filter = filters(it.get("filters"), ctx, &p, problems, out);
        match it.get("type").and_then(Value::as_str).unwrap_or_default() {
            "path" => {
                let d = v("pathData", problems)
                    .map(|x| as_text(&x))
                    .unwrap_or_default();
                let fill = v("fill", problems)
                    .map(|x| as_text(&x))
                    .unwrap_or("transparent".into());
                let _ = write!(
                    out,
                    r#"<path d="{}"{filter} fill="{}"{}{}{}{}/>"#,
                    esc(&d),
                    esc(&colour(&fill)),
                    attr("fillOpacity", "fill-opacity", problems),
                    v("stroke", problems)
                        .map(|s| format!(r#" stroke="{}""#, esc(&colour(&as_text(&s)))))
                        .unwrap_or_default(),
                    attr("strokeWidth", "stroke-width", problems),
                    attr("strokeOpacity", "stroke-opacity", problems),
                );
            }
            "group" => {
                let mut t = String::new();
                if let Some(x) = v("translateX", problems).as_ref().and_then(as_num) {
                    let y = v("translateY", problems)
                        .as_ref()
                        .and_then(as_num)
                        .unwrap_or(0.0);
                    let _ = write!(t, "translate({x} {y}) ");
                }
                if let Some(r) = v("rotation", problems).as_ref().and_then(as_num) {
                    let px = v("pivotX", problems)
                        .as_ref()
                        .and_then(as_num)
                        .unwrap_or(0.0);
                    let py = v("pivotY", problems)
                        .as_ref()
                        .and_then(as_num)
                        .unwrap_or(0.0);
                    let _ = write!(t, "rotate({r} {px} {py}) ");
                }
                if let Some(s) = v("scaleX", problems).as_ref().and_then(as_num) {
                    let sy = v("scaleY", problems).as_ref().and_then(as_num).unwrap_or(s);
                    let _ = write!(t, "scale({s} {sy}) ");
                }
                if let Some(tr) = v("transform", problems) {
                    let _ = write!(t, "{}", as_text(&tr));
                }
                let _ = write!(
                    out,
                    r#"<g transform="{}"{filter}{}>"#,
                    esc(t.trim()),
                    attr("opacity", "opacity", problems)
                );
                items_svg(
                    it.get("items").or_else(|| it.get("item")),
                    ctx,
                    &p,
                    problems,
                    out,
                    depth + 1,
                );
                out.push_str("</g>");
            }
            "text" => {
                let anchor = match v("textAnchor", problems).map(|x| as_text(&x)).as_deref() {
                    Some("middle") => "middle",
                    Some("end") => "end",
                    _ => "start",
                };
                let fill = v("fill", problems)
                    .map(|x| as_text(&x))
                    .unwrap_or("#000000".into());
                let _ = write!(
                    out,
                    r#"<text font-family="Noto Sans"{filter} text-anchor="{anchor}" fill="{}"{}{}{}{}>{}</text>"#,
                    esc(&colour(&fill)),
                    attr("x", "x", problems),
                    attr("y", "y", problems),
                    attr("fontSize", "font-size", problems),
                    attr("fontWeight", "font-weight", problems),
                    esc(&v("text", problems).map(|x| as_text(&x)).unwrap_or_default())
                );
            }
            other => problems.push(Problem::unsupported(
                format!("{p}.type"),
                format!("AVG item {other:?} is not drawn"),
            )),
        }
    }
}

/// An item's AVG `filters` (DropShadow, Blur) written as an SVG filter before it, and the
/// attribute that applies it (empty without filters).
fn filters(
    list: Option<&Value>,
    ctx: &Rc<Ctx>,
    path: &str,
    problems: &mut Vec<Problem>,
    out: &mut String,
) -> String {
    let list = list.map(|l| eval_value(l, ctx, &format!("{path}.filters"), problems));
    let mut body = String::new();
    for (i, f) in list
        .as_ref()
        .map(|l| self::list(Some(l)))
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let num = |k: &str, d: f64| f.get(k).and_then(as_num).unwrap_or(d);
        // APL's radius is a blur's reach; SVG's deviation is half of it.
        let sd = num("radius", 0.0).max(0.0) / 2.0;
        match f.get("type").and_then(Value::as_str) {
            Some("DropShadow") => {
                let c = f.get("color").map(as_text).unwrap_or("#0000007F".into());
                let [r, g, b, a] =
                    super::primitives::colour(Some(&Value::String(c))).unwrap_or([0, 0, 0, 0x7f]);
                let _ = write!(
                    body,
                    r#"<feDropShadow dx="{}" dy="{}" stdDeviation="{sd}" flood-color="rgb({r},{g},{b})" flood-opacity="{:.3}"/>"#,
                    num("horizontalOffset", 0.0),
                    num("verticalOffset", 0.0),
                    a as f32 / 255.0
                );
            }
            Some("Blur") => {
                let _ = write!(body, r#"<feGaussianBlur stdDeviation="{sd}"/>"#);
            }
            other => problems.push(Problem::unsupported(
                format!("{path}.filters[{i}].type"),
                format!("AVG filter {other:?} is not drawn"),
            )),
        }
    }
    if body.is_empty() {
        return String::new();
    }
    let id = format!("f{}", out.len());
    let _ = write!(
        out,
        r#"<defs><filter id="{id}" x="-50%" y="-50%" width="200%" height="200%">{body}</filter></defs>"#
    );
    format!(r#" filter="url(#{id})""#)
}

/// APL colours as SVG takes them: `#rrggbbaa` becomes `rgba()` (SVG 1.1 readers differ on
/// eight-digit hex).
fn colour(c: &str) -> String {
    match super::primitives::colour(Some(&Value::String(c.to_owned()))) {
        Some([r, g, b, a]) => format!("rgba({r},{g},{b},{:.3})", a as f32 / 255.0),
        None => c.to_owned(),
    }
}
