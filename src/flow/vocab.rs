//! The flow's vocabulary: what goes in ([`Event`]), what comes out ([`Effect`]), what it is
//! in ([`State`]) and the data they carry. Plain data: no IO, no clock.

use super::{LinkOutcome, LinkRequest, Millis, VoiceStep};

/// A code the linking service issued, as the device shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_at: Millis,
    pub interval_ms: Millis,
}

/// What the link prompt shows: the QR code, or the device's own browser on the skill's sign-in
/// pages ("Sign in using this device"). Polling goes on in both, so a link finished anywhere wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Qr,
    Browser(PageKind),
}

/// Which sign-in page the device's browser is on (the runtime classifies each page it loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// A log-in page, or any other page (and the first load).
    Login,
    Terms,
    Consent,
    /// The Alexa redirect URL was reached: the link is being completed.
    Finishing,
}

impl LinkCode {
    /// Where the code leads: `verification_uri_complete`, else the verification URI with the
    /// user code (the QR payload and the device's sign-in fallback).
    pub fn complete_uri(&self) -> String {
        self.verification_uri_complete
            .clone()
            .unwrap_or_else(|| format!("{}?user_code={}", self.verification_uri, self.user_code))
    }
}

/// Which peer failed, so a retry repeats the right step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Asking the linking service for the stored token.
    FetchLink,
    /// Sending the LaunchRequest to the skill.
    Launch,
    /// Asking for a device code.
    RequestCode,
    /// Polling.
    Poll,
    /// Voice-forward linking: sending or checking the one-time code.
    VoiceLink,
}

/// What the skill answered, reduced to what the flow needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SkillAnswer {
    pub speech: Option<String>,
    pub card_title: Option<String>,
    pub card_text: Option<String>,
    pub asks_to_link: bool,
    /// `shouldEndSession: false`: the session stays open and the device listens for an answer.
    pub keeps_session: bool,
    /// The skill asked Alexa to link by voice (`Connections.StartConnection` to
    /// `connection://AMAZON.AskForAccountLinking/1`, docs/design.md "Wire formats" §4).
    pub link_request: Option<LinkRequest>,
    /// The response's APL directives as sent (`Alexa.Presentation.APL.*`): the device's
    /// screen runs them, the flow only sees that the skill answered.
    pub apl: Vec<serde_json::Value>,
}

/// An intent the user asked for with the invocation ("ask Ride Hailer to book a ride"), with
/// its slots (None: the slot was not filled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentCall {
    pub name: String,
    pub slots: Vec<(String, Option<String>)>,
}

/// Something that happened: user input, a peer's answer, or time passing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// "Alexa, open <skill>" (spoken, typed or tapped).
    Invoked,
    /// "Alexa, ask <skill> to …": like `Invoked`, and the first request is this IntentRequest.
    Asked(IntentCall),
    /// The linking service's stored token for this device's user (None: not linked).
    LinkFetched {
        token: Option<String>,
    },
    /// The skill answered with a valid response envelope.
    SkillAnswered(SkillAnswer),
    /// The skill answered, but not with something Alexa accepts.
    SkillFailed {
        reason: String,
    },
    /// A peer did not answer, or answered with a server error.
    PeerUnreachable {
        step: Step,
        reason: String,
    },
    /// The linking service issued a code.
    CodeIssued(LinkCode),
    /// A poll answered `authorization_pending` after `elapsed` ms (long-polls are held).
    PollPending {
        epoch: u32,
        elapsed: Millis,
    },
    /// A poll answered `slow_down`.
    PollSlowDown {
        epoch: u32,
        elapsed: Millis,
    },
    /// A poll returned the access token.
    PollGranted {
        epoch: u32,
        access_token: String,
    },
    PollDenied {
        epoch: u32,
    },
    PollExpired {
        epoch: u32,
    },
    /// A poll got an error that ends this code (e.g. `invalid_grant`).
    PollFailed {
        epoch: u32,
        reason: String,
    },
    /// A timer the flow asked for fired (or any periodic wake-up).
    Tick,
    TapNewCode,
    TapRetry,
    TapHome,
    TapSignInHere,
    /// A household profile was chosen on the profile picker.
    Picked {
        person_id: String,
    },
    /// "Back" on the profile picker.
    TapBack,
    /// The device's browser shows a page of this kind.
    PageShown(PageKind),
    /// The device's browser was closed: back to the QR code.
    TapCloseSignIn,
    /// Kiosk mode: the runtime's once-a-second check for an idle screen.
    IdleCheck,
    /// The recognized speaker changed (a voice profile: person id and name), or is unknown.
    SpeakerChanged(Option<(String, String)>),
    /// Words said inside an open session, understood as one of the skill's intents.
    Heard(IntentCall),
    /// Voice-forward linking: "I approve" (or yes) to Alexa's permission question.
    Approved,
    /// Voice-forward linking: "No" to Alexa's question.
    Declined,
    /// Voice-forward linking: "My code is …", the digits heard.
    CodeSpoken(String),
    /// The one-time code was sent to the user's phone.
    OtpSent,
    /// The linking service checked the spoken code: `linked` when it matched (the link is
    /// stored), else the code was wrong.
    OtpChecked {
        linked: bool,
    },
}

/// Something the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the linking service for the stored token.
    FetchLink,
    /// Send a LaunchRequest (or, when the journey started with one, that IntentRequest), with
    /// the token when there is one.
    SendLaunch {
        token: Option<String>,
        intent: Option<IntentCall>,
    },
    /// Ask the linking service for a device code, for this person (personal linking).
    RequestCode { person: Option<String> },
    /// Poll once after `after` ms; `wait_s` asks a long-poll capable server to hold it.
    Poll {
        epoch: u32,
        device_code: String,
        after: Millis,
        wait_s: u64,
    },
    /// Stop any poll in flight.
    CancelPoll,
    /// Send `Event::Tick` at this time.
    WakeAt(Millis),
    /// Forward a card to the Alexa app (phone).
    ForwardCard {
        kind: String,
        speech: Option<String>,
    },
    /// Open the skill's sign-in page in the device's own browser ("Sign in using this device").
    OpenSignIn {
        device_code: String,
        verification_uri_complete: String,
    },
    /// Close the device's browser.
    CloseSignIn,
    /// Kiosk mode: revoke and delete the links made in this journey (account-level, and the
    /// picked person's), so the next visitor starts unlinked.
    Unlink { person: Option<String> },
    /// Send an IntentRequest in the open session.
    SendIntent(IntentCall),
    /// Voice-forward linking: send a one-time code to the speaker's phone.
    SendOtp { person: String, name: String },
    /// Voice-forward linking: check the code the speaker said (and link when it matches).
    VerifyOtp { code: String, person: String },
    /// Voice-forward linking is over: tell the skill (a SessionResumedRequest, or with
    /// `SEND_ERRORS_ONLY` a System.ExceptionEncountered for a failure).
    ResumeSession {
        link: LinkRequest,
        outcome: LinkOutcome,
    },
    /// The user left an open session (SessionEndedRequest, reason USER_INITIATED).
    EndSession,
    /// The skill answered with a LinkAccount card although it has no account linking: real
    /// Alexa has nothing to link (a conformance finding; the answer is shown as it is).
    ReportCardWithoutLinking { speech: Option<String> },
}

/// Where the journey is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Home,
    Invoking {
        token: Option<String>,
    },
    RequestingCode {
        skill_speech: Option<String>,
    },
    /// The profile picker (personal linking), before a person-bound code is requested.
    Picking {
        skill_speech: Option<String>,
    },
    Prompt {
        code: LinkCode,
        skill_speech: Option<String>,
        epoch: u32,
        view: View,
    },
    Success {
        until: Millis,
        token: String,
    },
    Launching {
        token: String,
    },
    SkillResponse(SkillAnswer),
    CodeExpired,
    AccessDenied,
    /// The authorization finished but the link did not: the token exchange with the skill's
    /// server failed (too slow, refused, not a token), or the grant ended otherwise.
    LinkFailed {
        reason: String,
    },
    /// `resume` is the link prompt to go back to when polling failed.
    Unreachable {
        step: Step,
        reason: String,
        retry_at: Millis,
        attempt: u32,
        resume: Option<Box<State>>,
    },
    SkillError {
        reason: String,
    },
    /// Alexa's own voice-forward account-linking dialog (docs/design.md "Wire formats" §4).
    VoiceLink {
        link: LinkRequest,
        step: VoiceStep,
        /// Wrong codes said so far.
        tries: u32,
    },
}

/// Settings the flow needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowConfig {
    /// The skill has account linking at all. Without it every request goes straight to the
    /// skill without a token, and a LinkAccount card has nothing to link.
    pub account_linking: bool,
    /// Account linking required: ask to link when no token is stored, even before the skill asks.
    pub linking_required: bool,
    /// The linking service holds polls (RFC 7240 `Prefer: wait`).
    pub long_poll: bool,
    /// Seed for retry jitter (deterministic; the runtime passes a random one).
    pub jitter_seed: u64,
    /// The skill supports personal account linking: "Sign in using this device" asks who first.
    pub personal_linking: bool,
    /// Kiosk mode: reset for the next visitor.
    pub kiosk: Option<Kiosk>,
    /// `voiceForwardAccountLinking: ENABLED` and an Alexa cloud that can link by voice: the
    /// skill is asked even when unlinked (it offers voice-forward linking itself).
    pub voice_forward: bool,
}

/// Kiosk timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kiosk {
    /// Back to home after this long without a touch.
    pub idle_ms: Millis,
    /// After a completed journey, the skill's answer shows this long, then unlink and home.
    pub answer_ms: Millis,
}
