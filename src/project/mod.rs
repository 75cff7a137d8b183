//! An ASK CLI skill project (`--skill-dir`, `[skill] dir`): `ask-resources.json`,
//! `skill-package/skill.json`, `skill-package/interactionModels/custom/<locale>.json` and the
//! `lambda/` handler. Read once, checked here; a mistake names the file, the JSON path and why.
//!
//! Must not import: `backend`, `device`, `view`, `clients`, `config` (the config converts `ProjectError`, not the reverse).

pub mod nlu;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::protocol::account_linking::AccountLinkingRequest;

/// Which runtime runs the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Node,
    Python,
}

/// The Lambda handler to run locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub runtime: Runtime,
    /// The code folder (`lambda/`), the process's working directory.
    pub dir: PathBuf,
    /// The module file (`index.js`, `lambda_function.py`).
    pub file: PathBuf,
    /// The exported function (`handler`, `lambda_handler`).
    pub export: String,
    /// The interpreter: `node`, or a Python from the project's venv or PATH.
    pub interpreter: PathBuf,
    /// The Lambda function name (from the ARN when there is one).
    pub function_name: String,
}

/// Where the skill's requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// An HTTPS (or local HTTP) endpoint.
    Https(String),
    /// A Lambda function, run locally (`arn` as skill.json names it, when it does).
    Lambda {
        arn: Option<String>,
        handler: Handler,
    },
}

/// A slot of an intent and its type.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Slot {
    pub name: String,
    #[serde(rename = "type")]
    pub slot_type: String,
}

/// An intent with its sample utterances.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Intent {
    pub name: String,
    #[serde(default)]
    pub slots: Vec<Slot>,
    #[serde(default)]
    pub samples: Vec<String>,
}

/// A custom slot type's values: (canonical value, synonyms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotType {
    pub name: String,
    pub values: Vec<(String, Vec<String>)>,
}

/// One locale's interaction model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionModel {
    pub invocation_name: String,
    pub intents: Vec<Intent>,
    pub types: Vec<SlotType>,
}

/// A checked ASK CLI project.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub root: PathBuf,
    pub skill_id: Option<String>,
    /// Skill name per locale (`publishingInformation.locales.<locale>.name`).
    pub names: BTreeMap<String, String>,
    pub endpoint: Endpoint,
    pub models: BTreeMap<String, InteractionModel>,
    /// Found in the project (`accountLinking.json` in the root or `skill-package/`).
    pub account_linking: Option<AccountLinkingRequest>,
}

impl Project {
    /// The locales the skill is published in, in skill.json order (sorted).
    pub fn locales(&self) -> Vec<String> {
        self.names.keys().cloned().collect()
    }

    /// The skill's name in `locale`, else in its first locale.
    pub fn name_for(&self, locale: &str) -> &str {
        self.names
            .get(locale)
            .or_else(|| self.names.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The interaction model of `locale`.
    pub fn model_for(&self, locale: &str) -> Option<&InteractionModel> {
        self.models.get(locale)
    }
}

// ---- file shapes ----------------------------------------------------------------

#[derive(Deserialize)]
struct SkillJson {
    manifest: Manifest,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    publishing_information: PublishingInformation,
    #[serde(default)]
    apis: Option<Apis>,
}

#[derive(Deserialize)]
struct PublishingInformation {
    locales: BTreeMap<String, LocaleInfo>,
}

#[derive(Deserialize)]
struct LocaleInfo {
    name: String,
}

#[derive(Deserialize)]
struct Apis {
    #[serde(default)]
    custom: Option<CustomApi>,
}

#[derive(Deserialize)]
struct CustomApi {
    #[serde(default)]
    endpoint: Option<EndpointJson>,
}

#[derive(Deserialize)]
struct EndpointJson {
    uri: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelFile {
    interaction_model: ModelBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelBody {
    language_model: LanguageModel,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LanguageModel {
    invocation_name: String,
    #[serde(default)]
    intents: Vec<Intent>,
    #[serde(default)]
    types: Vec<TypeJson>,
}

#[derive(Deserialize)]
struct TypeJson {
    name: String,
    #[serde(default)]
    values: Vec<TypeValue>,
}

#[derive(Deserialize)]
struct TypeValue {
    name: TypeValueName,
}

#[derive(Deserialize)]
struct TypeValueName {
    value: String,
    #[serde(default)]
    synonyms: Vec<String>,
}

/// A project file problem: which file, which field, why (the config's error once it reaches
/// the configuration).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {field}: {reason}")]
pub struct ProjectError {
    pub file: String,
    pub field: String,
    pub reason: String,
}

/// The largest configuration, account-linking or project file linkscreen reads.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a text file of at most [`MAX_FILE_BYTES`] (a 50 MB `clientId` is a mistake, not a
/// configuration).
pub fn read_capped(path: &Path) -> std::io::Result<String> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is {len} bytes; linkscreen reads files of at most 1 MiB"),
        ));
    }
    std::fs::read_to_string(path)
}

fn err(file: &Path, field: impl Into<String>, reason: impl Into<String>) -> ProjectError {
    ProjectError {
        file: file.display().to_string(),
        field: field.into(),
        reason: reason.into(),
    }
}

/// Reads a JSON file into `T`; errors name the file and the JSON path.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ProjectError> {
    let text = read_capped(path).map_err(|e| err(path, "(file)", e.to_string()))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        // serde's "missing field `x`" at a path: name the field itself.
        let msg = inner.to_string();
        let field = match msg
            .split('`')
            .nth(1)
            .filter(|_| msg.starts_with("missing field"))
        {
            Some(missing) if field == "." => missing.to_owned(),
            Some(missing) => format!("{field}.{missing}"),
            None if field == "." => "(json)".to_owned(),
            None => field,
        };
        err(
            path,
            field,
            msg.split(" at line").next().unwrap_or(&msg).to_owned(),
        )
    })
}

/// A string at a JSON path, if there.
fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Reads and checks the project in `dir` (relative to the working directory). Paths inside
/// the project resolve against its root, as the ASK CLI does, and are absolute from here on:
/// the Lambda handler runs with its code folder as working directory.
pub fn load(dir: &Path) -> Result<Project, ProjectError> {
    let root = &std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !root.is_dir() {
        return Err(err(
            root,
            "(folder)",
            "not a folder (expected an ASK CLI skill project)",
        ));
    }
    // ask-resources.json (optional: defaults are the ASK CLI's).
    let resources_path = root.join("ask-resources.json");
    let resources: Value = if resources_path.exists() {
        read_json(&resources_path)?
    } else {
        Value::Null
    };
    let profile = &resources["profiles"]["default"];
    let under_root = |s: &str| root.join(s.trim_start_matches("./"));
    let pkg = under_root(at(profile, &["skillMetadata", "src"]).unwrap_or("skill-package"));
    let code = under_root(at(profile, &["code", "default", "src"]).unwrap_or("lambda"));
    let skill_json_path = pkg.join("skill.json");
    if !skill_json_path.exists() {
        return Err(err(
            &skill_json_path,
            "(file)",
            "missing: an ASK CLI project has skill-package/skill.json",
        ));
    }
    let skill: SkillJson = read_json(&skill_json_path)?;
    let names: BTreeMap<String, String> = skill
        .manifest
        .publishing_information
        .locales
        .into_iter()
        .map(|(l, i)| (l, i.name))
        .collect();
    if names.is_empty() {
        return Err(err(
            &skill_json_path,
            "manifest.publishingInformation.locales",
            "no locales",
        ));
    }
    let custom = skill.manifest.apis.and_then(|a| a.custom).ok_or_else(|| {
        err(
            &skill_json_path,
            "manifest.apis.custom",
            "missing: linkscreen runs custom skills",
        )
    })?;

    // One interaction model per locale.
    let mut models = BTreeMap::new();
    for locale in names.keys() {
        let p = pkg
            .join("interactionModels")
            .join("custom")
            .join(format!("{locale}.json"));
        if !p.exists() {
            return Err(err(
                &skill_json_path,
                format!("manifest.publishingInformation.locales.{locale}"),
                format!(
                    "no interaction model for this locale (expected {})",
                    p.display()
                ),
            ));
        }
        let m: ModelFile = read_json(&p)?;
        let lm = m.interaction_model.language_model;
        if lm.invocation_name.trim().is_empty() {
            return Err(err(
                &p,
                "interactionModel.languageModel.invocationName",
                "must not be empty",
            ));
        }
        models.insert(
            locale.clone(),
            InteractionModel {
                invocation_name: lm.invocation_name.trim().to_lowercase(),
                intents: lm.intents,
                types: lm
                    .types
                    .into_iter()
                    .map(|t| SlotType {
                        name: t.name,
                        values: t
                            .values
                            .into_iter()
                            .map(|v| (v.name.value, v.name.synonyms))
                            .collect(),
                    })
                    .collect(),
            },
        );
    }

    let uri = custom.endpoint.map(|e| e.uri);
    let endpoint = match uri {
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Endpoint::Https(u),
        other => {
            // A Lambda ARN, or no endpoint yet (a project not deployed): run `lambda/` here.
            let user_config = &profile["skillInfrastructure"]["userConfig"];
            let runtime_name = at(user_config, &["runtime"]).unwrap_or("");
            let handler_name = at(user_config, &["handler"]);
            let handler = handler(&code, runtime_name, handler_name, &resources_path)?;
            if let Some(arn) = &other
                && !arn.starts_with("arn:aws:lambda:")
            {
                return Err(err(
                    &skill_json_path,
                    "manifest.apis.custom.endpoint.uri",
                    format!("{arn:?} is neither an https URL nor a Lambda ARN"),
                ));
            }
            Endpoint::Lambda {
                handler: Handler {
                    function_name: other
                        .as_deref()
                        .and_then(|a| a.split(':').nth(6))
                        .unwrap_or("linkscreen-local")
                        .to_owned(),
                    ..handler
                },
                arn: other,
            }
        }
    };

    let skill_id = {
        let states = root.join(".ask").join("ask-states.json");
        if states.exists() {
            let v: Value = read_json(&states)?;
            at(&v, &["profiles", "default", "skillId"]).map(str::to_owned)
        } else {
            None
        }
    };

    let mut account_linking = None;
    for p in [
        root.join("accountLinking.json"),
        pkg.join("accountLinking.json"),
    ] {
        if p.exists() {
            let text = read_capped(&p).map_err(|e| err(&p, "(file)", e.to_string()))?;
            account_linking = Some(
                AccountLinkingRequest::from_json(&text).map_err(|e| err(&p, e.field, e.reason))?,
            );
            break;
        }
    }

    Ok(Project {
        root: root.to_path_buf(),
        skill_id,
        names,
        endpoint,
        models,
        account_linking,
    })
}

/// Finds the handler: the runtime (from ask-resources.json, else the files present), the module
/// file and its export, and the interpreter (the project's Python venv when it has one).
fn handler(
    code: &Path,
    runtime: &str,
    handler: Option<&str>,
    resources: &Path,
) -> Result<Handler, ProjectError> {
    if !code.is_dir() {
        return Err(err(
            resources,
            "profiles.default.code.default.src",
            format!(
                "{} is not a folder: the Lambda code is expected there",
                code.display()
            ),
        ));
    }
    let rt = if runtime.starts_with("nodejs") {
        Runtime::Node
    } else if runtime.starts_with("python") {
        Runtime::Python
    } else if code.join("index.js").exists() || code.join("package.json").exists() {
        Runtime::Node
    } else if code.join("lambda_function.py").exists() {
        Runtime::Python
    } else {
        return Err(err(
            resources,
            "profiles.default.skillInfrastructure.userConfig.runtime",
            format!(
                "cannot tell the runtime: set nodejs… or python…, or put index.js or lambda_function.py in {}",
                code.display()
            ),
        ));
    };
    let default = match rt {
        Runtime::Node => "index.handler",
        Runtime::Python => "lambda_function.lambda_handler",
    };
    let spec = handler.unwrap_or(default);
    let (module, export) = spec.rsplit_once('.').ok_or_else(|| {
        err(
            resources,
            "profiles.default.skillInfrastructure.userConfig.handler",
            format!("{spec:?} is not MODULE.FUNCTION"),
        )
    })?;
    let ext = match rt {
        Runtime::Node => ["js", "cjs", "mjs"].as_slice(),
        Runtime::Python => ["py"].as_slice(),
    };
    let file = ext
        .iter()
        .map(|e| code.join(format!("{module}.{e}")))
        .find(|p| p.exists())
        .ok_or_else(|| {
            err(
                resources,
                "profiles.default.skillInfrastructure.userConfig.handler",
                format!(
                    "the handler file {} does not exist",
                    code.join(format!("{module}.{}", ext[0])).display()
                ),
            )
        })?;
    let interpreter = match rt {
        Runtime::Node => {
            // The project's own dependencies must be installed, as `ask deploy` would bundle them.
            let pkg = code.join("package.json");
            if pkg.exists() {
                let v: Value = read_json(&pkg)?;
                let deps = v["dependencies"].as_object().is_some_and(|d| !d.is_empty());
                if deps && !code.join("node_modules").is_dir() {
                    return Err(err(
                        &pkg,
                        "dependencies",
                        format!(
                            "not installed: run `npm install` in {} first",
                            code.display()
                        ),
                    ));
                }
            }
            PathBuf::from("node")
        }
        Runtime::Python => {
            let root = code.parent().unwrap_or(code);
            [
                code.join(".venv"),
                code.join("venv"),
                root.join(".venv"),
                root.join("venv"),
            ]
            .iter()
            .map(|v| v.join("bin").join("python3"))
            .find(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("python3"))
        }
    };
    Ok(Handler {
        runtime: rt,
        dir: code.to_path_buf(),
        file,
        export: export.to_owned(),
        interpreter,
        function_name: String::new(),
    })
}

#[cfg(test)]
mod tests;
