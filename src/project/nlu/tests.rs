use super::*;
use crate::project::{Intent, Slot};

fn nlu() -> Nlu {
    Nlu {
        invocation: "ride hailer".into(),
        model: Some(InteractionModel {
            invocation_name: "ride hailer".into(),
            intents: vec![
                Intent {
                    name: "BookRideIntent".into(),
                    slots: vec![
                        Slot {
                            name: "destination".into(),
                            slot_type: "AMAZON.City".into(),
                        },
                        Slot {
                            name: "time".into(),
                            slot_type: "AMAZON.TIME".into(),
                        },
                    ],
                    samples: vec![
                        "book a ride to {destination}".into(),
                        "book a ride to {destination} at {time}".into(),
                        "get me a car".into(),
                    ],
                },
                Intent {
                    name: "AMAZON.HelpIntent".into(),
                    slots: vec![],
                    samples: vec![],
                },
            ],
            types: vec![],
        }),
    }
}

/// A ja-JP model: a katakana invocation name, samples written without spaces.
fn nlu_ja() -> Nlu {
    let mut n = nlu();
    n.invocation = "ライドヘイラー".into();
    let m = n.model.as_mut().unwrap();
    m.invocation_name = n.invocation.clone();
    m.intents[0].samples = vec![
        "{destination}まで配車して".into(),
        "{destination}まで{time}に配車して".into(),
        "車を呼んで".into(),
    ];
    n
}

#[test]
fn japanese_launches_verb_last_and_matches_samples_without_spaces() {
    let n = nlu_ja();
    assert_eq!(
        n.understand("アレクサ、ライドヘイラーを開いて"),
        Understood::Launch
    );
    assert_eq!(n.understand("ライドヘイラーを起動して"), Understood::Launch);
    assert_eq!(
        n.understand("アレクサ、ライドヘイラーで空港まで配車して"),
        call(
            "BookRideIntent",
            &[("destination", Some("空港")), ("time", None)]
        )
    );
    assert_eq!(
        n.in_session("東京駅まで5時に配車して"),
        call(
            "BookRideIntent",
            &[("destination", Some("東京駅")), ("time", Some("5時"))]
        )
    );
    assert_eq!(n.in_session("ヘルプ"), call("AMAZON.HelpIntent", &[]));
    assert_eq!(n.understand("タクシーを開いて"), Understood::NotUnderstood);
    assert_eq!(approval("アレクサ、許可します"), Some(true));
    assert_eq!(approval("いいえ"), Some(false));
    assert_eq!(
        spoken_code("アレクサ、私のコードは123456"),
        Some("123456".into())
    );
    assert!(is_go_home("アレクサ、ホームに戻って"));
}

#[test]
fn arabic_launches_and_answers_alexas_questions() {
    let mut n = nlu();
    n.invocation = "رايد هيلر".into();
    assert_eq!(n.understand("أليكسا، افتح رايد هيلر"), Understood::Launch);
    // The shadda (a mark) belongs to the word: "شغّل" is "شغل" written with it.
    assert_eq!(n.understand("شغّل رايد هيلر"), Understood::Launch);
    assert_eq!(n.understand("افتح تاكسي"), Understood::NotUnderstood);
    assert_eq!(approval("أليكسا، أوافق"), Some(true));
    assert_eq!(approval("لا"), Some(false));
    assert_eq!(spoken_code("الرمز هو 1 2 3 4 5 6"), Some("123456".into()));
    assert!(is_go_home("الرئيسية"));
}

fn call(name: &str, slots: &[(&str, Option<&str>)]) -> Understood {
    Understood::Intent(IntentCall {
        name: name.into(),
        slots: slots
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
            .collect(),
    })
}

#[test]
fn invocation_phrases_launch_or_carry_an_intent() {
    let n = nlu();
    assert_eq!(n.understand("Alexa, open Ride Hailer"), Understood::Launch);
    assert_eq!(n.understand("launch ride hailer."), Understood::Launch);
    assert_eq!(
        n.understand("Alexa, ask Ride Hailer to book a ride to the airport at 5 pm"),
        call(
            "BookRideIntent",
            &[("destination", Some("the airport")), ("time", Some("5 pm"))]
        )
    );
    assert_eq!(
        n.understand("tell ride hailer get me a car"),
        call("BookRideIntent", &[("destination", None), ("time", None)])
    );
    assert_eq!(
        n.understand("ask ride hailer for help"),
        call("AMAZON.HelpIntent", &[])
    );
    assert_eq!(n.understand("open taxi"), Understood::NotUnderstood);
    assert_eq!(
        n.understand("ask ride hailer to sing"),
        Understood::NotUnderstood,
        "no fallback intent in this model"
    );
}

#[test]
fn alexa_hears_approval_and_spoken_codes() {
    assert_eq!(approval("I approve."), Some(true));
    assert_eq!(approval("Alexa, yes"), Some(true));
    assert_eq!(approval("No."), Some(false));
    assert_eq!(approval("book a ride"), None);
    assert_eq!(
        spoken_code("Alexa, my code is 1-2-3-4-5-6."),
        Some("123456".into())
    );
    assert_eq!(spoken_code("my code is 12 34 56"), Some("123456".into()));
    assert_eq!(
        spoken_code("my code is one two three four five six"),
        Some("123456".into())
    );
    assert_eq!(
        spoken_code("mein Code ist 4 2 4 2 4 2"),
        Some("424242".into())
    );
    assert_eq!(spoken_code("my code is"), None);
    assert_eq!(spoken_code("book a ride"), None);
}

#[test]
fn the_fallback_intent_catches_what_nothing_else_does() {
    let mut n = nlu();
    n.model.as_mut().unwrap().intents.push(Intent {
        name: "AMAZON.FallbackIntent".into(),
        slots: vec![],
        samples: vec![],
    });
    assert_eq!(n.intent("sing a song"), call("AMAZON.FallbackIntent", &[]));
}
