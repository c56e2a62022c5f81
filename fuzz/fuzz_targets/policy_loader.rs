//! Arbitrary bytes as the text of a pack, catalogue or profile file: loading must never
//! panic, whatever the input; a profile that loads is also resolved against the embedded
//! packs.
#![no_main]

use std::sync::OnceLock;

use genai_gate_policy::{PolicySet, SourceFile, load_catalogue, load_pack, load_profile, resolve};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    // The CLI reads these files as UTF-8 and reports other bytes as a read error.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.toml", text);
    let _ = genai_gate_policy::file_kind(text);
    let _ = load_pack(&source, false);
    let _ = load_catalogue(&source);
    let embedded = SET.get_or_init(|| PolicySet::embedded().expect("embedded packs load"));
    if let Ok(profile) = load_profile(&source) {
        let _ = resolve(embedded, profile, false, Some(&source));
    }
    let mut set = embedded.clone();
    if set.add(source, false).is_ok() {
        let _ = set.check();
    }
});
