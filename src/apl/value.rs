//! Values as APL expressions see them: truthiness, numbers and text from JSON values, equality,
//! and the scope an expression reads its names from. The bottom layer of `apl`: it imports
//! nothing of it.

use serde_json::{Number, Value};

/// What an expression can see: variables by name (the innermost binding wins), resources,
/// and how long a dimension literal is in dp.
pub trait Scope {
    fn var(&self, name: &str) -> Option<Value>;
    /// `f` on the variable where it is (a member of a large value is read without copying
    /// the value whole first).
    fn var_in(&self, name: &str, f: &mut dyn FnMut(Option<&Value>)) {
        f(self.var(name).as_ref())
    }
    fn resource(&self, name: &str) -> Option<Value>;
    /// `n` in `unit` (`dp`, `px`, `vw`, `vh`) as dp.
    fn dp(&self, n: f64, unit: &str) -> f64;
    /// Milliseconds since the epoch of the device's clock (`Time.*`, `localTime`).
    fn now_ms(&self) -> f64 {
        0.0
    }
}

pub(super) fn num(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// APL's truthiness: false, null, 0, NaN and "" are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// A value as a number: numbers, numeric strings (with a `dp` unit), booleans.
pub fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => {
            let t = s.trim();
            t.strip_suffix("dp").unwrap_or(t).trim().parse().ok()
        }
        _ => None,
    }
}

/// A value as text, the way APL writes it into a string.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
            Some(f) => format!("{f}"),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

pub(super) fn equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => l == r,
    }
}
