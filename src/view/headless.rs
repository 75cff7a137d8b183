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
        let mut buf = vec![PremultipliedRgbaColor::default(); (w * h) as usize];
        self.window.draw_if_needed(|r| {
            r.render(&mut buf, w as usize);
        });
        let mut img = RgbaImage::new(w, h);
        for (px, c) in img.pixels_mut().zip(buf.iter()) {
            // Un-premultiply; the window background is opaque, so alpha is almost always 255.
            let a = c.alpha as u32;
            let un = |v: u8| {
                (v as u32 * 255 + a / 2)
                    .checked_div(a)
                    .map_or(0, |x| x.min(255) as u8)
            };
            *px = image::Rgba([un(c.red), un(c.green), un(c.blue), c.alpha]);
        }
        img
    }
}
