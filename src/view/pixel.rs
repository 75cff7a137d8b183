//! The headless renderer's pixel: premultiplied RGBA bytes, as Slint's own
//! `PremultipliedRgbaColor`, blended by the same arithmetic to the same bytes; but a run of
//! pixels under one colour (a translucent box, a scrim, an offline image's area) is blended
//! eight pixels at a time with AVX2 on x86_64 (four with SSE2 where the processor has no
//! AVX2). Slint's own pixel blends a run one byte after another, and a translucent box over a
//! 1280×800 screen took about 3 ms (0.6 ms with SSE2).

use slint::platform::software_renderer::{PremultipliedRgbaColor, TargetPixel};

/// One pixel: red, green, blue, alpha, premultiplied (the bytes of an RGBA image).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Px {
    pub red: u8,
    pub green: u8,
    pub blue: u8,
    pub alpha: u8,
}

/// What one byte of a pixel becomes under `color` (lane 0–2 a colour, 3 the alpha): Slint's
/// formula, `d·(255−α)/255 + c` for a colour and `d + α − d·α/255` for the alpha.
#[inline(always)]
fn lane(d: u8, i: usize, source: [u16; 4]) -> u8 {
    let d = d as u16;
    let a = source[3];
    if i == 3 {
        (d + a - d * a / 255) as u8
    } else {
        (d * (255 - a) / 255) as u8 + source[i] as u8
    }
}

impl TargetPixel for Px {
    #[inline]
    fn blend(&mut self, c: PremultipliedRgbaColor) {
        // Most pixels of a picture or a glyph are opaque or clear: the formula's result then
        // is the colour, or what is there.
        match c.alpha {
            u8::MAX => {
                *self = Px::from_rgb(c.red, c.green, c.blue);
                return;
            }
            0 if (c.red | c.green | c.blue) == 0 => return,
            _ => {}
        }
        let s = [c.red as u16, c.green as u16, c.blue as u16, c.alpha as u16];
        *self = Px {
            red: lane(self.red, 0, s),
            green: lane(self.green, 1, s),
            blue: lane(self.blue, 2, s),
            alpha: lane(self.alpha, 3, s),
        };
    }

    fn blend_slice(slice: &mut [Px], c: PremultipliedRgbaColor) {
        if c.alpha == u8::MAX {
            slice.fill(Px::from_rgb(c.red, c.green, c.blue));
            return;
        }
        let s = [c.red as u16, c.green as u16, c.blue as u16, c.alpha as u16];
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(slice);
        #[cfg(target_arch = "x86_64")]
        let bytes = runs(bytes, s, std::arch::is_x86_feature_detected!("avx2"));
        for (i, d) in bytes.iter_mut().enumerate() {
            *d = lane(*d, i % 4, s);
        }
    }

    fn from_rgb(red: u8, green: u8, blue: u8) -> Px {
        Px {
            red,
            green,
            blue,
            alpha: 255,
        }
    }

    fn background() -> Px {
        Px::default()
    }
}

/// Blends the whole runs of pixels in `bytes` under `s` with the widest vectors there are
/// (`avx2`: the processor has them) and gives back the bytes left over.
#[cfg(target_arch = "x86_64")]
fn runs(bytes: &mut [u8], s: [u16; 4], avx2: bool) -> &mut [u8] {
    let bytes = if avx2 {
        // SAFETY: the caller found AVX2 on this processor.
        unsafe { avx2::blend_runs(bytes, s) }
    } else {
        bytes
    };
    // SAFETY: every x86_64 processor has SSE2 (it is part of the architecture's baseline).
    unsafe { sse2::blend_runs(bytes, s) }
}

/// Eight pixels at a time in AVX2's 16-bit lanes, by the same arithmetic as [`sse2`] (AVX2
/// unpacks and packs within each 128-bit half, so the bytes come back in their order).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx2")]
    pub(super) fn blend_runs(bytes: &mut [u8], s: [u16; 4]) -> &mut [u8] {
        let [r, g, b, a] = s.map(|v| v as i16);
        let keep = 255 - a;
        let k = _mm256_set_epi16(
            a, keep, keep, keep, a, keep, keep, keep, a, keep, keep, keep, a, keep, keep, keep,
        );
        let mask = _mm256_set_epi16(-1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0, 0);
        let add = _mm256_set_epi16(a, b, g, r, a, b, g, r, a, b, g, r, a, b, g, r);
        let one = _mm256_set1_epi16(1);
        let lanes = |d: __m256i| {
            let w = _mm256_mullo_epi16(d, k);
            let q = _mm256_srli_epi16(
                _mm256_add_epi16(_mm256_add_epi16(w, one), _mm256_srli_epi16(w, 8)),
                8,
            );
            let alpha = _mm256_and_si256(_mm256_sub_epi16(_mm256_sub_epi16(d, q), q), mask);
            _mm256_add_epi16(_mm256_add_epi16(add, q), alpha)
        };
        let zero = _mm256_setzero_si256();
        let (runs, rest) = bytes.as_chunks_mut::<32>();
        for run in runs {
            let d: __m256i = bytemuck::cast(*run);
            let lo = lanes(_mm256_unpacklo_epi8(d, zero));
            let hi = lanes(_mm256_unpackhi_epi8(d, zero));
            *run = bytemuck::cast(_mm256_packus_epi16(lo, hi));
        }
        rest
    }
}

/// Four pixels at a time in SSE2's 16-bit lanes. `x/255` is `(x + 1 + x/256) / 256` for every
/// `x` up to 255², exactly as the division Slint's formula makes.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Blends the whole runs of four pixels in `bytes` under `s` (premultiplied RGBA) and
    /// gives back the bytes left over.
    #[target_feature(enable = "sse2")]
    pub(super) fn blend_runs(bytes: &mut [u8], s: [u16; 4]) -> &mut [u8] {
        let [r, g, b, a] = s.map(|v| v as i16);
        let keep = 255 - a;
        // Each lane's factor: the colours keep 255−α of what is there; the alpha lane
        // computes d·α/255 and takes it from d + α (`mask` chooses the alpha lanes).
        let k = _mm_set_epi16(a, keep, keep, keep, a, keep, keep, keep);
        let mask = _mm_set_epi16(-1, 0, 0, 0, -1, 0, 0, 0);
        let add = _mm_set_epi16(a, b, g, r, a, b, g, r);
        let one = _mm_set1_epi16(1);
        let lanes = |d: __m128i| {
            let w = _mm_mullo_epi16(d, k);
            let q = _mm_srli_epi16(
                _mm_add_epi16(_mm_add_epi16(w, one), _mm_srli_epi16(w, 8)),
                8,
            );
            // Colour lanes: q + c. Alpha lanes: d − q + α, that is q + c + (d − 2q).
            let alpha = _mm_and_si128(_mm_sub_epi16(_mm_sub_epi16(d, q), q), mask);
            _mm_add_epi16(_mm_add_epi16(add, q), alpha)
        };
        let zero = _mm_setzero_si128();
        let (runs, rest) = bytes.as_chunks_mut::<16>();
        for run in runs {
            let d: __m128i = bytemuck::cast(*run);
            let lo = lanes(_mm_unpacklo_epi8(d, zero));
            let hi = lanes(_mm_unpackhi_epi8(d, zero));
            *run = bytemuck::cast(_mm_packus_epi16(lo, hi));
        }
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slints(d: [u8; 4], c: PremultipliedRgbaColor) -> [u8; 4] {
        let mut p = PremultipliedRgbaColor {
            red: d[0],
            green: d[1],
            blue: d[2],
            alpha: d[3],
        };
        p.blend(c);
        [p.red, p.green, p.blue, p.alpha]
    }

    /// A run blended under one colour comes out byte for byte as Slint's own pixel blends it,
    /// for every destination byte and every alpha (and a run whose length is not a multiple of
    /// four pixels).
    #[test]
    fn a_run_blends_as_slints_own_pixel_does() {
        for alpha in 0..=255u8 {
            // A premultiplied colour: no channel above its alpha.
            let c = PremultipliedRgbaColor {
                red: alpha,
                green: alpha / 2,
                blue: alpha / 3,
                alpha,
            };
            let run: Vec<Px> = (0..=255u8)
                .map(|d| Px {
                    red: d,
                    green: 255 - d,
                    blue: d / 2,
                    alpha: d,
                })
                // 263 pixels: 32 runs of eight, one of four, three alone.
                .chain([Px::from_rgb(1, 2, 3); 7])
                .collect();
            let mut ours = run.clone();
            Px::blend_slice(&mut ours, c);
            // And SSE2 alone, as a processor without AVX2 blends.
            #[cfg(target_arch = "x86_64")]
            {
                let mut sse2 = run.clone();
                let s = [c.red as u16, c.green as u16, c.blue as u16, c.alpha as u16];
                let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut sse2);
                for (i, d) in runs(bytes, s, false).iter_mut().enumerate() {
                    *d = lane(*d, i % 4, s);
                }
                assert_eq!(sse2, ours);
            }
            for (before, after) in run.iter().zip(&ours) {
                let want = slints([before.red, before.green, before.blue, before.alpha], c);
                assert_eq!([after.red, after.green, after.blue, after.alpha], want);
                let mut one = *before;
                one.blend(c);
                assert_eq!(one, *after);
            }
        }
        let mut run = vec![Px::default(); 5];
        Px::blend_slice(
            &mut run,
            PremultipliedRgbaColor::from(slint::Color::from_rgb_u8(9, 8, 7)),
        );
        assert!(run.iter().all(|p| *p == Px::from_rgb(9, 8, 7)));
    }
}
