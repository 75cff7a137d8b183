//! What Alexa understands from a typed utterance: "open X" / "launch X" / "start X" launch the
//! skill; "ask X to …" / "tell X to …" / "ask X …" launch it with an intent, matched against the
//! interaction model's sample utterances (`{slot}` placeholders catch words) and Amazon's built-in
//! intents. No match: the model's AMAZON.FallbackIntent when it has one, else not understood.

use super::InteractionModel;
use crate::flow::IntentCall;

/// What an utterance means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Understood {
    /// Open the skill (LaunchRequest).
    Launch,
    /// Open the skill with this intent (IntentRequest).
    Intent(IntentCall),
    /// Several intents matched equally; the first is sent, as Alexa picks one.
    Ambiguous(Vec<IntentCall>),
    /// Not for this skill, or not understood.
    NotUnderstood,
}

/// The skill's invocation name and (for a project) its interaction model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nlu {
    pub invocation: String,
    pub model: Option<InteractionModel>,
}

/// Words Alexa itself understands for the built-in intents a model lists without samples.
const BUILT_IN: &[(&str, &[&str])] = &[
    (
        "AMAZON.HelpIntent",
        &["help", "help me", "what can i do", "what can i say"],
    ),
    ("AMAZON.StopIntent", &["stop", "off", "shut up"]),
    (
        "AMAZON.CancelIntent",
        &["cancel", "never mind", "forget it"],
    ),
    (
        "AMAZON.YesIntent",
        &["yes", "yeah", "yep", "sure", "i approve"],
    ),
    ("AMAZON.NoIntent", &["no", "nope", "no thanks"]),
    ("AMAZON.NavigateHomeIntent", &["go home"]),
    // Japanese (one token per kana or kanji, see `words`) and Arabic.
    (
        "AMAZON.HelpIntent",
        &["ヘルプ", "助けて", "何ができる", "مساعدة", "ساعدني"],
    ),
    ("AMAZON.StopIntent", &["ストップ", "止めて", "توقف", "أوقف"]),
    ("AMAZON.CancelIntent", &["キャンセル", "إلغاء", "الغاء"]),
    (
        "AMAZON.YesIntent",
        &["はい", "うん", "許可します", "نعم", "أوافق"],
    ),
    ("AMAZON.NoIntent", &["いいえ", "いや", "لا", "لا شكرا"]),
    ("AMAZON.NavigateHomeIntent", &["ホームに戻って", "الرئيسية"]),
];

/// "Open X" in the device's languages.
const LAUNCH: &[&[&str]] = &[
    &["open"],
    &["launch"],
    &["start"],
    &["enable"],
    &["talk", "to"],
    &["play"],
    &["öffne"],
    &["starte"],
    &["ouvre"],
    &["lance"],
    &["apri"],
    &["avvia"],
    &["abre"],
    &["abra"],
    &["inicia"],
    &["افتح"],
    &["شغل"],
    &["ابدأ"],
];
/// Japanese puts the verb last: "ライドヘイラーを開いて" (X + one of these).
const LAUNCH_JA: &[&str] = &[
    "を開いて",
    "を開く",
    "を起動して",
    "を起動",
    "を始めて",
    "を開始して",
    "をスタートして",
    "開いて",
    "起動して",
];
/// Japanese "X で … して" / "X に … と伝えて": the particle after the invocation name.
const ASK_JA: &[&str] = &["で", "に", "を使って"];
/// "Ask X to …" in the device's languages.
const ASK: &[&[&str]] = &[
    &["ask"],
    &["tell"],
    &["use"],
    &["frag"],
    &["frage"],
    &["sag"],
    &["demande", "à"],
    &["dis", "à"],
    &["chiedi", "a"],
    &["pergunte", "ao"],
    &["pide", "a"],
    &["vraag"],
    &["اطلب", "من"],
    &["اسأل"],
    &["استخدم"],
];
/// Words between the invocation name and what is asked ("ask X *to* book a ride").
const CONNECTORS: &[&str] = &[
    "to", "and", "for", "if", "whether", "zu", "ob", "de", "om", "te",
];

/// Lower-case tokens: words split at spaces and punctuation; each kana or kanji is a token of
/// its own (Japanese writes no spaces), so samples and slots match Japanese character by
/// character. A `{slot}` is one token.
fn words(s: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(s.len() * 2);
    let mut in_slot = false;
    for c in s.to_lowercase().chars() {
        match c {
            '{' => {
                in_slot = true;
                spaced.push_str(" {");
            }
            '}' => {
                in_slot = false;
                spaced.push_str("} ");
            }
            c if in_slot => spaced.push(c),
            // Arabic's short vowels and shadda are optional in writing: matched without them.
            c if is_arabic_mark(c) => {}
            c if is_cjk(c) => {
                spaced.push(' ');
                spaced.push(c);
                spaced.push(' ');
            }
            c if c.is_alphanumeric() || c == '\'' || is_mark(c) => spaced.push(c),
            _ => spaced.push(' '),
        }
    }
    spaced.split_whitespace().map(str::to_owned).collect()
}

/// Kana, kanji and the full-width forms: written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF66..=0xFF9F)
}

/// Joins tokens back into text: no spaces between Japanese characters.
fn join(tokens: &[String]) -> String {
    let mut out = String::new();
    for t in tokens {
        let touches_cjk =
            t.chars().next().is_some_and(is_cjk) || out.chars().last().is_some_and(is_cjk);
        if !out.is_empty() && !touches_cjk {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

/// Matches `said` against a sample: literal words must match, `{slot}` takes one or more words.
/// Returns the slot values, or None.
fn match_sample(sample: &[String], said: &[String]) -> Option<Vec<(String, String)>> {
    fn go(s: &[String], w: &[String], out: &mut Vec<(String, String)>) -> bool {
        match s.first() {
            None => w.is_empty(),
            Some(tok) if tok.starts_with('{') && tok.ends_with('}') => {
                let name = tok.trim_matches(|c| c == '{' || c == '}').to_owned();
                // Shortest first, so literal words after the slot anchor it.
                for n in 1..=w.len() {
                    out.push((name.clone(), join(&w[..n])));
                    if go(&s[1..], &w[n..], out) {
                        return true;
                    }
                    out.pop();
                }
                false
            }
            Some(tok) => w.first() == Some(tok) && go(&s[1..], &w[1..], out),
        }
    }
    let mut out = vec![];
    go(sample, said, &mut out).then_some(out)
}

/// Alexa's own words for consent in her linking dialog, per language ("I approve" / "No").
const APPROVE: &[&str] = &[
    "i approve",
    "approve",
    "yes",
    "yes i approve",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "ich stimme zu",
    "ja",
    "j'approuve",
    "oui",
    "apruebo",
    "sí",
    "si",
    "approvo",
    "sì",
    "eu aprovo",
    "aprovo",
    "sim",
    "ik ga akkoord",
    "akkoord",
    "मैं स्वीकार करता हूँ",
    "मैं स्वीकार करती हूँ",
    "हाँ",
    "हां",
    "許可します",
    "許可する",
    "はい",
    "أوافق",
    "موافق",
    "نعم",
];
const DECLINE: &[&str] = &[
    "no",
    "nope",
    "no thanks",
    "i don't approve",
    "i do not approve",
    "cancel",
    "stop",
    "nein",
    "non",
    "não",
    "nao",
    "nee",
    "नहीं",
    "いいえ",
    "許可しません",
    "لا",
    "لا أوافق",
];
/// "My code is …" in the device's languages (matched after "Alexa,").
const CODE_PREFIX: &[&str] = &[
    "my code is",
    "the code is",
    "code is",
    "code",
    "mein code ist",
    "der code ist",
    "mon code est",
    "le code est",
    "mi código es",
    "el código es",
    "il mio codice è",
    "il codice è",
    "meu código é",
    "o código é",
    "mijn code is",
    "de code is",
    "मेरा कोड है",
    "私のコードは",
    "コードは",
    "الرمز هو",
    "رمزي هو",
];
const DIGIT_WORDS: &[(&str, char)] = &[
    ("zero", '0'),
    ("oh", '0'),
    ("one", '1'),
    ("two", '2'),
    ("three", '3'),
    ("four", '4'),
    ("five", '5'),
    ("six", '6'),
    ("seven", '7'),
    ("eight", '8'),
    ("nine", '9'),
];

/// "Alexa, go home" (the device's own command, in the device's languages).
pub fn is_go_home(text: &str) -> bool {
    matches!(
        without_wake_word(text).as_str(),
        "go home"
            | "home"
            | "geh nach hause"
            | "startseite"
            | "accueil"
            | "va à l'accueil"
            | "ve a inicio"
            | "inicio"
            | "vai alla home"
            | "home page"
            | "ir para o início"
            | "início"
            | "ga naar home"
            | "होम पर जाओ"
            | "ホーム"
            | "ホームに戻って"
            | "الرئيسية"
            | "اذهب إلى الرئيسية"
    )
}

/// An answer to Alexa's permission question: Some(true) "I approve", Some(false) "No".
pub fn approval(text: &str) -> Option<bool> {
    let said = without_wake_word(text);
    if APPROVE.contains(&said.as_str()) {
        Some(true)
    } else if DECLINE.contains(&said.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// "Alexa, my code is 1-2-3-4-5-6" -> "123456". None: not a code ("my code is" and no digits).
pub fn spoken_code(text: &str) -> Option<String> {
    let said = without_wake_word(text);
    let rest = CODE_PREFIX
        .iter()
        .find_map(|p| said.strip_prefix(p))
        .unwrap_or(&said);
    let mut digits = String::new();
    for w in rest.split(|c: char| c.is_whitespace() || c == '-' || c == ',' || c == '.') {
        if w.chars().all(|c| c.is_ascii_digit()) {
            digits.push_str(w);
        } else if let Some((_, d)) = DIGIT_WORDS.iter().find(|(n, _)| *n == w) {
            digits.push(*d);
        } else if !w.is_empty() {
            return None;
        }
    }
    (!digits.is_empty()).then_some(digits)
}

/// Lower case, "Alexa," dropped, punctuation (but apostrophes and digits' dashes) removed.
fn without_wake_word(text: &str) -> String {
    let lower = text.to_lowercase();
    let cleaned: String = lower
        .chars()
        .filter(|c| !is_arabic_mark(*c))
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '-' || c.is_whitespace() || is_mark(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let mut w: Vec<&str> = cleaned.split_whitespace().collect();
    if w.first().is_some_and(|x| WAKE_WORDS.contains(x)) {
        w.remove(0);
    }
    w.join(" ")
}

/// "Alexa" as the device's languages write it.
const WAKE_WORDS: &[&str] = &["alexa", "アレクサ", "أليكسا", "اليكسا"];

/// Devanagari vowel signs and the virama are marks, not letters, but belong to the word.
fn is_mark(c: char) -> bool {
    ('\u{0900}'..='\u{097F}').contains(&c)
}

/// Arabic's short vowels, tanween, shadda and sukun (harakat), and the dagger alif.
fn is_arabic_mark(c: char) -> bool {
    ('\u{064B}'..='\u{065F}').contains(&c) || c == '\u{0670}'
}

impl Nlu {
    /// Understands one utterance ("Alexa, ask Ride Hailer to book a ride to the airport").
    pub fn understand(&self, text: &str) -> Understood {
        let mut w = words(text);
        // The wake word as tokens: one for "alexa", four for "アレクサ" (one per kana).
        if let Some(n) = WAKE_WORDS
            .iter()
            .map(|ww| words(ww))
            .find(|t| w.starts_with(t))
            .map(|t| t.len())
        {
            w.drain(..n);
        }
        let inv = words(&self.invocation);
        let starts = |w: &[String], verb: &[&str]| {
            w.len() >= verb.len() + inv.len()
                && w[..verb.len()].iter().zip(verb).all(|(a, b)| a == b)
                && w[verb.len()..verb.len() + inv.len()] == inv[..]
        };
        for verb in LAUNCH {
            if starts(&w, verb) && w.len() == verb.len() + inv.len() {
                return Understood::Launch;
            }
        }
        for verb in ASK.iter().chain(LAUNCH) {
            if starts(&w, verb) {
                let mut rest = w[verb.len() + inv.len()..].to_vec();
                if rest
                    .first()
                    .is_some_and(|x| CONNECTORS.contains(&x.as_str()))
                {
                    rest.remove(0);
                }
                return if rest.is_empty() {
                    Understood::Launch
                } else {
                    self.intent(&join(&rest))
                };
            }
        }
        // Japanese: the invocation name first, then the verb or a particle and the request.
        if !inv.is_empty() && w.starts_with(&inv) {
            let rest = join(&w[inv.len()..]);
            if LAUNCH_JA.contains(&rest.as_str()) {
                return Understood::Launch;
            }
            if let Some(asked) = ASK_JA.iter().find_map(|p| rest.strip_prefix(p))
                && !asked.is_empty()
            {
                return self.intent(asked);
            }
        }
        Understood::NotUnderstood
    }

    /// Words said inside the skill's open session ("Alexa," may lead): its intents.
    pub fn in_session(&self, text: &str) -> Understood {
        self.intent(&without_wake_word(text))
    }

    /// Matches words said inside the skill against the interaction model.
    pub fn intent(&self, said: &str) -> Understood {
        let Some(m) = &self.model else {
            return Understood::NotUnderstood;
        };
        let said = words(said);
        // Every match, scored by how many literal words it needed (more: more specific).
        let mut hits: Vec<(usize, IntentCall)> = vec![];
        for intent in &m.intents {
            let mut samples: Vec<Vec<String>> = intent.samples.iter().map(|s| words(s)).collect();
            for (_, builtin) in BUILT_IN.iter().filter(|(n, _)| *n == intent.name) {
                samples.extend(builtin.iter().map(|s| words(s)));
            }
            let best = samples
                .iter()
                .filter_map(|s| {
                    let slots = match_sample(s, &said)?;
                    let literal = s.iter().filter(|t| !t.starts_with('{')).count();
                    Some((literal, slots))
                })
                .max_by_key(|(l, _)| *l);
            if let Some((literal, slots)) = best {
                hits.push((
                    literal,
                    IntentCall {
                        name: intent.name.clone(),
                        slots: intent
                            .slots
                            .iter()
                            .map(|s| {
                                let v = slots
                                    .iter()
                                    .find(|(n, _)| n.eq_ignore_ascii_case(&s.name))
                                    .map(|(_, v)| v.clone());
                                (s.name.clone(), v)
                            })
                            .collect(),
                    },
                ));
            }
        }
        hits.sort_by_key(|(l, _)| std::cmp::Reverse(*l));
        match hits.as_slice() {
            [] => match m.intents.iter().find(|i| i.name == "AMAZON.FallbackIntent") {
                Some(f) => Understood::Intent(IntentCall {
                    name: f.name.clone(),
                    slots: vec![],
                }),
                None => Understood::NotUnderstood,
            },
            [(_, one)] => Understood::Intent(one.clone()),
            [(a, first), (b, _), ..] if a > b => Understood::Intent(first.clone()),
            many => {
                let top = many[0].0;
                Understood::Ambiguous(
                    many.iter()
                        .filter(|(l, _)| *l == top)
                        .map(|(_, c)| c.clone())
                        .collect(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests;
