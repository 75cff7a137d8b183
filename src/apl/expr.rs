//! APL's data-binding expression language: `${…}` inside strings (APL 1.x "Data-binding
//! syntax"). A hand-written lexer and Pratt parser over the documented grammar — literals
//! (numbers, dimensions such as `10dp`, strings that may hold their own `${…}`, arrays, maps),
//! paths (`a.b`, `a['b']`, `a[0]`), resources (`@name`), calls of the built-in functions,
//! and the operators `! - + * / % < > <= >= == != && || ?? ? :` — evaluated over
//! `serde_json::Value`. Nothing here panics on bad input: a parse or evaluation error becomes
//! `null` and a message the caller puts in the event log.

use serde_json::{Map, Value, json};

use super::lex::{Tok, lex};
pub use super::value::{Scope, as_num, as_text, truthy};
pub(super) use super::value::{equal, num};

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    Var(String),
    Resource(String),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Array(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    /// A string with `${…}` parts: text and expressions joined.
    Template(Vec<Part>),
}

/// A piece of a string with bindings.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Code(Expr),
}

/// Namespaces whose members are functions.
const NAMESPACES: &[&str] = &["Math", "String", "Array", "Time", "JSON"];

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    /// How deep the expression nests (parentheses, operands, literals) so far.
    depth: usize,
}

/// Expressions nest at most this deep (a hostile document must not exhaust the stack).
const MAX_NESTING: usize = 64;

thread_local! {
    /// Strings with bindings inside bindings: how deep parsing is now.
    static PARSING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn binding_power(op: &str) -> Option<(u8, u8)> {
    Some(match op {
        "??" => (3, 4),
        "||" => (5, 6),
        "&&" => (7, 8),
        "==" | "!=" | "===" | "!==" => (9, 10),
        "<" | ">" | "<=" | ">=" => (11, 12),
        "+" | "-" => (13, 14),
        "*" | "/" | "%" => (15, 16),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected {op:?}, found {:?}", self.peek()))
        }
    }

    fn expr(&mut self, min: u8) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!("the expression nests deeper than {MAX_NESTING}"));
        }
        let e = self.expr_inner(min);
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self, min: u8) -> Result<Expr, String> {
        let mut lhs = self.prefix()?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            if op == "?" {
                // The ternary binds loosest (power 1) and is right-associative.
                if min > 1 {
                    break;
                }
                self.at += 1;
                let yes = self.expr(0)?;
                self.expect(":")?;
                let no = self.expr(1)?;
                lhs = Expr::Cond(Box::new(lhs), Box::new(yes), Box::new(no));
                continue;
            }
            let Some((l, r)) = binding_power(op) else {
                break;
            };
            if l < min {
                break;
            }
            self.at += 1;
            let rhs = self.expr(r)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn prefix(&mut self) -> Result<Expr, String> {
        let t = self.next().ok_or("the expression ends early")?;
        let mut e = match t {
            Tok::Num(n, None) => Expr::Lit(num(n)),
            Tok::Num(n, Some(u)) => Expr::Call(format!("#{u}"), vec![Expr::Lit(num(n))]),
            Tok::Str(s) => template(&s)?,
            Tok::Res(r) => Expr::Resource(r),
            Tok::Ident(id) => match id.as_str() {
                "true" => Expr::Lit(Value::Bool(true)),
                "false" => Expr::Lit(Value::Bool(false)),
                "null" => Expr::Lit(Value::Null),
                ns if NAMESPACES.contains(&ns) && matches!(self.peek(), Some(Tok::Op("."))) => {
                    self.at += 1;
                    let Some(Tok::Ident(f)) = self.next() else {
                        return Err(format!("a function name is missing after {ns}."));
                    };
                    let name = format!("{ns}.{f}");
                    self.expect("(")?;
                    Expr::Call(name, self.args(")")?)
                }
                _ => Expr::Var(id),
            },
            Tok::Op("!") => return Ok(Expr::Unary("!", Box::new(self.expr(17)?))),
            Tok::Op("-") => return Ok(Expr::Unary("-", Box::new(self.expr(17)?))),
            Tok::Op("+") => return Ok(Expr::Unary("+", Box::new(self.expr(17)?))),
            Tok::Op("(") => {
                let e = self.expr(0)?;
                self.expect(")")?;
                e
            }
            Tok::Op("[") => Expr::Array(self.args("]")?),
            Tok::Op("{") => {
                let mut fields = vec![];
                if !self.eat("}") {
                    loop {
                        let key = match self.next() {
                            Some(Tok::Ident(k)) | Some(Tok::Str(k)) => k,
                            t => return Err(format!("a map key expected, found {t:?}")),
                        };
                        self.expect(":")?;
                        fields.push((key, self.expr(0)?));
                        if self.eat("}") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Expr::Object(fields)
            }
            t => return Err(format!("unexpected {t:?}")),
        };
        // Postfix: members, indexes and calls.
        loop {
            if self.eat(".") {
                match self.next() {
                    Some(Tok::Ident(m)) => e = Expr::Member(Box::new(e), m),
                    t => return Err(format!("a name expected after '.', found {t:?}")),
                }
            } else if self.eat("[") {
                let i = self.expr(0)?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(i));
            } else if matches!(self.peek(), Some(Tok::Op("("))) {
                let name = match &e {
                    Expr::Var(v) => v.clone(),
                    // An easing curve called on a number (`@ease(frame / 10)`).
                    Expr::Resource(r) => format!("@{r}"),
                    _ => {
                        return Err(
                            "only built-in functions and easing curves can be called".into()
                        );
                    }
                };
                self.at += 1;
                e = Expr::Call(name, self.args(")")?);
            } else {
                return Ok(e);
            }
        }
    }

    fn args(&mut self, close: &str) -> Result<Vec<Expr>, String> {
        let mut v = vec![];
        if self.eat(close) {
            return Ok(v);
        }
        loop {
            v.push(self.expr(0)?);
            if self.eat(close) {
                return Ok(v);
            }
            self.expect(",")?;
        }
    }
}

/// Parses one expression (the text between `${` and `}`).
pub fn parse(src: &str) -> Result<Expr, String> {
    let level = PARSING.with(|d| d.get());
    if level > MAX_NESTING {
        return Err(format!("bindings nest deeper than {MAX_NESTING}"));
    }
    PARSING.with(|d| d.set(level + 1));
    let out = parse_tokens(src);
    PARSING.with(|d| d.set(level));
    out
}

fn parse_tokens(src: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(src)?,
        at: 0,
        depth: 0,
    };
    let e = p.expr(0)?;
    if p.at < p.toks.len() {
        return Err(format!("unexpected {:?}", p.toks[p.at]));
    }
    Ok(e)
}

/// Splits a string into text and `${…}` parts; a string without bindings is a literal.
pub fn template(s: &str) -> Result<Expr, String> {
    if !s.contains("${") {
        return Ok(Expr::Lit(Value::String(s.into())));
    }
    let cs: Vec<char> = s.chars().collect();
    let mut parts = vec![];
    let mut text = String::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] == '$' && cs.get(i + 1) == Some(&'{') {
            // Find the matching brace, skipping quoted strings and nested maps.
            let mut depth = 1;
            let mut j = i + 2;
            let mut quote: Option<char> = None;
            while j < cs.len() && depth > 0 {
                let c = cs[j];
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c == '{' => depth += 1,
                    None if c == '}' => depth -= 1,
                    None => {}
                }
                j += 1;
            }
            if depth > 0 {
                return Err("\"${\" is not closed".into());
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            let code: String = cs[i + 2..j - 1].iter().collect();
            parts.push(Part::Code(parse(&code)?));
            i = j;
        } else {
            text.push(cs[i]);
            i += 1;
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(Expr::Template(parts))
}

/// Evaluates with the errors collected in `errors`.
pub fn eval(e: &Expr, s: &dyn Scope, errors: &mut Vec<String>) -> Value {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Var(name) => s.var(name).unwrap_or(Value::Null),
        Expr::Resource(name) => s.resource(name).unwrap_or_else(|| {
            errors.push(format!("no resource @{name}"));
            Value::Null
        }),
        Expr::Member(base, m) => {
            // `a.b.c` read in place: only what it names is copied.
            let mut names = vec![];
            match root_var(base, &mut names) {
                Some(root) => {
                    let mut out = Value::Null;
                    s.var_in(root, &mut |v| {
                        let mut at = v;
                        for n in &names {
                            at = match at {
                                Some(Value::Object(o)) => o.get(*n),
                                _ => None,
                            };
                        }
                        if let Some(v) = at {
                            out = member(v, m);
                        }
                    });
                    out
                }
                None => member(&eval(base, s, errors), m),
            }
        }
        Expr::Index(base, i) => {
            let b = eval(base, s, errors);
            let i = eval(i, s, errors);
            match (&b, &i) {
                (Value::Array(a), _) => as_num(&i)
                    .map(|n| {
                        // APL allows negative indexes from the end.
                        let n = n as i64;
                        let n = if n < 0 { a.len() as i64 + n } else { n };
                        a.get(n as usize).cloned().unwrap_or(Value::Null)
                    })
                    .unwrap_or(Value::Null),
                (_, Value::String(k)) => member(&b, k),
                _ => Value::Null,
            }
        }
        Expr::Call(name, args) => {
            let a: Vec<Value> = args.iter().map(|x| eval(x, s, errors)).collect();
            super::functions::call(name, &a, s, errors)
        }
        Expr::Unary(op, x) => {
            let v = eval(x, s, errors);
            match *op {
                "!" => Value::Bool(!truthy(&v)),
                "-" => as_num(&v).map(|n| num(-n)).unwrap_or(Value::Null),
                _ => as_num(&v).map(num).unwrap_or(Value::Null),
            }
        }
        Expr::Binary(op, l, r) => {
            let lv = eval(l, s, errors);
            match *op {
                "&&" => return if truthy(&lv) { eval(r, s, errors) } else { lv },
                "||" => return if truthy(&lv) { lv } else { eval(r, s, errors) },
                "??" => return if lv.is_null() { eval(r, s, errors) } else { lv },
                _ => {}
            }
            let rv = eval(r, s, errors);
            binary(op, &lv, &rv)
        }
        Expr::Cond(c, y, n) => {
            if truthy(&eval(c, s, errors)) {
                eval(y, s, errors)
            } else {
                eval(n, s, errors)
            }
        }
        Expr::Array(xs) => Value::Array(xs.iter().map(|x| eval(x, s, errors)).collect()),
        Expr::Object(fs) => Value::Object(
            fs.iter()
                .map(|(k, x)| (k.clone(), eval(x, s, errors)))
                .collect::<Map<_, _>>(),
        ),
        Expr::Template(parts) => {
            // A string that is one binding keeps the binding's type ("${data}" is an object).
            if let [Part::Code(x)] = parts.as_slice() {
                return eval(x, s, errors);
            }
            let mut out = String::new();
            for p in parts {
                match p {
                    Part::Text(t) => out.push_str(t),
                    Part::Code(x) => out.push_str(&as_text(&eval(x, s, errors))),
                }
            }
            Value::String(out)
        }
    }
}

/// The variable a chain of members (`a.b.c`) starts from, the members before the last in
/// `names`; None when it starts from anything else.
fn root_var<'a>(e: &'a Expr, names: &mut Vec<&'a str>) -> Option<&'a str> {
    match e {
        Expr::Var(v) => Some(v),
        Expr::Member(b, m) => {
            let root = root_var(b, names)?;
            names.push(m);
            Some(root)
        }
        _ => None,
    }
}

fn member(b: &Value, m: &str) -> Value {
    match (b, m) {
        (Value::Array(a), "length") => json!(a.len()),
        (Value::String(t), "length") => json!(t.chars().count()),
        (Value::Object(o), _) => o.get(m).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn binary(op: &str, l: &Value, r: &Value) -> Value {
    // In arithmetic null (a missing value or resource) counts as 0, as in apl-core.
    let n = |v: &Value| if v.is_null() { Some(0.0) } else { as_num(v) };
    let nums = || Some((n(l)?, n(r)?));
    match op {
        "+" => {
            if l.is_string() || r.is_string() {
                Value::String(as_text(l) + &as_text(r))
            } else {
                nums().map(|(a, b)| num(a + b)).unwrap_or(Value::Null)
            }
        }
        "-" => nums().map(|(a, b)| num(a - b)).unwrap_or(Value::Null),
        "*" => nums().map(|(a, b)| num(a * b)).unwrap_or(Value::Null),
        "/" => nums()
            .filter(|(_, b)| *b != 0.0)
            .map(|(a, b)| num(a / b))
            .unwrap_or(Value::Null),
        "%" => nums()
            .filter(|(_, b)| *b != 0.0)
            .map(|(a, b)| num(a % b))
            .unwrap_or(Value::Null),
        "==" | "===" => Value::Bool(equal(l, r)),
        "!=" | "!==" => Value::Bool(!equal(l, r)),
        "<" | ">" | "<=" | ">=" => {
            let ord = match (l, r) {
                (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
                _ => nums().and_then(|(a, b)| a.partial_cmp(&b)),
            };
            Value::Bool(ord.is_some_and(|o| match op {
                "<" => o.is_lt(),
                ">" => o.is_gt(),
                "<=" => o.is_le(),
                _ => o.is_ge(),
            }))
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
#[path = "expr_tests.rs"]
mod tests;
