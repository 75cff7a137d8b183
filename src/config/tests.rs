use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("linkscreen.toml"))
}

#[test]
fn empty_file_is_the_embedded_default() {
    let c = parse("").unwrap();
    assert!(c.skill.is_embedded());
    assert_eq!(c.linking.mode, LinkingMode::Alexa);
    assert_eq!(c.backend.bind, "127.0.0.1");
}

#[test]
fn inline_account_linking_is_validated_with_the_field_named() {
    let e = parse(
        "[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"https://a.example/auth\"\nclientId = \"x\"\nclientSecret = \"s\"\naccessTokenScheme = \"HTTP_BASIC\"\n",
    )
    .unwrap_err();
    assert_eq!(e.field, "account_linking.accessTokenUrl");
    assert_eq!(e.file, "linkscreen.toml");
    assert!(
        e.to_string()
            .starts_with("linkscreen.toml: account_linking.accessTokenUrl: required")
    );
}

#[test]
fn bad_mode_and_bad_type_are_named() {
    assert_eq!(
        parse("[linking]\nmode = \"magic\"").unwrap_err().field,
        "linking.mode"
    );
    let e = parse("[backend]\nport = \"eighty\"").unwrap_err();
    assert!(e.reason.contains("line 2"), "{e}");
    assert_eq!(e.field, "backend.port");
    assert!(
        e.to_string().starts_with(
            "linkscreen.toml: backend.port: expected an integer from 0 to 65535, found \"eighty\""
        ),
        "{e}"
    );
    let e = parse("[linking]\nmode = \"alexa\"\ninterval = -1\n").unwrap_err();
    assert_eq!(e.field, "linking.interval", "{e}");
    assert!(e.reason.contains("found -1"), "{e}");
    let e = parse("[skill]\nname = \"x\"\ntimeout = \"8\"\n").unwrap_err();
    assert_eq!(e.field, "skill.timeout", "{e}");
    assert_eq!(parse("[skil]\nname = \"x\"").unwrap_err().field, "skil");
    assert_eq!(
        parse("[linking]\nmode = \"device-grant\"\nclient_id = \"c\"")
            .unwrap_err()
            .field,
        "linking.issuer"
    );
}

#[test]
fn account_linking_file_errors_name_that_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("al.json"), r#"{"accountLinkingRequest": {"type": "AUTH_CODE", "authorizationUrl": "https://a/x", "clientId": "c", "clientSecret": "s", "accessTokenUrl": "https://a/t", "accessTokenScheme": "NOPE"}}"#).unwrap();
    let cfg = dir.path().join("linkscreen.toml");
    std::fs::write(&cfg, "[account_linking]\nfile = \"al.json\"\n").unwrap();
    let e = Config::load(&cfg).unwrap_err();
    assert!(e.file.ends_with("al.json"));
    assert_eq!(e.field, "accountLinkingRequest.accessTokenScheme");
}

/// An unknown field is named by its full path, table and all.
#[test]
fn an_unknown_field_is_named_with_its_table() {
    let e = Config::parse("[backend]\nport = 8686\nnope = 1\n", Path::new("ls.toml")).unwrap_err();
    assert_eq!(e.field, "backend.nope", "{e}");
    assert!(e.reason.contains("unknown field"), "{e}");
    let e = Config::parse("nope = 1\n", Path::new("ls.toml")).unwrap_err();
    assert_eq!(e.field, "nope", "{e}");
}
