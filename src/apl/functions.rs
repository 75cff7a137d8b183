//! The built-in functions of APL expressions (`Math.*`, `String.*`, `Array.*`, `Time.*`) and
//! dimension literals.

use serde_json::{Value, json};

use super::value::{Scope, as_num, as_text, equal, num};

pub(super) fn call(name: &str, a: &[Value], s: &dyn Scope, errors: &mut Vec<String>) -> Value {
    let n = |i: usize| a.get(i).and_then(as_num);
    let t = |i: usize| a.get(i).map(as_text).unwrap_or_default();
    let v = match name {
        "#dp" | "#px" | "#vw" | "#vh" => n(0).map(|x| num(s.dp(x, &name[1..]))),
        "Math.min" => a.iter().filter_map(as_num).reduce(f64::min).map(num),
        "Math.max" => a.iter().filter_map(as_num).reduce(f64::max).map(num),
        "Math.floor" => n(0).map(|x| num(x.floor())),
        "Math.ceil" => n(0).map(|x| num(x.ceil())),
        "Math.round" => n(0).map(|x| num(x.round())),
        "Math.abs" => n(0).map(|x| num(x.abs())),
        "Math.sqrt" => n(0).map(|x| num(x.sqrt())),
        "Math.trunc" => n(0).map(|x| num(x.trunc())),
        "Math.sign" => n(0).map(|x| num(if x == 0.0 { 0.0 } else { x.signum() })),
        "Math.clamp" => match (n(0), n(1), n(2)) {
            (Some(lo), Some(x), Some(hi)) => Some(num(x.max(lo).min(hi))),
            _ => None,
        },
        "Math.isNaN" => Some(Value::Bool(n(0).is_none_or(f64::is_nan))),
        "Math.isFinite" => Some(Value::Bool(n(0).is_some_and(f64::is_finite))),
        "Math.isInf" => Some(Value::Bool(n(0).is_some_and(f64::is_infinite))),
        // The rest of APL's Math (angles in radians).
        "Math.acos" | "Math.acosh" | "Math.asin" | "Math.asinh" | "Math.atan" | "Math.atanh"
        | "Math.cbrt" | "Math.cos" | "Math.cosh" | "Math.exp" | "Math.exp2" | "Math.expm1"
        | "Math.log" | "Math.log10" | "Math.log1p" | "Math.log2" | "Math.sin" | "Math.sinh"
        | "Math.tan" | "Math.tanh" | "Math.float" | "Math.int" => n(0).map(|x| {
            num(match &name[5..] {
                "acos" => x.acos(),
                "acosh" => x.acosh(),
                "asin" => x.asin(),
                "asinh" => x.asinh(),
                "atan" => x.atan(),
                "atanh" => x.atanh(),
                "cbrt" => x.cbrt(),
                "cos" => x.cos(),
                "cosh" => x.cosh(),
                "exp" => x.exp(),
                "exp2" => x.exp2(),
                "expm1" => x.exp_m1(),
                "log" => x.ln(),
                "log10" => x.log10(),
                "log1p" => x.ln_1p(),
                "log2" => x.log2(),
                "sin" => x.sin(),
                "sinh" => x.sinh(),
                "tan" => x.tan(),
                "tanh" => x.tanh(),
                "int" => x.trunc(),
                _ => x,
            })
        }),
        "Math.atan2" => n(0).zip(n(1)).map(|(y, x)| num(y.atan2(x))),
        "Math.hypot" => Some(num(a
            .iter()
            .filter_map(as_num)
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt())),
        "Math.pow" => n(0).zip(n(1)).map(|(b, e)| num(b.powf(e))),
        "String.toUpperCase" => Some(Value::String(t(0).to_uppercase())),
        "String.toLowerCase" => Some(Value::String(t(0).to_lowercase())),
        "String.length" => Some(json!(t(0).chars().count())),
        "String.slice" => {
            let chars: Vec<char> = t(0).chars().collect();
            let (from, to) = slice_range(chars.len(), n(1), n(2));
            Some(Value::String(chars[from..to].iter().collect()))
        }
        "Array.length" => a.first().and_then(Value::as_array).map(|x| json!(x.len())),
        "Array.indexOf" => a.first().and_then(Value::as_array).map(|x| {
            let i = a.get(1).and_then(|v| x.iter().position(|y| equal(y, v)));
            json!(i.map(|i| i as i64).unwrap_or(-1))
        }),
        "Array.slice" => a.first().and_then(Value::as_array).map(|x| {
            let (from, to) = slice_range(x.len(), n(1), n(2));
            Value::Array(x[from..to].to_vec())
        }),
        "Array.range" => {
            // Array.range(end) / (start, end) / (start, end, step).
            let (start, end, step) = match a.len() {
                1 => (0.0, n(0).unwrap_or(0.0), 1.0),
                2 => (n(0).unwrap_or(0.0), n(1).unwrap_or(0.0), 1.0),
                _ => (
                    n(0).unwrap_or(0.0),
                    n(1).unwrap_or(0.0),
                    n(2).unwrap_or(1.0),
                ),
            };
            let mut out = vec![];
            let mut x = start;
            while step != 0.0
                && ((step > 0.0 && x < end) || (step < 0.0 && x > end))
                && out.len() < 10_000
            {
                out.push(num(x));
                x += step;
            }
            Some(Value::Array(out))
        }
        "Time.year" => n(0).map(|ms| num(civil(ms).0 as f64)),
        "Time.month" => n(0).map(|ms| num(civil(ms).1 as f64 - 1.0)),
        "Time.date" => n(0).map(|ms| num(civil(ms).2 as f64)),
        "Time.hours" => n(0).map(|ms| num(((ms / 3_600_000.0).floor()).rem_euclid(24.0))),
        "Time.minutes" => n(0).map(|ms| num(((ms / 60_000.0).floor()).rem_euclid(60.0))),
        "Time.seconds" => n(0).map(|ms| num(((ms / 1000.0).floor()).rem_euclid(60.0))),
        "Time.format" => n(1).map(|ms| Value::String(time_format(&t(0), ms))),
        "JSON.stringify" => a.first().map(|v| Value::String(v.to_string())),
        "String.indexOf" => Some(json!(char_index(&t(0), &t(1), false))),
        "String.lastIndexOf" => Some(json!(char_index(&t(0), &t(1), true))),
        "String.includes" => Some(Value::Bool(t(0).contains(&t(1)))),
        // An easing curve resource called on a number.
        r if r.starts_with('@') => {
            let curve = s.resource(&r[1..]);
            match curve
                .as_ref()
                .and_then(Value::as_str)
                .and_then(super::easing::Easing::parse)
            {
                Some(e) => n(0).map(|x| num(e.at(x))),
                None => {
                    errors.push(format!("{r} is not an easing curve"));
                    return Value::Null;
                }
            }
        }
        _ => {
            errors.push(format!("unknown function {name}"));
            return Value::Null;
        }
    };
    v.unwrap_or(Value::Null)
}

/// Where `needle` first (or last) starts in `hay`, in characters; -1 when it is not there.
fn char_index(hay: &str, needle: &str, last: bool) -> i64 {
    let at = if last {
        hay.rfind(needle)
    } else {
        hay.find(needle)
    };
    at.map_or(-1, |b| hay[..b].chars().count() as i64)
}

fn slice_range(len: usize, from: Option<f64>, to: Option<f64>) -> (usize, usize) {
    let fix = |x: f64| -> usize {
        let x = x as i64;
        let x = if x < 0 { len as i64 + x } else { x };
        x.clamp(0, len as i64) as usize
    };
    let from = from.map(fix).unwrap_or(0);
    let to = to.map(fix).unwrap_or(len).max(from);
    (from, to)
}

/// Milliseconds since the epoch to (year, month 1–12, day) in UTC (the device's time zone
/// is UTC: `localTime` already carries its offset).
fn civil(ms: f64) -> (i64, i64, i64) {
    let days = (ms / 86_400_000.0).floor() as i64;
    // Howard Hinnant's days_from_civil, inverted.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `Time.format` with the documented tokens YYYY, MM, M, DD, D, HH, H, hh, h, mm, ss, A.
fn time_format(f: &str, ms: f64) -> String {
    let (y, mo, d) = civil(ms);
    let h = ((ms / 3_600_000.0).floor() as i64).rem_euclid(24);
    let mi = ((ms / 60_000.0).floor() as i64).rem_euclid(60);
    let se = ((ms / 1000.0).floor() as i64).rem_euclid(60);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let tokens: &[(&str, String)] = &[
        ("YYYY", format!("{y:04}")),
        ("MM", format!("{mo:02}")),
        ("DD", format!("{d:02}")),
        ("HH", format!("{h:02}")),
        ("hh", format!("{h12:02}")),
        ("mm", format!("{mi:02}")),
        ("ss", format!("{se:02}")),
        ("M", mo.to_string()),
        ("D", d.to_string()),
        ("H", h.to_string()),
        ("h", h12.to_string()),
        ("A", if h < 12 { "AM".into() } else { "PM".into() }),
    ];
    let mut out = String::new();
    let mut rest = f;
    'outer: while !rest.is_empty() {
        for (tok, val) in tokens {
            if let Some(r) = rest.strip_prefix(tok) {
                out.push_str(val);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}
