//! Runs the `other_linter` example (built by `cargo test` with the other examples) the way a
//! user would, and checks that the detectors it registers in code take effect.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example_binary() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/examples/other_linter
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    dir.join("examples")
        .join(format!("other_linter{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn the_embedding_linter_sees_its_own_moderation_client() {
    let bin = example_binary();
    assert!(
        bin.exists(),
        "{} was not built: examples are built by a full `cargo test -p genai-gate-scan` (not with `--test`)",
        bin.display()
    );
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/inhouse-profile-detector");
    let out = Command::new(&bin).arg(&fixture).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    // With the in-house `review()` registered in code, both sides are screened …
    assert!(stdout.contains("acme-lint endpoint POST /assist/suggest screened by [moderation.input, moderation.output]"), "{stdout}");
    // … so no finding about moderation, while other gaps are still reported in its own format.
    assert!(
        !stdout.contains("/CN-GAI-4.1]") && !stdout.contains("/CN-GAI-4.2]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("acme-lint [error/CN-GAI-14.1] src/assist.rs:"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
}
