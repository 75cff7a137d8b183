//! The component properties linkscreen reads to lay out and draw, each typed and with its
//! default as the APL reference gives it ("Component properties", and each component's page).
//! A property is read with [`Node::get`]: its value when it has one of its type, else its
//! default (a misspelt `"position": "absolut"` is `relative`, as in apl-core). Lengths read
//! through [`Node::length`], which needs the viewport. Text content (`text`, `hint`, a label)
//! stays text ([`Node::text`]).

use serde_json::Value;

use super::node::Node;
use super::scope::{Viewport, finite_dp};
use super::value::{as_num, truthy};

/// A property: its name in the document and its value when the component does not give one.
pub struct Prop<T: 'static> {
    pub name: &'static str,
    pub default: T,
}

/// What a property's value may be read as.
pub trait Type: Sized + Copy {
    /// The value as this type (None: not one of it, so the default stands).
    fn read(v: &Value) -> Option<Self>;
}

/// A number, finite and within ±1e9.
impl Type for f64 {
    fn read(v: &Value) -> Option<f64> {
        as_num(v)
            .filter(|n| n.is_finite())
            .map(|n| n.clamp(-1e9, 1e9))
    }
}

/// A flag: APL's truthiness.
impl Type for bool {
    fn read(v: &Value) -> Option<bool> {
        Some(truthy(v))
    }
}

/// A property without a default: the value if it is one of its type.
impl<T: Type> Type for Option<T> {
    fn read(v: &Value) -> Option<Option<T>> {
        T::read(v).map(Some)
    }
}

/// A length in dp (`10`, `"10dp"`, `"4px"`, `"10vw"`): a property read with
/// [`Node::length`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Length(pub f32);

/// The named values of an enumerated property, as a Rust enum that reads them.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($v:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($v),+ }
        impl Type for $name {
            fn read(v: &Value) -> Option<$name> {
                match v.as_str()? {
                    $($s => Some($name::$v),)+
                    _ => None,
                }
            }
        }
        impl $name {
            /// The word as APL writes it.
            #[allow(dead_code)]
            pub fn word(self) -> &'static str {
                match self {
                    $($name::$v => $s,)+
                }
            }
        }
    };
}

words!(
    /// `display`.
    Display { Normal = "normal", Invisible = "invisible", None = "none" }
);
words!(
    /// `position`.
    Position { Relative = "relative", Absolute = "absolute", Sticky = "sticky" }
);
words!(
    /// `scrollDirection` of a Sequence, GridSequence or FlexSequence.
    ScrollDirection { Vertical = "vertical", Horizontal = "horizontal" }
);
words!(
    /// A Container's `direction`.
    Direction { Column = "column", Row = "row", ColumnReverse = "columnReverse", RowReverse = "rowReverse" }
);
words!(
    /// A Container's `wrap`.
    Wrap { No = "noWrap", Yes = "wrap", Reverse = "wrapReverse" }
);
words!(
    /// A Container's `alignItems`, a child's `alignSelf` (`auto`: as its parent says).
    Align { Auto = "auto", Start = "start", End = "end", Center = "center", Baseline = "baseline", Stretch = "stretch" }
);
words!(
    /// A Container's `justifyContent`.
    Justify {
        Start = "start", End = "end", Center = "center", SpaceBetween = "spaceBetween",
        SpaceAround = "spaceAround", SpaceEvenly = "spaceEvenly"
    }
);
words!(
    /// `layoutDirection`.
    LayoutDirection { Inherit = "inherit", Ltr = "LTR", Rtl = "RTL" }
);
words!(
    /// A Text's `textAlign`.
    TextAlign { Auto = "auto", Left = "left", Center = "center", Right = "right", Start = "start", End = "end" }
);
words!(
    /// A Text's `textAlignVertical`.
    TextAlignVertical { Auto = "auto", Top = "top", Center = "center", Bottom = "bottom" }
);
words!(
    /// A Text's `fontStyle`.
    FontStyle { Normal = "normal", Italic = "italic" }
);

words!(
    /// An Image's or a VectorGraphic's `scale`.
    Scale { None = "none", Fill = "fill", BestFill = "best-fill", BestFit = "best-fit", BestFitDown = "best-fit-down" }
);
words!(
    /// An Image's or a VectorGraphic's `align` in its box.
    BoxAlign {
        Center = "center", Top = "top", Bottom = "bottom", Left = "left", Right = "right",
        TopLeft = "top-left", TopRight = "top-right", BottomLeft = "bottom-left", BottomRight = "bottom-right"
    }
);

impl BoxAlign {
    /// Where in its box, (horizontal, vertical): each 0 start, 1 centre, 2 end.
    pub fn place(self) -> (u8, u8) {
        let w = self.word();
        let h = if w.contains("left") {
            0
        } else if w.contains("right") {
            2
        } else {
            1
        };
        let v = if w.starts_with("top") {
            0
        } else if w.starts_with("bottom") {
            2
        } else {
            1
        };
        (h, v)
    }
}

/// A colour, read by [`super::primitives`] (which knows every CSS form).
pub type Colour = [u8; 4];

pub const DISPLAY: Prop<Display> = Prop {
    name: "display",
    default: Display::Normal,
};
pub const POSITION: Prop<Position> = Prop {
    name: "position",
    default: Position::Relative,
};
pub const SCROLL_DIRECTION: Prop<ScrollDirection> = Prop {
    name: "scrollDirection",
    default: ScrollDirection::Vertical,
};
pub const DIRECTION: Prop<Direction> = Prop {
    name: "direction",
    default: Direction::Column,
};
pub const WRAP: Prop<Wrap> = Prop {
    name: "wrap",
    default: Wrap::No,
};
pub const ALIGN_ITEMS: Prop<Align> = Prop {
    name: "alignItems",
    default: Align::Stretch,
};
pub const ALIGN_SELF: Prop<Align> = Prop {
    name: "alignSelf",
    default: Align::Auto,
};
pub const JUSTIFY_CONTENT: Prop<Justify> = Prop {
    name: "justifyContent",
    default: Justify::Start,
};
pub const LAYOUT_DIRECTION: Prop<LayoutDirection> = Prop {
    name: "layoutDirection",
    default: LayoutDirection::Inherit,
};
pub const TEXT_ALIGN: Prop<TextAlign> = Prop {
    name: "textAlign",
    default: TextAlign::Auto,
};
pub const TEXT_ALIGN_VERTICAL: Prop<TextAlignVertical> = Prop {
    name: "textAlignVertical",
    default: TextAlignVertical::Auto,
};
pub const FONT_STYLE: Prop<FontStyle> = Prop {
    name: "fontStyle",
    default: FontStyle::Normal,
};
pub const GROW: Prop<f64> = Prop {
    name: "grow",
    default: 0.0,
};
pub const SHRINK: Prop<f64> = Prop {
    name: "shrink",
    default: 0.0,
};
pub const MAX_LINES: Prop<f64> = Prop {
    name: "maxLines",
    default: 0.0,
};
pub const INITIAL_PAGE: Prop<f64> = Prop {
    name: "initialPage",
    default: 0.0,
};
/// An EditText's `maxLength` (0: no limit).
pub const MAX_LENGTH: Prop<f64> = Prop {
    name: "maxLength",
    default: 0.0,
};
/// A Video's `autoplay`.
pub const AUTOPLAY: Prop<bool> = Prop {
    name: "autoplay",
    default: false,
};
pub const DISABLED: Prop<bool> = Prop {
    name: "disabled",
    default: false,
};
pub const CHECKED: Prop<bool> = Prop {
    name: "checked",
    default: false,
};
pub const SECURE_INPUT: Prop<bool> = Prop {
    name: "secureInput",
    default: false,
};
pub const INHERIT_PARENT_STATE: Prop<bool> = Prop {
    name: "inheritParentState",
    default: false,
};
pub const BORDER_WIDTH: Prop<Length> = Prop {
    name: "borderWidth",
    default: Length(0.0),
};
/// An EditText's border is 1 dp unless told.
pub const EDIT_BORDER_WIDTH: Prop<Length> = Prop {
    name: "borderWidth",
    default: Length(1.0),
};
pub const BORDER_RADIUS: Prop<Length> = Prop {
    name: "borderRadius",
    default: Length(0.0),
};
pub const LETTER_SPACING: Prop<Length> = Prop {
    name: "letterSpacing",
    default: Length(0.0),
};
/// APL's default font size, 40 dp.
pub const FONT_SIZE: Prop<Length> = Prop {
    name: "fontSize",
    default: Length(40.0),
};
pub const IMAGE_SCALE: Prop<Scale> = Prop {
    name: "scale",
    default: Scale::BestFit,
};
pub const VECTOR_SCALE: Prop<Scale> = Prop {
    name: "scale",
    default: Scale::None,
};
pub const ALIGN: Prop<BoxAlign> = Prop {
    name: "align",
    default: BoxAlign::Center,
};
const CLEAR: Colour = [0, 0, 0, 0];
pub const BACKGROUND_COLOR: Prop<Colour> = Prop {
    name: "backgroundColor",
    default: CLEAR,
};
/// A Frame's `background` (APL 2023.1), in place of its `backgroundColor`.
pub const BACKGROUND: Prop<Option<Colour>> = Prop {
    name: "background",
    default: None,
};
pub const BORDER_COLOR: Prop<Colour> = Prop {
    name: "borderColor",
    default: CLEAR,
};
/// An EditText's border is grey unless told.
pub const EDIT_BORDER_COLOR: Prop<Colour> = Prop {
    name: "borderColor",
    default: [0x80, 0x80, 0x80, 255],
};
pub const OVERLAY_COLOR: Prop<Colour> = Prop {
    name: "overlayColor",
    default: CLEAR,
};
/// A Text's `color`: its default is the theme's (light or dark).
pub const COLOR: Prop<Option<Colour>> = Prop {
    name: "color",
    default: None,
};
/// An EditText's `hintColor`: its default is the theme's.
pub const HINT_COLOR: Prop<Option<Colour>> = Prop {
    name: "hintColor",
    default: None,
};

/// `left`, `top`, `right`, `bottom`: a relative component moves by them after layout; an
/// absolute one is placed by them. None (`auto`) unless given.
pub const LEFT: Prop<Length> = Prop {
    name: "left",
    default: Length(0.0),
};
pub const TOP: Prop<Length> = Prop {
    name: "top",
    default: Length(0.0),
};
pub const RIGHT: Prop<Length> = Prop {
    name: "right",
    default: Length(0.0),
};
pub const BOTTOM: Prop<Length> = Prop {
    name: "bottom",
    default: Length(0.0),
};
/// linkscreen's own packages size a box by its other side (width over height, as
/// AlexaImage's `imageAspectRatio` does): no document property, 0 when not given.
pub const ASPECT_RATIO: Prop<f64> = Prop {
    name: "_aspectRatio",
    default: 0.0,
};
/// A VectorGraphic with an `onPress` (set by inflation): a button.
pub const TOUCHABLE: Prop<bool> = Prop {
    name: "_touchable",
    default: false,
};
/// A component with an `onLayout` (set by inflation): its bounds are reported.
pub const ON_LAYOUT: Prop<bool> = Prop {
    name: "_onLayout",
    default: false,
};
/// A SwipeAway's items, made when the swipe starts (set then): they lie over the swiped
/// component's box, not in its flow.
pub const SWIPE_ITEMS: Prop<bool> = Prop {
    name: "_swipeItems",
    default: false,
};
/// A touchable component with onDown, onMove, onUp, onCancel or gestures (set at inflation).
pub const POINTER: Prop<bool> = Prop {
    name: "_pointer",
    default: false,
};

impl Node {
    /// Property `p`: its value if the component gives one of its type, else its default.
    pub fn get<T: Type>(&self, p: &Prop<T>) -> T {
        self.prop(p.name).and_then(T::read).unwrap_or(p.default)
    }

    /// Length property `p` in dp on this viewport, else its default.
    pub fn length(&self, p: &Prop<Length>, vp: &Viewport) -> f32 {
        self.length_given(p, vp).unwrap_or(p.default.0)
    }

    /// Length property `p` in dp if the component gives one (`auto` and not a length: none).
    pub fn length_given(&self, p: &Prop<Length>, vp: &Viewport) -> Option<f32> {
        read_length(self.prop(p.name)?, vp)
    }
}

/// A length as APL writes it, a number or a string with a unit, in dp (within ±`MAX_DP`).
pub fn read_length(v: &Value, vp: &Viewport) -> Option<f32> {
    match v {
        Value::Number(n) => n.as_f64().and_then(finite_dp),
        Value::String(s) => vp.length(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::screen;
    use super::*;

    /// A property reads as its type, else its default: a misspelt word, a number that is no
    /// number, a property not given.
    #[test]
    fn a_property_is_its_value_of_its_type_else_its_default() {
        let s = screen(
            json!({"type": "APL", "version": "2024.3", "mainTemplate": {"items": [
                {"type": "Container", "position": "absolut", "direction": "row", "grow": "lots",
                 "shrink": 2, "disabled": 1, "items": [{"type": "Text", "fontSize": "20vw"}]}]}}),
            json!({}),
        );
        let c = s.root().unwrap();
        assert_eq!(
            c.get(&POSITION),
            Position::Relative,
            "misspelt: the default"
        );
        assert_eq!(c.get(&DIRECTION), Direction::Row);
        assert_eq!(c.get(&GROW), 0.0);
        assert_eq!(c.get(&SHRINK), 2.0);
        assert!(c.get(&DISABLED), "truthy");
        assert_eq!(c.get(&DISPLAY), Display::Normal, "not given");
        let t = &c.children[0];
        assert_eq!(
            t.length(&FONT_SIZE, s.viewport()),
            s.viewport().width_dp() / 5.0
        );
        assert_eq!(c.length(&FONT_SIZE, s.viewport()), 40.0);
        assert_eq!(c.length_given(&BORDER_WIDTH, s.viewport()), None);
    }
}
