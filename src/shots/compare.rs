//! Golden-image comparison with a perceptual tolerance: a pixel differs when
//! any colour channel moves by more than [`CHANNEL_THRESHOLD`]; an image fails
//! when the share of differing pixels exceeds the tolerance. Anti-aliasing
//! noise passes; a moved or resized element fails.

use image::{Rgba, RgbaImage};

/// Per-channel distance below which two pixels count as the same.
pub const CHANNEL_THRESHOLD: u8 = 24;
/// Default share of pixels allowed to differ.
pub const DEFAULT_TOLERANCE: f64 = 0.0001;

/// A rectangle of a screen left out of a comparison (`--mask-region X,Y,W,H`, in pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// The colour masked regions are painted in, in both images, before comparing.
pub const MASK_COLOUR: Rgba<u8> = Rgba([255, 0, 255, 255]);

/// `X,Y,W,H`, as `--mask-region` takes it (and the manifest keeps it).
impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{},{}", self.x, self.y, self.w, self.h)
    }
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Region, String> {
        let n: Vec<u32> = s
            .split(',')
            .map(|v| v.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("expected X,Y,W,H in whole pixels, found {s:?}"))?;
        match n[..] {
            [x, y, w, h] if w > 0 && h > 0 => Ok(Region { x, y, w, h }),
            _ => Err(format!(
                "expected X,Y,W,H with W and H above 0, found {s:?}"
            )),
        }
    }
}

/// Paints these regions (clipped to the image) in [`MASK_COLOUR`].
pub fn paint(img: &mut RgbaImage, regions: &[Region]) {
    let (iw, ih) = img.dimensions();
    for r in regions {
        for y in r.y.min(ih)..r.y.saturating_add(r.h).min(ih) {
            for x in r.x.min(iw)..r.x.saturating_add(r.w).min(iw) {
                img.put_pixel(x, y, MASK_COLOUR);
            }
        }
    }
}

/// The outcome of comparing one image with its golden.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub differing: u64,
    pub total: u64,
    pub size_mismatch: bool,
}

impl Comparison {
    pub fn share(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.differing as f64 / self.total as f64
        }
    }
    pub fn passes(&self, tolerance: f64) -> bool {
        !self.size_mismatch && self.share() <= tolerance
    }
}

fn differs(a: &Rgba<u8>, b: &Rgba<u8>, threshold: u8) -> bool {
    a.0.iter()
        .zip(b.0.iter())
        .any(|(x, y)| x.abs_diff(*y) > threshold)
}

/// Compares two images with the default per-channel threshold.
pub fn compare(actual: &RgbaImage, expected: &RgbaImage) -> (Comparison, RgbaImage) {
    compare_with(actual, expected, CHANNEL_THRESHOLD)
}

/// Says that a golden and a shot differ in size, and which device the golden's size is
/// ("960×480 golden vs 1280×800 shot; did you mean --device echo-show-5?").
pub fn size_note(golden: (u32, u32), shot: (u32, u32)) -> String {
    let mut note = format!(
        "{}×{} golden vs {}×{} shot",
        golden.0, golden.1, shot.0, shot.1
    );
    if let Some(p) = crate::protocol::viewport::PROFILES
        .iter()
        .find(|p| (p.width, p.height) == golden)
    {
        note.push_str(&format!("; did you mean --device {}?", p.id));
    }
    note
}

/// Compares two images and returns the comparison and a diff image
/// (the expected image dimmed, differing pixels in red); a pixel differs when a channel moves
/// by more than `threshold`.
pub fn compare_with(
    actual: &RgbaImage,
    expected: &RgbaImage,
    threshold: u8,
) -> (Comparison, RgbaImage) {
    if actual.dimensions() != expected.dimensions() {
        let (w, h) = actual.dimensions();
        return (
            Comparison {
                differing: (w * h) as u64,
                total: (w * h) as u64,
                size_mismatch: true,
            },
            RgbaImage::from_pixel(w, h, Rgba([255, 0, 0, 255])),
        );
    }
    let mut diff = RgbaImage::new(actual.width(), actual.height());
    let mut n = 0u64;
    for ((a, e), d) in actual
        .pixels()
        .zip(expected.pixels())
        .zip(diff.pixels_mut())
    {
        if differs(a, e, threshold) {
            n += 1;
            *d = Rgba([255, 0, 0, 255]);
        } else {
            let l = ((e[0] as u32 * 3 + e[1] as u32 * 6 + e[2] as u32) / 10 / 3 + 40) as u8;
            *d = Rgba([l, l, l, 255]);
        }
    }
    (
        Comparison {
            differing: n,
            total: actual.pixels().len() as u64,
            size_mismatch: false,
        },
        diff,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_noise_passes_a_moved_block_fails() {
        let base = RgbaImage::from_fn(200, 100, |x, _| {
            if (50..80).contains(&x) {
                Rgba([30, 140, 240, 255])
            } else {
                Rgba([14, 27, 44, 255])
            }
        });
        let mut noisy = base.clone();
        noisy.put_pixel(10, 10, Rgba([20, 30, 50, 255])); // within the channel threshold
        assert!(compare(&noisy, &base).0.passes(DEFAULT_TOLERANCE));
        // A stricter per-pixel threshold sees the noise.
        assert_eq!(compare_with(&noisy, &base, 0).0.differing, 1);
        assert_eq!(compare_with(&noisy, &base, 6).0.differing, 0);
        let moved = RgbaImage::from_fn(200, 100, |x, _| {
            if (51..81).contains(&x) {
                Rgba([30, 140, 240, 255])
            } else {
                Rgba([14, 27, 44, 255])
            }
        });
        let (c, diff) = compare(&moved, &base);
        assert_eq!(
            c.differing, 200,
            "a one-pixel shift of a 100 px tall block changes two columns"
        );
        assert!(!c.passes(DEFAULT_TOLERANCE));
        assert_eq!(diff.get_pixel(50, 0)[0], 255);
    }

    #[test]
    fn a_masked_region_hides_a_difference_and_only_that_region() {
        let base = RgbaImage::from_pixel(100, 50, Rgba([14, 27, 44, 255]));
        let mut changed = base.clone();
        for x in 10..30 {
            changed.put_pixel(x, 20, Rgba([255, 255, 255, 255]));
        }
        changed.put_pixel(90, 45, Rgba([255, 255, 255, 255]));
        let r: Region = "5,15,30,10".parse().unwrap();
        let (mut a, mut b) = (changed.clone(), base.clone());
        paint(&mut a, &[r]);
        paint(&mut b, &[r]);
        assert_eq!(
            compare(&a, &b).0.differing,
            1,
            "only the pixel outside the mask"
        );
        assert!("1,2,0,4".parse::<Region>().is_err());
        assert!("1,2,3".parse::<Region>().is_err());
    }

    #[test]
    fn size_mismatch_fails() {
        let a = RgbaImage::new(10, 10);
        let b = RgbaImage::new(10, 11);
        assert!(!compare(&a, &b).0.passes(1.0));
    }
}
