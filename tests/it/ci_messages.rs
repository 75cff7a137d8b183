//! What a CI engineer reads when a check fails (issue 32): a golden of another size names the
//! device it fits, failure lines name the diff file, `--strict` names the warning, masks are in
//! the manifest, a bare `--update` does not call identical goldens updated. The real binary,
//! run from another working directory.

use std::path::Path;
use std::process::Output;

use crate::first_run::linkscreen_in;

fn said(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_journey_golden_of_another_size_names_the_device_it_fits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    // The goldens are echo-show-5's; the default device is echo-show-8.
    let o = linkscreen_in(
        tmp.path(),
        &[
            "run",
            "--headless",
            "--fresh",
            "--script",
            root.join("tests/journeys/qr-check.script")
                .to_str()
                .unwrap(),
            "--check",
            root.join("tests/golden/journeys/qr").to_str().unwrap(),
            "--frames",
            "frames",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", said(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "shot success: 960×480 golden vs 1280×800 shot; did you mean --device echo-show-5?"
        ),
        "{err}"
    );
    assert!(!err.contains("100.000%"), "{err}");
}

#[test]
fn shoot_failures_name_the_diff_masks_go_in_the_manifest_and_identical_goldens_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let set = [
        "shoot",
        "--scenes",
        "home,code-expired",
        "--devices",
        "echo-show-5",
        "--out",
        "out",
        "--check",
        "golden",
    ];
    let o = linkscreen_in(tmp.path(), &[&set[..], &["--update"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    // A bare --update again: the same pixels, nothing rewritten, nothing called updated.
    let home = tmp.path().join("golden/echo-show-5/en-US/home.png");
    let before = std::fs::metadata(&home).unwrap().modified().unwrap();
    let o = linkscreen_in(tmp.path(), &[&set[..], &["--update"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let m = manifest(&tmp.path().join("out"));
    assert_eq!(m["summary"]["updated"], 0, "{m:#}");
    assert_eq!(m["summary"]["unchanged"], 2, "{m:#}");
    assert!(
        said(&o).contains("0 new and 0 updated goldens, 2 unchanged"),
        "{}",
        said(&o)
    );
    assert_eq!(
        std::fs::metadata(&home).unwrap().modified().unwrap(),
        before
    );

    // A spoilt golden: the failure line names the diff file, which exists.
    let mut img = image::open(&home).unwrap().to_rgba8();
    for y in 200..260 {
        for x in 300..500 {
            img.put_pixel(x, y, image::Rgba([255, 255, 255, 255]));
        }
    }
    img.save(&home).unwrap();
    let o = linkscreen_in(
        tmp.path(),
        &[&set[..], &["--mask-region", "0,0,40,20"]].concat(),
    );
    assert_eq!(o.status.code(), Some(4), "{}", said(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("fail: echo-show-5/en-US/home"))
        .unwrap_or_else(|| panic!("{err}"));
    let diff = line
        .split("diff: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{line}"))
        .trim_end_matches(')');
    assert!(
        diff.ends_with("failures/echo-show-5/en-US/home.diff.png"),
        "{line}"
    );
    assert!(tmp.path().join(diff).is_file(), "{line}");
    // The masks in force are in the manifest.
    let m = manifest(&tmp.path().join("out"));
    assert_eq!(
        m["summary"]["mask_regions"],
        serde_json::json!(["0,0,40,20"])
    );
}

#[test]
fn strict_names_the_warning_that_failed_it() {
    let tmp = tempfile::tempdir().unwrap();
    // A binding that does not parse: an APL error, a warning of the shot.
    std::fs::write(
        tmp.path().join("edge.json"),
        r##"{"type": "APL", "version": "2023.3", "mainTemplate": {"items": [
            {"type": "Text", "text": "Fare ${1 +}"}]}}"##,
    )
    .unwrap();
    let o = linkscreen_in(
        tmp.path(),
        &[
            "shoot",
            "--apl",
            "edge.json",
            "--scenes",
            "apl",
            "--devices",
            "echo-show-5",
            "--out",
            "out",
            "--strict",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", said(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("--strict: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains(
            "layout warning(s) fail this run, the first echo-show-5/en-US/apl-edge: apl_error at "
        ),
        "{line}"
    );
}
