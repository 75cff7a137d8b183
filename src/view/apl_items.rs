//! The APL screen's rows: each drawn thing of a laid-out document as a row of the `Apl`
//! global's item list (its images decoded, its vector graphics rasterised once, in the
//! adapter's [`Pictures`]), and the list changed in place, only where a row differs.

use std::collections::HashMap;

use slint::Model;

use super::apl_cover::{Cover, OFFLINE, offline};
use super::ui::{Apl, AplGroup, AplItem, AplTarget};
use crate::apl::{ImageState, Images, Paint, Prim};

/// The pictures the screen's rows show, made once: images decoded by source (with the bytes'
/// length, so new bytes decode again) and vector graphics rasterised by their SVG.
#[derive(Default)]
pub(super) struct Pictures {
    decoded: HashMap<String, (usize, slint::Image)>,
    vectors: HashMap<String, slint::Image>,
}

/// Each cache holds at most this many pictures (then starts again).
const PICTURES: usize = 64;

impl Pictures {
    /// An image's bytes as a Slint image (decoded once per source).
    fn decoded(&mut self, source: &str, bytes: &[u8]) -> Option<slint::Image> {
        if let Some((_, img)) = self.decoded.get(source).filter(|(n, _)| *n == bytes.len()) {
            return Some(img.clone());
        }
        let rgba = image::load_from_memory(bytes).ok()?.to_rgba8();
        let buf = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
        );
        let img = slint::Image::from_rgba8(buf);
        if self.decoded.len() > PICTURES {
            self.decoded.clear();
        }
        self.decoded
            .insert(source.to_owned(), (bytes.len(), img.clone()));
        Some(img)
    }

    /// A graphic's SVG as a Slint image (Slint's own SVG renderer; parsed once).
    fn vector(&mut self, svg: &str) -> Option<slint::Image> {
        if let Some(i) = self.vectors.get(svg) {
            return Some(i.clone());
        }
        let img = slint::Image::load_from_svg_data(svg.as_bytes()).ok()?;
        if self.vectors.len() > PICTURES {
            self.vectors.clear();
        }
        self.vectors.insert(svg.to_owned(), img.clone());
        Some(img)
    }
}

pub(super) fn colour(c: [u8; 4]) -> slint::Color {
    slint::Color::from_argb_u8(c[3], c[0], c[1], c[2])
}

/// One drawn thing as the screen's item, in pixels.
/// An APL gradient as a Slint brush.
fn brush(g: &crate::apl::Gradient) -> slint::Brush {
    use i_slint_core::graphics::{GradientStop, LinearGradientBrush, RadialGradientBrush};
    let stops = g.stops.iter().map(|(c, at)| GradientStop {
        color: colour(*c),
        position: *at,
    });
    if g.radial {
        slint::Brush::RadialGradient(RadialGradientBrush::new_circle(stops))
    } else {
        slint::Brush::LinearGradient(LinearGradientBrush::new(g.angle, stops))
    }
}

/// How far from the origin, in pixels, anything handed to Slint may reach: the software
/// renderer keeps coordinates in 16 bits and panics past them (a skill's Text 1e6 dp wide did).
/// Every screen is far inside this, so a cut box draws the same on screen.
const REACH_PX: f32 = 8_192.0;

/// A span (start, length) in pixels cut to ±[`REACH_PX`]; not finite is nothing.
fn within(start: f32, len: f32) -> (f32, f32) {
    if !(start.is_finite() && len.is_finite()) {
        return (0.0, 0.0);
    }
    let a = start.clamp(-REACH_PX, REACH_PX);
    let b = (start + len.max(0.0)).clamp(-REACH_PX, REACH_PX);
    (a, b - a)
}

/// A rectangle (x, y, w, h) in dp as pixels, within reach.
fn px([x, y, w, h]: [f32; 4], k: f32) -> [f32; 4] {
    let ((x, w), (y, h)) = (within(x * k, w * k), within(y * k, h * k));
    [x, y, w, h]
}

/// A length (a border, a radius, a font size) in pixels, within reach.
fn reach(v: f32) -> f32 {
    if v.is_finite() {
        v.clamp(0.0, REACH_PX)
    } else {
        0.0
    }
}

fn item(p: &Prim, k: f32, images: &Images, pics: &mut Pictures) -> AplItem {
    let [x, y, width, height] = px([p.x, p.y, p.w, p.h], k);
    let mut it = AplItem {
        kind: 0,
        x,
        y,
        width,
        height,
        touch: p.touch.map(|t| t as i32).unwrap_or(-1),
        ..Default::default()
    };
    // Turned or skewed: drawn as SVG, which Slint rasterises turned (it turns nothing else).
    if let Some(t) = &p.turn {
        let bytes = match &p.paint {
            Paint::Image { source, .. } => match images.get(source) {
                Some(ImageState::Loaded(b)) => Some(b.as_slice()),
                _ => None,
            },
            _ => None,
        };
        match pics.vector(&crate::apl::turned_svg(p, t, bytes, k)) {
            Some(img) => {
                it.kind = 2;
                it.image = img;
                it.fit = 2;
            }
            None => {
                it.kind = 3;
                it.text = "(turned: not drawable)".into();
            }
        }
        return it;
    }
    match &p.paint {
        Paint::Box {
            background,
            border,
            border_width,
            radius,
        } => {
            it.background = colour(*background);
            it.border_color = colour(*border);
            it.border_width = reach(border_width * k);
            it.radius = reach(radius * k);
        }
        Paint::Text {
            text,
            color,
            style,
            align,
            valign,
            ..
        } => {
            it.kind = 1;
            it.text = text.as_str().into();
            it.color = colour(*color);
            it.font_size = reach(style.size * k);
            it.font_weight = style.weight;
            it.letter_spacing = style.letter_spacing * k;
            // Italic where the bundled italic face has every character (else upright).
            it.italic = style.italic && super::italic::covers(text);
            it.halign = match *align {
                "center" => 1,
                "right" => 2,
                _ => 0,
            };
            it.valign = match *valign {
                "center" => 1,
                "bottom" => 2,
                _ => 0,
            };
        }
        Paint::Image {
            source,
            radius,
            scale,
            align,
            overlay,
            overlay_gradient,
            ..
        } => {
            it.radius = reach(radius * k);
            let name = source.rsplit('/').next().unwrap_or(source);
            match images.get(source) {
                Some(ImageState::Loaded(bytes)) => match pics.decoded(source, bytes) {
                    Some(img) => {
                        it.kind = 2;
                        let size = img.size();
                        // best-fit-down: shrinks to fit, never grows.
                        let fits = size.width as f32 <= it.width && size.height as f32 <= it.height;
                        it.image = img;
                        it.background = colour(*overlay);
                        it.gradient = overlay_gradient.as_ref().map(brush).unwrap_or_default();
                        (it.halign, it.valign) = (align.0 as i32, align.1 as i32);
                        it.fit = match scale.as_str() {
                            "best-fill" => 1,
                            "fill" => 2,
                            "none" => 3,
                            "best-fit-down" if fits => 3,
                            _ => 0,
                        };
                    }
                    None => {
                        it.kind = 3;
                        it.text = format!("{name}: not a PNG or JPEG").into();
                    }
                },
                // Where the image goes, what it is and why it is not there.
                Some(ImageState::Loading) => {
                    it.kind = 3;
                    it.text = format!("Loading {name}…").into();
                }
                Some(ImageState::Failed(why)) => {
                    it.kind = 3;
                    it.text = format!("{name}: {why}").into();
                }
                // A shot's web image, or an Image without a source: where it goes, and nothing
                // over the content.
                _ if offline(source, images) => {
                    it.kind = 4;
                    it.background = colour(OFFLINE);
                }
                // An image not given to the screen at all.
                _ => {
                    it.kind = 3;
                    it.text = format!("Image {name}").into();
                }
            }
        }
        Paint::Vector { svg, scale } => match pics.vector(svg) {
            Some(img) => {
                it.kind = 2;
                it.image = img;
                // The APL side placed and sized the graphic by its scale: it fills its box, but
                // for `best-fill`, which the box crops.
                it.fit = if scale == "best-fill" { 1 } else { 2 };
            }
            None => {
                it.kind = 3;
                it.text = "VectorGraphic (not drawable SVG)".into();
            }
        },
        Paint::Placeholder { label } => {
            it.kind = 3;
            it.text = label.as_str().into();
        }
    }
    it
}

/// Whether two rows draw the same, field by field (the pattern names every field, so a new
/// one cannot be forgotten). Slint's images are never equal when both are empty — not even
/// to a clone — so a plain `==` would call every row without an image changed and the whole
/// screen would be drawn again on every frame.
fn same(a: &AplItem, b: &AplItem) -> bool {
    let AplItem {
        kind,
        x,
        y,
        width,
        height,
        background,
        border_color,
        border_width,
        radius,
        text,
        color,
        font_size,
        font_weight,
        italic,
        letter_spacing,
        halign,
        valign,
        image,
        fit,
        gradient,
        touch,
    } = a;
    let empty = |i: &slint::Image| i.size().width == 0;
    *kind == b.kind
        && *x == b.x
        && *y == b.y
        && *width == b.width
        && *height == b.height
        && *background == b.background
        && *border_color == b.border_color
        && *border_width == b.border_width
        && *radius == b.radius
        && *text == b.text
        && *color == b.color
        && *font_size == b.font_size
        && *font_weight == b.font_weight
        && *italic == b.italic
        && *letter_spacing == b.letter_spacing
        && *halign == b.halign
        && *valign == b.valign
        && ((empty(image) && empty(&b.image)) || *image == b.image)
        && *fit == b.fit
        && *gradient == b.gradient
        && *touch == b.touch
}

/// Items drawn in one clip (x, y, width, height in pixels) at one opacity.
pub(super) struct Group {
    clip: [f32; 4],
    opacity: f32,
    items: Vec<AplItem>,
}

/// The drawn things of a screen in drawing order, each run of them that shares a clip as one
/// group. A thing drawn less than opaque is a group of its own: each component is faded on
/// its own, as before, not together with its neighbours.
/// Nothing under it shows: the drawn things before it are left out, but for those that take
/// touches (a touch passes an untouchable Frame by, as on a device).
pub(super) fn groups(
    prims: &[Prim],
    cover: Option<Cover>,
    k: f32,
    images: &Images,
    pics: &mut Pictures,
) -> Vec<Group> {
    let mut out: Vec<Group> = vec![];
    // The cover itself is the screen's background (`Apl.background`), not a row: drawn as a
    // row it would paint the screen a second time.
    let hidden = cover.map_or(0, |c| c.at + 1);
    let seen = prims
        .iter()
        .enumerate()
        .filter(|(i, p)| *i >= hidden || p.touch.is_some());
    for (i, p) in seen.filter(|(_, p)| shows(p) && !unposted(p, images)) {
        let clip = px(p.clip, k);
        // Under the cover a touch target only takes touches: it shows nothing.
        let it = if i < hidden {
            let [x, y, width, height] = px([p.x, p.y, p.w, p.h], k);
            AplItem {
                x,
                y,
                width,
                height,
                touch: p.touch.map_or(-1, |t| t as i32),
                ..Default::default()
            }
        } else {
            item(p, k, images, pics)
        };
        match out.last_mut() {
            Some(g) if g.clip == clip && g.opacity == 1.0 && p.opacity == 1.0 => g.items.push(it),
            _ => out.push(Group {
                clip,
                opacity: p.opacity,
                items: vec![it],
            }),
        }
    }
    out
}

/// Puts the groups on screen, changing only the rows that changed: a new model would make
/// Slint build every element of the screen again, a row set in place only redraws it. A
/// group whose clip or opacity changed is made again.
pub(super) fn update_groups(a: &Apl, groups: Vec<Group>) {
    let current = a.get_groups();
    let Some(vec) = current.as_any().downcast_ref::<slint::VecModel<AplGroup>>() else {
        let made: Vec<AplGroup> = groups.into_iter().map(group).collect();
        a.set_groups(slint::ModelRc::new(slint::VecModel::from(made)));
        return;
    };
    let (old, new) = (vec.row_count(), groups.len());
    for (n, g) in groups.into_iter().enumerate() {
        let was = (n < old).then(|| vec.row_data(n)).flatten();
        match was {
            Some(w)
                if [w.cx, w.cy, w.cw, w.ch] == g.clip
                    && w.opacity == g.opacity
                    && update_items(&w.items, &g.items) => {}
            Some(_) => vec.set_row_data(n, group(g)),
            None => vec.push(group(g)),
        }
    }
    for n in (new..old).rev() {
        vec.remove(n);
    }
}

fn group(g: Group) -> AplGroup {
    AplGroup {
        cx: g.clip[0],
        cy: g.clip[1],
        cw: g.clip[2],
        ch: g.clip[3],
        opacity: g.opacity,
        items: slint::ModelRc::new(slint::VecModel::from(g.items)),
    }
}

/// Changes a group's rows in place to `items`, only where a row differs (false: the rows are
/// not a list that can be changed in place).
fn update_items(rows: &slint::ModelRc<AplItem>, items: &[AplItem]) -> bool {
    let Some(vec) = rows.as_any().downcast_ref::<slint::VecModel<AplItem>>() else {
        return false;
    };
    let old = vec.row_count();
    for (n, it) in items.iter().enumerate().take(old) {
        if !vec.row_data(n).is_some_and(|was| same(&was, it)) {
            vec.set_row_data(n, it.clone());
        }
    }
    if items.len() < old {
        for n in (items.len()..old).rev() {
            vec.remove(n);
        }
    } else {
        for it in &items[old..] {
            vec.push(it.clone());
        }
    }
    true
}

/// The touch targets that hear a finger's every move (`pointers`), in pixels with their clip:
/// the view lays their touch areas over the rest.
pub(super) fn targets(
    prims: &[Prim],
    k: f32,
    pointers: &std::collections::HashSet<usize>,
) -> Vec<AplTarget> {
    prims
        .iter()
        .filter(|p| shows(p))
        .filter_map(|p| {
            let t = p.touch.filter(|t| pointers.contains(t))?;
            let [x, y, width, height] = px([p.x, p.y, p.w, p.h], k);
            let [cx, cy, cw, ch] = px(p.clip, k);
            Some(AplTarget {
                x,
                y,
                width,
                height,
                cx,
                cy,
                cw,
                ch,
                touch: t as i32,
            })
        })
        .collect()
}

/// Puts the targets on screen, each row changed in place: a target made again would lose the
/// finger it holds (a slider is laid out again at every move).
pub(super) fn update_targets(a: &Apl, targets: Vec<AplTarget>) {
    let current = a.get_targets();
    let Some(vec) = current
        .as_any()
        .downcast_ref::<slint::VecModel<AplTarget>>()
    else {
        a.set_targets(slint::ModelRc::new(slint::VecModel::from(targets)));
        return;
    };
    let old = vec.row_count();
    for (n, t) in targets.iter().enumerate() {
        match vec.row_data(n) {
            Some(was) if was == *t => {}
            Some(_) => vec.set_row_data(n, t.clone()),
            None => vec.push(t.clone()),
        }
    }
    for n in (targets.len()..old).rev() {
        vec.remove(n);
    }
}

/// A Video's frame that has no picture: nothing drawn (its black box shows).
fn unposted(p: &Prim, images: &Images) -> bool {
    matches!(&p.paint, Paint::Image { source, poster: true, .. }
        if !matches!(images.get(source), Some(ImageState::Loaded(_))))
}

/// Whether any of a drawn thing is inside its clip (a focus ring reaches 2 dp outside its box).
fn shows(p: &Prim) -> bool {
    let [cx, cy, cw, ch] = p.clip;
    p.x - 4.0 < cx + cw && p.x + p.w + 4.0 > cx && p.y - 4.0 < cy + ch && p.y + p.h + 4.0 > cy
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows without images compare by what they draw; any field that differs is a change.
    #[test]
    fn rows_are_the_same_when_they_draw_the_same() {
        let a = AplItem::default();
        assert!(same(&a, &AplItem::default()));
        let moved = AplItem {
            x: 3.0,
            ..Default::default()
        };
        assert!(!same(&a, &moved));
        let worded = AplItem {
            text: "Hi".into(),
            ..Default::default()
        };
        assert!(!same(&a, &worded));
        let pixel = slint::Image::from_rgba8(slint::SharedPixelBuffer::new(1, 1));
        let pictured = AplItem {
            image: pixel.clone(),
            ..Default::default()
        };
        assert!(!same(&a, &pictured));
        assert!(same(&pictured, &pictured.clone()));
    }

    /// What the screen's cover hides is not drawn, but for a touch target, which shows
    /// nothing; the cover itself is the screen's background, not a row.
    #[test]
    fn what_the_cover_hides_is_left_out() {
        use super::super::apl_cover::cover;
        use super::super::apl_cover::tests::{SCREEN, offline_image, prim};
        let under = prim(
            Paint::flat([9, 9, 9, 255]),
            [10.0, 10.0, 20.0, 20.0],
            Some(4),
        );
        let background = prim(Paint::flat([10, 200, 30, 255]), SCREEN, None);
        let touch = prim(Paint::flat([0, 0, 0, 0]), SCREEN, Some(3));
        let over = prim(Paint::flat([200, 0, 0, 255]), [0.0, 0.0, 10.0, 10.0], None);
        let (image, offline) = offline_image();
        let prims = [under, background, touch, image, over];
        let folded = cover(&prims, SCREEN, 1.0, &offline).unwrap();
        let mut pics = Pictures::default();
        let rows: Vec<_> = groups(&prims, Some(folded), 1.0, &offline, &mut pics)
            .into_iter()
            .flat_map(|g| g.items)
            .map(|it| (it.kind, it.background, it.touch))
            .collect();
        assert_eq!(
            rows,
            [
                (0, colour([0, 0, 0, 0]), 4),
                (0, colour([0, 0, 0, 0]), 3),
                (0, colour([200, 0, 0, 255]), -1),
            ]
        );
    }
}
