//! Layout lint on the rendered pixels: content that reaches the screen's edge
//! (clipped or overflowing its box) and, on round screens, content that leaves
//! the safe circle.

use image::RgbaImage;

use crate::protocol::viewport::{DeviceProfile, Shape};

/// The theme's background colour (ui/theme.slint `Theme.background`).
const BACKGROUND: [u8; 3] = [0x0e, 0x1b, 0x2c];

fn is_content(px: &image::Rgba<u8>) -> bool {
    px.0[..3]
        .iter()
        .zip(BACKGROUND.iter())
        .any(|(a, b)| a.abs_diff(*b) > 24)
}

/// Warnings for one rendered screen.
pub fn lint(img: &RgbaImage, p: &DeviceProfile) -> Vec<String> {
    let (w, h) = img.dimensions();
    let mut out = vec![];
    match p.shape {
        Shape::Round => {
            // Anything drawn in the outer ring of the circle is cut by the round glass.
            let (cx, cy, r) = (w as f32 / 2.0, h as f32 / 2.0, w.min(h) as f32 / 2.0);
            let ring = (r * 0.03).max(3.0);
            let hits = img
                .enumerate_pixels()
                .filter(|(x, y, px)| {
                    let d =
                        ((*x as f32 + 0.5 - cx).powi(2) + (*y as f32 + 0.5 - cy).powi(2)).sqrt();
                    d > r - ring && d < r - 1.0 && is_content(px)
                })
                .count();
            if hits > 0 {
                out.push(format!(
                    "{hits} pixels of content outside the round safe area"
                ));
            }
        }
        Shape::Rectangle => {
            let band = (((w.min(h) as f32) * 0.01).max(2.0) as u32).min(w.min(h));
            // Each edge as (name, the band of pixels along it: x range, y range) — only the
            // bands are read, not the whole screen four times.
            let edges = [
                ("top", (0..w, 0..band)),
                ("bottom", (0..w, h - band..h)),
                ("left", (0..band, 0..h)),
                ("right", (w - band..w, 0..h)),
            ];
            for (name, (xs, ys)) in edges {
                if ys
                    .clone()
                    .any(|y| xs.clone().any(|x| is_content(img.get_pixel(x, y))))
                {
                    out.push(format!(
                        "content reaches the {name} edge (clipped or overflowing)"
                    ));
                }
            }
        }
    }
    out
}

/// Warnings for the texts that do not fit their box: elided or cut off, and in a
/// right-to-left locale spilling out of their box (to the left).
pub fn texts(clipped: &[crate::view::headless::ClippedText], locale: &str) -> Vec<String> {
    let what = if crate::locale::is_rtl(locale) {
        "text leaves its box (right to left)"
    } else {
        "text clipped or elided"
    };
    clipped
        .iter()
        .map(|c| {
            let mut text: String = c.text.chars().take(48).collect();
            if text.len() < c.text.len() {
                text.push('…');
            }
            format!(
                "{what}: “{text}” in a {:.0}×{:.0} box at {:.0},{:.0}",
                c.width, c.height, c.x, c.y
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::viewport::profile;

    #[test]
    fn edge_content_is_flagged_and_clean_screens_pass() {
        let p = profile("echo-show-5").unwrap();
        let mut img =
            RgbaImage::from_pixel(p.width, p.height, image::Rgba([0x0e, 0x1b, 0x2c, 255]));
        assert!(lint(&img, p).is_empty());
        img.put_pixel(p.width / 2, 0, image::Rgba([255, 255, 255, 255]));
        assert_eq!(
            lint(&img, p),
            vec!["content reaches the top edge (clipped or overflowing)".to_string()]
        );
    }

    #[test]
    fn round_ring_is_flagged() {
        let p = profile("echo-spot").unwrap();
        let mut img =
            RgbaImage::from_pixel(p.width, p.height, image::Rgba([0x0e, 0x1b, 0x2c, 255]));
        assert!(lint(&img, p).is_empty());
        img.put_pixel(p.width / 2, 3, image::Rgba([255, 255, 255, 255]));
        assert_eq!(lint(&img, p).len(), 1);
    }
}
