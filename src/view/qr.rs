//! QR codes for the link prompt: integer module size, a quiet zone of four
//! modules, black on white, so phones decode them at a glance.

use image::{Rgba, RgbaImage};
use qrcode::{Color, EcLevel, QrCode};

/// Quiet zone, in modules (ISO/IEC 18004 asks for 4).
pub const QUIET_ZONE: u32 = 4;

/// Renders `data` into a square image no larger than `max_px`, with whole-pixel modules.
pub fn render(data: &str, max_px: u32) -> RgbaImage {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::new(data.as_bytes()))
        .expect("URL fits in a QR code");
    let n = code.width() as u32;
    let total = n + 2 * QUIET_ZONE;
    let module = (max_px / total).max(1);
    let side = module * total;
    let colors = code.to_colors();
    let mut img = RgbaImage::from_pixel(side, side, Rgba([255, 255, 255, 255]));
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = (
                (i as u32 % n + QUIET_ZONE) * module,
                (i as u32 / n + QUIET_ZONE) * module,
            );
            for dy in 0..module {
                for dx in 0..module {
                    img.put_pixel(x + dx, y + dy, Rgba([0, 0, 0, 255]));
                }
            }
        }
    }
    img
}

/// The QR side the link prompt leaves room for on a screen of `w`x`h` (matches ui/app.slint's tokens).
pub fn target_px(w: u32, h: u32, round: bool) -> u32 {
    let (w, h) = (w as f32, h as f32);
    if round {
        (w * 0.34) as u32
    } else if w > h * 1.3 {
        let u = w.min(h) / 100.0;
        (h - 2.0 * 5.0 * u).min(w * 0.36) as u32
    } else {
        (w.min(h) * 0.40) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_decodable_code_within_bounds() {
        let url = "http://127.0.0.1:8686/device?user_code=WDJB-MJHT";
        let img = render(url, 300);
        assert!(img.width() <= 300 && img.width() == img.height());
        assert_eq!(img.get_pixel(0, 0)[0], 255, "quiet zone is light");
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            img.width() as usize,
            img.height() as usize,
            |x, y| img.get_pixel(x as u32, y as u32)[0],
        );
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, url);
    }
}
