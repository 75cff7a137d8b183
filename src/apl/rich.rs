//! Rich text: a Text with words in more than one style (`<b>`, `<strong>`, `<i>`, `<em>` inside
//! its text) or with a `lineHeight` is set here a word at a time — a Slint text has one style
//! and its font's own line spacing. Words are measured with the screen's fonts (the caller's
//! [`Measure`]), broken into lines greedily, and drawn as one text per run of a style on a line.

use super::primitives::{Measure, TextStyle};

/// One word of a text, its style, and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    /// A space follows it (on the same line).
    pub space: bool,
    /// A line break (`<br>`) follows it.
    pub br: bool,
}

/// A run of words in one style on a line, at `x` from the line's start, `w` wide (dp).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub text: String,
    pub style: TextStyle,
    pub x: f32,
    pub w: f32,
}

/// A line of pieces and its width.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    pub pieces: Vec<Piece>,
    pub w: f32,
}

/// Whether a text needs setting here: it has inline styles.
pub fn styled(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["<b>", "<i>", "<em>", "<strong>", "<b ", "<i "]
        .iter()
        .any(|tag| t.contains(tag))
}

/// The words of a text with its markup: `<b>`/`<strong>` bold, `<i>`/`<em>` italic, `<br>` a
/// line break, other tags dropped, entities decoded.
pub fn words(s: &str) -> Vec<Word> {
    let (mut out, mut bold, mut italic) = (Vec::<Word>::new(), 0u32, 0u32);
    let mut word = String::new();
    let mut rest = s;
    let flush = |word: &mut String, out: &mut Vec<Word>, bold: u32, italic: u32| {
        if !word.is_empty() {
            out.push(Word {
                text: super::primitives::markup(word),
                bold: bold > 0,
                italic: italic > 0,
                space: false,
                br: false,
            });
            word.clear();
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(j) = rest.find('>')
        {
            let tag = rest[1..j].trim().to_ascii_lowercase();
            let (close, name) = match tag.strip_prefix('/') {
                Some(n) => (true, n.trim().to_owned()),
                None => (
                    false,
                    tag.split_whitespace().next().unwrap_or("").to_owned(),
                ),
            };
            let name = name.trim_end_matches('/');
            // A style change inside a word splits it into two pieces of the same word.
            match name {
                "b" | "strong" | "i" | "em" => {
                    flush(&mut word, &mut out, bold, italic);
                    let n = if matches!(name, "b" | "strong") {
                        &mut bold
                    } else {
                        &mut italic
                    };
                    *n = if close { n.saturating_sub(1) } else { *n + 1 };
                }
                "br" => {
                    flush(&mut word, &mut out, bold, italic);
                    match out.last_mut() {
                        Some(w) => w.br = true,
                        None => out.push(Word {
                            text: String::new(),
                            bold: false,
                            italic: false,
                            space: false,
                            br: true,
                        }),
                    }
                }
                _ => {}
            }
            rest = &rest[j + 1..];
            continue;
        }
        if c.is_whitespace() && c != '\u{a0}' {
            flush(&mut word, &mut out, bold, italic);
            if let Some(w) = out.last_mut()
                && !w.br
            {
                w.space = true;
            }
        } else {
            word.push(c);
            // A line may break after a hyphen inside a word ("non-|developers", UAX #14).
            if c == '-'
                && word.len() > 1
                && rest[1..].chars().next().is_some_and(char::is_alphanumeric)
            {
                flush(&mut word, &mut out, bold, italic);
            }
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut word, &mut out, bold, italic);
    out
}

fn style_of(w: &Word, base: &TextStyle) -> TextStyle {
    TextStyle {
        size: base.size,
        weight: if w.bold {
            base.weight.max(700)
        } else {
            base.weight
        },
        italic: base.italic || w.italic,
        letter_spacing: base.letter_spacing,
    }
}

/// Sets the words in lines no wider than `max_w` (a word wider than that has a line of its
/// own); at most `max_lines` lines (0: all), the last ending in "…" when words are left over.
pub fn flow(
    words: &[Word],
    base: &TextStyle,
    max_w: Option<f32>,
    max_lines: u32,
    m: &mut dyn Measure,
) -> Vec<Line> {
    let mut spaces: Vec<(TextStyle, f32)> = vec![];
    let mut space = |st: &TextStyle, m: &mut dyn Measure| -> f32 {
        if let Some((_, w)) = spaces.iter().find(|(s, _)| s == st) {
            return *w;
        }
        let w = (m.text("x x", st, None).0 - m.text("xx", st, None).0).max(0.0);
        spaces.push((st.clone(), w));
        w
    };
    let mut lines = vec![Line::default()];
    // The width of the line so far, and whether its last word leaves a space before the next.
    let mut pending_space = 0.0;
    for (i, w) in words.iter().enumerate() {
        let st = style_of(w, base);
        let ww = if w.text.is_empty() {
            0.0
        } else {
            m.text(&w.text, &st, None).0
        };
        let line = lines.last_mut().expect("one line at least");
        let at = line.w + pending_space;
        if max_w.is_some_and(|mw| at + ww > mw + 0.01) && !line.pieces.is_empty() {
            lines.push(Line::default());
            pending_space = 0.0;
        }
        let line = lines.last_mut().expect("one line at least");
        let x = line.w + pending_space;
        match line.pieces.last_mut() {
            // The same style continues the piece (the space between them inside it).
            Some(p) if p.style == st && pending_space > 0.0 => {
                p.text.push(' ');
                p.text.push_str(&w.text);
                p.w = x + ww - p.x;
            }
            Some(p) if p.style == st && pending_space == 0.0 => {
                p.text.push_str(&w.text);
                p.w = x + ww - p.x;
            }
            _ if !w.text.is_empty() => line.pieces.push(Piece {
                text: w.text.clone(),
                style: st.clone(),
                x,
                w: ww,
            }),
            _ => {}
        }
        line.w = x + ww;
        pending_space = if w.space { space(&st, m) } else { 0.0 };
        if w.br && i + 1 < words.len() {
            lines.push(Line::default());
            pending_space = 0.0;
        }
    }
    if max_lines > 0 && lines.len() > max_lines as usize {
        lines.truncate(max_lines as usize);
        if let Some(last) = lines.last_mut() {
            ellipsis(last, max_w, m);
        }
    }
    lines
}

/// Ends a line with "…", dropping words from its end until it fits.
fn ellipsis(line: &mut Line, max_w: Option<f32>, m: &mut dyn Measure) {
    loop {
        let only = line.pieces.len() == 1;
        let Some(p) = line.pieces.last_mut() else {
            return;
        };
        let t = format!("{}…", p.text.trim_end());
        let w = m.text(&t, &p.style, None).0;
        // Fits, or is the line's one word (then it is cut where the line ends).
        if max_w.is_none_or(|mw| p.x + w <= mw + 0.01) || only && !p.text.contains(' ') {
            p.text = t;
            p.w = w;
            line.w = p.x + w;
            return;
        }
        match p.text.trim_end().rsplit_once(' ') {
            Some((keep, _)) => p.text = keep.to_owned(),
            None => {
                line.pieces.pop();
            }
        }
    }
}

/// A Text's `lineHeight` (times its font size: `1.5` or `"150%"`) when it must be set here —
/// it has one, or inline styles (APL's default line height is 1.25).
pub fn line_height(n: &super::node::Node) -> Option<f32> {
    let given = match n.prop("lineHeight") {
        Some(serde_json::Value::Number(x)) => x.as_f64().map(|x| x as f32),
        Some(serde_json::Value::String(s)) => match s.trim().strip_suffix('%') {
            Some(p) => p.trim().parse::<f32>().ok().map(|p| p / 100.0),
            None => s.trim().parse().ok(),
        },
        _ => None,
    };
    match given {
        Some(g) => Some(g.max(0.1)),
        None => styled(&n.text("text").unwrap_or_default()).then_some(1.25),
    }
}

/// A rich text in its box: what to set and how.
pub struct Set<'a> {
    pub words: &'a [Word],
    pub style: &'a TextStyle,
    pub line_height: f32,
    pub max_lines: u32,
    /// ("left" | "center" | "right", "top" | "center" | "bottom").
    pub align: (&'static str, &'static str),
    pub rtl: bool,
}

impl Set<'_> {
    /// The pieces to draw inside `inner` (x, y, w, h): each piece's box (a line's height,
    /// or the font's own where that is taller, centred on the line), text and style.
    pub fn pieces(
        &self,
        inner: [f32; 4],
        m: &mut dyn Measure,
    ) -> Vec<(f32, f32, f32, f32, String, TextStyle)> {
        let [x, y, w, h] = inner;
        let lines = flow(self.words, self.style, Some(w), self.max_lines, m);
        let lh = self.style.size * self.line_height;
        let natural = m.text("X", self.style, None).1;
        let block = lines.len() as f32 * lh;
        let y0 = y + match self.align.1 {
            "center" => (h - block) / 2.0,
            "bottom" => h - block,
            _ => 0.0,
        };
        let mut out = vec![];
        for (i, line) in lines.into_iter().enumerate() {
            let dx = match self.align.0 {
                "center" => (w - line.w) / 2.0,
                "right" => w - line.w,
                _ => 0.0,
            };
            let bh = lh.max(natural);
            let by = y0 + i as f32 * lh + (lh - bh) / 2.0;
            for p in line.pieces {
                // Right to left, a line's pieces run from its right end.
                let px = if self.rtl { line.w - p.x - p.w } else { p.x };
                // A little room: the piece is measured word by word, drawn whole.
                out.push((x + dx + px, by, p.w * 1.02 + 1.0, bh, p.text, p.style));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    /// A line may break after a hyphen inside a word, not after one that starts a word or
    /// ends it.
    #[test]
    fn a_hyphen_inside_a_word_is_a_place_to_break() {
        let w = super::words("for non-developers -5 well- done");
        let texts: Vec<(&str, bool)> = w.iter().map(|w| (w.text.as_str(), w.space)).collect();
        assert_eq!(
            texts,
            [
                ("for", true),
                ("non-", false),
                ("developers", true),
                ("-5", true),
                ("well-", true),
                ("done", false)
            ]
        );
    }
}
