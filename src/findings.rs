//! Findings: what real Alexa would reject or warn about, as plain data, and the report that
//! keeps them (one per rule and subject). The checks that make findings live with the emulated
//! Alexa (`alexa::conformance`); this module imports nothing of the backend.
//!
//! Must not import: anything of the crate (a leaf).

use std::sync::Mutex;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Real Alexa would refuse this (linking fails, or certification fails).
    Reject,
    /// Works, but is fragile or against Amazon's guidance.
    Warn,
    /// Could not be checked (and why): never counted as a pass.
    Unchecked,
    /// Checked and fine.
    Pass,
}

impl Level {
    pub fn id(self) -> &'static str {
        match self {
            Level::Reject => "reject",
            Level::Warn => "warn",
            Level::Unchecked => "unchecked",
            Level::Pass => "pass",
        }
    }
}

/// One thing the report found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable name: `token-endpoint-slow`, `state-not-echoed`, ...
    pub rule: &'static str,
    pub level: Level,
    /// What real Alexa would do, in one sentence.
    pub message: String,
    /// What was observed.
    pub evidence: String,
}

/// The findings so far: the latest per rule and subject (evidence differs per URL checked).
#[derive(Default)]
pub struct Report {
    findings: Mutex<Vec<Finding>>,
}

impl Report {
    /// Records a finding: it replaces an earlier one of the same rule about the same thing
    /// (a Pass never hides an earlier Reject of the same rule). True when it is news.
    pub fn add(&self, f: &Finding) -> bool {
        let mut all = self.findings.lock().unwrap_or_else(|p| p.into_inner());
        fn subject(x: &Finding) -> (&'static str, &str) {
            // The verdicts on one redirect URI (refused, not checked, accepted) are one subject.
            let rule = if x.rule.starts_with("redirect-uri-") {
                "redirect-uri"
            } else {
                x.rule
            };
            // The run's APL problems are one finding, whatever addresses they name.
            if rule == "apl-problems" {
                return (rule, "");
            }
            (rule, subject_of(&x.evidence))
        }
        if let Some(old) = all.iter_mut().find(|x| subject(x) == subject(f)) {
            // "Not checked" gives way to any verdict and never hides one; otherwise a better
            // result never hides a worse one.
            let stays = match (old.level, f.level) {
                (Level::Unchecked, _) => old == f,
                (_, Level::Unchecked) => true,
                _ => old == f || f.level > old.level,
            };
            if stays {
                return false;
            }
            *old = f.clone();
        } else {
            all.push(f.clone());
        }
        true
    }

    /// Every finding, rejects first.
    pub fn findings(&self) -> Vec<Finding> {
        let mut v = self
            .findings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        v.sort_by_key(|f| f.level);
        v
    }

    /// The exit summary: one line per problem, or that none was found.
    pub fn summary(&self) -> String {
        let all = self.findings();
        let bad: Vec<&Finding> = all.iter().filter(|f| f.level != Level::Pass).collect();
        let n = |l: Level| all.iter().filter(|f| f.level == l).count();
        let mut s = format!(
            "conformance: {} problem(s) real Alexa would reject, {} warning(s), {} not checked, {} check(s) passed",
            n(Level::Reject),
            n(Level::Warn),
            n(Level::Unchecked),
            n(Level::Pass)
        );
        for f in bad {
            s.push_str(&format!(
                "\n  {} {}: {}\n      evidence: {}",
                match f.level {
                    Level::Reject => "✗",
                    Level::Unchecked => "?",
                    _ => "!",
                },
                f.rule,
                f.message,
                f.evidence
            ));
        }
        s
    }
}

/// What a finding is about: the URL in its evidence (redirect URIs and configured URLs are
/// checked one by one), else the rule alone.
fn subject_of(evidence: &str) -> &str {
    evidence
        .split_whitespace()
        .find(|w| w.contains("://"))
        .unwrap_or("")
}
