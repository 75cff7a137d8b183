//! The expression language's grammar and built-ins.

use super::*;
use std::collections::HashMap;

struct S(HashMap<String, Value>);
impl Scope for S {
    fn var(&self, n: &str) -> Option<Value> {
        self.0.get(n).cloned()
    }
    fn resource(&self, n: &str) -> Option<Value> {
        match n {
            "brand" => Some(json!("#ff9900")),
            "bounce" => Some(json!("path(0.5, 1)")),
            _ => None,
        }
    }
    fn dp(&self, n: f64, unit: &str) -> f64 {
        match unit {
            "vw" => n * 9.6,
            "px" => n / 2.0,
            _ => n,
        }
    }
}

fn ev(src: &str) -> Value {
    let s = S(HashMap::from([
        (
            "payload".into(),
            json!({"list": {"items": [{"name": "Airport", "mins": 12}, {"name": "Station"}]}, "title": "Rides"}),
        ),
        ("index".into(), json!(1)),
        ("n".into(), json!(7)),
    ]));
    let mut errs = vec![];
    let e = template(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    eval(&e, &s, &mut errs)
}

#[test]
fn grammar() {
    assert_eq!(ev("${1 + 2 * 3}"), json!(7));
    assert_eq!(ev("${(1 + 2) * 3}"), json!(9));
    assert_eq!(ev("${10 - 4 - 3}"), json!(3));
    assert_eq!(ev("${7 % 4}"), json!(3));
    assert_eq!(ev("${1 / 4}"), json!(0.25));
    assert_eq!(ev("${-n + 2}"), json!(-5));
    assert_eq!(ev("${!false && true}"), json!(true));
    assert_eq!(ev("${n > 5 ? 'big' : 'small'}"), json!("big"));
    assert_eq!(ev("${n < 5 ? 'a' : n < 10 ? 'b' : 'c'}"), json!("b"));
    assert_eq!(ev("${null ?? 'fallback'}"), json!("fallback"));
    assert_eq!(ev("${0 || 'x'}"), json!("x"));
    assert_eq!(ev("${1 == 1.0 && 'a' != 'b'}"), json!(true));
    assert_eq!(ev("${'a' < 'b'}"), json!(true));
    assert_eq!(ev("${[1, 2, n][2]}"), json!(7));
    assert_eq!(ev("${{a: 1, 'b': n}.b}"), json!(7));
    assert_eq!(ev("${[1,2,3].length}"), json!(3));
    assert_eq!(ev("${[1,2,3][-1]}"), json!(3));
}

#[test]
fn paths_and_templates() {
    assert_eq!(ev("${payload.title}"), json!("Rides"));
    assert_eq!(ev("${payload.list.items[index].name}"), json!("Station"));
    assert_eq!(ev("${payload['list']['items'][0]['mins']}"), json!(12));
    assert_eq!(ev("${payload.list.items}").as_array().unwrap().len(), 2);
    assert_eq!(
        ev("To ${payload.list.items[0].name} in ${payload.list.items[0].mins} min"),
        json!("To Airport in 12 min")
    );
    assert_eq!(ev("${payload.missing.deeper}"), Value::Null);
    assert_eq!(ev("${'it' + \"'s\"}"), json!("it's"));
    // A string in an expression may hold its own binding.
    assert_eq!(ev("${n > 1 ? '${n} rides' : 'one ride'}"), json!("7 rides"));
    assert_eq!(ev("no bindings"), json!("no bindings"));
    assert_eq!(ev("${@brand}"), json!("#ff9900"));
}

#[test]
fn units_and_functions() {
    assert_eq!(ev("${Math.round(Math.sin(1.5707963) * 100)}"), json!(100));
    assert_eq!(ev("${Math.cos(0)}"), json!(1));
    assert_eq!(ev("${Math.pow(2, 10)}"), json!(1024));
    assert_eq!(ev("${Math.hypot(3, 4)}"), json!(5));
    assert_eq!(ev("${Math.log2(8)}"), json!(3));
    assert_eq!(ev("${Math.atan2(0, -1) > 3.14}"), json!(true));
    assert_eq!(ev("${Math.int(-2.7)}"), json!(-2));
    assert_eq!(ev("${10vw}"), json!(96));
    assert_eq!(ev("${20px + 4dp}"), json!(14));
    assert_eq!(ev("${Math.min(3, n, 5)}"), json!(3));
    assert_eq!(ev("${Math.floor(7 / 2)}"), json!(3));
    assert_eq!(ev("${String.toUpperCase('ride')}"), json!("RIDE"));
    assert_eq!(ev("${String.slice('Airport', 0, 3)}"), json!("Air"));
    assert_eq!(ev("${Array.range(3)}"), json!([0, 1, 2]));
    assert_eq!(ev("${Array.indexOf([4, 5], 5)}"), json!(1));
    // 2026-12-02T15:04:05Z
    assert_eq!(
        ev("${Time.format('YYYY-MM-DD HH:mm', 1796223845000)}"),
        json!("2026-12-02 15:04")
    );
    assert_eq!(ev("${Time.year(1796223845000)}"), json!(2026));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    for bad in [
        "${1 +}", "${(1}", "${'open}", "${a.}", "${#}", "${1 ? 2}", "${@}", "${3xy}", "${",
    ] {
        assert!(template(bad).is_err(), "{bad} should not parse");
    }
    assert!(template("${Nope.thing(1)}").is_err());
    let s = S(HashMap::new());
    let mut errs = vec![];
    let v = eval(&template("${frobnicate(1)}").unwrap(), &s, &mut errs);
    assert_eq!(v, Value::Null);
    assert_eq!(errs, vec!["unknown function frobnicate".to_string()]);
    assert_eq!(ev("${1 / 0}"), Value::Null);
}

#[test]
fn hostile_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!("${{{}1{}}}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(template(&deep).is_err());
    let unary = format!("${{{}1}}", "-".repeat(10_000));
    assert!(template(&unary).is_err());
    let mut nested = "1".to_string();
    for _ in 0..200 {
        nested = format!("'${{{nested}}}'");
    }
    assert!(template(&format!("${{{nested}}}")).is_err());
    // Ordinary nesting still parses.
    assert_eq!(ev("${((((1 + 2))))}"), json!(3));
}

/// APL 2024.x: `String.indexOf`, `lastIndexOf` and `includes` (in characters); an easing
/// resource called on a number.
#[test]
fn string_search_and_easing_calls() {
    assert_eq!(ev("${String.indexOf('héllo hello', 'llo')}"), json!(2));
    assert_eq!(ev("${String.lastIndexOf('héllo hello', 'llo')}"), json!(8));
    assert_eq!(ev("${String.indexOf('abc', 'z')}"), json!(-1));
    assert_eq!(ev("${String.includes('abc', 'bc')}"), json!(true));
    assert_eq!(ev("${String.includes('abc', 'cb')}"), json!(false));
    assert_eq!(ev("${@bounce(0.25)}"), json!(0.5));
    assert_eq!(ev("${@bounce(0.75)}"), json!(1));
    assert_eq!(ev("${@brand(0.5)}"), Value::Null);
}
