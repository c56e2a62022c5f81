//! The repository profile (`genai-gate.toml`): what the service is and which packs apply.

use serde::Serialize;

use crate::catalogue::Detector;
use crate::model::{Location, Modality, Sector, Severity};

/// The file name of the profile at a repository's root.
pub const PROFILE_FILE: &str = "genai-gate.toml";

/// What the service is and whom it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Name.
    pub name: String,
    /// Offered to the public.
    pub public: bool,
    /// Regions (ISO 3166; `CN` for the PRC).
    pub regions: Vec<String>,
    /// Modalities generated.
    pub modalities: Vec<Modality>,
    /// Sectors.
    pub sectors: Vec<Sector>,
    /// Public-opinion attributes or social-mobilisation capacity.
    pub public_opinion: bool,
    /// Serves minors.
    pub serves_minors: bool,
    /// Trains models.
    pub trains_models: bool,
}

/// Which files are scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileSelection {
    /// Include globs (empty: all).
    pub include: Vec<String>,
    /// Exclude globs.
    pub exclude: Vec<String>,
    /// Size cap in bytes.
    pub max_file_size: Option<u64>,
}

/// A recorded exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// Control waived.
    pub control: String,
    /// Path globs (empty: everywhere).
    pub paths: Vec<String>,
    /// Why.
    pub reason: String,
    /// Who owns it.
    pub owner: String,
    /// Expiry, `YYYY-MM-DD`.
    pub expires: String,
    /// Where it is written.
    pub location: Location,
}

/// A severity override from the profile's `[levels]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    /// Control id.
    pub control: String,
    /// The severity the profile sets.
    pub severity: Severity,
    /// Where it is written.
    pub location: Location,
}

/// A control the profile requires even where its `applies` conditions do not hold
/// (`[policy] enable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enable {
    /// Control id.
    pub control: String,
    /// Where it is written.
    pub location: Location,
}

/// A validated repository profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The service.
    pub service: Service,
    /// Pack ids in precedence order (base first); empty: the default selection.
    pub packs: Vec<String>,
    /// Controls required regardless of their `applies` conditions (`[policy] enable`).
    pub enable: Vec<Enable>,
    /// Extra pack or catalogue files, relative to the profile.
    pub load: Vec<String>,
    /// The team's own detectors.
    pub detectors: Vec<Detector>,
    /// File selection.
    pub files: FileSelection,
    /// Waivers.
    pub waivers: Vec<Waiver>,
    /// Severity overrides (`[levels]`), sorted by control id.
    pub levels: Vec<Level>,
    /// Fail closed (`[settings] strict = true`): what cannot be judged fails the check.
    pub strict: bool,
    /// Display name of the file, or `<default>`.
    pub file: String,
}

impl Profile {
    /// The embedded default: a public text service in the PRC under the final Measures.
    ///
    /// ```
    /// let p = genai_gate_policy::Profile::default_profile();
    /// assert!(p.service.public);
    /// assert_eq!(p.service.regions, ["CN"]);
    /// ```
    pub fn default_profile() -> Profile {
        Profile {
            service: Service {
                name: "unnamed service".into(),
                public: true,
                regions: vec!["CN".into()],
                modalities: vec![Modality::Text],
                sectors: Vec::new(),
                public_opinion: false,
                serves_minors: false,
                trains_models: false,
            },
            packs: Vec::new(),
            enable: Vec::new(),
            load: Vec::new(),
            detectors: Vec::new(),
            files: FileSelection::default(),
            waivers: Vec::new(),
            levels: Vec::new(),
            strict: false,
            file: "<default>".into(),
        }
    }

    /// Whether the service is offered in the PRC.
    pub fn in_prc(&self) -> bool {
        self.service
            .regions
            .iter()
            .any(|r| r.eq_ignore_ascii_case("CN"))
    }
}
