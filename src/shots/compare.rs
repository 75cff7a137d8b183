//! Golden-image comparison with a perceptual tolerance: a pixel differs when
//! any colour channel moves by more than [`CHANNEL_THRESHOLD`]; an image fails
//! when the share of differing pixels exceeds the tolerance. Anti-aliasing
//! noise passes; a moved or resized element fails.

use image::{Rgba, RgbaImage};

/// Per-channel distance below which two pixels count as the same.
pub const CHANNEL_THRESHOLD: u8 = 24;
/// Default share of pixels allowed to differ.
pub const DEFAULT_TOLERANCE: f64 = 0.0001;

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
    fn size_mismatch_fails() {
        let a = RgbaImage::new(10, 10);
        let b = RgbaImage::new(10, 11);
        assert!(!compare(&a, &b).0.passes(1.0));
    }
}
