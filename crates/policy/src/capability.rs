//! The closed capability vocabulary.
//!
//! A capability is something a repository can show evidence of: a moderation call, a
//! user-sanction handler, a retention setting, a published document. Controls require
//! capabilities; detector catalogues say what counts as evidence of each one. The list is
//! closed so that a typo in a pack is an error, never a control that silently passes.

use std::fmt;
use std::str::FromStr;

macro_rules! capabilities {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $summary:literal; )*) => {
        /// One capability of the closed vocabulary.
        ///
        /// ```
        /// use genai_gate_policy::Capability;
        /// let c: Capability = "moderation.output".parse().unwrap();
        /// assert_eq!(c, Capability::ModerationOutput);
        /// assert_eq!(c.as_str(), "moderation.output");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Capability {
            $( $(#[$doc])* $variant, )*
        }

        impl Capability {
            /// Every capability, in vocabulary order.
            pub const ALL: &'static [Capability] = &[$(Capability::$variant),*];

            /// The dotted name used in packs and catalogues.
            pub fn as_str(self) -> &'static str {
                match self { $(Capability::$variant => $name,)* }
            }

            /// One line on what evidence of this capability looks like.
            pub fn summary(self) -> &'static str {
                match self { $(Capability::$variant => $summary,)* }
            }
        }

        impl FromStr for Capability {
            type Err = UnknownCapability;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Capability::$variant),)*
                    _ => Err(UnknownCapability {
                        name: s.to_owned(),
                        suggestion: crate::suggest::did_you_mean(s, [$($name),*]),
                    }),
                }
            }
        }
    };
}

capabilities! {
    /// A call that makes a model generate content.
    Generation => "generation", "a call that makes a model generate content (chat, completion, image, audio, video)";
    /// Screening of the user's input before the model sees it.
    ModerationInput => "moderation.input", "screening of the user's prompt or upload before the model call";
    /// Screening of generated content before it reaches the user.
    ModerationOutput => "moderation.output", "screening of generated content before it leaves the service";
    /// A path that stops generation or transmission when illegal content is found.
    GenerationStop => "generation.stop", "a path that stops generation or transmission (streaming too) on illegal content";
    /// A routine that removes stored illegal output.
    ContentRemoval => "content.removal", "a routine that deletes or takes down stored generated content";
    /// Reporting illegal content or conduct to the competent authority.
    ReportAuthority => "report.authority", "a routine or runbook that reports to the competent authority";
    /// Warning a user who breaks the rules.
    UserWarn => "user.warn", "a handler that warns a user";
    /// Restricting a user's functions (quotas, per-user limits, feature locks).
    UserRestrict => "user.restrict", "a per-user restriction: quota, per-key rate limit, feature lock";
    /// Suspending a user's service.
    UserSuspend => "user.suspend", "a handler that suspends a user's service";
    /// Terminating a user's service.
    UserTerminate => "user.terminate", "a handler that terminates a user's service";
    /// Checking the user's state (active, not banned, within quota) before generation.
    UserCheck => "user.check", "a check of the user's account state before generation";
    /// Real-identity verification of users (draft Art. 9; not in the final Measures).
    UserIdentity => "user.identity", "verification of the user's real identity";
    /// An audit record of what happened (request, output, sanction).
    AuditRecord => "audit.record", "a durable record of requests, outputs or sanctions (not operational logs)";
    /// A complaint and reporting channel.
    ComplaintChannel => "complaint.channel", "a complaint or report endpoint, page or published process";
    /// An explicit, visible label on generated content.
    LabelExplicit => "label.explicit", "a visible label on generated content (text notice, watermark, audio cue)";
    /// An implicit metadata label (the `AIGC` metadata entry).
    LabelImplicit => "label.implicit", "a writer of the AIGC metadata entry (XMP, EXIF, PNG text, ID3/MP4 tags)";
    /// Protection of minors (minors mode, time limits).
    MinorsProtection => "minors.protection", "a minors mode, time limit or anti-addiction measure";
    /// Handling data-subject requests (access, copy, correct, add, delete).
    PiRights => "pi.rights", "handlers for requests to access, copy, correct, supplement or delete inputs and records";
    /// A retention limit on stored inputs and usage records.
    PiRetention => "pi.retention", "a configured retention limit on stored prompts and usage records";
    /// A published commitment not to profile users from their inputs (draft Art. 11; not in the final Measures).
    PiNoProfiling => "pi.no-profiling", "a published commitment that users' inputs and usage are not used to profile them";
    /// A service agreement with users.
    ServiceAgreement => "service.agreement", "terms of service and their acceptance at sign-up";
    /// Disclosure of intended users, occasions and uses.
    DisclosureScope => "disclosure.scope", "a published statement of the service's users, occasions and uses";
    /// A register of training-data sources.
    TrainingDataProvenance => "training-data.provenance", "a register of training-data sources, licences and consent";
    /// Annotation rules and sampled quality checks.
    AnnotationRules => "annotation.rules", "an annotation guide and a sampled quality-check step";
    /// The filing number and model name shown to users.
    FilingDisplay => "filing.display", "the algorithm filing number and model name shown to users";
    /// Security-assessment documents.
    SecurityAssessment => "security.assessment", "security-assessment documents for the service";
    /// Model optimisation training after a violation (draft Art. 15).
    ModelRemediation => "model.remediation", "model optimisation or retraining after a violation, with its deadline";
    /// Human review of generated content before publication (news overlay).
    HumanReview => "review.human", "human editorial review of generated content before publication";
    /// Source attribution of reposted or referenced news.
    SourceAttribution => "source.attribution", "source fields shown with reposted or referenced news";
    /// Detection of unlabelled synthetic content in uploads or transmissions.
    SyntheticDetection => "synthetic.detection", "detection of unlabelled synthetic audio/video before transmission";
    /// A rumour-refutation mechanism.
    RumourRefutation => "rumour.refutation", "a mechanism to refute rumours spread with synthetic content";
}

impl serde::Serialize for Capability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A capability name that is not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown capability `{name}`")]
pub struct UnknownCapability {
    /// The name as written.
    pub name: String,
    /// The closest known name, if one is close enough.
    pub suggestion: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for c in Capability::ALL {
            assert_eq!(c.as_str().parse::<Capability>().unwrap(), *c);
        }
    }

    #[test]
    fn misspelt_name_suggests_the_close_one() {
        let err = "moderation.ouput".parse::<Capability>().unwrap_err();
        assert_eq!(err.suggestion, Some("moderation.output"));
        let err = "zzz".parse::<Capability>().unwrap_err();
        assert_eq!(err.suggestion, None);
    }
}
