//! Robustness harness (issue 16, point 9): arbitrary input to every parser a user or a peer
//! feeds — the config and account-linking parsers, the skill-response validator, the HTML page
//! model, the script parser and the NLU. None may panic; each returns a value or an error.
//! Inputs are random text, and random mutations of real inputs (which reach deeper than noise).

use std::path::Path;

use proptest::prelude::*;

use linkscreen::clients::page::PageModel;
use linkscreen::config::Config;
use linkscreen::project::nlu::{self, Nlu};
use linkscreen::protocol::account_linking::AccountLinkingRequest;

/// Cases per property (each run of `cargo test`; the note gives the totals).
const CASES: u32 = 512;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // Failures are shrunk and printed; no regression files are written into the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A real input with one random slice replaced by random text (at a char boundary).
fn mutated(seed: &'static str) -> impl Strategy<Value = String> {
    (0..=seed.len(), 0usize..40, ".{0,40}").prop_map(move |(at, cut, insert)| {
        let mut at = at.min(seed.len());
        while !seed.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + cut).min(seed.len());
        while !seed.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}{insert}{}", &seed[..at], &seed[end..])
    })
}

const TOML: &str = "[skill]\nname = \"Ride Hailer\"\nendpoint = \"embedded\"\ntimeout = 8\nlocales = [\"en-US\"]\n\
[account_linking]\ntype = \"AUTH_CODE\"\nauthorizationUrl = \"https://id.example/authorize\"\n\
accessTokenUrl = \"https://id.example/token\"\nclientId = \"alexa\"\nclientSecret = \"s\"\n\
accessTokenScheme = \"HTTP_BASIC\"\nscopes = [\"profile\"]\npersonal_linking = true\n\
[linking]\nmode = \"alexa\"\nexpires_in = 600\ninterval = 5\n\
[household]\nprofiles = [{ name = \"Annie\", colour = \"#1f8ded\" }]\n\
[backend]\nbind = \"127.0.0.1\"\nport = 0\nvendor_id = \"M2\"\n";

const ACCOUNT_LINKING: &str = r#"{"accountLinkingRequest": {"type": "AUTH_CODE",
"authorizationUrl": "https://id.example/authorize", "accessTokenUrl": "https://id.example/token",
"clientId": "alexa", "clientSecret": "s", "accessTokenScheme": "HTTP_BASIC", "scopes": ["profile"],
"domains": [], "defaultTokenExpirationInSeconds": 3600, "skipOnEnablement": "true",
"authorizationUrlsByPlatform": [{"platformType": "iOS", "platformAuthorizationUrl": "https://x/i"}],
"voiceForwardAccountLinking": "ENABLED"}}"#;

const RESPONSE: &str = r#"{"version": "1.0", "sessionAttributes": {"n": 1}, "response": {
"outputSpeech": {"type": "SSML", "ssml": "<speak>Hi <break time='1s'/> there</speak>"},
"card": {"type": "Standard", "title": "T", "text": "x"}, "reprompt": {"outputSpeech": {"type": "PlainText", "text": "?"}},
"directives": [{"type": "Connections.StartConnection", "uri": "connection://AMAZON.AskForAccountLinking/1",
"onCompletion": "RESUME_SESSION", "input": {"@version": "1", "@type": "AskForAccountLinking"}, "token": "t"}],
"shouldEndSession": false}}"#;

const HTML: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in to Ride Hailer</h1><p class="error" role="alert">Wrong password</p>
<form method="post" action="/login?next=%2F"><input type="hidden" name="csrf" value="t">
<label for="e">Email</label><input id="e" name="email" type="email" required>
<label for="p">Password</label><input id="p" name="password" type="password">
<select name="c"><option value="1" selected>One</option><option>Two</option></select>
<input type="checkbox" name="r" checked><label>Remember me</label>
<button type="submit" name="go" value="1">Sign in</button></form><a href="/forgot">Forgot?</a></body></html>"#;

const SCRIPT: &str = "# a journey\nsay Alexa, open Ride Hailer\nwait link-prompt 30\nexpect Scan the QR\n\
tap Sign in using this device\npick Annie\nfill Email annie@example.com\nsubmit Sign in\nshot login\n\
phone link\nphone deny wrong-password\nphone app\nfault slow-auth on\nwait skill-response\n";

fn nlu() -> Nlu {
    Nlu {
        invocation: "ride hailer".into(),
        model: Some(linkscreen::backend::skill::sample_model(
            "ride hailer",
            "en-US",
        )),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_config_parser_never_panics(text in prop_oneof![".{0,300}", mutated(TOML)]) {
        let _ = Config::parse(&text, Path::new("linkscreen.toml"));
    }

    #[test]
    fn the_account_linking_parser_never_panics(text in prop_oneof![".{0,300}", mutated(ACCOUNT_LINKING)]) {
        let _ = AccountLinkingRequest::from_json(&text);
    }

    #[test]
    fn the_skill_response_validator_never_panics(text in mutated(RESPONSE)) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            let _ = linkscreen::clients::skill::validate(v);
        }
    }

    #[test]
    fn the_page_model_never_panics(html in prop_oneof![".{0,400}", mutated(HTML)]) {
        let url = url::Url::parse("https://id.example/authorize?x=1").unwrap();
        let page = PageModel::parse(&url, &html);
        // Whatever the page, the device browser can classify and draw it.
        let _ = page.items.len();
    }

    #[test]
    fn the_script_parser_never_panics(text in prop_oneof![".{0,300}", mutated(SCRIPT)]) {
        let _ = linkscreen::script::parse(&text);
    }

    #[test]
    fn the_nlu_never_panics(text in prop_oneof![".{0,120}", mutated("Alexa, ask ride hailer to take me to the airport"), mutated("my code is one two 3 4-5 six")]) {
        let n = nlu();
        let _ = n.understand(&text);
        let _ = n.in_session(&text);
        let _ = nlu::approval(&text);
        let _ = nlu::spoken_code(&text);
    }
}

#[test]
fn the_seeds_themselves_parse() {
    // The mutations start from inputs that are valid, so they reach the deep paths.
    assert!(Config::parse(TOML, Path::new("linkscreen.toml")).is_ok());
    assert!(AccountLinkingRequest::from_json(ACCOUNT_LINKING).is_ok());
    assert!(linkscreen::clients::skill::validate(serde_json::from_str(RESPONSE).unwrap()).is_ok());
    let url = url::Url::parse("https://id.example/").unwrap();
    assert!(PageModel::parse(&url, HTML).items.len() > 5);
    assert_eq!(linkscreen::script::parse(SCRIPT).unwrap().len(), 13);
}
