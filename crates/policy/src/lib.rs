//! Policy packs for genai-gate: what China's Interim Measures for the Administration of
//! Generative AI Services require of a repository, as data.
//!
//! - A **pack** (TOML under `policies/`) lists a text's articles and its controls: each
//!   control cites its articles, says when it applies, whether it must hold once in the
//!   repository or on every generation endpoint, and which **capabilities** must be evidenced.
//!   Each article (and paragraph) lists the **topics** its text imposes, and a citation must
//!   name one that imposes the citing control's topic; an article of another instrument names
//!   the version cited and its in-force date, which must not be after the pack's `as-of`.
//! - An **overlay** is a pack for a sector (news, audio-visual, publishing) that adds,
//!   tightens or replaces controls of a base pack (news and publishing rules take precedence
//!   under Art. 2 ¶2; the audio-video rules apply in their own right).
//! - A **detector catalogue** says what counts as evidence of each capability in code, config
//!   and documents, and lists the traps that never count.
//! - A **profile** (`genai-gate.toml`) describes the service; [`resolve`] turns it and a
//!   [`PolicySet`] into the [`EffectivePolicy`] with provenance for every field.
//!
//! Loading has two phases: serde types that reject unknown keys (kept private), then a validation
//! step that collects every error with its span ([`Diagnostic`]). The library never prints
//! and never exits; rendering is the caller's.
//!
//! ```
//! use genai_gate_policy::{load_profile, resolve, PolicySet, SourceFile};
//!
//! let set = PolicySet::embedded()?;
//! let profile = load_profile(&SourceFile::new("genai-gate.toml", r#"
//!     [service]
//!     name = "news-writer"
//!     public = true
//!     regions = ["CN"]
//!     modalities = ["text", "image"]
//!     sectors = ["news"]
//! "#))?;
//! let policy = resolve(&set, profile, false, None)?;
//! assert_eq!(policy.packs.len(), 2); // the final Measures, then the news overlay
//! for c in policy.active_controls() {
//!     assert!(!c.control.citations.is_empty());
//! }
//! # Ok::<(), genai_gate_policy::LoadError>(())
//! ```
#![deny(missing_docs)]

mod capability;
pub mod catalogue;
mod diag;
pub mod diff;
mod model;
pub mod pattern;
pub mod profile;
mod raw;
mod resolve;
pub mod schema;
mod set;
mod shape;
pub mod suggest;
mod validate;

pub use capability::{Capability, UnknownCapability};
pub use catalogue::{
    Catalogue, CodePatterns, Detector, DetectorTest, GenerationSignal, KeySet, Negative,
};
pub use diag::{Diagnostic, LoadError, SourceFile, line_of};
pub use diff::{PackDiff, diff_packs};
pub use model::*;
pub use profile::{Enable, Level, PROFILE_FILE, Profile, Service, Waiver};
pub use resolve::{
    Applicability, ControlChange, DEFAULT_BASE, EffectiveControl, EffectivePolicy, PackRef,
    control_order, resolve,
};
pub use set::{EMBEDDED, FileKind, PolicySet, file_kind};
pub use validate::{load_catalogue, load_pack, load_profile};
