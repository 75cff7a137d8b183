//! The conformance report's APL rules: what real Alexa does with a RenderDocument the device
//! could not show (the event log has every problem; these are the ones Alexa refuses).

use crate::findings::{Finding, Level};

/// What real Alexa does with an APL problem the device met (`kind`, `path`, `message` of the
/// event): a document it would not render at all is a rejection; the rest (bindings,
/// unsupported components) stays in the event log.
pub fn apl_problem(path: &str, message: &str) -> Option<Finding> {
    let (rule, why) = if message.contains("over 1 MB") {
        (
            "apl-directive-too-large",
            "Alexa rejects a RenderDocument directive over 1 MB: the screen stays as it was",
        )
    } else if path == "$.document" {
        (
            "apl-not-a-document",
            "the RenderDocument's document is not an APL document: Alexa shows nothing",
        )
    } else if path == "$.document.version" {
        (
            "apl-unknown-version",
            "the document declares an APL version Alexa does not know: it is not rendered",
        )
    } else if path.ends_with(".document.src") {
        (
            "apl-link-not-found",
            "the RenderDocument links a document the skill package does not have: Alexa shows nothing",
        )
    } else if path == "$.document.mainTemplate" {
        (
            "apl-no-main-template",
            "the document has no mainTemplate: there is nothing to show",
        )
    } else {
        return None;
    };
    Some(Finding {
        rule,
        level: Level::Reject,
        message: why.to_owned(),
        evidence: format!("{path}: {message}"),
    })
}

/// The run's APL problems that Alexa draws around (a binding that does not evaluate, a
/// component the device does not know): how many, and the latest.
pub fn apl_problems(count: usize, latest: &str) -> Finding {
    Finding {
        rule: "apl-problems",
        level: Level::Warn,
        message: format!(
            "the screen met {count} APL problem(s): a device draws around them, so parts of \
             the document may be missing (`--events` lists each with its JSON path)"
        ),
        evidence: format!("the latest: {latest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_alexa_would_not_render_are_rejections() {
        let f = apl_problem("$.document.version", "unknown APL version \"9.9\"").unwrap();
        assert_eq!((f.rule, f.level), ("apl-unknown-version", Level::Reject));
        assert!(f.evidence.contains("9.9"));
        let big = apl_problem(
            "$.response.directives[0]",
            "the directive is 2000000 bytes; Alexa rejects a RenderDocument over 1 MB",
        );
        assert_eq!(big.unwrap().rule, "apl-directive-too-large");
        // A binding that does not evaluate is the event log's, not a rejection.
        assert!(
            apl_problem(
                "$.document.mainTemplate.items[0].text",
                "the expression ends early"
            )
            .is_none()
        );
    }
}
