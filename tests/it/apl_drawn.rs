//! What the APL screen draws that Slint's software renderer cannot draw itself, as a user runs
//! the binary from another working directory: a box, a text and an image turned by a
//! `transform` (drawn as SVG, turned), and a Video's frame (linkscreen decodes no video; a
//! shot takes the picture `--images` gives for it).

use std::path::Path;
use std::process::Command;

fn shoot(dir: &Path, doc: &str, extra: &[&str], out: &str) -> image::RgbaImage {
    let o = Command::new(env!("CARGO_BIN_EXE_linkscreen"))
        .current_dir(dir)
        .args([
            "shoot",
            "--apl",
            doc,
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
        ])
        .args(extra)
        .args(["--out", out])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let name = doc.trim_end_matches(".json");
    image::open(
        dir.join(out)
            .join(format!("echo-show-5/en-US/apl-{name}.png")),
    )
    .unwrap()
    .to_rgba8()
}

/// Whether any pixel of the rectangle (x0..x1, y0..y1) is bright in `channel`.
fn lit(img: &image::RgbaImage, [x0, y0, x1, y1]: [u32; 4], channel: usize) -> bool {
    (y0..y1).any(|y| (x0..x1).any(|x| img.get_pixel(x, y).0[channel] > 128))
}

/// A red square turned 45° is a diamond: red above its unturned top, black in its unturned
/// corner. A line of text turned 90° reads down the screen, not across it. Twice, the same.
#[test]
fn a_turned_box_and_text_are_drawn_turned() {
    let dir = tempfile::tempdir().unwrap();
    let doc = r##"{"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
        {"type": "Container", "width": "100vw", "height": "100vh", "items": [
          {"type": "Frame", "position": "absolute", "left": 130, "top": 140, "width": 200, "height": 200,
           "backgroundColor": "#ff0000", "transform": [{"rotate": 45}]},
          {"type": "Text", "position": "absolute", "left": 500, "top": 200, "width": 440, "height": 80,
           "text": "MMMMMMMM", "fontSize": 60, "color": "#00ff00", "transform": [{"rotate": 90}]}]}]}}"##;
    std::fs::write(dir.path().join("turned.json"), doc).unwrap();
    let img = shoot(dir.path(), "turned.json", &[], "a");
    // The square's centre is (230, 240); turned, its top corner is 141 dp above it.
    assert!(
        lit(&img, [226, 112, 234, 120], 0),
        "red above the unturned top"
    );
    assert!(
        !lit(&img, [133, 143, 141, 151], 0),
        "black in the unturned corner"
    );
    assert!(lit(&img, [226, 236, 234, 244], 0), "red at the centre");
    // The text's centre is (720, 240): turned, its letters run from about y 30 to 450.
    assert!(
        lit(&img, [700, 60, 740, 120], 1),
        "letters above the centre"
    );
    assert!(
        !lit(&img, [520, 220, 600, 260], 1),
        "none across, where it ran unturned"
    );
    let again = shoot(dir.path(), "turned.json", &[], "b");
    assert!(img == again, "the same pixels twice");
}

/// A Video offline is a black box; `--images` gives it a frame: the picture named as the
/// video (`clip.mp4` → `clip.png`), or the one `images.json` names for its address; a local
/// video takes the picture beside it.
#[test]
fn a_videos_frame_comes_from_the_pictures_a_shot_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let video = |src: &str| {
        format!(
            r##"{{"type": "APL", "version": "2024.3", "mainTemplate": {{"items": [
            {{"type": "Video", "source": [{{"url": "{src}"}}], "width": "100vw", "height": "100vh",
              "scale": "best-fill"}}]}}}}"##
        )
    };
    std::fs::write(
        dir.path().join("web.json"),
        video("https://cdn.example.com/media/clip.mp4"),
    )
    .unwrap();
    let middle = |img: &image::RgbaImage| *img.get_pixel(img.width() / 2, img.height() / 2);
    let black = image::Rgba([0, 0, 0, 255]);
    assert_eq!(
        middle(&shoot(dir.path(), "web.json", &[], "offline")),
        black
    );
    let pictures = dir.path().join("pictures");
    std::fs::create_dir_all(&pictures).unwrap();
    let green = image::Rgba([0, 200, 0, 255]);
    image::RgbaImage::from_pixel(8, 8, green)
        .save(pictures.join("clip.png"))
        .unwrap();
    let with = ["--images", "pictures"];
    assert_eq!(
        middle(&shoot(dir.path(), "web.json", &with, "named")),
        green
    );
    let blue = image::Rgba([0, 0, 220, 255]);
    image::RgbaImage::from_pixel(8, 8, blue)
        .save(pictures.join("frame.png"))
        .unwrap();
    std::fs::write(
        pictures.join("images.json"),
        r#"{"https://cdn.example.com/media/clip.mp4": "frame.png"}"#,
    )
    .unwrap();
    assert_eq!(
        middle(&shoot(dir.path(), "web.json", &with, "mapped")),
        blue
    );
    // A local video: the picture beside it, named as it is.
    std::fs::create_dir_all(dir.path().join("movies")).unwrap();
    std::fs::write(dir.path().join("local.json"), video("movies/intro.mp4")).unwrap();
    assert_eq!(middle(&shoot(dir.path(), "local.json", &[], "bare")), black);
    image::RgbaImage::from_pixel(8, 8, green)
        .save(dir.path().join("movies/intro.png"))
        .unwrap();
    assert_eq!(
        middle(&shoot(dir.path(), "local.json", &[], "local")),
        green
    );
}
