//! Headless rendering with Slint's software renderer: no display, fonts only
//! from assets/, byte-identical output for the same inputs.

use std::rc::Rc;

use image::RgbaImage;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize};

use super::ui::AppWindow;

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    start: std::time::Instant,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> std::time::Duration {
        self.start.elapsed()
    }
}

/// A window that renders to images. One per process (Slint's platform is set once).
pub struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    pub app: AppWindow,
    size: (u32, u32),
    /// The renderer's target, kept between frames: a fresh multi-megabyte buffer per shot
    /// costs more in page faults and zeroing than drawing into it does.
    buf: std::cell::RefCell<Vec<PremultipliedRgbaColor>>,
}

/// Why headless rendering could not start.
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error("the Slint platform was already set in this process")]
    PlatformSet,
    #[error("slint: {0}")]
    Slint(String),
}

impl Headless {
    /// Installs the software-renderer platform and creates the UI at `w`x`h`.
    pub fn new(w: u32, h: u32) -> Result<Headless, HeadlessError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window: window.clone(),
            start: std::time::Instant::now(),
        }))
        .map_err(|_| HeadlessError::PlatformSet)?;
        let app = AppWindow::new().map_err(|e| HeadlessError::Slint(e.to_string()))?;
        let mut me = Headless {
            window,
            app,
            size: (w, h),
            buf: Default::default(),
        };
        me.resize(w, h);
        me.app
            .show()
            .map_err(|e| HeadlessError::Slint(e.to_string()))?;
        Ok(me)
    }

    pub fn resize(&mut self, w: u32, h: u32) {
        self.size = (w, h);
        self.window.set_size(PhysicalSize::new(w, h));
    }

    /// Renders the current UI state into an RGBA image.
    pub fn render(&self) -> RgbaImage {
        let (w, h) = self.size;
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let mut buf = self.buf.borrow_mut();
        // Every pixel is drawn (`NewBuffer`): the old contents need no clearing.
        buf.resize((w * h) as usize, PremultipliedRgbaColor::default());
        self.window.draw_if_needed(|r| {
            r.render(&mut buf, w as usize);
        });
        // The renderer's pixels are RGBA bytes already (`repr(C)`, Pod): one copy, then
        // only pixels that are not opaque need un-premultiplying (the window background is
        // opaque, so almost none are).
        let mut raw: Vec<u8> = bytemuck::cast_slice(buf.as_slice()).to_vec();
        for o in raw.chunks_exact_mut(4) {
            if o[3] != 255 {
                let a = o[3] as u32;
                let un = |v: u8| {
                    (v as u32 * 255 + a / 2)
                        .checked_div(a)
                        .map_or(0, |x| x.min(255) as u8)
                };
                let (r, g, bl) = (un(o[0]), un(o[1]), un(o[2]));
                o[0] = r;
                o[1] = g;
                o[2] = bl;
            }
        }
        RgbaImage::from_raw(w, h, raw).expect("w*h*4 bytes")
    }
}

/// Encodes a frame as PNG in memory: fast deflate (`fdeflate`), deterministic, so the same
/// pixels always give the same bytes; hashing and writing then need no second pass over a file.
pub fn png(img: &RgbaImage) -> Vec<u8> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
        .expect("encoding into memory cannot fail");
    out
}
