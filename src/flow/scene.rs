//! The scenes a device shows (docs/design.md "Scenes").

/// One screen of the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scene {
    Home,
    Invoking,
    LinkPrompt,
    ProfilePicker,
    /// The device's own browser on a sign-in page (and any page that is not terms or consent).
    Login,
    /// The device's browser on a terms page.
    Terms,
    /// The device's browser on a consent page (Allow / Deny).
    Consent,
    /// The browser reached the Alexa redirect URL: the link is being completed.
    Linking,
    Success,
    SkillResponse,
    CodeExpired,
    AccessDenied,
    /// Signing in worked but the link did not (the token exchange failed).
    LinkFailed,
    ServerUnreachable,
    SkillError,
    /// Alexa's voice-forward account-linking dialog: her questions as captions.
    VoiceLink,
}

impl Scene {
    /// Every scene, in `linkscreen scenes` order.
    pub const ALL: &'static [Scene] = &[
        Scene::Home,
        Scene::Invoking,
        Scene::LinkPrompt,
        Scene::ProfilePicker,
        Scene::Login,
        Scene::Terms,
        Scene::Consent,
        Scene::Linking,
        Scene::Success,
        Scene::SkillResponse,
        Scene::CodeExpired,
        Scene::AccessDenied,
        Scene::LinkFailed,
        Scene::ServerUnreachable,
        Scene::SkillError,
        Scene::VoiceLink,
    ];

    /// The kebab-case name used on the CLI, in file names and in events.
    pub fn id(self) -> &'static str {
        match self {
            Scene::Home => "home",
            Scene::Invoking => "invoking",
            Scene::LinkPrompt => "link-prompt",
            Scene::ProfilePicker => "profile-picker",
            Scene::Login => "login",
            Scene::Terms => "terms",
            Scene::Consent => "consent",
            Scene::Linking => "linking",
            Scene::Success => "success",
            Scene::SkillResponse => "skill-response",
            Scene::CodeExpired => "code-expired",
            Scene::AccessDenied => "access-denied",
            Scene::LinkFailed => "link-failed",
            Scene::ServerUnreachable => "server-unreachable",
            Scene::SkillError => "skill-error",
            Scene::VoiceLink => "voice-link",
        }
    }

    /// Parses a scene name.
    pub fn from_id(id: &str) -> Option<Scene> {
        Scene::ALL.iter().copied().find(|s| s.id() == id)
    }
}
