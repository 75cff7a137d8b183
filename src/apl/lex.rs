//! The expression language's tokens: numbers (with a dimension unit), strings (which may
//! hold bindings of their own), names, `@resources` and operators.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f64, Option<String>),
    Str(String),
    Ident(String),
    Res(String),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "===", "!==", "??", "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", "{", "}", ".", ",",
    "?", ":", "!", "<", ">", "+", "-", "*", "/", "%",
];

pub(super) fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let cs: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = vec![];
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && cs.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                i += 1;
            }
            if i < cs.len() && (cs[i] == 'e' || cs[i] == 'E') {
                let save = i;
                i += 1;
                if i < cs.len() && (cs[i] == '+' || cs[i] == '-') {
                    i += 1;
                }
                if i < cs.len() && cs[i].is_ascii_digit() {
                    while i < cs.len() && cs[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    i = save;
                }
            }
            let text: String = cs[start..i].iter().collect();
            let n: f64 = text.parse().map_err(|_| format!("bad number {text:?}"))?;
            let ustart = i;
            while i < cs.len() && cs[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit: String = cs[ustart..i].iter().collect();
            let unit = match unit.as_str() {
                "" => None,
                "dp" | "px" | "vw" | "vh" => Some(unit),
                u => return Err(format!("unknown unit {u:?} after {text}")),
            };
            out.push(Tok::Num(n, unit));
        } else if c == '\'' || c == '"' {
            // Strings end at their quote; a `${…}` inside may hold quotes of its own.
            let q = c;
            i += 1;
            let mut s = String::new();
            let mut depth = 0usize;
            loop {
                let Some(&d) = cs.get(i) else {
                    return Err("a string is not closed".into());
                };
                if d == q && depth == 0 {
                    i += 1;
                    break;
                }
                if d == '$' && cs.get(i + 1) == Some(&'{') {
                    depth += 1;
                    s.push_str("${");
                    i += 2;
                    continue;
                }
                if d == '}' && depth > 0 {
                    depth -= 1;
                }
                if d == '\\'
                    && depth == 0
                    && let Some(&e) = cs.get(i + 1)
                {
                    s.push(e);
                    i += 2;
                    continue;
                }
                s.push(d);
                i += 1;
            }
            out.push(Tok::Str(s));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_' || cs[i] == '$') {
                i += 1;
            }
            out.push(Tok::Ident(cs[start..i].iter().collect()));
        } else if c == '@' {
            let start = i + 1;
            i += 1;
            while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_' || cs[i] == '-') {
                i += 1;
            }
            if i == start {
                return Err("a resource name is missing after @".into());
            }
            out.push(Tok::Res(cs[start..i].iter().collect()));
        } else {
            let rest: String = cs[i..cs.len().min(i + 3)].iter().collect();
            let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
                return Err(format!("unexpected {c:?}"));
            };
            i += op.chars().count();
            out.push(Tok::Op(op));
        }
    }
    Ok(out)
}
