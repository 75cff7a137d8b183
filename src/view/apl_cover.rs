//! What of the APL screen nothing shows through: the last thing drawn that paints the whole
//! screen in one opaque colour, with the flat translucent layers right over it folded into
//! that colour as the renderer would blend them. What lies under it is not drawn at all (a
//! document's background over the screen's black, an offline image's area over that
//! background: a full-screen fill or blend each, per frame, for pixels no one sees).

use crate::apl::{ImageState, Images, Paint, Prim, Rgba};

/// An image a shot does not fetch (offline): a plain neutral area, no text over the content.
pub(super) const OFFLINE: Rgba = [0x8a, 0x8f, 0x96, 0x40];

/// What paints the whole screen and hides all drawn before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cover {
    /// The last drawn thing that does.
    pub at: usize,
    /// The one colour it leaves (with the flat translucent layers over it blended in).
    pub colour: Rgba,
}

/// What paints the whole `screen` (dp) in one opaque colour, if anything does: a plain square
/// box in the screen's clip, not faded, not turned (a document's background usually is one),
/// and after it the translucent layers of one colour over the whole screen (an image's
/// offline area over that background, a scrim) blended into it as the renderer blends them.
/// Layers that draw nothing (a touch target) may lie between.
///
/// Compared in pixels (`k` a dp), rounded as the renderer rounds a box's edges: a layout's
/// 961.5023 dp is the whole of a 961.5024 dp screen.
pub(super) fn cover(prims: &[Prim], screen: [f32; 4], k: f32, images: &Images) -> Option<Cover> {
    let edges =
        |[x, y, w, h]: [f32; 4]| [x * k, y * k, (x + w) * k, (y + h) * k].map(|v| v.round() as i64);
    let over = |a: [f32; 4], b: [f32; 4]| {
        let ([ax0, ay0, ax1, ay1], [bx0, by0, bx1, by1]) = (edges(a), edges(b));
        ax0 <= bx0 && ay0 <= by0 && ax1 >= bx1 && ay1 >= by1
    };
    let whole = |p: &Prim| {
        p.opacity >= 1.0
            && p.turn.is_none()
            && over(p.clip, screen)
            && over([p.x, p.y, p.w, p.h], screen)
    };
    let first = prims
        .iter()
        .rposition(|p| whole(p) && matches!(flat(p, images), Some([_, _, _, 255])))?;
    let mut cover = Cover {
        at: first,
        colour: flat(&prims[first], images)?,
    };
    for (i, p) in prims.iter().enumerate().skip(first + 1) {
        match flat(p, images) {
            Some([_, _, _, 0]) => {}
            Some(c) if whole(p) => {
                cover = Cover {
                    at: i,
                    colour: blend(cover.colour, c),
                }
            }
            _ => break,
        }
    }
    Some(cover)
}

/// The one colour a drawn thing paints its whole square box with, if it does: a box without
/// a border or corners, or an image's offline area.
fn flat(p: &Prim, images: &Images) -> Option<Rgba> {
    match &p.paint {
        Paint::Box {
            background,
            border,
            border_width,
            radius,
        } if *radius <= 0.0 && (*border_width <= 0.0 || border[3] == 0) => Some(*background),
        Paint::Image { source, radius, .. } if *radius <= 0.0 && offline(source, images) => {
            Some(OFFLINE)
        }
        _ => None,
    }
}

/// Whether an image is drawn as the neutral offline area: a shot's web image, or an Image
/// without a source.
pub(super) fn offline(source: &str, images: &Images) -> bool {
    match images.get(source) {
        Some(ImageState::Offline) => true,
        None => source.trim().is_empty(),
        _ => false,
    }
}

/// `c` (straight alpha) over the opaque `under`, in the software renderer's arithmetic (it
/// premultiplies, then keeps (255 − α)/255 of what is there), so a folded layer draws the
/// very bytes the two would.
fn blend(under: Rgba, [r, g, b, a]: Rgba) -> Rgba {
    let a = a as u16;
    let one = |d: u8, c: u8| (d as u16 * (255 - a) / 255) as u8 + (c as u16 * a / 255) as u8;
    [one(under[0], r), one(under[1], g), one(under[2], b), 255]
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::view) fn prim(
        paint: Paint,
        [x, y, w, h]: [f32; 4],
        touch: Option<usize>,
    ) -> Prim {
        Prim {
            x,
            y,
            w,
            h,
            clip: [0.0, 0.0, 100.0, 50.0],
            opacity: 1.0,
            paint,
            touch,
            uid: 0,
            scroller: None,
            turn: None,
        }
    }

    pub(in crate::view) const SCREEN: [f32; 4] = [0.0, 0.0, 100.0, 50.0];

    pub(in crate::view) fn offline_image() -> (Prim, Images) {
        let image = prim(
            Paint::Image {
                source: "https://example.com/bg.png".into(),
                scale: "best-fill".into(),
                align: (1, 1),
                radius: 0.0,
                overlay: [0, 0, 0, 0],
                overlay_gradient: None,
                poster: false,
            },
            SCREEN,
            None,
        );
        let mut offline = Images::default();
        offline.insert("https://example.com/bg.png".into(), ImageState::Offline);
        (image, offline)
    }

    /// An opaque square box over the whole screen is the cover (the last of them); one that
    /// is translucent, rounded, faded, short of an edge or a pixel in from one is not.
    #[test]
    fn an_opaque_box_over_the_screen_is_its_cover() {
        let none = Images::default();
        let under = prim(Paint::flat([9, 9, 9, 255]), SCREEN, None);
        let cover = prim(Paint::flat([1, 2, 3, 255]), [-5.0, 0.0, 110.0, 50.0], None);
        let over = prim(Paint::flat([200, 0, 0, 255]), [0.0, 0.0, 10.0, 10.0], None);
        let found = super::cover(
            &[under.clone(), cover.clone(), over.clone()],
            SCREEN,
            1.0,
            &none,
        );
        assert_eq!(
            found,
            Some(Cover {
                at: 1,
                colour: [1, 2, 3, 255]
            })
        );
        // In pixels, rounded as the renderer rounds: 99.6 dp is the whole of 100.
        let almost = Prim {
            w: 99.6,
            x: 0.0,
            ..cover.clone()
        };
        assert_eq!(
            super::cover(&[almost], SCREEN, 1.0, &none).map(|c| c.at),
            Some(0)
        );
        for not_a_cover in [
            Prim {
                paint: Paint::flat([1, 2, 3, 254]),
                ..cover.clone()
            },
            Prim {
                opacity: 0.5,
                ..cover.clone()
            },
            Prim {
                w: 99.0,
                ..cover.clone()
            },
            Prim {
                x: 0.6,
                ..cover.clone()
            },
            Prim {
                paint: Paint::Box {
                    background: [1, 2, 3, 255],
                    border: [0, 0, 0, 0],
                    border_width: 0.0,
                    radius: 4.0,
                },
                ..cover.clone()
            },
        ] {
            let prims = [not_a_cover.clone(), over.clone()];
            assert_eq!(
                super::cover(&prims, SCREEN, 1.0, &none),
                None,
                "{not_a_cover:?}"
            );
        }
    }

    /// An offline image over the whole screen, right over the document's background (a touch
    /// target that draws nothing between), folds into it: the colour Slint's renderer blends
    /// of the two, byte for byte. A layer that covers less stays a layer.
    #[test]
    fn translucent_layers_over_the_cover_fold_into_its_colour() {
        let background = prim(Paint::flat([10, 200, 30, 255]), SCREEN, None);
        let touch = prim(Paint::flat([0, 0, 0, 0]), SCREEN, Some(3));
        let (image, offline) = offline_image();
        let found = super::cover(
            &[background.clone(), touch, image.clone()],
            SCREEN,
            1.0,
            &offline,
        );
        let mut px = slint::platform::software_renderer::PremultipliedRgbaColor {
            red: 10,
            green: 200,
            blue: 30,
            alpha: 255,
        };
        slint::platform::software_renderer::TargetPixel::blend(
            &mut px,
            slint::Color::from_argb_u8(0x40, 0x8a, 0x8f, 0x96).into(),
        );
        assert_eq!(
            found,
            Some(Cover {
                at: 2,
                colour: [px.red, px.green, px.blue, 255]
            })
        );
        let small = Prim { h: 40.0, ..image };
        let found = super::cover(&[background, small], SCREEN, 1.0, &offline);
        assert_eq!(
            found,
            Some(Cover {
                at: 0,
                colour: [10, 200, 30, 255]
            })
        );
    }
}
