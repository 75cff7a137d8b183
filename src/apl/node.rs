//! The inflated screen as data: each component ([`Node`]) of a [`Kind`], its properties, its
//! children, where its style and its own `bind` came from, and the screen's live state (scroll,
//! pages, focus, the finger, what is spoken). What inflation makes and everything after reads.

use std::collections::HashMap;
use std::sync::Arc as Rc;

use serde_json::{Map, Value, json};

use super::scope::Ctx;
use super::value::{as_num, as_text, truthy};

/// The kinds of component linkscreen draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Container,
    Frame,
    Text,
    Image,
    TouchWrapper,
    Sequence,
    GridSequence,
    /// A scrolling list whose children wrap into lines, each child its own size.
    FlexSequence,
    ScrollView,
    Pager,
    VectorGraphic,
    EditText,
    /// A video: offline, what a device shows before it plays (a black box).
    Video,
    /// Something that cannot be drawn: a labelled box.
    Placeholder,
}

impl Kind {
    pub(super) fn of(t: &str) -> Option<Kind> {
        Some(match t {
            "Container" => Kind::Container,
            "Frame" => Kind::Frame,
            "Text" => Kind::Text,
            "Image" => Kind::Image,
            "TouchWrapper" => Kind::TouchWrapper,
            "Sequence" => Kind::Sequence,
            "GridSequence" => Kind::GridSequence,
            "FlexSequence" => Kind::FlexSequence,
            "Video" => Kind::Video,
            "ScrollView" => Kind::ScrollView,
            "Pager" => Kind::Pager,
            "VectorGraphic" => Kind::VectorGraphic,
            "EditText" => Kind::EditText,
            _ => return None,
        })
    }
    /// Components that hold any number of children.
    pub(super) fn multi(self) -> bool {
        matches!(
            self,
            Kind::Container
                | Kind::Sequence
                | Kind::GridSequence
                | Kind::FlexSequence
                | Kind::Pager
        )
    }
    pub(super) fn leaf(self) -> bool {
        matches!(
            self,
            Kind::Text
                | Kind::Image
                | Kind::VectorGraphic
                | Kind::EditText
                | Kind::Video
                | Kind::Placeholder
        )
    }
}

/// One inflated component.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// The component's type as written (a placeholder's label).
    pub type_name: String,
    pub id: Option<String>,
    /// Unique within the screen: touch targets and scroll positions refer to it.
    pub uid: usize,
    /// Evaluated properties (style values first, then the component's own).
    pub props: Map<String, Value>,
    pub children: Vec<Node>,
    /// The bindings in force where the component was inflated (commands evaluate in it).
    pub scope: Rc<Ctx>,
    /// Where in the document it came from.
    pub path: String,
    /// Its style, if it has one (restyled when its state changes).
    pub styling: Option<Box<Styling>>,
    /// Its own `bind` (a SetValue of a bound value makes it again).
    pub binding: Option<Rc<Binding>>,
}

impl Node {
    pub fn prop(&self, name: &str) -> Option<&Value> {
        self.props.get(name).filter(|v| !v.is_null())
    }
    pub fn str(&self, name: &str) -> Option<&str> {
        self.prop(name).and_then(Value::as_str)
    }
    /// A property as text (a number bound into a text is written out).
    pub fn text(&self, name: &str) -> Option<String> {
        self.prop(name).map(as_text)
    }
    /// A number property, finite and within ±1e9 (NaN and infinities are no number).
    pub fn num(&self, name: &str) -> Option<f64> {
        self.prop(name)
            .and_then(as_num)
            .filter(|n| n.is_finite())
            .map(|n| n.clamp(-1e9, 1e9))
    }
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.prop(name).map(truthy)
    }
    /// Depth-first search by id.
    pub fn find(&self, id: &str) -> Option<&Node> {
        if self.id.as_deref() == Some(id) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(id))
    }
    pub fn find_mut(&mut self, id: &str) -> Option<&mut Node> {
        if self.id.as_deref() == Some(id) {
            return Some(self);
        }
        self.children.iter_mut().find_map(|c| c.find_mut(id))
    }
    pub fn find_uid(&self, uid: usize) -> Option<&Node> {
        if self.uid == uid {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find_uid(uid))
    }
    pub fn find_uid_mut(&mut self, uid: usize) -> Option<&mut Node> {
        if self.uid == uid {
            return Some(self);
        }
        self.children.iter_mut().find_map(|c| c.find_uid_mut(uid))
    }
}

/// What a component with its own `bind` was made from: its definition, the scope around it,
/// and the bound values SetValue has set so far.
#[derive(Debug)]
pub struct Binding {
    pub def: Value,
    pub outer: Rc<Ctx>,
    pub set: HashMap<String, Value>,
    /// What a layout's instance gave the component, if it is a layout's top component (the
    /// instance's own properties, evaluated where the instance was written): a component made
    /// again from `def` gets them too.
    pub instance: Vec<(String, Value)>,
}

impl Binding {
    /// The same binding, with what a layout's instance gave its component.
    pub fn given(&self, instance: Vec<(String, Value)>) -> Rc<Binding> {
        Rc::new(Binding {
            def: self.def.clone(),
            outer: self.outer.clone(),
            set: self.set.clone(),
            instance,
        })
    }

    /// Whether its `bind` names this value.
    pub fn binds(&self, name: &str) -> bool {
        self.def
            .get("bind")
            .and_then(Value::as_array)
            .is_some_and(|b| {
                b.iter()
                    .any(|e| e.get("name").and_then(Value::as_str) == Some(name))
            })
    }
}

/// A component's state, as a style's `when` reads it (`${state.pressed}`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct States {
    pub pressed: bool,
    pub disabled: bool,
    pub checked: bool,
    pub focused: bool,
    pub karaoke: bool,
}

impl States {
    /// The state a component's own properties give it (`checked`, `disabled`).
    pub fn of_props(props: &Map<String, Value>) -> States {
        let flag = |k: &str| props.get(k).is_some_and(truthy);
        States {
            checked: flag("checked"),
            disabled: flag("disabled"),
            ..States::default()
        }
    }

    /// A component's state on the screen now: its properties, the finger, the focus and
    /// what is being spoken.
    pub(super) fn of(n: &Node, live: &LiveState) -> States {
        States {
            pressed: live.pressed == Some(n.uid),
            focused: live.focus == Some(n.uid),
            karaoke: live.karaoke == Some(n.uid),
            ..States::of_props(&n.props)
        }
    }

    pub(super) fn json(self) -> Value {
        json!({
            "pressed": self.pressed, "disabled": self.disabled, "checked": self.checked,
            "focused": self.focused, "karaoke": self.karaoke,
        })
    }
}

/// Where a component's style values came from: the style, the keys it set (those the component
/// does not set itself) and the state they were chosen for.
#[derive(Debug, Clone)]
pub struct Styling {
    pub name: String,
    pub keys: Vec<String>,
    pub state: States,
}

/// The live state a layout reads: scroll offsets and current pages, by uid.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub scroll: HashMap<usize, f32>,
    pub page: HashMap<usize, usize>,
    /// The touch target the remote's or keyboard's focus is on (uid).
    pub focus: Option<usize>,
    /// The touch target under a finger that is down (uid).
    pub pressed: Option<usize>,
    /// The EditText the keyboard types into (uid).
    pub editing: Option<usize>,
    /// The component being spoken by `SpeakItem` (uid), and its words as a caption.
    pub karaoke: Option<usize>,
    pub caption: Option<String>,
    /// SwipeAway gestures under way, by the swiped component's uid.
    pub swipe: HashMap<usize, Swipe>,
}

/// The finger that is down: on which component, where it went down (dp in the component),
/// and whether a swipe has taken it. A component made again while the finger is on it (a
/// slider sets its own bound value) keeps it: `uid` follows it, and events still addressed to
/// the uid it went down on (`asked`) reach it.
#[derive(Debug, Clone, Copy)]
pub struct Finger {
    pub(super) uid: usize,
    pub(super) asked: usize,
    pub(super) from: (f32, f32),
    pub(super) swiping: bool,
}

/// A SwipeAway under way: how far the component's child has followed the finger (dp, less
/// than 0 to the left), the gesture's `items` shown as it goes (uid) and how they show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swipe {
    pub offset: f32,
    pub item: usize,
    pub action: SwipeAction,
    /// -1 to the left, 1 to the right (the gesture's `direction`, as evaluated when it began).
    pub sign: f32,
    /// The `direction` as written: `left`, `right`, `forward`, `backward`.
    pub direction: &'static str,
}

/// A SwipeAway's `action`: the items come in beside the child (`slide`), lie under it
/// (`reveal`) or come in over it (`cover`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SwipeAction {
    Slide,
    Reveal,
    Cover,
}
