use super::*;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn project(skill_json: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "skill-package/skill.json", skill_json);
    write(
        d.path(),
        "skill-package/interactionModels/custom/en-US.json",
        r#"{"interactionModel":{"languageModel":{"invocationName":"Ride Hailer","intents":[{"name":"BookRideIntent","slots":[{"name":"destination","type":"AMAZON.City"}],"samples":["book a ride to {destination}"]}]}}}"#,
    );
    write(
        d.path(),
        "lambda/index.js",
        "exports.handler = async () => ({});",
    );
    d
}

const GOOD: &str = r#"{"manifest":{"publishingInformation":{"locales":{"en-US":{"name":"Ride Hailer"}}},"apis":{"custom":{"endpoint":{"uri":"arn:aws:lambda:us-east-1:123456789012:function:ride-hailer"}}}}}"#;

#[test]
fn a_lambda_project_without_ask_resources_uses_the_cli_defaults() {
    let d = project(GOOD);
    let p = load(d.path()).unwrap();
    assert_eq!(p.name_for("en-US"), "Ride Hailer");
    assert_eq!(p.model_for("en-US").unwrap().invocation_name, "ride hailer");
    let Endpoint::Lambda { handler, arn } = &p.endpoint else {
        panic!("{:?}", p.endpoint)
    };
    assert_eq!(handler.runtime, Runtime::Node);
    assert_eq!(handler.export, "handler");
    assert_eq!(handler.function_name, "ride-hailer");
    assert!(arn.as_deref().unwrap().ends_with(":ride-hailer"));
}

#[test]
fn mistakes_name_the_file_and_the_json_path() {
    let d = project(r#"{"manifest":{"publishingInformation":{"locales":{"en-US":{"nam":"x"}}}}}"#);
    let e = load(d.path()).unwrap_err();
    assert!(e.file.ends_with("skill-package/skill.json"), "{e}");
    assert_eq!(e.field, "manifest.publishingInformation.locales.en-US.name");
    let d = project(
        r#"{"manifest":{"publishingInformation":{"locales":{"en-US":{"name":"R"},"de-DE":{"name":"R"}}},"apis":{"custom":{}}}}"#,
    );
    let e = load(d.path()).unwrap_err();
    assert_eq!(e.field, "manifest.publishingInformation.locales.de-DE");
    assert!(e.reason.starts_with("no interaction model"), "{e}");
    let d = project(GOOD);
    write(
        d.path(),
        "ask-resources.json",
        r#"{"profiles":{"default":{"skillInfrastructure":{"userConfig":{"runtime":"nodejs18.x","handler":"app.main"}}}}}"#,
    );
    let e = load(d.path()).unwrap_err();
    assert_eq!(
        e.field,
        "profiles.default.skillInfrastructure.userConfig.handler"
    );
    assert!(e.reason.contains("app.js does not exist"), "{e}");
    let d = project(GOOD);
    write(d.path(), "skill-package/skill.json", "{\"manifest\": [}");
    let e = load(d.path()).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("manifest[0]", "expected value"),
        "a syntax error names where it is"
    );
}
