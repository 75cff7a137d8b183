//! Inflation: the document's main template, bound to the datasources, becomes a tree of
//! components with their properties evaluated (APL "Data binding evaluation" and
//! "Component inflation"): `when`, `data` with `data`/`index`/`ordinal`/`length`,
//! `firstItem`/`lastItem`, `bind`, styles (with `extend`), layouts with parameters, and the
//! resources (`@name`) chosen by their `when`.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Map, Value, json};

use super::doc::Document;
use super::expr;
use super::node::{Kind, Node};
use super::problem::Problem;
use super::scope::{Ctx, eval_value, param_name};
use super::value::truthy;

/// Keys of a component that are not evaluated as properties (a `match`: every property of
/// every component is asked).
pub(super) fn structural(k: &str) -> bool {
    matches!(
        k,
        "type"
            | "when"
            | "item"
            | "items"
            | "data"
            | "firstItem"
            | "lastItem"
            | "bind"
            | "style"
            | "onPress"
            | "onMount"
            | "onLayout"
            | "onScroll"
            | "onPageChanged"
            | "onFocus"
            | "onBlur"
            | "onDown"
            | "onUp"
            | "onMove"
            | "onCancel"
            | "onChildrenChanged"
            | "onSubmit"
            | "onTextChange"
            | "onLoad"
            | "onFail"
            | "onPlay"
            | "onPause"
            | "onEnd"
            | "onTimeUpdate"
            | "onTrackUpdate"
            | "onTrackReady"
            | "onTrackFail"
            | "handleKeyDown"
            | "handleKeyUp"
            | "gestures"
            | "id"
    )
}

/// What a component may have that linkscreen does not do yet, and what becomes of it: said
/// once a document (as an `apl_unsupported` event), so a document that relies on it is not
/// silently wrong.
fn not_done(k: &str) -> Option<(&'static str, &'static str)> {
    Some(match k {
        "filters" => ("filters", "are not applied (the image is drawn unfiltered)"),
        "shadowColor" => ("shadowColor", "is not drawn"),
        "onFocus" => ("onFocus", "is not run"),
        "onBlur" => ("onBlur", "is not run"),
        "onLoad" => ("onLoad", "is not run"),
        "onFail" => ("onFail", "is not run"),
        "handleKeyDown" => ("handleKeyDown", "is not run"),
        "handleKeyUp" => ("handleKeyUp", "is not run"),
        _ => return None,
    })
}

/// The handlers a component's commands are kept under (by uid and this name), and the
/// gestures (kept with them).
fn handler(k: &str) -> Option<&'static str> {
    Some(match k {
        "onPress" => "onPress",
        "onMount" => "onMount",
        "onLayout" => "onLayout",
        "onTextChange" => "onTextChange",
        "onSubmit" => "onSubmit",
        "onPageChanged" => "onPageChanged",
        "onScroll" => "onScroll",
        "onTrackFail" => "onTrackFail",
        "onDown" => "onDown",
        "onMove" => "onMove",
        "onUp" => "onUp",
        "onCancel" => "onCancel",
        "gestures" => "gestures",
        _ => return None,
    })
}

/// What a touchable component has that takes a finger's every move (see `Screen::pointer`).
fn pointer_key(k: &str) -> bool {
    matches!(k, "onDown" | "onMove" | "onUp" | "onCancel" | "gestures")
}

/// Inflates documents: holds the document, the problems met and the next uid.
pub struct Inflater<'a> {
    pub doc: &'a Document,
    pub problems: Vec<Problem>,
    pub(super) next_uid: usize,
    /// Layouts being expanded (a cycle is refused).
    pub(super) stack: Vec<String>,
    /// Bound values set by SetValue, for the next component's own `bind` (see `rebind`).
    pub(super) pending: Option<HashMap<String, Value>>,
    /// The things of [`not_done`] already reported.
    told: Vec<&'static str>,
    /// Commands by component uid: onPress etc. as written (evaluated when they run).
    pub handlers: HashMap<(usize, &'static str), Value>,
    /// Components considered so far (see [`super::expand::MAX_COMPONENTS`]).
    pub(super) work: usize,
    /// The globals of each theme a layout was given (`"theme": "light"`), made once.
    pub(super) themed: HashMap<String, Rc<super::scope::Globals>>,
}

/// A list draws at most this many rows.
pub(super) const MAX_ROWS: usize = 1000;

/// How deep layouts may nest before inflation gives up.
pub(super) const MAX_DEPTH: usize = 64;

impl<'a> Inflater<'a> {
    pub fn new(doc: &'a Document) -> Self {
        Inflater {
            doc,
            problems: vec![],
            next_uid: 1,
            stack: vec![],
            pending: None,
            told: vec![],
            handlers: HashMap::new(),
            work: 0,
            themed: HashMap::new(),
        }
    }

    /// The main template bound to the datasources: the root component.
    pub fn main(&mut self, datasources: &Value, root: &Rc<Ctx>) -> Option<Node> {
        let mt = &self.doc.main_template;
        let mut vars = HashMap::new();
        let params = mt.get("parameters").and_then(Value::as_array);
        for p in params.into_iter().flatten() {
            let name = param_name(p);
            // APL: a parameter named "payload" gets all datasources, others the one named so.
            let v = if name == "payload" {
                datasources.clone()
            } else {
                datasources.get(name).cloned().unwrap_or_else(|| {
                    self.problems.push(Problem::error(
                        "$.document.mainTemplate.parameters",
                        format!("no datasource {name:?} for the parameter; it is null"),
                    ));
                    Value::Null
                })
            };
            vars.insert(name.to_owned(), v);
        }
        let ctx = root.child(vars);
        let ctx = self.bind(mt, &ctx, "$.document.mainTemplate");
        self.first_of(mt, &ctx, "$.document.mainTemplate")
    }

    /// `bind` entries evaluated in order into a new scope.
    pub(super) fn bind(&mut self, def: &Value, ctx: &Rc<Ctx>, path: &str) -> Rc<Ctx> {
        self.bind_set(def, ctx, path, &HashMap::new())
    }

    /// `bind` entries, those named in `set` taking the value set instead.
    fn bind_set(
        &mut self,
        def: &Value,
        ctx: &Rc<Ctx>,
        path: &str,
        set: &HashMap<String, Value>,
    ) -> Rc<Ctx> {
        let Some(Value::Array(binds)) = def.get("bind") else {
            return ctx.clone();
        };
        let mut c = ctx.clone();
        for (i, b) in binds.iter().enumerate() {
            let Some(written) = b.get("name").and_then(Value::as_str) else {
                continue;
            };
            // A name may be bound itself (a layout's parameter names the value it binds).
            let name = if written.contains("${") {
                expr::as_text(&eval_value(
                    &Value::String(written.to_owned()),
                    &c,
                    &format!("{path}.bind[{i}].name"),
                    &mut self.problems,
                ))
            } else {
                written.to_owned()
            };
            let name = name.as_str();
            let v = set.get(name).cloned().unwrap_or_else(|| {
                eval_value(
                    b.get("value").unwrap_or(&Value::Null),
                    &c,
                    &format!("{path}.bind[{i}]"),
                    &mut self.problems,
                )
            });
            c = c.child(HashMap::from([(name.to_owned(), v)]));
        }
        c
    }

    /// One component definition in a scope (None when its `when` is false).
    pub fn component(&mut self, def: &Value, ctx: &Rc<Ctx>, path: &str) -> Option<Node> {
        if self.over_budget(path) {
            return None;
        }
        let set = self.pending.take().unwrap_or_default();
        let Some(o) = def.as_object() else {
            self.problems
                .push(Problem::error(path, "a component must be a JSON object"));
            return None;
        };
        if let Some(w) = o.get("when")
            && !truthy(&eval_value(
                w,
                ctx,
                &format!("{path}.when"),
                &mut self.problems,
            ))
        {
            return None;
        }
        // A computed type (`"${cond ? 'Container' : 'ScrollView'}"`) is evaluated first.
        let computed;
        let type_name = match o.get("type") {
            Some(Value::String(t)) if t.contains("${") => {
                computed = eval_value(&json!(t), ctx, &format!("{path}.type"), &mut self.problems);
                computed.as_str().unwrap_or_default()
            }
            t => t.and_then(Value::as_str).unwrap_or_default(),
        };
        let doc = self.doc;
        if let Some(layout) = doc.layout(type_name) {
            return self.layout(type_name, layout, o, ctx, path);
        }
        let Some(kind) = Kind::of(type_name) else {
            self.problems.push(Problem::unsupported(
                format!("{path}.type"),
                if type_name.is_empty() {
                    "a component without a type".to_owned()
                } else {
                    format!(
                        "component {type_name:?} is not a component nor a layout the document \
                         defines: it inflates to nothing, as on a device"
                    )
                },
            ));
            return None;
        };
        let binding = o.contains_key("bind").then(|| {
            Rc::new(super::node::Binding {
                def: def.clone(),
                outer: ctx.clone(),
                set: set.clone(),
                instance: vec![],
            })
        });
        let ctx = self.bind_set(def, ctx, path, &set);
        for (key, what) in o.keys().filter_map(|k| not_done(k)) {
            if !self.told.contains(&key) {
                self.told.push(key);
                self.problems.push(Problem::unsupported(
                    format!("{path}.{key}"),
                    format!("{key} {what}"),
                ));
            }
        }
        // SwipeAway is recognised; DoublePress, LongPress and Tap are not yet.
        let other = o
            .get("gestures")
            .into_iter()
            .flat_map(|g| g.as_array().cloned().unwrap_or_else(|| vec![g.clone()]))
            .filter_map(|g| g.get("type").and_then(Value::as_str).map(str::to_owned))
            .find(|t| t != "SwipeAway");
        if let Some(t) = other.filter(|_| !self.told.contains(&"gestures")) {
            self.told.push("gestures");
            self.problems.push(Problem::unsupported(
                format!("{path}.gestures"),
                format!("the {t} gesture is not recognised (a press still runs onPress)"),
            ));
        }
        let mut own = Map::new();
        // One buffer for the properties' paths (`path.key`), not one string each.
        let mut at = format!("{path}.");
        for (k, v) in o {
            if !structural(k) {
                at.truncate(path.len() + 1);
                at.push_str(k);
                let val = eval_value(v, &ctx, &at, &mut self.problems);
                own.insert(k.clone(), val);
            }
        }
        let style = o.get("style").map(|s| {
            expr::as_text(&eval_value(
                s,
                &ctx,
                &format!("{path}.style"),
                &mut self.problems,
            ))
        });
        let (mut props, styling) = self.styled(style, own, &ctx, path);
        // A finger's own events (onDown, onMove, onUp, onCancel) or gestures: the view sends
        // it where the finger goes (see `pointer`).
        let pointer = o.keys().any(|k| pointer_key(k));
        if kind == Kind::VectorGraphic {
            self.vector(&mut props, &ctx, path);
            if o.contains_key("onPress") || pointer {
                props.insert("_touchable".into(), Value::Bool(true));
            }
        }
        if pointer && (kind == Kind::TouchWrapper || kind == Kind::VectorGraphic) {
            props.insert("_pointer".into(), Value::Bool(true));
        }
        let id = o
            .get("id")
            .map(|v| expr::as_text(&eval_value(v, &ctx, path, &mut self.problems)));
        let uid = self.uid();
        if o.contains_key("onLayout") {
            // Its place is reported back after each layout, to run its onLayout.
            props.insert("_onLayout".into(), Value::Bool(true));
        }
        for (k, cmds) in o {
            if let Some(ev) = handler(k) {
                self.handlers.insert((uid, ev), cmds.clone());
            }
        }
        let children = if kind.leaf() {
            vec![]
        } else if kind.multi() {
            self.children(def, &ctx, path)
        } else {
            self.first_of(def, &ctx, path).into_iter().collect()
        };
        Some(Node {
            kind,
            type_name: type_name.to_owned(),
            id,
            uid,
            props,
            children,
            scope: ctx,
            path: path.to_owned(),
            styling,
            binding,
        })
    }

    /// A VectorGraphic's drawing: its graphic as SVG (`_svg`), and the graphic's size where
    /// the component gives none.
    fn vector(&mut self, props: &mut Map<String, Value>, ctx: &Rc<Ctx>, path: &str) {
        let source = props.get("source").map(expr::as_text).unwrap_or_default();
        if source.contains("://") {
            self.problems.push(Problem::unsupported(
                format!("{path}.source"),
                format!(
                    "VectorGraphic from a URL ({source}) is not fetched; drawn as a labelled box"
                ),
            ));
            return;
        }
        let drawn = super::avg::svg(
            self.doc.graphic(&source),
            &source,
            props,
            ctx,
            path,
            &mut self.problems,
        );
        if let Some(super::avg::Graphic {
            svg,
            width: w,
            height: h,
            plain,
        }) = drawn
        {
            props.insert("_svg".into(), Value::String(svg));
            props.insert("_gsize".into(), json!([w, h]));
            if let Some(c) = plain {
                props.insert("_plain".into(), json!(c));
            }
            props.entry("width").or_insert(json!(w));
            props.entry("height").or_insert(json!(h));
        }
    }

    pub(super) fn uid(&mut self) -> usize {
        self.next_uid += 1;
        self.next_uid - 1
    }
}
