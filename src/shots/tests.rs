//! What only a drawn screen shows. Slint's platform is set once per process, so every unit
//! test that draws shares this one test (and its one headless window).

use image::RgbaImage;

use super::*;
use crate::view::fixtures::Subject;

const PROMPT: Subject = Subject {
    id: "link-prompt",
    scene: Scene::LinkPrompt,
    keyboard: false,
    panel: None,
    apl: None,
};

/// The element on screen whose accessible label (a text's label is its text) is `label`.
fn labelled(hl: &Headless, label: &str) -> Option<i_slint_backend_testing::ElementHandle> {
    let want = label.to_owned();
    i_slint_backend_testing::ElementQuery::from_root(&hl.app)
        .match_predicate(move |e| e.accessible_label().as_deref() == Some(want.as_str()))
        .find_first()
}

/// The pixels of the text `text` as drawn: its box cropped out of the frame, then trimmed to
/// its ink (what differs from the box's corner, the background behind the text).
fn ink(hl: &Headless, text: &str) -> RgbaImage {
    let e = labelled(hl, text).unwrap_or_else(|| panic!("{text:?} is not on screen"));
    let img = hl.render();
    let (at, size) = (e.absolute_position(), e.size());
    let (x, y) = (at.x.max(0.0) as u32, at.y.max(0.0) as u32);
    let (w, h) = (size.width as u32, size.height as u32);
    let cut = image::imageops::crop_imm(&img, x, y, w, h).to_image();
    let bg = *cut.get_pixel(0, 0);
    let inked: Vec<(u32, u32)> = cut
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0.iter().zip(bg.0).any(|(a, b)| a.abs_diff(b) > 40))
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(!inked.is_empty(), "{text:?} has no ink");
    let (x0, x1) = (
        inked.iter().map(|p| p.0).min().unwrap(),
        inked.iter().map(|p| p.0).max().unwrap(),
    );
    let (y0, y1) = (
        inked.iter().map(|p| p.1).min().unwrap(),
        inked.iter().map(|p| p.1).max().unwrap(),
    );
    image::imageops::crop_imm(&cut, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image()
}

/// How far apart two drawings are, 0 (the same) to 1: the mean difference of their brightness
/// in 4×4-pixel blocks, which does not see a glyph landing a sub-pixel further along but does
/// see another glyph (or the same glyphs in another order).
fn differ(a: &RgbaImage, b: &RgbaImage) -> f64 {
    if a.width().abs_diff(b.width()) > 2 || a.height().abs_diff(b.height()) > 2 {
        return 1.0;
    }
    let luma = |p: &image::Rgba<u8>| f64::from(p.0[0]) + f64::from(p.0[1]) + f64::from(p.0[2]);
    let (bw, bh) = (a.width().min(b.width()) / 4, a.height().min(b.height()) / 4);
    let block = |img: &RgbaImage, bx: u32, by: u32| {
        let mut sum = 0.0;
        for y in by * 4..by * 4 + 4 {
            for x in bx * 4..bx * 4 + 4 {
                sum += luma(img.get_pixel(x, y));
            }
        }
        sum / (16.0 * 765.0)
    };
    let mut total = 0.0;
    for by in 0..bh {
        for bx in 0..bw {
            total += (block(a, bx, by) - block(b, bx, by)).abs();
        }
    }
    total / f64::from(bw * bh)
}

fn show(hl: &mut Headless, p: &DeviceProfile, locale: &str, edit: impl Fn(&mut model::UiModel)) {
    show_scene(hl, p, locale, PROMPT, edit)
}

fn show_scene(
    hl: &mut Headless,
    p: &DeviceProfile,
    locale: &str,
    subject: Subject,
    edit: impl Fn(&mut model::UiModel),
) {
    stage(hl, p, locale, subject);
    let mut m = crate::view::fixtures::fixture_model(
        subject,
        p,
        locale,
        "Ride Hailer",
        "ride hailer",
        &crate::config::default_household(),
        None,
    );
    edit(&mut m);
    view::apply(&hl.app, p, 1.0, &m);
}

#[test]
fn on_a_drawn_screen_codes_stay_left_to_right_and_the_lint_sees_clipped_text() {
    let p = viewport::profile("echo-show-8").unwrap();
    let mut hl = Headless::new(p.width, p.height).unwrap();
    let code = "WDJB-MJHT";
    let reversed: String = code.chars().rev().collect();

    // The user code is drawn the same, glyph for glyph and in the same order, on an Arabic
    // (mirrored) screen as on an English one; the same code reversed would not be.
    show(&mut hl, p, "en-US", |m| m.user_code = code.into());
    let en = ink(&hl, code);
    show(&mut hl, p, "ar-SA", |m| m.user_code = code.into());
    let ar = ink(&hl, code);
    assert!(
        differ(&en, &ar) < 0.08,
        "the code is drawn differently in ar-SA: {}",
        differ(&en, &ar)
    );
    show(&mut hl, p, "ar-SA", |m| m.user_code = reversed.clone());
    let backwards = ink(&hl, &reversed);
    assert!(
        differ(&en, &backwards) > 0.15,
        "a reversed code is told apart"
    );

    // Nothing of the prompt is clipped, in English or Arabic.
    for locale in ["en-US", "ar-SA", "ja-JP"] {
        show(&mut hl, p, locale, |_| {});
        hl.render();
        assert_eq!(hl.clipped_texts(), vec![], "{locale}");
    }
    // A skill name far too long for the caption: the lint names the text that does not fit,
    // and on a right-to-left screen says it leaves its box.
    let long = "Ride Hailer ".repeat(60);
    show(&mut hl, p, "en-US", |m| m.caption = long.clone());
    hl.render();
    let clipped = hl.clipped_texts();
    assert_eq!(clipped.len(), 1, "{clipped:?}");
    assert!(clipped[0].text.starts_with("Ride Hailer Ride Hailer"));
    let en_warn = lint::texts(&clipped, "en-US");
    assert!(
        en_warn[0].starts_with("text clipped or elided: “Ride Hailer"),
        "{en_warn:?}"
    );
    show(&mut hl, p, "ar-SA", |m| m.caption = long.clone());
    hl.render();
    let ar_warn = lint::texts(&hl.clipped_texts(), "ar-SA");
    assert_eq!(ar_warn.len(), 1, "{ar_warn:?}");
    assert!(
        ar_warn[0].starts_with("text leaves its box (right to left)"),
        "{ar_warn:?}"
    );

    // An Arabic device's on-screen keyboard: Arabic letters for a name field, and a key that
    // switches to Latin (what the key sends is the view's: see signin's tests).
    use crate::view::signin::{Msg, SWITCH_SCRIPT, SignIn, Todo};
    let form = r#"<form method="post" action="/p"><label for="n">الاسم</label>
        <input id="n" type="text" name="full_name"><button>حفظ</button></form>"#;
    let mut s = SignIn::new(None);
    let url = "https://ridehailer.example/profile";
    let Todo::Load { seq, .. } = s.handle(Msg::Navigate(url.into())) else {
        panic!("no load")
    };
    s.handle(Msg::Loaded {
        seq,
        result: Ok(crate::clients::phone::Page {
            url: url::Url::parse(url).unwrap(),
            status: 200,
            html: form.into(),
        }),
    });
    s.handle(Msg::Press {
        item: s.find_field("full_name").unwrap(),
    });
    let login = Subject {
        id: "keyboard",
        scene: Scene::Login,
        keyboard: true,
        panel: None,
        apl: None,
    };
    let key = |hl: &Headless, label: &str| labelled(hl, label).is_some();
    let draw = |hl: &mut Headless, s: &SignIn| {
        show_scene(hl, p, "ar-SA", login, |m| {
            m.page = Some(s.view("ar-SA", true))
        });
        hl.render();
    };
    draw(&mut hl, &s);
    assert!(
        key(&hl, "ض") && key(&hl, "ABC"),
        "Arabic letters, a key to Latin"
    );
    assert!(!key(&hl, "q"));
    s.handle(Msg::Key(SWITCH_SCRIPT.into()));
    draw(&mut hl, &s);
    assert!(
        key(&hl, "q") && key(&hl, "ع"),
        "Latin letters, a key back to Arabic"
    );
    assert!(!key(&hl, "ض"));

    // Japanese lines break by UAX #14: never before 。 — when 。 does not fit at the end of a
    // full line, the last kana goes down with it. The caption is filled with あ until it
    // wraps; one あ fewer is a full line, and that line plus 。 puts two glyphs on line two.
    let caption = |hl: &Headless, text: &str| {
        let e = labelled(hl, text).unwrap_or_else(|| panic!("{text:?} is not on screen"));
        (e.absolute_position(), e.size())
    };
    let set_caption = |hl: &mut Headless, text: &str| {
        show(hl, p, "ja-JP", |m| m.caption = text.to_owned());
        hl.render();
        caption(hl, text)
    };
    let one_line = set_caption(&mut hl, "あ").1.height;
    let full = (2..200)
        .find(|k| set_caption(&mut hl, &"あ".repeat(*k)).1.height > one_line * 1.5)
        .expect("the caption wraps")
        - 1;
    let line_width = set_caption(&mut hl, &"あ".repeat(full)).1.width;
    let text = format!("{}。", "あ".repeat(full));
    let (at, size) = set_caption(&mut hl, &text);
    assert!(size.height > one_line * 1.5, "{text} takes two lines");
    // The ink of line two: the kana and the full stop, not the full stop alone.
    let img = hl.render();
    let line_two = image::imageops::crop_imm(
        &img,
        at.x as u32,
        (at.y + one_line) as u32,
        size.width as u32,
        one_line as u32,
    )
    .to_image();
    let bg = *line_two.get_pixel(line_two.width() - 1, 0);
    let xs: Vec<u32> = line_two
        .enumerate_pixels()
        .filter(|(_, _, q)| q.0.iter().zip(bg.0).any(|(a, b)| a.abs_diff(b) > 60))
        .map(|(x, _, _)| x)
        .collect();
    let ink = xs.iter().max().unwrap() - xs.iter().min().unwrap();
    let em = line_width / full as f32;
    assert!(
        ink as f32 > em,
        "line two is {ink} px of ink: the full stop alone (a kana is {em} px)"
    );

    // APL on the same 1280×800 pixels at 160 dpi (Echo Show 10: a dp a pixel, so the drags
    // below read in dp; Echo Show 8 is 213 dpi).
    let p = viewport::profile("echo-show-10").unwrap();
    // APL: text measured by Slint fits the boxes the layout gives it, and a drag scrolls the
    // list under the finger within its content (not past its end, not before its start).
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/apl/scroll-sequence.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let render = crate::apl::RenderDocument {
        token: "t".into(),
        document: doc["document"].clone(),
        datasources: serde_json::Value::Null,
    };
    let mut screen = crate::apl::Screen::new(&render, crate::apl::Viewport::of(p, "en-US", 0.0));
    show_scene(&mut hl, p, "en-US", PROMPT, |m| {
        m.scene = "skill-response";
        m.apl = Some(std::sync::Arc::new(screen.snapshot()));
    });
    let _ = hl.render();
    let cut = super::apl::not_scrolled(hl.clipped_texts(), &crate::view::apl::scrolled_boxes());
    // Only the rows cut by maxLines ("the long one…"), none by a wrong measurement.
    assert!(
        cut.iter().all(|c| c.text.contains("the long one")),
        "{cut:?}"
    );
    let (uid, to) = crate::view::apl::drag(300.0, 400.0, 0.0, -200.0).expect("the list scrolls");
    assert_eq!(to, 200.0);
    let _ = crate::view::apl::drag_end();
    let (_, far) = crate::view::apl::drag(300.0, 400.0, 0.0, -100_000.0).unwrap();
    let _ = crate::view::apl::drag_end();
    // 20 rows of about 50 dp in a list of about 740 dp: it ends, somewhere past 200.
    assert!(far > 200.0 && far < 1000.0, "{far}");
    let (_, back) = crate::view::apl::drag(300.0, 400.0, 0.0, 100_000.0).unwrap();
    assert_eq!(back, 0.0);
    let _ = crate::view::apl::drag_end();
    // The header does not scroll.
    assert_eq!(crate::view::apl::drag(300.0, 20.0, 0.0, -50.0), None);
    // Scrolled to its end, the last row comes onto the screen (it was below it, where the
    // element tree does not reach).
    let bottom = |hl: &Headless| {
        labelled(hl, "Episode 20: short").map(|e| e.absolute_position().y + e.size().height)
    };
    assert!(bottom(&hl).is_none_or(|b| b > p.height as f32));
    screen.set_scroll(uid, far, 100.0);
    show_scene(&mut hl, p, "en-US", PROMPT, |m| {
        m.scene = "skill-response";
        m.apl = Some(std::sync::Arc::new(screen.snapshot()));
    });
    let b = bottom(&hl).expect("the last row is on the screen");
    assert!(b <= p.height as f32 + 0.5, "{b}");

    // A swipe across a pager turns its page when the finger lifts (a short one does not).
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apl/pager.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let render = crate::apl::RenderDocument {
        token: "t".into(),
        document: doc["document"].clone(),
        datasources: doc["datasources"].clone(),
    };
    let mut pager = crate::apl::Screen::new(&render, crate::apl::Viewport::of(p, "en-US", 0.0));
    let show_pager = |hl: &mut Headless, s: &crate::apl::Screen| {
        show_scene(hl, p, "en-US", PROMPT, |m| {
            m.scene = "skill-response";
            m.apl = Some(std::sync::Arc::new(s.snapshot()));
        })
    };
    show_pager(&mut hl, &pager);
    assert!(labelled(&hl, "Page 2 of 3").is_some());
    assert_eq!(crate::view::apl::drag(600.0, 400.0, -100.0, 0.0), None);
    assert_eq!(
        crate::view::apl::drag_end(),
        None,
        "a fifth of the width is not reached"
    );
    let _ = crate::view::apl::drag(600.0, 400.0, -100.0, 0.0);
    let _ = crate::view::apl::drag(600.0, 400.0, -500.0, 10.0);
    let (uid, by) = crate::view::apl::drag_end().expect("the page turns");
    assert_eq!(by, 1);
    pager.turn_page(uid, by);
    show_pager(&mut hl, &pager);
    assert!(labelled(&hl, "Page 3 of 3").is_some());
    // Past the last page it stays.
    pager.turn_page(uid, 1);
    show_pager(&mut hl, &pager);
    assert!(labelled(&hl, "Page 3 of 3").is_some());

    // A finger on a target that hears its every move: Slint's own pointer events (down, a
    // move far across, up) reach the view's pointer callback at once, as fractions of the
    // target's box; the screen's swipe handler, which holds a press back and takes a drag that
    // long, never has them.
    let pad = crate::apl::Screen::new(
        &crate::apl::RenderDocument {
            token: "t".into(),
            document: serde_json::json!({"type": "APL", "version": "2024.3", "mainTemplate": {
                "items": [{"type": "TouchWrapper", "width": "100vw", "height": "100vh",
                    "onMove": [], "item": {"type": "Frame", "width": "100%", "height": "100%"}}]}}),
            datasources: serde_json::Value::Null,
        },
        crate::apl::Viewport::of(p, "en-US", 0.0),
    );
    let target = *pad.snapshot().pointer_targets().iter().next().unwrap();
    show_pager(&mut hl, &pad);
    let _ = hl.render();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(vec![]));
    let keep = seen.clone();
    hl.on_apl_pointer(move |said| keep.borrow_mut().push(said));
    hl.finger(&[
        (320.0, 200.0),
        (340.0, 200.0),
        (400.0, 200.0),
        (640.0, 200.0),
    ]);
    use crate::apl::Pointer;
    let seen = seen.borrow();
    let phases: Vec<Pointer> = seen.iter().map(|s| s.1).collect();
    assert_eq!(
        phases,
        [
            Pointer::Down,
            Pointer::Move,
            Pointer::Move,
            Pointer::Move,
            Pointer::Up
        ],
        "{seen:?}"
    );
    assert!(seen.iter().all(|s| s.0 == target));
    assert_eq!(seen[0].2, (0.25, 0.25));
    assert_eq!(seen[4].2, (0.5, 0.25), "lifted where it last moved");
    // The screen's own drag never saw it (it would have started a scroll).
    assert_eq!(crate::view::apl::drag_end(), None);
}
