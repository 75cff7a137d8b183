//! Amazon's APL packages, which real devices load from a CDN the emulator cannot reach:
//! `alexa-layouts` (the responsive components), `alexa-styles` and `alexa-viewport-profiles`.
//! These are linkscreen's own APL definitions of the documented components and parameters
//! (developer.amazon.com "Responsive Components" pages), written in APL and inflated like a
//! skill's own layouts — close in shape, not pixel copies of Amazon's.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

/// Package files a user saved (Amazon's own, from its CDN), by name: they replace
/// linkscreen's definitions for this run (see [`use_folder`]).
static SAVED: OnceLock<HashMap<String, Value>> = OnceLock::new();

/// Reads every package file in `dir` (`<name>.json` or `<name>-<version>.json`; of two
/// versions of one package the later wins) to use in place of linkscreen's own for the rest of
/// the run. Returns the names and versions read; a file that is not an APL package is an
/// error naming it.
pub fn use_folder(dir: &Path) -> Result<Vec<String>, String> {
    let mut found: HashMap<String, (Vec<u32>, Value)> = HashMap::new();
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Some(stem) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix(".json"))
        else {
            continue;
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let pkg: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        if pkg.get("type").and_then(Value::as_str) != Some("APL") {
            return Err(format!(
                "{}: not an APL package (\"type\" must be \"APL\")",
                path.display()
            ));
        }
        // `alexa-layouts-1.0` → name `alexa-layouts`, version 1.0 (else the file's own).
        let (name, version) = match stem.rsplit_once('-') {
            Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (n, v.to_owned()),
            _ => (
                stem,
                pkg.get("version")
                    .and_then(Value::as_str)
                    .unwrap_or("0")
                    .to_owned(),
            ),
        };
        let rank: Vec<u32> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        if found.get(name).is_none_or(|(r, _)| *r < rank) {
            found.insert(name.to_owned(), (rank, pkg));
        }
    }
    let mut names: Vec<String> = found
        .iter()
        .map(|(n, (r, _))| {
            let v: Vec<String> = r.iter().map(u32::to_string).collect();
            format!("{n} {}", v.join("."))
        })
        .collect();
    names.sort();
    let saved = found.into_iter().map(|(n, (_, p))| (n, p)).collect();
    SAVED
        .set(saved)
        .map_err(|_| "APL packages were already chosen for this run".to_owned())?;
    Ok(names)
}

/// The package named `name`: the user's saved file, else linkscreen's own, if either.
pub fn get(name: &str) -> Option<Value> {
    if let Some(p) = SAVED.get().and_then(|s| s.get(name)) {
        return Some(p.clone());
    }
    static ALL: OnceLock<Value> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        serde_json::from_str(PACKAGES).expect("the built-in APL packages are valid JSON")
    });
    let pkg = all.get(name)?.clone();
    // alexa-layouts brings the styles and viewport profiles with it, as Amazon's does.
    if name == "alexa-layouts" {
        let mut merged = all.get("alexa-styles")?.clone();
        for key in ["resources"] {
            if let (Some(Value::Array(a)), Some(Value::Array(b))) = (
                merged.get_mut(key).map(std::mem::take),
                all.get("alexa-viewport-profiles")
                    .and_then(|p| p.get(key))
                    .cloned(),
            ) {
                let mut a = a;
                a.extend(b);
                merged[key] = Value::Array(a);
            }
        }
        merged["layouts"] = pkg["layouts"].clone();
        merged["graphics"] = pkg["graphics"].clone();
        return Some(merged);
    }
    Some(pkg)
}

const PACKAGES: &str = r##"{
"alexa-viewport-profiles": {
  "resources": [
    {"strings": {
      "viewportShapeRectangle": "rectangle", "viewportShapeRound": "round",
      "viewportOrientationLandscape": "landscape", "viewportOrientationPortrait": "portrait",
      "viewportOrientationEqual": "equal",
      "hubRound": "hub-round", "hubLandscape": "hub-landscape", "hubPortrait": "hub-portrait",
      "tvFullscreen": "tv-fullscreen", "tvOverlay": "tv-overlay", "mobileFullscreen": "mobile-fullscreen",
      "hub": "hub", "tv": "tv", "mobile": "mobile",
      "hubWidgetSmall": "hub-widget-small", "hubWidgetMedium": "hub-widget-medium",
      "hubWidgetLarge": "hub-widget-large",
      "hubRoundSmall": "hub-round-small", "hubLandscapeSmall": "hub-landscape-small",
      "hubLandscapeMedium": "hub-landscape-medium", "hubLandscapeLarge": "hub-landscape-large",
      "hubLandscapeXLarge": "hub-landscape-xlarge", "hubPortraitMedium": "hub-portrait-medium",
      "tvLandscapeXLarge": "tv-landscape-xlarge", "tvLandscapeOverlay": "tv-landscape-overlay",
      "tvPortraitOverlay": "tv-portrait-overlay", "mobileSmall": "mobile-small",
      "mobileMedium": "mobile-medium", "mobileLarge": "mobile-large"}},
    {"dimensions": {
      "viewportSizeXSmall": 0, "viewportSizeSmall": 1, "viewportSizeMedium": 2,
      "viewportSizeLarge": 3, "viewportSizeXLarge": 4,
      "viewportDensityXLow": 0, "viewportDensityLow": 1, "viewportDensityNormal": 2,
      "viewportDensityHigh": 3, "viewportDensityXHigh": 4, "viewportDensityXXHigh": 5}},
    {"strings": {
      "viewportShape": "${viewport.shape == 'round' ? @viewportShapeRound : @viewportShapeRectangle}",
      "viewportOrientation": "${viewport.width > viewport.height ? @viewportOrientationLandscape : viewport.width < viewport.height ? @viewportOrientationPortrait : @viewportOrientationEqual}"},
     "dimensions": {
      "viewportWidth": "${viewport.width < 600 ? @viewportSizeXSmall : viewport.width < 960 ? @viewportSizeSmall : viewport.width < 1280 ? @viewportSizeMedium : viewport.width < 1920 ? @viewportSizeLarge : @viewportSizeXLarge}",
      "viewportHeight": "${viewport.height < 600 ? @viewportSizeXSmall : viewport.height < 960 ? @viewportSizeSmall : viewport.height < 1280 ? @viewportSizeMedium : viewport.height < 1920 ? @viewportSizeLarge : @viewportSizeXLarge}",
      "viewportDensity": "${viewport.dpi < 140 ? @viewportDensityXLow : viewport.dpi < 200 ? @viewportDensityLow : viewport.dpi < 280 ? @viewportDensityNormal : viewport.dpi < 400 ? @viewportDensityHigh : viewport.dpi < 560 ? @viewportDensityXHigh : @viewportDensityXXHigh}"}},
    {"strings": {"viewportProfile": "@hubLandscapeMedium"}},
    {"when": "${viewport.mode == 'hub' && viewport.shape == 'round'}", "strings": {"viewportProfile": "@hubRoundSmall"}},
    {"when": "${viewport.mode == 'hub' && viewport.shape != 'round' && viewport.width >= viewport.height && viewport.width < 1280}",
     "strings": {"viewportProfile": "${viewport.height < 600 ? @hubLandscapeSmall : @hubLandscapeMedium}"}},
    {"when": "${viewport.mode == 'hub' && viewport.shape != 'round' && viewport.width >= viewport.height && viewport.width >= 1280}",
     "strings": {"viewportProfile": "${viewport.width < 1920 ? @hubLandscapeLarge : @hubLandscapeXLarge}"}},
    {"when": "${viewport.mode == 'hub' && viewport.shape != 'round' && viewport.width < viewport.height}", "strings": {"viewportProfile": "@hubPortraitMedium"}},
    {"when": "${viewport.mode == 'tv'}",
     "strings": {"viewportProfile": "${viewport.width < viewport.height ? @tvPortraitOverlay : viewport.width < 960 ? @tvLandscapeOverlay : @tvLandscapeXLarge}"}},
    {"when": "${viewport.mode == 'mobile'}",
     "strings": {"viewportProfile": "${viewport.width < 600 ? @mobileSmall : viewport.width < 960 ? @mobileMedium : @mobileLarge}"}},
    {"strings": {
      "viewportProfileCategory": "${@viewportProfile == @hubRoundSmall ? @hubRound : @viewportProfile == @hubPortraitMedium ? @hubPortrait : @viewportProfile == @tvLandscapeXLarge ? @tvFullscreen : (@viewportProfile == @tvLandscapeOverlay || @viewportProfile == @tvPortraitOverlay) ? @tvOverlay : viewport.mode == 'mobile' ? @mobileFullscreen : @hubLandscape}",
      "viewportProfileGroup": "${viewport.mode == 'tv' ? @tv : viewport.mode == 'mobile' ? @mobile : @hub}"}}
  ]
},
"alexa-styles": {
  "resources": [
    {"colors": {
      "colorText": "#FAFAFA", "colorTextReversed": "#1E2222", "colorTextSecondary": "#FAFAFAB3",
      "colorAccent": "#00CAFF", "colorBackground": "#000000", "colorBackgroundOverlay": "#00000099",
      "colorComponent": "#FAFAFA1A", "colorDivider": "#FAFAFA33", "colorPrimary": "#00CAFF",
      "colorBlue": "#00CAFF", "colorGray": "#7F7F7F", "colorWhite": "#FAFAFA", "colorBlack": "#1E2222"},
     "dimensions": {
      "spacingXSmall": 8, "spacingSmall": 16, "spacingMedium": 24, "spacingLarge": 32, "spacingXLarge": 48,
      "spacing3XLarge": 64, "marginHorizontal": 48, "marginTop": 32, "marginBottom": 32,
      "fontSizeXSmall": 20, "fontSizeSmall": 24, "fontSizeMedium": 28, "fontSizeLarge": 32,
      "fontSizeXLarge": 48, "fontSize2XLarge": 64, "fontSize3XLarge": 80,
      "radiusSmall": 8, "radiusMedium": 16, "radiusLarge": 24, "headerHeight": 96, "footerHeight": 80,
      "spacing3XSmall": 2, "spacing2XSmall": 4, "spacing2XLarge": 56, "fontSize2XSmall": 16,
      "shapeRoundedRect": 8, "shapeCircle": "50%", "shapePill": 999,
      "headerAttributionIconMaxHeight": 48, "headerAttributionIconMaxWidth": 160},
     "numbers": {
      "opacityPrimary": 1, "opacitySecondary": 0.7, "opacityTertiary": 0.5, "opacityDisabled": 0.3,
      "lineHeightNormal": 1.25, "lineHeightCondensed": 1.1, "lineHeightExpanded": 1.5,
      "fontWeightThin": 100, "fontWeightLight": 300, "fontWeightRegular": 400, "fontWeightMedium": 500,
      "fontWeightBold": 700, "fontWeightHeavy": 900,
      "letterSpacingNormal": 0, "letterSpacingCondensed": -0.5, "letterSpacingExpanded": 1}},
    {"when": "${viewport.shape == 'round'}",
     "dimensions": {"marginHorizontal": 64, "marginTop": 48, "fontSizeXLarge": 40, "fontSize2XLarge": 48, "fontSizeMedium": 24, "headerHeight": 80}},
    {"when": "${viewport.mode == 'tv'}",
     "dimensions": {"marginHorizontal": 96, "marginTop": 48}},
    {"when": "${viewport.theme == 'light'}",
     "colors": {"colorText": "#1E2222", "colorTextReversed": "#FAFAFA", "colorTextSecondary": "#1E2222B3",
                "colorBackground": "#FAFAFA", "colorComponent": "#1E22221A", "colorDivider": "#1E222233", "colorAccent": "#0070BA"}}
  ],
  "styles": {
    "textStyleDisplay1": {"values": [{"fontSize": "@fontSize3XLarge", "fontWeight": "300", "color": "@colorText"}]},
    "textStyleDisplay2": {"values": [{"fontSize": "@fontSize2XLarge", "fontWeight": "300", "color": "@colorText"}]},
    "textStyleHeadline": {"values": [{"fontSize": "@fontSizeXLarge", "fontWeight": "400", "color": "@colorText"}]},
    "textStyleTitle": {"values": [{"fontSize": "@fontSizeLarge", "fontWeight": "700", "color": "@colorText"}]},
    "textStyleBody": {"values": [{"fontSize": "@fontSizeMedium", "color": "@colorText"}]},
    "textStyleCallout": {"values": [{"fontSize": "@fontSizeLarge", "color": "@colorText"}]},
    "textStyleHint": {"values": [{"fontSize": "@fontSizeSmall", "fontStyle": "italic", "color": "@colorTextSecondary"}]},
    "textStyleMetadata": {"values": [{"fontSize": "@fontSizeSmall", "color": "@colorTextSecondary"}]},
    "textStyleDetails": {"values": [{"fontSize": "@fontSizeSmall", "color": "@colorTextSecondary"}]},
    "textStyleDetail": {"values": [{"fontSize": "@fontSizeSmall", "fontWeight": "700", "color": "@colorTextSecondary"}]},
    "textStyleDetailAlt": {"extend": "textStyleDetail", "values": [{"fontWeight": "300"}]},
    "textStyleDisplay3": {"values": [{"fontSize": "@fontSize2XLarge", "fontWeight": "700", "color": "@colorText"}]},
    "textStyleDisplay4": {"values": [{"fontSize": "@fontSizeXLarge", "fontWeight": "300", "color": "@colorText"}]},
    "textStyleDisplay5": {"values": [{"fontSize": "@fontSizeLarge", "fontWeight": "300", "color": "@colorText"}]},
    "textStyleDisplay6": {"values": [{"fontSize": "@fontSizeMedium", "fontWeight": "300", "color": "@colorText"}]},
    "textStyleHeadlineAlt": {"extend": "textStyleHeadline", "values": [{"fontWeight": "700"}]},
    "textStyleBodyAlt": {"extend": "textStyleBody", "values": [{"fontWeight": "700"}]},
    "textStyleBody2": {"values": [{"fontSize": "@fontSizeSmall", "color": "@colorText"}]},
    "textStyleCalloutAlt": {"extend": "textStyleCallout", "values": [{"fontWeight": "300"}]},
    "textStyleKaraoke": {"values": [{"fontSize": "@fontSizeLarge", "color": "@colorTextSecondary"}]},
    "textStyleLabel": {"values": [{"fontSize": "@fontSizeSmall", "fontWeight": "700", "color": "@colorText"}]},
    "textStyleCaption": {"values": [{"fontSize": "@fontSize2XSmall", "color": "@colorTextSecondary"}]},
    "alexaButtonFrame": {"values": [
      {"backgroundColor": "${disabled ? @colorComponent : buttonStyle == 'outlined' || buttonStyle == 'ingress' ? 'transparent' : @colorAccent}",
       "borderColor": "${buttonStyle == 'outlined' ? @colorAccent : 'transparent'}", "borderWidth": "${buttonStyle == 'outlined' ? 2 : 0}"},
      {"when": "${state.focused}", "borderColor": "@colorText", "borderWidth": 3},
      {"when": "${state.pressed}", "opacity": 0.6}]},
    "alexaCheckboxFrame": {"values": [
      {"borderColor": "@colorText", "backgroundColor": "transparent"},
      {"when": "${state.checked}", "borderColor": "@colorAccent", "backgroundColor": "@colorAccent"},
      {"when": "${state.disabled}", "opacity": 0.3},
      {"when": "${state.focused}", "borderWidth": 4}]},
    "alexaCheckboxMark": {"values": [{"opacity": 0}, {"when": "${state.checked}", "opacity": 1}]},
    "alexaListItemFrame": {"values": [
      {"backgroundColor": "transparent"},
      {"when": "${state.focused || state.pressed}", "backgroundColor": "@colorComponent"}]}
  }
},
"alexa-layouts": {
  "graphics": {
    "alexaCheckboxMark": {"type": "AVG", "version": "1.2", "width": 24, "height": 24, "items": [
      {"type": "path", "pathData": "M5,12.5 L10,17.5 L19.5,7", "stroke": "@colorTextReversed", "strokeWidth": 2.5, "fill": "transparent"}]},
    "alexaPhotoOverlayScrim": {"type": "AVG", "version": "1.2", "width": 100, "height": 100, "items": [
      {"type": "path", "pathData": "M0,0 L100,0 L100,100 L0,100 z", "fill": "#00000066"}]},
    "alexaCheckboxDash": {"type": "AVG", "version": "1.2", "width": 24, "height": 24, "items": [
      {"type": "path", "pathData": "M6,12 L18,12", "stroke": "@colorTextReversed", "strokeWidth": 2.5, "fill": "transparent"}]}
  },
  "layouts": {
    "AlexaBackground": {
      "parameters": ["backgroundColor", "backgroundImageSource", "colorOverlay", "backgroundScale"],
      "item": {"type": "Container", "position": "absolute", "width": "100vw", "height": "100vh", "items": [
        {"type": "Frame", "width": "100%", "height": "100%", "backgroundColor": "${backgroundColor ?? @colorBackground}"},
        {"when": "${backgroundImageSource}", "type": "Image", "position": "absolute", "source": "${backgroundImageSource}",
         "width": "100%", "height": "100%", "scale": "${backgroundScale ?? 'best-fill'}", "overlayColor": "${colorOverlay ? @colorBackgroundOverlay : 'transparent'}"}
      ]}
    },
    "AlexaHeader": {
      "parameters": ["headerTitle", "headerSubtitle", "headerAttributionText", "headerAttributionImage", "headerBackButton", "headerDivider", "layoutDirection"],
      "items": [
       {"when": "${viewport.shape == 'round'}", "type": "Container", "width": "100%", "alignItems": "center",
        "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal", "paddingTop": "@marginTop", "paddingBottom": "@spacingXSmall", "items": [
          {"type": "Text", "text": "${headerTitle}", "style": "textStyleTitle", "maxLines": 1, "textAlign": "center"},
          {"when": "${headerSubtitle}", "type": "Text", "text": "${headerSubtitle}", "style": "textStyleMetadata", "maxLines": 1, "textAlign": "center"}
        ]},
       {"type": "Container", "width": "100%", "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal",
        "paddingTop": "@spacingMedium", "paddingBottom": "@spacingSmall", "items": [
        {"type": "Container", "direction": "row", "alignItems": "center", "items": [
          {"when": "${headerBackButton}", "type": "Frame", "width": 48, "height": 48, "borderRadius": 24, "backgroundColor": "@colorComponent",
           "item": {"type": "Text", "text": "‹", "fontSize": 32, "textAlign": "center", "textAlignVertical": "center", "width": "100%", "height": "100%", "color": "@colorText"}},
          {"type": "Container", "grow": 1, "shrink": 1, "spacing": "${headerBackButton ? @spacingSmall : 0}", "items": [
            {"type": "Text", "text": "${headerTitle}", "style": "textStyleTitle", "maxLines": 1},
            {"when": "${headerSubtitle}", "type": "Text", "text": "${headerSubtitle}", "style": "textStyleMetadata", "maxLines": 1}
          ]},
          {"when": "${headerAttributionImage}", "type": "Image", "source": "${headerAttributionImage}", "width": 48, "height": 48},
          {"when": "${headerAttributionText && !headerAttributionImage}", "type": "Text", "text": "${headerAttributionText}", "style": "textStyleMetadata", "maxLines": 1}
        ]},
        {"when": "${headerDivider}", "type": "Frame", "width": "100%", "height": 1, "backgroundColor": "@colorDivider", "spacing": "@spacingSmall"}
      ]}]
    },
    "AlexaFooter": {
      "parameters": ["hintText", "theme"],
      "item": {"type": "Container", "width": "100%", "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal",
        "paddingBottom": "${viewport.shape == 'round' ? @marginTop : @spacingMedium}",
        "items": [{"type": "Text", "text": "${hintText}", "style": "textStyleHint", "maxLines": "${viewport.shape == 'round' ? 2 : 1}",
                   "textAlign": "${viewport.shape == 'round' ? 'center' : 'auto'}"}]}
    },
    "AlexaButton": {
      "parameters": ["buttonText", "primaryAction", "buttonStyle", "disabled", "theme", "touchForward"],
      "item": {"type": "TouchWrapper", "onPress": "${primaryAction}", "disabled": "${disabled}",
        "item": {"type": "Frame", "borderRadius": "@radiusSmall", "paddingLeft": "@spacingMedium", "paddingRight": "@spacingMedium",
          "paddingTop": "@spacingSmall", "paddingBottom": "@spacingSmall", "minWidth": 120,
          "inheritParentState": true, "style": "alexaButtonFrame",
          "item": {"type": "Text", "text": "${buttonText}", "fontSize": "@fontSizeMedium", "fontWeight": "700", "textAlign": "center", "maxLines": 1,
            "color": "${buttonStyle == 'outlined' || buttonStyle == 'ingress' ? @colorAccent : @colorTextReversed}"}}}
    },
    "AlexaCheckbox": {
      "parameters": [{"name": "checkboxHeight", "default": 48}, {"name": "checkboxWidth", "default": 48},
        {"name": "checked", "default": false}, {"name": "disabled", "default": false},
        {"name": "isIndeterminate", "default": false}, "primaryAction", "theme", "accessibilityLabel"],
      "item": {"type": "TouchWrapper", "checked": "${checked}", "disabled": "${disabled}",
        "onPress": [{"type": "SetState", "state": "checked", "value": "${!event.source.value}"}, "${primaryAction}"],
        "item": {"type": "Frame", "width": "${checkboxWidth}", "height": "${checkboxHeight}", "inheritParentState": true,
          "style": "alexaCheckboxFrame", "borderRadius": 6, "borderWidth": 2,
          "item": {"type": "VectorGraphic", "width": "100%", "height": "100%", "inheritParentState": true,
            "source": "${isIndeterminate ? 'alexaCheckboxDash' : 'alexaCheckboxMark'}", "scale": "fill", "style": "alexaCheckboxMark"}}}
    },
    "AlexaPageCounter": {
      "parameters": ["currentPageComponentId", {"name": "currentPage", "default": 1}, "totalPages", "theme"],
      "item": {"type": "Text", "text": "${currentPage} | ${totalPages}", "style": "textStyleMetadata", "maxLines": 1}
    },
    "AlexaPhotoCaption": {
      "parameters": ["primaryText", "secondaryText", "theme"],
      "item": {"type": "Container", "width": "100%", "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal",
        "paddingBottom": "@spacingMedium", "items": [
          {"type": "Text", "text": "${primaryText}", "style": "textStyleBody", "maxLines": 2},
          {"when": "${secondaryText}", "type": "Text", "text": "${secondaryText}", "style": "textStyleMetadata", "maxLines": 1}]}
    },
    "AlexaFooterActionButton": {
      "parameters": ["buttonText", "primaryAction", "buttonStyle", "disabled", "theme", "touchForward", "accessibilityLabel"],
      "item": {"type": "Container", "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal",
        "paddingBottom": "@spacingMedium", "items": [
          {"type": "AlexaButton", "buttonText": "${buttonText}", "primaryAction": "${primaryAction}",
           "buttonStyle": "${buttonStyle}", "disabled": "${disabled}"}]}
    },
    "AlexaSwipeToAction": {
      "parameters": ["primaryText", "secondaryText", "tertiaryText", "ordinal", "hideOrdinal", "primaryAction", "hideDivider",
        "direction", "actionIcon", "actionIconType", "actionIconBackground", "actionIconForeground", "button1Text",
        "button1Command", "button2Text", "button2Command", "onSwipeDone", "onSwipeMove", "onButtonsShown", "onButtonsHidden",
        "imageThumbnailSource", "theme", "touchForward"],
      "item": {"type": "AlexaTextListItem", "primaryText": "${primaryText}", "secondaryText": "${secondaryText}",
        "tertiaryText": "${tertiaryText}", "ordinal": "${ordinal}", "hideOrdinal": "${hideOrdinal}",
        "primaryAction": "${primaryAction}", "hideDivider": "${hideDivider}"}
    },
    "AlexaTextListItem": {
      "parameters": ["primaryText", "secondaryText", "tertiaryText", "ordinal", "hideOrdinal", "primaryAction", "hideDivider"],
      "item": {"type": "TouchWrapper", "onPress": "${primaryAction}", "width": "100%",
        "item": {"type": "Frame", "width": "100%", "inheritParentState": true, "style": "alexaListItemFrame",
        "item": {"type": "Container", "width": "100%", "items": [
          {"type": "Container", "direction": "row", "alignItems": "center", "paddingTop": "@spacingSmall", "paddingBottom": "@spacingSmall",
           "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal", "items": [
            {"when": "${!hideOrdinal && ordinal}", "type": "Text", "text": "${ordinal}.", "style": "textStyleMetadata", "width": 48},
            {"type": "Container", "grow": 1, "shrink": 1, "items": [
              {"type": "Text", "text": "${primaryText}", "style": "textStyleBody", "maxLines": 2},
              {"when": "${secondaryText}", "type": "Text", "text": "${secondaryText}", "style": "textStyleMetadata", "maxLines": 1}
            ]},
            {"when": "${tertiaryText}", "type": "Text", "text": "${tertiaryText}", "style": "textStyleMetadata", "spacing": "@spacingSmall"}
          ]},
          {"when": "${!hideDivider}", "type": "Frame", "height": 1, "backgroundColor": "@colorDivider",
           "position": "relative", "left": "@marginHorizontal", "width": "${viewport.width - 2 * @marginHorizontal}"}
        ]}}}
    },
    "AlexaTextList": {
      "parameters": ["headerTitle", "headerSubtitle", "headerAttributionImage", "headerBackButton", "headerDivider", "backgroundColor",
        "backgroundImageSource", "listItems", "primaryAction", "hideOrdinal", "hideDivider", "theme"],
      "item": {"type": "Container", "width": "100vw", "height": "100vh", "items": [
        {"type": "AlexaBackground", "backgroundColor": "${backgroundColor}", "backgroundImageSource": "${backgroundImageSource}"},
        {"type": "AlexaHeader", "headerTitle": "${headerTitle}", "headerSubtitle": "${headerSubtitle}", "headerAttributionImage": "${headerAttributionImage}",
         "headerBackButton": "${headerBackButton}", "headerDivider": "${headerDivider}"},
        {"type": "Sequence", "grow": 1, "shrink": 1, "width": "100%", "data": "${listItems}", "items": [
          {"type": "AlexaTextListItem", "primaryText": "${data.primaryText}", "secondaryText": "${data.secondaryText}",
           "tertiaryText": "${data.tertiaryText}", "ordinal": "${ordinal}", "hideOrdinal": "${hideOrdinal}", "hideDivider": "${hideDivider}",
           "primaryAction": "${data.primaryAction ?? primaryAction}"}
        ]}
      ]}
    },
    "AlexaImageListItem": {
      "parameters": ["imageSource", "primaryText", "secondaryText", "primaryAction", "imageWidth", "imageHeight"],
      "item": {"type": "TouchWrapper", "onPress": "${primaryAction}", "width": "${imageWidth}",
        "item": {"type": "Container", "width": "100%", "items": [
          {"type": "Image", "source": "${imageSource}", "width": "100%", "height": "${imageHeight}", "borderRadius": "@radiusSmall", "scale": "best-fill"},
          {"type": "Text", "text": "${primaryText}", "style": "textStyleBody", "maxLines": 2, "spacing": "@spacingXSmall"},
          {"when": "${secondaryText}", "type": "Text", "text": "${secondaryText}", "style": "textStyleMetadata", "maxLines": 1}
        ]}}
    },
    "AlexaImageList": {
      "parameters": ["headerTitle", "headerSubtitle", "headerBackButton", "headerAttributionImage", "backgroundColor", "backgroundImageSource",
        "listItems", "primaryAction", "imageAspectRatio", "hideOrdinal", "theme"],
      "item": {"type": "Container", "width": "100vw", "height": "100vh", "items": [
        {"type": "AlexaBackground", "backgroundColor": "${backgroundColor}", "backgroundImageSource": "${backgroundImageSource}"},
        {"type": "AlexaHeader", "headerTitle": "${headerTitle}", "headerSubtitle": "${headerSubtitle}", "headerBackButton": "${headerBackButton}",
         "headerAttributionImage": "${headerAttributionImage}"},
        {"type": "Sequence", "scrollDirection": "horizontal", "grow": 1, "shrink": 1, "width": "100%",
         "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal", "data": "${listItems}", "items": [
          {"type": "AlexaImageListItem", "imageSource": "${data.imageSource}", "primaryText": "${data.primaryText}",
           "secondaryText": "${data.secondaryText}", "primaryAction": "${data.primaryAction ?? primaryAction}",
           "imageWidth": "${viewport.shape == 'round' ? 60vw : 24vw}",
           "imageHeight": "${imageAspectRatio == 'square' ? (viewport.shape == 'round' ? 60vw : 24vw) : (viewport.shape == 'round' ? 34vw : 13.5vw)}",
           "spacing": "${index > 0 ? @spacingMedium : 0}"}
        ]}
      ]}
    },
    "AlexaHeadline": {
      "parameters": ["primaryText", "secondaryText", "headerTitle", "headerSubtitle", "headerAttributionImage", "headerBackButton",
        "backgroundColor", "backgroundImageSource", "footerHintText", "theme"],
      "item": {"type": "Container", "width": "100vw", "height": "100vh", "items": [
        {"type": "AlexaBackground", "backgroundColor": "${backgroundColor}", "backgroundImageSource": "${backgroundImageSource}", "colorOverlay": true},
        {"type": "AlexaHeader", "headerTitle": "${headerTitle}", "headerSubtitle": "${headerSubtitle}",
         "headerAttributionImage": "${headerAttributionImage}", "headerBackButton": "${headerBackButton}"},
        {"type": "Container", "grow": 1, "shrink": 1, "justifyContent": "center", "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal", "items": [
          {"type": "Text", "text": "${primaryText}", "style": "textStyleHeadline", "textAlign": "center", "maxLines": 3},
          {"when": "${secondaryText}", "type": "Text", "text": "${secondaryText}", "style": "textStyleBody", "textAlign": "center", "maxLines": 2, "spacing": "@spacingSmall"}
        ]},
        {"when": "${footerHintText}", "type": "AlexaFooter", "hintText": "${footerHintText}"}
      ]}
    },
    "AlexaImage": {
      "parameters": ["imageSource", "imageWidth", "imageHeight", "imageAspectRatio", "imageRoundedCorner", "imageScale", "imageAlignment"],
      "item": {"type": "Image", "source": "${imageSource}", "width": "${imageWidth ?? 200}", "height": "${imageHeight ?? imageWidth ?? 200}",
        "scale": "${imageScale ?? 'best-fill'}", "borderRadius": "${imageRoundedCorner == false ? 0 : @radiusSmall}"}
    },
    "AlexaDetail": {
      "parameters": ["detailType", "headerTitle", "headerSubtitle", "headerBackButton", "headerAttributionImage", "backgroundColor", "backgroundImageSource",
        "imageSource", "imageAspectRatio", "primaryText", "secondaryText", "tertiaryText", "bodyText", "button1Text", "button1PrimaryAction",
        "button2Text", "button2PrimaryAction", "theme"],
      "item": {"type": "Container", "width": "100vw", "height": "100vh", "items": [
        {"type": "AlexaBackground", "backgroundColor": "${backgroundColor}", "backgroundImageSource": "${backgroundImageSource}", "colorOverlay": true},
        {"type": "AlexaHeader", "headerTitle": "${headerTitle}", "headerSubtitle": "${headerSubtitle}", "headerBackButton": "${headerBackButton}",
         "headerAttributionImage": "${headerAttributionImage}"},
        {"type": "ScrollView", "grow": 1, "shrink": 1, "width": "100%", "item":
          {"type": "Container", "direction": "${viewport.shape == 'round' ? 'column' : 'row'}", "paddingLeft": "@marginHorizontal", "paddingRight": "@marginHorizontal", "items": [
            {"when": "${imageSource}", "type": "Image", "source": "${imageSource}", "width": "${viewport.shape == 'round' ? 50vw : 30vw}",
             "height": "${imageAspectRatio == 'square' ? (viewport.shape == 'round' ? 50vw : 30vw) : (viewport.shape == 'round' ? 28vw : 17vw)}",
             "borderRadius": "@radiusSmall", "scale": "best-fill"},
            {"type": "Container", "grow": 1, "shrink": 1, "spacing": "@spacingLarge", "items": [
              {"type": "Text", "text": "${primaryText}", "style": "textStyleHeadline", "maxLines": 2},
              {"when": "${secondaryText}", "type": "Text", "text": "${secondaryText}", "style": "textStyleBody", "spacing": "@spacingXSmall"},
              {"when": "${tertiaryText}", "type": "Text", "text": "${tertiaryText}", "style": "textStyleMetadata", "spacing": "@spacingXSmall"},
              {"when": "${button1Text || button2Text}", "type": "Container", "direction": "row", "spacing": "@spacingMedium", "items": [
                {"when": "${button1Text}", "type": "AlexaButton", "buttonText": "${button1Text}", "primaryAction": "${button1PrimaryAction}"},
                {"when": "${button2Text}", "type": "AlexaButton", "buttonText": "${button2Text}", "primaryAction": "${button2PrimaryAction}",
                 "buttonStyle": "outlined", "spacing": "@spacingSmall"}
              ]},
              {"when": "${bodyText}", "type": "Text", "text": "${bodyText}", "style": "textStyleBody", "spacing": "@spacingMedium"}
            ]}
          ]}}
      ]}
    }
  }
}
}"##;
