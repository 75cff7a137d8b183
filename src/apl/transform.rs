//! Data source transformers (APL "Transformers"): an object data source's `transformers` turn
//! a property inside its `properties` into another form — `ssmlToText`, `textToHint`,
//! `ssmlToSpeech`, `textToSpeech`, `lineBreakProcessor` — written beside it under
//! `outputName` (or over it). The input path may run through arrays (`items[*].text`,
//! `items[0].text`) and every key of an object (`*`).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::problem::Problem;

/// What a speech transformer gives, for a component's `speech`: a device gets an address of
/// the synthesised audio; linkscreen keeps the words, which SpeakItem says and captions.
pub const SPEECH: &str = "linkscreen:speech:";

/// The datasources with every object data source's transformers applied (borrowed as they
/// are when none has any: no copy).
pub fn apply<'a>(datasources: &'a Value, problems: &mut Vec<Problem>) -> Cow<'a, Value> {
    let wanted = datasources
        .as_object()
        .is_some_and(|all| all.values().any(|ds| ds.get("transformers").is_some()));
    if !wanted {
        return Cow::Borrowed(datasources);
    }
    let mut out = datasources.clone();
    let Some(all) = out.as_object_mut() else {
        return Cow::Owned(out);
    };
    for (name, ds) in all.iter_mut() {
        let Some(list) = ds.get("transformers").cloned() else {
            continue;
        };
        let path = format!("$.datasources.{name}");
        let Some(list) = list.as_array() else {
            problems.push(Problem::error(
                format!("{path}.transformers"),
                "transformers must be an array",
            ));
            continue;
        };
        let Some(props) = ds.get_mut("properties").and_then(Value::as_object_mut) else {
            problems.push(Problem::error(
                format!("{path}.properties"),
                "a data source with transformers needs an object `properties` they work on",
            ));
            continue;
        };
        for (i, t) in list.iter().enumerate() {
            transform(props, t, &format!("{path}.transformers[{i}]"), problems);
        }
    }
    Cow::Owned(out)
}

/// One step of an input path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    AllKeys,
    Index(usize),
    AllIndexes,
}

fn steps(path: &str) -> Option<Vec<Step>> {
    let mut out = vec![];
    for seg in path.split('.') {
        let (key, mut rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        match key {
            "" if rest.is_empty() => return None,
            "" => {}
            "*" => out.push(Step::AllKeys),
            k => out.push(Step::Key(k.to_owned())),
        }
        while !rest.is_empty() {
            let (inside, after) = rest.strip_prefix('[')?.split_once(']')?;
            out.push(match inside.trim() {
                "*" => Step::AllIndexes,
                n => Step::Index(n.parse().ok()?),
            });
            rest = after;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn transform(props: &mut Map<String, Value>, t: &Value, path: &str, problems: &mut Vec<Problem>) {
    let kind = t
        .get("transformer")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let convert: fn(&str) -> String = match kind {
        "ssmlToText" => ssml_to_text,
        "textToHint" => |s| format!("Try \"Alexa, {}\"", s.trim()),
        "ssmlToSpeech" => |s| format!("{SPEECH}{}", ssml_to_text(s)),
        "textToSpeech" => |s| format!("{SPEECH}{}", s.trim()),
        // Marks the places a line must not break; the text itself is unchanged.
        "lineBreakProcessor" => |s| s.to_owned(),
        "aplAudioToSpeech" => {
            problems.push(Problem::unsupported(
                format!("{path}.transformer"),
                "aplAudioToSpeech (APL for Audio) is not supported; nothing is written",
            ));
            return;
        }
        other => {
            problems.push(Problem::error(
                format!("{path}.transformer"),
                format!("no transformer {other:?}"),
            ));
            return;
        }
    };
    let input = t
        .get("inputPath")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(steps) = steps(input) else {
        problems.push(Problem::error(
            format!("{path}.inputPath"),
            format!("{input:?} is not a path into `properties`"),
        ));
        return;
    };
    let output = t.get("outputName").and_then(Value::as_str);
    let mut found = 0;
    let mut root = Value::Object(std::mem::take(props));
    visit(&mut root, &steps, output, convert, &mut found);
    *props = match root {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if found == 0 {
        problems.push(Problem::error(
            format!("{path}.inputPath"),
            format!("no text at {input:?} in the data source's properties"),
        ));
    }
}

/// Follows the path; at its end converts each text found, writing it under `output` beside it
/// (or over it).
fn visit(
    v: &mut Value,
    steps: &[Step],
    output: Option<&str>,
    convert: fn(&str) -> String,
    found: &mut usize,
) {
    let Some((step, rest)) = steps.split_first() else {
        return;
    };
    if rest.is_empty() {
        // The last step names the texts; they are written into the value holding them.
        let keys: Vec<String> = match (step, v.as_object()) {
            (Step::Key(k), Some(_)) => vec![k.clone()],
            (Step::AllKeys, Some(o)) => o.keys().cloned().collect(),
            _ => vec![],
        };
        if let Some(o) = v.as_object_mut() {
            for k in keys {
                if let Some(s) = o.get(&k).and_then(Value::as_str) {
                    let out = Value::String(convert(s));
                    o.insert(output.unwrap_or(&k).to_owned(), out);
                    *found += 1;
                }
            }
        }
        if let (Some(a), None) = (v.as_array_mut(), output) {
            // An array's own texts can only be overwritten.
            let idx: Vec<usize> = match step {
                Step::Index(i) => vec![*i],
                Step::AllIndexes => (0..a.len()).collect(),
                _ => vec![],
            };
            for i in idx {
                if let Some(s) = a.get(i).and_then(Value::as_str) {
                    a[i] = Value::String(convert(s));
                    *found += 1;
                }
            }
        }
        return;
    }
    match (step, v) {
        (Step::Key(k), Value::Object(o)) => {
            if let Some(c) = o.get_mut(k) {
                visit(c, rest, output, convert, found);
            }
        }
        (Step::AllKeys, Value::Object(o)) => {
            for c in o.values_mut() {
                visit(c, rest, output, convert, found);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(c) = a.get_mut(*i) {
                visit(c, rest, output, convert, found);
            }
        }
        (Step::AllIndexes, Value::Array(a)) => {
            for c in a.iter_mut() {
                visit(c, rest, output, convert, found);
            }
        }
        _ => {}
    }
}

/// SSML as the words it says: tags dropped (a `<break>` parts the words around it), entities
/// decoded, white space collapsed.
pub fn ssml_to_text(ssml: &str) -> String {
    let mut out = String::new();
    let mut rest = ssml;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[i + 1..i + j]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next();
        if matches!(name, Some("break" | "p" | "s")) {
            out.push(' ');
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    let decoded = super::primitives::markup(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_keys_indexes_and_wildcards() {
        assert_eq!(
            steps("items[*].text"),
            Some(vec![
                Step::Key("items".into()),
                Step::AllIndexes,
                Step::Key("text".into())
            ])
        );
        assert_eq!(
            steps("a[2][0].*"),
            Some(vec![
                Step::Key("a".into()),
                Step::Index(2),
                Step::Index(0),
                Step::AllKeys
            ])
        );
        for bad in ["", "a..b", "a[x]", "a[1", "a[1]b"] {
            assert_eq!(steps(bad), None, "{bad}");
        }
    }

    #[test]
    fn transformers_write_beside_their_input_or_over_it() {
        let ds = json!({
            "facts": {"type": "object",
                "properties": {
                    "hint": "what is a cat",
                    "intro": "<speak>Hello <break time=\"1s\"/>there &amp; <emphasis>welcome</emphasis></speak>",
                    "items": [{"text": "<speak>One</speak>"}, {"text": "<speak>Two</speak>"}]
                },
                "transformers": [
                    {"inputPath": "hint", "outputName": "hintText", "transformer": "textToHint"},
                    {"inputPath": "intro", "transformer": "ssmlToText"},
                    {"inputPath": "items[*].text", "outputName": "speech", "transformer": "ssmlToSpeech"}
                ]},
            "plain": {"title": "untouched"}
        });
        let mut problems = vec![];
        let out = apply(&ds, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let p = &out["facts"]["properties"];
        assert_eq!(p["hintText"], "Try \"Alexa, what is a cat\"");
        assert_eq!(p["hint"], "what is a cat");
        assert_eq!(p["intro"], "Hello there & welcome");
        assert_eq!(p["items"][1]["speech"], format!("{SPEECH}Two"));
        assert_eq!(p["items"][1]["text"], "<speak>Two</speak>");
        assert_eq!(out["plain"], ds["plain"]);
    }

    #[test]
    fn bad_transformers_are_named_and_skipped() {
        let ds = json!({"d": {"type": "object", "properties": {"a": "x", "n": 3},
            "transformers": [
                {"inputPath": "a", "transformer": "shout"},
                {"inputPath": "missing", "transformer": "ssmlToText"},
                {"inputPath": "n", "transformer": "ssmlToText"},
                {"inputPath": "a[", "transformer": "ssmlToText"},
                {"inputPath": "a", "transformer": "aplAudioToSpeech"}
            ]},
            "e": {"transformers": [{"inputPath": "a", "transformer": "ssmlToText"}]}});
        let mut problems = vec![];
        let out = apply(&ds, &mut problems);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.datasources.d.transformers[0].transformer",
                "$.datasources.d.transformers[1].inputPath",
                "$.datasources.d.transformers[2].inputPath",
                "$.datasources.d.transformers[3].inputPath",
                "$.datasources.d.transformers[4].transformer",
                "$.datasources.e.properties",
            ]
        );
        assert_eq!(problems[4].kind, "apl_unsupported");
        assert_eq!(out["d"]["properties"]["a"], "x");
    }
}
