//! An APL document as the skill sent it: version, imports, resources, styles, layouts and the
//! main template (APL 1.x "APL Document"). Imports of Amazon's packages are answered from
//! linkscreen's own copies (`packages`), since the CDN that serves them is not reachable from
//! the device; an import nobody has is a problem reported, not a failure.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Map, Value};

use super::packages;
use super::problem::Problem;

/// The newest APL version this renderer reads, advertised in `supportedInterfaces`.
pub const APL_VERSION: &str = "2024.3";
/// Versions a document may declare (older documents render the same way here).
const KNOWN_VERSIONS: &[&str] = &[
    "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "2022.1", "2022.2",
    "2023.1", "2023.2", "2023.3", "2024.1", "2024.2", "2024.3",
];
/// Alexa refuses a RenderDocument directive larger than this.
pub const MAX_DIRECTIVE_BYTES: usize = 1024 * 1024;

/// The packages a document imports, merged in the order a device loads them (each one's own
/// imports first). Read once a run for each list of imports and shared by every document that
/// has it, as a device caches its packages.
#[derive(Debug, Default)]
pub struct Packages {
    /// The packages merged, in order.
    pub names: Vec<String>,
    pub resources: Vec<Value>,
    pub styles: Map<String, Value>,
    pub layouts: Map<String, Value>,
    pub graphics: Map<String, Value>,
    /// The imports none could give (their index and name).
    missing: Vec<(usize, String)>,
    /// Whether these are the same for every document importing them (none was fetched from
    /// a document's own address): only then may what they resolve to be shared.
    pub shared: bool,
}

/// A parsed document, with the packages it imports (its own definitions win over theirs).
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub version: String,
    pub theme: String,
    pub packages: Rc<Packages>,
    /// The document's own resource blocks, in order (they apply after the packages').
    pub resources: Vec<Value>,
    styles: Map<String, Value>,
    layouts: Map<String, Value>,
    /// Alexa Vector Graphics by name.
    graphics: Map<String, Value>,
    pub main_template: Value,
    pub on_mount: Value,
    /// What was wrong or is not supported, with JSON paths.
    pub problems: Vec<Problem>,
}

impl Document {
    /// A layout by name: the document's own, else a package's.
    pub fn layout(&self, name: &str) -> Option<&Value> {
        self.layouts
            .get(name)
            .or_else(|| self.packages.layouts.get(name))
    }
    /// Whether layout `name` comes from a package (the document does not define its own).
    pub fn is_package_layout(&self, name: &str) -> bool {
        !self.layouts.contains_key(name) && self.packages.layouts.contains_key(name)
    }
    /// A style by name: the document's own, else a package's.
    pub fn style(&self, name: &str) -> Option<&Value> {
        self.styles
            .get(name)
            .or_else(|| self.packages.styles.get(name))
    }
    /// An Alexa Vector Graphic by name: the document's own, else a package's.
    pub fn graphic(&self, name: &str) -> Option<&Value> {
        self.graphics
            .get(name)
            .or_else(|| self.packages.graphics.get(name))
    }
}

/// Reads `doc` (an APL document object). Errs only when it is not an APL document at all.
pub fn parse(doc: &Value) -> Result<Document, String> {
    parse_with(doc, &HashMap::new())
}

/// The packages a document imports from an address of their own (`source`) that linkscreen
/// does not hold: each import's index, name and address. A device fetches them before it
/// shows the document.
pub fn remote_imports(doc: &Value) -> Vec<(usize, String, String)> {
    imports(doc)
        .filter_map(|(n, imp)| {
            let name = imp.get("name").and_then(Value::as_str)?;
            let source = imp.get("source").and_then(Value::as_str)?;
            packages::get(name)
                .is_none()
                .then(|| (n, name.to_owned(), source.to_owned()))
        })
        .collect()
}

fn imports(doc: &Value) -> impl Iterator<Item = (usize, &Value)> {
    doc.get("import")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// [`parse`], with the packages fetched for it by name.
pub fn parse_with(doc: &Value, fetched: &HashMap<String, Value>) -> Result<Document, String> {
    let o = doc.as_object().ok_or("the document is not a JSON object")?;
    match o.get("type").and_then(Value::as_str) {
        Some("APL") => {}
        Some(t) => return Err(format!("$.document.type is {t:?}, not \"APL\"")),
        None => return Err("$.document.type is missing (must be \"APL\")".into()),
    }
    let mut d = Document {
        theme: o
            .get("theme")
            .and_then(Value::as_str)
            .unwrap_or("dark")
            .to_owned(),
        ..Default::default()
    };
    d.version = o
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !KNOWN_VERSIONS.contains(&d.version.as_str()) {
        d.problems.push(Problem::error(
            "$.document.version",
            format!(
                "unknown APL version {:?} (known: 1.0 to {APL_VERSION}); rendered as {APL_VERSION}",
                d.version
            ),
        ));
    }
    d.packages = packages_of(doc, fetched);
    // Saved package files stand in whatever version is asked, as a device's cache would not:
    // said where the versions differ (what only the newer one defines is missing).
    for (n, imp) in imports(doc) {
        let name = imp.get("name").and_then(Value::as_str).unwrap_or_default();
        let asked = imp
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(have) = packages::saved_version(name)
            && !same_version(asked, have)
        {
            d.problems.push(Problem::unsupported(
                format!("$.document.import[{n}].version"),
                format!(
                    "asks for {name} {asked}; the package files given (--apl-packages) have {have}, used in its place: what only {asked} defines is missing"
                ),
            ));
        }
    }
    for (n, name) in &d.packages.missing {
        d.problems.push(Problem::unsupported(
            format!("$.document.import[{n}]"),
            format!(
                "package {name:?} is not available offline; its layouts and resources are missing"
            ),
        ));
    }
    merge(&mut d, doc);
    d.main_template = o.get("mainTemplate").cloned().unwrap_or(Value::Null);
    if d.main_template.is_null() {
        d.problems.push(Problem::error(
            "$.document.mainTemplate",
            "missing: the screen stays empty",
        ));
    }
    d.on_mount = o.get("onMount").cloned().unwrap_or(Value::Null);
    Ok(d)
}

/// `doc` with its import block chosen (APL 2023.3): an import whose `when` does not hold is
/// left out; a `oneOf` import gives the first of its `items` that holds (else its
/// `otherwise`), an `allOf` import all of its `items` that hold (else its `otherwise`).
/// `holds` evaluates a `when` in the initial data-binding context. None when there is nothing
/// to choose (the document is used as it is).
pub fn chosen_imports(doc: &Value, holds: &mut dyn FnMut(&Value) -> bool) -> Option<Value> {
    let list = doc.get("import")?.as_array()?;
    let conditional = |i: &Value| i.get("when").is_some() || i.get("type").is_some();
    if !list.iter().any(conditional) {
        return None;
    }
    fn choose(
        list: &[Value],
        holds: &mut dyn FnMut(&Value) -> bool,
        out: &mut Vec<Value>,
        depth: usize,
    ) {
        for imp in list {
            if depth > 8 || imp.get("when").is_some_and(|w| !holds(w)) {
                continue;
            }
            let items = imp
                .get("items")
                .and_then(Value::as_array)
                .map(Vec::as_slice);
            let otherwise = imp
                .get("otherwise")
                .and_then(Value::as_array)
                .map(Vec::as_slice);
            match imp.get("type").and_then(Value::as_str).unwrap_or("package") {
                kind @ ("oneOf" | "allOf") => {
                    let holding: Vec<&Value> = items
                        .unwrap_or_default()
                        .iter()
                        .filter(|i| i.get("when").is_none_or(&mut *holds))
                        .collect();
                    let take: Vec<Value> = match kind {
                        "oneOf" => holding.into_iter().take(1).cloned().collect(),
                        _ => holding.into_iter().cloned().collect(),
                    };
                    let take = if take.is_empty() {
                        otherwise.unwrap_or_default().to_vec()
                    } else {
                        take
                    };
                    // What is taken no longer needs its `when`.
                    let take: Vec<Value> = take
                        .into_iter()
                        .map(|mut t| {
                            if let Some(o) = t.as_object_mut() {
                                o.remove("when");
                            }
                            t
                        })
                        .collect();
                    choose(&take, holds, out, depth + 1);
                }
                _ => {
                    let mut imp = imp.clone();
                    if let Some(o) = imp.as_object_mut() {
                        o.remove("when");
                        o.remove("type");
                        o.remove("loadAfter");
                    }
                    out.push(imp);
                }
            }
        }
    }
    let mut out = vec![];
    choose(list, holds, &mut out, 0);
    let mut doc = doc.clone();
    doc["import"] = Value::Array(out);
    Some(doc)
}

/// `d` with package `name` (and what it imports) added to its packages, as the ImportPackage
/// command loads one; None when linkscreen has no such package.
pub fn with_package(d: &Document, name: &str) -> Option<Document> {
    let p = &d.packages;
    let mut into = Document {
        resources: p.resources.clone(),
        styles: p.styles.clone(),
        layouts: p.layouts.clone(),
        graphics: p.graphics.clone(),
        ..Default::default()
    };
    let mut names = p.names.clone();
    if !import(&mut into, name, &HashMap::new(), &mut names, 0) {
        return None;
    }
    let mut out = d.clone();
    out.packages = Rc::new(Packages {
        names,
        resources: into.resources,
        styles: into.styles,
        layouts: into.layouts,
        graphics: into.graphics,
        missing: p.missing.clone(),
        shared: false,
    });
    Some(out)
}

/// Whether two versions are the same (`1.0` is `1.0.0`).
fn same_version(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<u32> {
        let mut p: Vec<u32> = v
            .split('.')
            .map(|x| x.trim().parse().unwrap_or(0))
            .collect();
        while p.len() > 1 && p.last() == Some(&0) {
            p.pop();
        }
        p
    };
    parts(a) == parts(b)
}

/// The packages `doc` imports, merged: from the cache when another document imported the same
/// ones (and none was fetched from an address of its own, which may differ per document).
fn packages_of(doc: &Value, fetched: &HashMap<String, Value>) -> Rc<Packages> {
    thread_local! {
        static READ: std::cell::RefCell<HashMap<String, Rc<Packages>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    let names: Vec<&str> = imports(doc)
        .map(|(_, i)| i.get("name").and_then(Value::as_str).unwrap_or_default())
        .collect();
    if names.is_empty() {
        return Rc::default();
    }
    let key = names.join("\n");
    let cacheable = fetched.is_empty();
    if cacheable && let Some(p) = READ.with(|r| r.borrow().get(&key).cloned()) {
        return p;
    }
    let mut into = Document::default();
    let mut merged = vec![];
    let mut missing = vec![];
    for (n, name) in names.iter().enumerate() {
        if !import(&mut into, name, fetched, &mut merged, 0) {
            missing.push((n, name.to_string()));
        }
    }
    let p = Rc::new(Packages {
        names: merged,
        resources: into.resources,
        styles: into.styles,
        layouts: into.layouts,
        graphics: into.graphics,
        missing,
        shared: cacheable,
    });
    if cacheable {
        READ.with(|r| {
            let mut r = r.borrow_mut();
            if r.len() > 64 {
                r.clear();
            }
            r.insert(key, p.clone());
        });
    }
    p
}

/// Merges the package `name` into `d`, each of its own imports first (as a device does: a
/// package's dependencies are loaded before it), each package once. False when it is not
/// available.
fn import(
    d: &mut Document,
    name: &str,
    fetched: &HashMap<String, Value>,
    merged: &mut Vec<String>,
    depth: usize,
) -> bool {
    if merged.iter().any(|m| m == name) {
        return true;
    }
    let Some(pkg) = packages::get(name).or_else(|| fetched.get(name).cloned()) else {
        return false;
    };
    merged.push(name.to_owned());
    // Packages import each other at most a few levels deep; a loop stops here.
    if depth < 8 {
        for (_, inner) in imports(&pkg) {
            let inner = inner
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            import(d, inner, fetched, merged, depth + 1);
        }
    }
    merge(d, &pkg);
    true
}

/// Adds a document's or package's resources, styles and layouts (later definitions win).
fn merge(d: &mut Document, src: &Value) {
    match src.get("resources") {
        Some(Value::Array(blocks)) => d.resources.extend(blocks.iter().cloned()),
        Some(Value::Object(_)) => d.resources.push(src["resources"].clone()),
        _ => {}
    }
    if let Some(Value::Object(s)) = src.get("styles") {
        d.styles.extend(s.clone());
    }
    if let Some(Value::Object(l)) = src.get("layouts") {
        d.layouts.extend(l.clone());
    }
    if let Some(Value::Object(g)) = src.get("graphics") {
        d.graphics.extend(g.clone());
    }
}

/// The `RenderDocument` directive (ask-sdk-model `render_document_directive.py`).
#[derive(Debug, Clone, PartialEq)]
pub struct RenderDocument {
    pub token: String,
    pub document: Value,
    pub datasources: Value,
}

/// A directive lent to a screen is copied into it (one given or shared is kept as it is).
impl From<&RenderDocument> for std::sync::Arc<RenderDocument> {
    fn from(r: &RenderDocument) -> Self {
        std::sync::Arc::new(r.clone())
    }
}

/// The `ExecuteCommands` directive.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteCommands {
    pub token: String,
    pub commands: Value,
}

/// The APL directives of a response, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Directives {
    pub render: Option<RenderDocument>,
    pub execute: Vec<ExecuteCommands>,
    pub problems: Vec<Problem>,
}

/// Reads the APL directives of a response's `directives` array. A `Link` document is looked
/// up with `linked` (the project's saved documents), by its `src`.
pub fn directives(all: &[Value], linked: &dyn Fn(&str) -> Option<Value>) -> Directives {
    let mut out = Directives::default();
    for (n, d) in all.iter().enumerate() {
        let path = format!("$.response.directives[{n}]");
        let token = d
            .get("token")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match d.get("type").and_then(Value::as_str) {
            Some("Alexa.Presentation.APL.RenderDocument") => {
                let size = serde_json::to_vec(d).map(|v| v.len()).unwrap_or(0);
                if size > MAX_DIRECTIVE_BYTES {
                    out.problems.push(Problem::error(
                        &path,
                        format!("the directive is {size} bytes; Alexa rejects a RenderDocument over 1 MB"),
                    ));
                }
                let mut document = d.get("document").cloned().unwrap_or(Value::Null);
                if document.get("type").and_then(Value::as_str) == Some("Link") {
                    let src = document
                        .get("src")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    match linked(&src) {
                        Some(doc) => document = doc,
                        None => {
                            out.problems.push(Problem::error(
                                format!("{path}.document.src"),
                                format!("linked document {src:?} is not among the project's documents (skill-package/response/display/<name>/document.json)"),
                            ));
                        }
                    }
                }
                if token.is_empty() {
                    out.problems.push(Problem::error(
                        format!("{path}.token"),
                        "missing: UserEvents and ExecuteCommands cannot refer to this document",
                    ));
                }
                out.render = Some(RenderDocument {
                    token,
                    document,
                    datasources: d.get("datasources").cloned().unwrap_or(Value::Null),
                });
            }
            Some("Alexa.Presentation.APL.ExecuteCommands") => out.execute.push(ExecuteCommands {
                token,
                commands: d.get("commands").cloned().unwrap_or(Value::Null),
            }),
            Some(t) if t.starts_with("Alexa.Presentation.APL.") => out.problems.push(
                Problem::unsupported(&path, format!("{t} is not supported by linkscreen yet")),
            ),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn not_apl_is_refused_with_a_path() {
        assert!(parse(&json!([1])).is_err());
        let e = parse(&json!({"type": "HTML"})).unwrap_err();
        assert!(e.contains("$.document.type"), "{e}");
    }

    #[test]
    fn unknown_version_and_import_are_reported() {
        let d = parse(&json!({
            "type": "APL", "version": "9.9",
            "import": [{"name": "my-private-package", "version": "1.0"}],
            "mainTemplate": {"items": []}
        }))
        .unwrap();
        let paths: Vec<&str> = d.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.document.version", "$.document.import[0]"]);
        assert_eq!(d.problems[1].kind, "apl_unsupported");
    }

    #[test]
    fn linked_documents_resolve_or_are_named() {
        let ds = directives(
            &[
                json!({"type": "Alexa.Presentation.APL.RenderDocument", "token": "t",
                       "document": {"type": "Link", "src": "doc://alexa/apl/documents/rides"}}),
                json!({"type": "Alexa.Presentation.APL.ExecuteCommands", "token": "t", "commands": []}),
            ],
            &|src| (src == "doc://alexa/apl/documents/rides").then(|| json!({"type": "APL"})),
        );
        assert_eq!(ds.render.unwrap().document, json!({"type": "APL"}));
        assert_eq!(ds.execute.len(), 1);
        let ds = directives(
            &[json!({"type": "Alexa.Presentation.APL.RenderDocument",
                     "document": {"type": "Link", "src": "doc://alexa/apl/documents/gone"}})],
            &|_| None,
        );
        let paths: Vec<&str> = ds.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.response.directives[0].document.src",
                "$.response.directives[0].token"
            ]
        );
    }
}
