//! Headless rendering with Slint's software renderer: no display, fonts only
//! from assets/, byte-identical output for the same inputs.

use std::rc::Rc;

use image::RgbaImage;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize};

use super::pixel::Px;
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

/// A text whose words do not fit its box, and where the box is (logical pixels).
#[derive(Debug, Clone, PartialEq)]
pub struct ClippedText {
    pub text: String,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// A window that renders to images. One per process (Slint's platform is set once).
pub struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    pub app: AppWindow,
    size: (u32, u32),
    /// The renderer's target, kept between frames (a fresh multi-megabyte buffer per shot
    /// costs more in page faults and zeroing than drawing into it does); the renderer draws
    /// straight into this image's bytes, so a frame is never copied.
    img: std::cell::RefCell<RgbaImage>,
    /// Partial redraws (as the window does): the renderer's own premultiplied buffer, kept
    /// between frames so only what changed is drawn again; a frame is its copy.
    partial: Option<std::cell::RefCell<Vec<Px>>>,
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
    /// Installs the software-renderer platform and creates the UI at `w`x`h`; every frame is
    /// drawn whole (what shots need).
    pub fn new(w: u32, h: u32) -> Result<Headless, HeadlessError> {
        Self::with_buffer(w, h, false)
    }

    /// Like [`Headless::new`], but a frame redraws only what changed since the last, as the
    /// window's renderer does (benchmarks of the frames after the first).
    pub fn redrawing_changes(w: u32, h: u32) -> Result<Headless, HeadlessError> {
        Self::with_buffer(w, h, true)
    }

    fn with_buffer(w: u32, h: u32, partial: bool) -> Result<Headless, HeadlessError> {
        let window = MinimalSoftwareWindow::new(if partial {
            RepaintBufferType::ReusedBuffer
        } else {
            RepaintBufferType::NewBuffer
        });
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
            img: std::cell::RefCell::new(RgbaImage::new(0, 0)),
            partial: partial.then(Default::default),
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

    /// The device's texts on screen whose words do not fit: elided, cut off or spilling out of
    /// their box (the UI's `Fitted` text compares the room its words need with its box), or
    /// whose box runs past the screen's edge — except inside a scrolling page, where text runs
    /// past the edge to scroll into view. Logical pixels (a screen shot is drawn at scale 1:
    /// the image's pixels).
    pub fn clipped_texts(&self) -> Vec<ClippedText> {
        use i_slint_backend_testing::{ElementHandle, ElementQuery};
        let (w, h) = (self.size.0 as f32, self.size.1 as f32);
        let rect = |e: &ElementHandle| {
            let (at, size) = (e.absolute_position(), e.size());
            (at.x, at.y, size.width, size.height)
        };
        let scrolling: Vec<_> = ElementQuery::from_root(&self.app)
            .match_type_name("Flickable")
            .find_all()
            .iter()
            .map(rect)
            .collect();
        let overlaps = |(x, y, cw, ch): (f32, f32, f32, f32),
                        (fx, fy, fw, fh): (f32, f32, f32, f32)| {
            x < fx + fw && fx < x + cw && y < fy + fh && fy < y + ch
        };
        ElementQuery::from_root(&self.app)
            .match_inherits("Fitted")
            .find_all()
            .into_iter()
            .filter_map(|e| {
                let r @ (x, y, cw, ch) = rect(&e);
                // A text laid out to nothing, or wholly off the screen (scrolled away), is not
                // seen: it is not measured either (measuring is the lint's cost).
                let seen = cw >= 1.0 && ch >= 1.0 && x < w && y < h && x + cw > 0.0 && y + ch > 0.0;
                if !seen {
                    return None;
                }
                let past_edge = x < -0.5 || y < -0.5 || x + cw > w + 0.5 || y + ch > h + 0.5;
                let clipped = (past_edge && !scrolling.iter().any(|f| overlaps(r, *f)))
                    || e.accessible_id().as_deref() == Some("clipped");
                clipped.then(|| ClippedText {
                    text: e.accessible_label().unwrap_or_default().to_string(),
                    x,
                    y,
                    width: cw,
                    height: ch,
                })
            })
            .collect()
    }

    /// Renders the current UI state into an RGBA image.
    pub fn render(&self) -> RgbaImage {
        self.frame().clone()
    }

    /// Renders the current UI state and lends the window's own image (no copy): the renderer
    /// draws into its bytes, and only pixels that are not opaque are un-premultiplied.
    pub fn frame(&self) -> std::cell::Ref<'_, RgbaImage> {
        self.draw();
        if let Some(kept) = &self.partial {
            let bytes: &mut [u8] = &mut self.img.borrow_mut();
            bytes.copy_from_slice(bytemuck::cast_slice(&kept.borrow()));
        }
        unpremultiply(&mut self.img.borrow_mut());
        self.img.borrow()
    }

    /// Draws the current UI state into the renderer's buffer and stops there, as the window
    /// does: with partial redraws, only what changed; no image is made of it (benchmarks).
    pub fn draw(&self) {
        let (w, h) = self.size;
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let mut img = self.img.borrow_mut();
        if img.dimensions() != (w, h) {
            *img = RgbaImage::new(w, h);
        }
        match &self.partial {
            // The renderer's pixels are RGBA bytes (`repr(C)`, Pod): it draws into the image.
            // Every pixel is drawn (`NewBuffer`): the old contents need no clearing.
            None => {
                let bytes: &mut [u8] = &mut img;
                let px: &mut [Px] = bytemuck::cast_slice_mut(bytes);
                self.window.draw_if_needed(|r| {
                    r.render(px, w as usize);
                });
            }
            Some(kept) => {
                let mut kept = kept.borrow_mut();
                kept.resize((w * h) as usize, Px::default());
                self.window.draw_if_needed(|r| {
                    r.render(&mut kept, w as usize);
                });
            }
        }
    }

    /// A finger on the window (logical pixels), as Slint's window events: down at the first
    /// point, through the others, up at the last (what the view's touch areas hear, in tests).
    pub fn finger(&self, path: &[(f32, f32)]) {
        use slint::platform::{PointerEventButton, WindowEvent};
        let at = |(x, y): (f32, f32)| slint::LogicalPosition::new(x, y);
        let (Some(first), Some(last)) = (path.first(), path.last()) else {
            return;
        };
        let w = self.app.window();
        w.dispatch_event(WindowEvent::PointerPressed {
            position: at(*first),
            button: PointerEventButton::Left,
        });
        for p in &path[1..] {
            w.dispatch_event(WindowEvent::PointerMoved { position: at(*p) });
        }
        w.dispatch_event(WindowEvent::PointerReleased {
            position: at(*last),
            button: PointerEventButton::Left,
        });
    }

    /// What the APL screen's touch targets that hear a finger's every move say, as the
    /// window's wiring hears it (uid, what the finger did, where in the target): each to `f`.
    pub fn on_apl_pointer(&self, f: impl Fn((usize, crate::apl::Pointer, (f32, f32))) + 'static) {
        self.app
            .global::<super::ui::Apl>()
            .on_pointer(move |uid, kind, fx, fy| {
                if let Some(said) = super::apl::pointer(uid, kind, fx, fy) {
                    f(said);
                }
            });
    }
}

/// Turns premultiplied RGBA into straight RGBA in place. A frame whose every pixel is opaque
/// (the window background is) is left as it is after one pass that only reads alpha.
fn unpremultiply(bytes: &mut [u8]) {
    if all_opaque(bytes) {
        return;
    }
    for o in bytes.chunks_exact_mut(4) {
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
}

/// Whether every pixel's alpha is 255: the AND of all 8-byte words, whose bytes 3 and 7 are
/// two pixels' alphas (a loop the compiler turns into vector instructions).
fn all_opaque(bytes: &[u8]) -> bool {
    const ALPHAS: u64 = u64::from_le_bytes([0, 0, 0, 255, 0, 0, 0, 255]);
    let (head, words, tail) = bytemuck::pod_align_to::<u8, u64>(bytes);
    if !head.is_empty() || tail.len() % 4 != 0 {
        return bytes.chunks_exact(4).all(|p| p[3] == 255);
    }
    words.iter().fold(ALPHAS, |m, w| m & w) & ALPHAS == ALPHAS
        && tail.chunks_exact(4).all(|p| p[3] == 255)
}

/// Encodes a frame as PNG in memory, for speed: fast deflate (`fdeflate`) over the Up filter,
/// deterministic, so the same pixels always give the same bytes; hashing and writing then need
/// no second pass over a file. (The adaptive filter makes files ~30% smaller and the encoding
/// ~40% slower: goldens, which are committed, use it with zlib’s best level — [`png_small`].)
pub fn png(img: &RgbaImage) -> Vec<u8> {
    encode(
        img,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Up,
    )
}

/// Encodes a frame as a smaller PNG (the adaptive filter: each row’s best of the five, and
/// zlib’s best compression: about half a shot’s size, slower to write), for
/// goldens that go into a repository. The pixels are the same as [`png`]'s.
pub fn png_small(img: &RgbaImage) -> Vec<u8> {
    encode(
        img,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    )
}

fn encode(
    img: &RgbaImage,
    compression: image::codecs::png::CompressionType,
    filter: image::codecs::png::FilterType,
) -> Vec<u8> {
    use image::ImageEncoder;
    use image::codecs::png::PngEncoder;
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    PngEncoder::new_with_quality(&mut out, compression, filter)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
        .expect("encoding into memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_pixels_that_are_not_opaque_are_unpremultiplied() {
        let mut opaque = vec![10, 20, 30, 255, 1, 2, 3, 255];
        super::unpremultiply(&mut opaque);
        assert_eq!(opaque, [10, 20, 30, 255, 1, 2, 3, 255]);
        // Half transparent: 64 premultiplied by 128/255 is 128 straight; clear stays 0.
        // Any pixel of a long frame, in any position.
        for at in [0, 1, 2, 3, 500, 1023] {
            let mut f = vec![255u8; 4096];
            f[at * 4 + 3] = 254;
            assert!(!super::all_opaque(&f), "{at}");
        }
        assert!(super::all_opaque(&[255u8; 4096]));
        let mut mixed = vec![10, 20, 30, 255, 64, 32, 0, 128, 0, 0, 0, 0];
        super::unpremultiply(&mut mixed);
        assert_eq!(mixed, [10, 20, 30, 255, 128, 64, 0, 128, 0, 0, 0, 0]);
    }
}
