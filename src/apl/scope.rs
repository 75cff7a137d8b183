//! What bindings see: the device (`viewport`, `environment`, the clock), the document's
//! resources, and scopes of named values linked to their parents; and the evaluation of JSON
//! values with `${…}` bindings in them.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Value, json};

use super::doc::Document;
use super::expr;
use super::problem::Problem;
use super::value::{Scope, truthy};

/// The device as APL sees it (the `viewport` and `environment` globals).
#[derive(Debug, Clone, PartialEq)]
pub struct Viewport {
    pub pixel_width: f32,
    pub pixel_height: f32,
    pub dpi: f32,
    pub round: bool,
    /// `hub` or `tv`.
    pub mode: &'static str,
    pub touch: bool,
    pub locale: String,
    pub rtl: bool,
    /// The device's clock, ms since the epoch (UTC).
    pub now_ms: f64,
}

impl Viewport {
    /// A device profile in a locale, at a time (ms since the epoch).
    pub fn of(p: &crate::protocol::viewport::DeviceProfile, locale: &str, now_ms: f64) -> Viewport {
        Viewport {
            pixel_width: p.width as f32,
            pixel_height: p.height as f32,
            dpi: p.dpi as f32,
            round: p.shape == crate::protocol::viewport::Shape::Round,
            mode: if p.mode == "TV" { "tv" } else { "hub" },
            touch: p.touch,
            locale: locale.to_owned(),
            rtl: crate::locale::is_rtl(locale),
            now_ms,
        }
    }

    /// dp per pixel is 160/dpi.
    pub fn dp_per_px(&self) -> f32 {
        160.0 / self.dpi
    }
    pub fn width_dp(&self) -> f32 {
        self.pixel_width * self.dp_per_px()
    }
    pub fn height_dp(&self) -> f32 {
        self.pixel_height * self.dp_per_px()
    }
    /// A length as APL writes it in a string (`"12dp"`, `"12px"`, `"10vw"`, `"5vh"`, `"12"`)
    /// in dp, within ±[`MAX_DP`]; None when it is none of these (`%`, `auto`, a word). The
    /// one parser of lengths: properties, resources and transforms all read theirs here.
    pub fn length(&self, s: &str) -> Option<f32> {
        let s = s.trim();
        let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, "dp"),
        };
        let n = finite_dp(num.trim().parse().ok()?)?;
        if !matches!(unit, "dp" | "px" | "vw" | "vh") {
            return None;
        }
        finite_dp(self.dp(n as f64, unit))
    }

    /// `n` in `unit` (`dp`, `px`, `vw`, `vh`) as dp.
    pub fn dp(&self, n: f64, unit: &str) -> f64 {
        match unit {
            "px" => n * self.dp_per_px() as f64,
            "vw" => n * self.width_dp() as f64 / 100.0,
            "vh" => n * self.height_dp() as f64 / 100.0,
            _ => n,
        }
    }
}

/// The largest length a document may give, in dp either way: far past any screen, and small
/// enough that layout and drawing stay finite (a `fontSize` of 1e308 panicked the renderer).
pub const MAX_DP: f32 = 100_000.0;

/// A length in dp, clamped to ±[`MAX_DP`]; not a number is none.
pub fn finite_dp(n: f64) -> Option<f32> {
    n.is_finite()
        .then(|| (n.clamp(-(MAX_DP as f64), MAX_DP as f64)) as f32)
}

/// What every binding sees: resources and the viewport.
#[derive(Debug)]
pub struct Globals {
    /// The document's own resources (and those that override a package's).
    pub resources: HashMap<String, Value>,
    /// The packages' resources on this device, shared by every document that imports them.
    pub base: Rc<HashMap<String, Value>>,
    pub viewport: Viewport,
    pub vars: HashMap<String, Value>,
}

impl Globals {
    /// A resource by name: the document's own, else its packages'.
    pub fn resource(&self, name: &str) -> Option<Value> {
        self.resources
            .get(name)
            .or_else(|| self.base.get(name))
            .cloned()
    }
}

/// A scope of bindings, linked to its parent.
#[derive(Debug)]
pub struct Ctx {
    vars: HashMap<String, Value>,
    parent: Option<Rc<Ctx>>,
    pub(super) globals: Rc<Globals>,
}

impl Ctx {
    pub fn root(globals: Rc<Globals>) -> Rc<Ctx> {
        Rc::new(Ctx {
            vars: HashMap::new(),
            parent: None,
            globals,
        })
    }
    /// A scope over this one that sees other globals (a layout given another `theme`: its
    /// resources and `viewport.theme` are that theme's).
    pub fn child_in(self: &Rc<Ctx>, vars: HashMap<String, Value>, globals: Rc<Globals>) -> Rc<Ctx> {
        Rc::new(Ctx {
            vars,
            parent: Some(self.clone()),
            globals,
        })
    }
    pub fn child(self: &Rc<Ctx>, vars: HashMap<String, Value>) -> Rc<Ctx> {
        Rc::new(Ctx {
            vars,
            parent: Some(self.clone()),
            globals: self.globals.clone(),
        })
    }
    pub fn globals(&self) -> &Globals {
        &self.globals
    }
}

impl Scope for Ctx {
    fn var(&self, name: &str) -> Option<Value> {
        let mut c = Some(self);
        while let Some(s) = c {
            if let Some(v) = s.vars.get(name) {
                return Some(v.clone());
            }
            c = s.parent.as_deref();
        }
        self.globals.vars.get(name).cloned()
    }
    fn var_in(&self, name: &str, f: &mut dyn FnMut(Option<&Value>)) {
        let mut c = Some(self);
        while let Some(s) = c {
            if let Some(v) = s.vars.get(name) {
                return f(Some(v));
            }
            c = s.parent.as_deref();
        }
        f(self.globals.vars.get(name))
    }
    fn resource(&self, name: &str) -> Option<Value> {
        self.globals.resource(name)
    }
    fn dp(&self, n: f64, unit: &str) -> f64 {
        self.globals.viewport.dp(n, unit)
    }
    fn now_ms(&self) -> f64 {
        self.globals.viewport.now_ms
    }
}

/// A shared scope is that scope.
impl Scope for Rc<Ctx> {
    fn var(&self, name: &str) -> Option<Value> {
        (**self).var(name)
    }
    fn var_in(&self, name: &str, f: &mut dyn FnMut(Option<&Value>)) {
        (**self).var_in(name, f)
    }
    fn resource(&self, name: &str) -> Option<Value> {
        (**self).resource(name)
    }
    fn dp(&self, n: f64, unit: &str) -> f64 {
        (**self).dp(n, unit)
    }
    fn now_ms(&self) -> f64 {
        (**self).now_ms()
    }
}

/// The globals as they are while a document's resources are read: each resource sees those
/// defined before it.
struct Reading<'a>(&'a Globals);

impl Scope for Reading<'_> {
    fn var(&self, name: &str) -> Option<Value> {
        self.0.vars.get(name).cloned()
    }
    fn resource(&self, name: &str) -> Option<Value> {
        self.0.resource(name)
    }
    fn dp(&self, n: f64, unit: &str) -> f64 {
        self.0.viewport.dp(n, unit)
    }
    fn now_ms(&self) -> f64 {
        self.0.viewport.now_ms
    }
}

/// Packages' resources on a device, and the problems reading them had.
type Resolved = (Rc<HashMap<String, Value>>, Vec<Problem>);

thread_local! {
    /// Packages' resources by packages and device: a device caches its packages, and
    /// resolving Amazon's (some hundred conditional blocks) was most of showing a document.
    static RESOLVED: std::cell::RefCell<HashMap<String, Resolved>> =
        std::cell::RefCell::new(HashMap::new());
}

/// One resource block into the globals: skipped when its `when` is false; each value sees
/// those before it, in this block too (one that names a resource defined later in its block,
/// JSON maps being read in key order here, is read again once the block is in).
fn resource_block(g: &mut Globals, path: &str, block: &Value, problems: &mut Vec<Problem>) {
    if let Some(w) = block.get("when")
        && !truthy(&eval_value(
            w,
            &Reading(g),
            &format!("{path}.when"),
            problems,
        ))
    {
        return;
    }
    let mut again = vec![];
    for group in RESOURCE_GROUPS {
        if let Some(Value::Object(m)) = block.get(group) {
            for (k, v) in m {
                let mut found = vec![];
                let at = format!("{path}.{group}.{k}");
                let val = eval_value(v, &Reading(g), &at, &mut found);
                if !found.is_empty() {
                    again.push((group, k, v, at));
                }
                let val = absolute(group, val, &g.viewport);
                g.resources.insert(k.clone(), val);
            }
        }
    }
    for (group, k, v, at) in again {
        let val = eval_value(v, &Reading(g), &at, problems);
        let val = absolute(group, val, &g.viewport);
        g.resources.insert(k.clone(), val);
    }
}

/// An absolute dimension resource (`"140dp"`, `"24px"`) is its length in dp, as in Amazon's
/// engine: arithmetic on it (`@gridListMaxDataHeight + 8`) adds lengths, not text. Relative
/// ones (`"10vw"`, `"50%"`, `"auto"`) stay as they are.
fn absolute(group: &str, v: Value, vp: &Viewport) -> Value {
    if !matches!(group, "dimensions" | "dimension") {
        return v;
    }
    let Value::String(s) = &v else { return v };
    // Only absolute lengths: one relative to the viewport stays as written.
    let t = s.trim();
    if t.ends_with("vw") || t.ends_with("vh") {
        return v;
    }
    match vp.length(t) {
        Some(n) => super::value::num(n as f64),
        None => v,
    }
}

/// The kinds of resource a resource block may hold.
const RESOURCE_GROUPS: [&str; 14] = [
    "colors",
    "color",
    "dimensions",
    "dimension",
    "strings",
    "string",
    "numbers",
    "number",
    "booleans",
    "boolean",
    "gradients",
    "gradient",
    "easings",
    "easing",
];

/// `@name`: a resource's name.
fn is_resource_name(s: &str) -> bool {
    s.len() > 1
        && s.starts_with('@')
        && s[1..]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A binding parsed once a thread: documents repeat the same ones (every row of a list, every
/// document importing the same packages), and parsing is most of evaluating them.
fn parsed(s: &str) -> Result<std::rc::Rc<expr::Expr>, String> {
    thread_local! {
        static PARSED: std::cell::RefCell<HashMap<String, std::rc::Rc<expr::Expr>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    if let Some(e) = PARSED.with(|p| p.borrow().get(s).cloned()) {
        return Ok(e);
    }
    let e = std::rc::Rc::new(expr::template(s)?);
    PARSED.with(|p| {
        let mut p = p.borrow_mut();
        // Bounded: a document that makes up new bindings without end does not grow it so.
        if p.len() > 20_000 {
            p.clear();
        }
        p.insert(s.to_owned(), e.clone());
    });
    Ok(e)
}

/// Evaluates a JSON value: strings with `${…}` are bound, arrays and maps element by element.
pub fn eval_value<S: Scope>(v: &Value, ctx: &S, path: &str, problems: &mut Vec<Problem>) -> Value {
    match v {
        // A property that is a resource's name ("@colorText") is that resource; a name the
        // document does not have stays the string it is, as in Amazon's engine (an opacity
        // or a size that is no number is then 0).
        Value::String(s) if is_resource_name(s) => ctx.resource(&s[1..]).unwrap_or_else(|| {
            problems.push(Problem::error(path, format!("no resource {s}")));
            v.clone()
        }),
        Value::String(s) if s.contains("${") => match parsed(s) {
            Ok(e) => {
                let mut errs = vec![];
                let out = expr::eval(&e, ctx, &mut errs);
                for e in errs {
                    problems.push(Problem::error(path, format!("{e} in {s:?}")));
                }
                // A binding that comes out as a resource's name (`${c ? '0' : '@spacer'}`)
                // is that resource, as apl-core has it.
                match &out {
                    Value::String(r) if is_resource_name(r) => ctx.resource(&r[1..]).unwrap_or(out),
                    _ => out,
                }
            }
            Err(e) => {
                // As on a device: a string whose binding does not parse is shown as written.
                problems.push(Problem::error(path, format!("{e} in {s:?}")));
                Value::String(s.clone())
            }
        },
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| eval_value(x, ctx, &format!("{path}[{i}]"), problems))
                .collect(),
        ),
        // A map with a `type` is a component or a command: bound where it is inflated or
        // run (so `${data}` in a list's `primaryAction` sees the row it is run for).
        Value::Object(o) if o.get("type").is_some_and(Value::is_string) => v.clone(),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    (
                        k.clone(),
                        eval_value(x, ctx, &format!("{path}.{k}"), problems),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The globals for a document on a device: viewport, environment, time, and its resources
/// with their `when` clauses evaluated in order.
pub fn globals(doc: &Document, vp: &Viewport, problems: &mut Vec<Problem>) -> Rc<Globals> {
    let mut vars = HashMap::new();
    vars.insert(
        "viewport".into(),
        json!({
            "width": vp.width_dp(), "height": vp.height_dp(),
            "pixelWidth": vp.pixel_width, "pixelHeight": vp.pixel_height,
            "dpi": vp.dpi, "shape": if vp.round { "round" } else { "rectangle" },
            "mode": vp.mode, "theme": doc.theme, "minWidth": vp.width_dp(), "maxWidth": vp.width_dp(),
            "minHeight": vp.height_dp(), "maxHeight": vp.height_dp(), "autoWidth": false, "autoHeight": false,
        }),
    );
    vars.insert(
        "environment".into(),
        json!({
            "agentName": "linkscreen", "agentVersion": env!("CARGO_PKG_VERSION"),
            "aplVersion": super::doc::APL_VERSION, "allowOpenURL": false, "animation": "none",
            "disallowDialog": false, "disallowEditText": false, "disallowVideo": true,
            "fontScale": 1, "lang": vp.locale, "layoutDirection": if vp.rtl { "RTL" } else { "LTR" },
            "reducedMotion": true, "screenMode": "normal", "screenReader": false,
            "timing": {"doublePressTimeout": 500, "longPressTimeout": 1000, "minimumFlingVelocity": 50,
                       "pressedDuration": 64, "tapOrScrollTimeout": 100, "maximumTapVelocity": 50},
        }),
    );
    vars.insert("localTime".into(), json!(vp.now_ms));
    vars.insert("utcTime".into(), json!(vp.now_ms));
    vars.insert("elapsedTime".into(), json!(0));
    let mut g = Globals {
        resources: HashMap::new(),
        base: Rc::default(),
        viewport: vp.clone(),
        vars,
    };
    // The packages' resources on this device (and theme) come from the cache when another
    // document with the same packages was shown on it, with the problems they had.
    let pkg = &doc.packages;
    if !pkg.names.is_empty() && !pkg.shared {
        // Fetched from a document's own address: resolved for this document alone.
        for (n, block) in pkg.resources.iter().enumerate() {
            let path = format!("$.document.import…resources[{n}]");
            resource_block(&mut g, &path, block, problems);
        }
    } else if !pkg.names.is_empty() {
        let key = format!(
            "{:?} {} {} {} {} {} {} {} {}",
            pkg.names,
            doc.theme,
            vp.pixel_width,
            vp.pixel_height,
            vp.dpi,
            vp.round,
            vp.mode,
            vp.touch,
            vp.locale
        );
        let (base, found) = match RESOLVED.with(|c| c.borrow().get(&key).cloned()) {
            Some(hit) => hit,
            None => {
                let mut found = vec![];
                for (n, block) in pkg.resources.iter().enumerate() {
                    let path = format!("$.document.import…resources[{n}]");
                    resource_block(&mut g, &path, block, &mut found);
                }
                let made = (Rc::new(std::mem::take(&mut g.resources)), found);
                RESOLVED.with(|c| {
                    let mut c = c.borrow_mut();
                    if c.len() > 64 {
                        c.clear();
                    }
                    c.insert(key, made.clone());
                });
                made
            }
        };
        g.base = base;
        problems.extend(found);
    }
    for (n, block) in doc.resources.iter().enumerate() {
        resource_block(
            &mut g,
            &format!("$.document.resources[{n}]"),
            block,
            problems,
        );
    }
    Rc::new(g)
}

/// A parameter's name: written as a string, or as `{"name": …, "default": …}` (mainTemplate,
/// layouts and vector graphics alike).
pub fn param_name(p: &Value) -> &str {
    p.as_str()
        .or_else(|| p.get("name").and_then(Value::as_str))
        .unwrap_or_default()
}
