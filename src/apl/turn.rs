//! A drawn thing that a `transform` turns or skews, written as SVG. Slint's software renderer
//! draws no turned box, text or image, but it rasterises SVG, and SVG turns anything: the
//! thing is drawn in its own box and carried through the transform's matrix ([`Turn`]) into
//! the box it lands in. Texts keep the screen's font (Noto Sans, which Slint's SVG renderer
//! resolves from the same fonts); their lines are broken here with the screen's measure.

use std::fmt::Write;

use base64::Engine;

use super::primitives::{Gradient, Measure, Paint, Prim, Rgba, TextStyle, Turn};

/// Noto Sans's ascender over its line (1069 of 1362 units): where the baseline sits in a line.
const ASCENT: f32 = 1069.0 / 1362.0;

/// A turned text's lines, broken at its own width as the text engine breaks them (a word at a
/// time), as many as its box holds (the last one cut with an ellipsis, as Slint elides).
pub(super) fn break_lines(p: &mut Prim, measure: &mut dyn Measure) {
    let (
        Some(t),
        Paint::Text {
            text,
            style,
            max_lines,
            ..
        },
    ) = (p.turn.as_deref_mut(), &p.paint)
    else {
        return;
    };
    if !t.lines.is_empty() {
        return;
    }
    let line = measure.text("X", style, None).1.max(1.0);
    let fit = ((t.h + 0.5) / line).floor().max(1.0) as usize;
    let most = match *max_lines {
        0 => fit,
        n => fit.min(n as usize),
    };
    let mut lines = vec![];
    for para in text.split('\n') {
        let mut now = String::new();
        for word in para.split_whitespace() {
            let longer = if now.is_empty() {
                word.to_owned()
            } else {
                format!("{now} {word}")
            };
            if measure.text(&longer, style, None).0 <= t.w + 0.5 {
                now = longer;
                continue;
            }
            if !now.is_empty() {
                lines.push(std::mem::take(&mut now));
            }
            // A word longer than the line (Japanese has no spaces) breaks between characters.
            for c in word.chars() {
                now.push(c);
                if now.chars().count() > 1 && measure.text(&now, style, None).0 > t.w + 0.5 {
                    now.pop();
                    lines.push(std::mem::replace(&mut now, c.to_string()));
                }
            }
        }
        lines.push(now);
    }
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    t.lines = lines;
}

/// The SVG of a turned thing, `k` pixels to the dp; `image` is an Image's bytes when they are
/// loaded. Its view box is the box the thing lands in, in dp.
pub fn svg(p: &Prim, t: &Turn, image: Option<&[u8]>, k: f32) -> String {
    let [a, b, c, d, e, f] = t.m;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" preserveAspectRatio="none"><g transform="matrix({a} {b} {c} {d} {e} {f})">"#,
        (p.w * k).max(1.0),
        (p.h * k).max(1.0),
        p.w.max(0.01),
        p.h.max(0.01),
    );
    let (w, h) = (t.w, t.h);
    match &p.paint {
        Paint::Box {
            background,
            border,
            border_width,
            radius,
        } => rect(
            &mut out,
            (w, h),
            *radius,
            *background,
            *border,
            *border_width,
        ),
        Paint::Text {
            color,
            style,
            align,
            valign,
            ..
        } => text(&mut out, t, *color, style, (align, valign)),
        Paint::Image {
            scale,
            align,
            radius,
            overlay,
            overlay_gradient,
            ..
        } => {
            let _ = write!(
                out,
                r#"<clipPath id="r"><rect width="{w}" height="{h}" rx="{radius}"/></clipPath><g clip-path="url(#r)">"#
            );
            match image.and_then(|bytes| picture(bytes, (w, h), scale, *align, k)) {
                Some(img) => out.push_str(&img),
                // Not (yet) here: the neutral area the view draws for an image it has not.
                None => rect(&mut out, (w, h), 0.0, [0x8a, 0x8f, 0x96, 0x40], [0; 4], 0.0),
            }
            rect(&mut out, (w, h), 0.0, *overlay, [0; 4], 0.0);
            if let Some(g) = overlay_gradient {
                gradient(&mut out, g, (w, h));
            }
            out.push_str("</g>");
        }
        Paint::Vector { svg, scale } => nested(&mut out, svg, scale, (w, h)),
        Paint::Placeholder { .. } => rect(
            &mut out,
            (w, h),
            0.0,
            [0x3a, 0x3f, 0x47, 255],
            [0x9a, 0xa0, 0xa6, 255],
            1.0,
        ),
    }
    out.push_str("</g></svg>");
    out
}

fn rgba([r, g, b, a]: Rgba) -> String {
    format!("rgba({r},{g},{b},{:.3})", a as f32 / 255.0)
}

/// A box as Slint draws one: filled, its border inside its edge, its corners rounded.
fn rect(out: &mut String, (w, h): (f32, f32), radius: f32, fill: Rgba, stroke: Rgba, bw: f32) {
    if fill[3] > 0 {
        let _ = write!(
            out,
            r#"<rect width="{w}" height="{h}" rx="{radius}" fill="{}"/>"#,
            rgba(fill)
        );
    }
    if bw > 0.0 && stroke[3] > 0 {
        let half = bw / 2.0;
        let _ = write!(
            out,
            r#"<rect x="{half}" y="{half}" width="{}" height="{}" rx="{}" fill="none" stroke="{}" stroke-width="{bw}"/>"#,
            (w - bw).max(0.0),
            (h - bw).max(0.0),
            (radius - half).max(0.0),
            rgba(stroke)
        );
    }
}

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A text's lines, placed in its box by its alignment, a line apart.
fn text(out: &mut String, t: &Turn, color: Rgba, style: &TextStyle, (align, valign): (&str, &str)) {
    // Noto Sans's line: its ascender and descender (1.362 em).
    let line = style.size * 1.362;
    let total = line * t.lines.len() as f32;
    let top = match valign {
        "center" => (t.h - total) / 2.0,
        "bottom" => t.h - total,
        _ => 0.0,
    };
    let (x, anchor) = match align {
        "center" => (t.w / 2.0, "middle"),
        "right" => (t.w, "end"),
        _ => (0.0, "start"),
    };
    let family = if style.italic {
        "Noto Sans Italic APL"
    } else {
        "Noto Sans"
    };
    let _ = write!(
        out,
        r#"<text font-family="{family}" font-size="{}" font-weight="{}" letter-spacing="{}" fill="{}" text-anchor="{anchor}" xml:space="preserve">"#,
        style.size,
        style.weight,
        style.letter_spacing,
        rgba(color)
    );
    for (n, l) in t.lines.iter().enumerate() {
        let y = top + n as f32 * line + line * ASCENT;
        let _ = write!(out, r#"<tspan x="{x}" y="{y}">{}</tspan>"#, escaped(l));
    }
    out.push_str("</text>");
}

/// An image's bytes as SVG's `<image>`, fitted to its box by APL's `scale` and `align`.
fn picture(
    bytes: &[u8],
    (w, h): (f32, f32),
    scale: &str,
    align: (u8, u8),
    k: f32,
) -> Option<String> {
    let mime = match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xff, 0xd8, ..] => "image/jpeg",
        _ => return None,
    };
    let (iw, ih) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()?;
    // Its own size in dp (a pixel of it is a logical pixel, as the view draws it unscaled).
    let (nw, nh) = (iw as f32 / k, ih as f32 / k);
    let fits = nw <= w && nh <= h;
    let place = |n: u8, free: f32| match n {
        0 => 0.0,
        2 => free,
        _ => free / 2.0,
    };
    let (x, y, bw, bh, ratio) = match scale {
        "fill" => (0.0, 0.0, w, h, "none".to_owned()),
        "none" => (
            place(align.0, w - nw),
            place(align.1, h - nh),
            nw,
            nh,
            "none".to_owned(),
        ),
        "best-fit-down" if fits => (
            place(align.0, w - nw),
            place(align.1, h - nh),
            nw,
            nh,
            "none".to_owned(),
        ),
        other => {
            let xs = ["xMin", "xMid", "xMax"][align.0.min(2) as usize];
            let ys = ["YMin", "YMid", "YMax"][align.1.min(2) as usize];
            let how = if other == "best-fill" {
                "slice"
            } else {
                "meet"
            };
            (0.0, 0.0, w, h, format!("{xs}{ys} {how}"))
        }
    };
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(format!(
        r#"<image x="{x}" y="{y}" width="{bw}" height="{bh}" preserveAspectRatio="{ratio}" href="data:{mime};base64,{data}"/>"#
    ))
}

/// An `overlayGradient` over the whole box (a linear one at its CSS angle).
fn gradient(out: &mut String, g: &Gradient, (w, h): (f32, f32)) {
    let mut stops = String::new();
    for (c, at) in &g.stops {
        let _ = write!(
            stops,
            r#"<stop offset="{at}" stop-color="rgb({},{},{})" stop-opacity="{:.3}"/>"#,
            c[0],
            c[1],
            c[2],
            c[3] as f32 / 255.0
        );
    }
    if g.radial {
        let _ = write!(
            out,
            r#"<radialGradient id="g" cx="0.5" cy="0.5" r="0.5">{stops}</radialGradient>"#
        );
    } else {
        let (s, c) = g.angle.to_radians().sin_cos();
        let _ = write!(
            out,
            r#"<linearGradient id="g" x1="{}" y1="{}" x2="{}" y2="{}">{stops}</linearGradient>"#,
            0.5 - s / 2.0,
            0.5 + c / 2.0,
            0.5 + s / 2.0,
            0.5 - c / 2.0
        );
    }
    let _ = write!(out, r#"<rect width="{w}" height="{h}" fill="url(#g)"/>"#);
}

/// A vector graphic's own SVG inside the turned one, filling its box (`best-fill` cropped).
fn nested(out: &mut String, svg: &str, scale: &str, (w, h): (f32, f32)) {
    let view = svg
        .split_once(r#"viewBox=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_owned());
    let (Some(view), Some(open), Some(close)) = (view, svg.find('>'), svg.rfind("</svg>")) else {
        return;
    };
    let ratio = if scale == "best-fill" {
        "xMidYMid slice"
    } else {
        "none"
    };
    let _ = write!(
        out,
        r#"<svg x="0" y="0" width="{w}" height="{h}" viewBox="{view}" preserveAspectRatio="{ratio}">{}</svg>"#,
        &svg[open + 1..close]
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measures a character as half its size wide, a line as its size tall.
    struct Half;
    impl Measure for Half {
        fn text(&mut self, text: &str, s: &TextStyle, _: Option<f32>) -> (f32, f32) {
            (text.chars().count() as f32 * s.size / 2.0, s.size)
        }
    }

    fn turned(paint: Paint, w: f32, h: f32) -> Prim {
        Prim {
            x: 0.0,
            y: 0.0,
            w: h,
            h: w,
            clip: [0.0, 0.0, 1000.0, 1000.0],
            opacity: 1.0,
            paint,
            touch: None,
            uid: 1,
            scroller: None,
            turn: Some(Box::new(Turn {
                w,
                h,
                m: [0.0, 1.0, -1.0, 0.0, h, 0.0],
                lines: vec![],
            })),
        }
    }

    #[test]
    fn a_turned_text_is_broken_into_the_lines_its_box_holds() {
        let style = TextStyle {
            size: 10.0,
            weight: 700,
            italic: false,
            letter_spacing: 0.0,
        };
        let text = |t: &str, max_lines| Paint::Text {
            text: t.into(),
            color: [255, 0, 0, 255],
            style: style.clone(),
            align: "center",
            valign: "top",
            max_lines,
        };
        // 10 characters a line (50 dp), 3 lines (30 dp).
        let mut p = turned(
            text("one two three four five six seven eight", 0),
            50.0,
            30.0,
        );
        break_lines(&mut p, &mut Half);
        let lines = &p.turn.as_ref().unwrap().lines;
        assert_eq!(lines, &["one two", "three four", "five six…"]);
        let svg = svg(&p, p.turn.as_ref().unwrap(), None, 2.0);
        assert!(
            svg.contains(r#"<g transform="matrix(0 1 -1 0 30 0)">"#),
            "{svg}"
        );
        assert!(svg.contains(r#"font-weight="700""#), "{svg}");
        assert!(svg.contains(r#"text-anchor="middle""#), "{svg}");
        assert!(svg.contains(r#"<tspan x="25" y="#), "{svg}");
        assert!(
            svg.contains(r#"width="60" height="100" viewBox="0 0 30 50""#),
            "{svg}"
        );
        let mut one = turned(text("a & b <c>", 1), 50.0, 30.0);
        break_lines(&mut one, &mut Half);
        let svg = super::svg(&one, one.turn.as_ref().unwrap(), None, 1.0);
        assert!(svg.contains(">a &amp; b &lt;c&gt;</tspan>"), "{svg}");
    }

    #[test]
    fn a_turned_box_and_image_are_drawn_as_slint_draws_them_unturned() {
        let b = turned(
            Paint::Box {
                background: [0, 0, 255, 255],
                border: [255, 255, 255, 255],
                border_width: 4.0,
                radius: 10.0,
            },
            100.0,
            40.0,
        );
        let svg = svg(&b, b.turn.as_ref().unwrap(), None, 1.0);
        assert!(
            svg.contains(r#"<rect width="100" height="40" rx="10" fill="rgba(0,0,255,1.000)"/>"#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<rect x="2" y="2" width="96" height="36" rx="8" fill="none""#),
            "{svg}"
        );
        let img = Paint::Image {
            source: "a.png".into(),
            scale: "best-fill".into(),
            align: (1, 0),
            radius: 5.0,
            overlay: [0, 0, 0, 0],
            overlay_gradient: None,
            poster: false,
        };
        let i = turned(img, 100.0, 40.0);
        let mut png = vec![];
        image::RgbaImage::new(4, 2)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let svg = super::svg(&i, i.turn.as_ref().unwrap(), Some(&png), 1.0);
        assert!(
            svg.contains(r#"preserveAspectRatio="xMidYMin slice" href="data:image/png;base64,"#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<clipPath id="r"><rect width="100" height="40" rx="5"/>"#),
            "{svg}"
        );
        // Not loaded: the neutral area, no picture.
        let none = super::svg(&i, i.turn.as_ref().unwrap(), None, 1.0);
        assert!(
            !none.contains("<image") && none.contains("rgba(138,143,150,"),
            "{none}"
        );
    }
}
