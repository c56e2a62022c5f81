//! Arbitrary bytes as a Python source file: the Python frontend must never panic (it catches
//! its own panics, so a caught one shows up as an "internal error" parse problem, which fails
//! here) and never overflow the stack of a scan worker thread (64 MiB, as in the pipeline).
#![no_main]

use genai_gate_scan::frontend::{SourceInput, python};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The pipeline reports files that are not UTF-8 without parsing them.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.to_owned();
    let facts = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            python::extract(&SourceInput {
                rel_path: "app/fuzz.py",
                text: &text,
                package: "",
                module: "app::fuzz",
                is_test_file: false,
            })
        })
        .expect("spawn")
        .join()
        .expect("extract does not panic");
    if let Some(p) = &facts.parse_error {
        assert!(
            !p.message.starts_with("internal error"),
            "the frontend panicked: {}",
            p.message
        );
    }
});
