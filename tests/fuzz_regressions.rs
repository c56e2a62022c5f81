//! Every input a fuzzer crashed on, fed through the same function as its fuzz target.
//!
//! Inputs live in `fuzz/regressions/<target>/` (one file each, named after what broke); adding
//! a crash found by `cargo fuzz run <target>` is copying its artifact there. This runs in the
//! normal test suite, on the stable toolchain, without libFuzzer.

use std::path::{Path, PathBuf};

use genai_gate_policy::{PolicySet, SourceFile, load_catalogue, load_pack, load_profile, resolve};
use genai_gate_scan::frontend::config::extract_config;
use genai_gate_scan::frontend::rust::{RustInput, extract};
use genai_gate_scan::walk::FileKind;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.file_name().is_some_and(|n| n != ".gitkeep"));
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Runs `f` on a thread with the scan workers' stack size, as the pipeline does.
fn on_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn rust_frontend_crashes_stay_fixed() {
    for (name, bytes) in inputs("rust_frontend") {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let facts = on_worker_stack(move || {
            extract(&RustInput {
                rel_path: "src/fuzz.rs",
                text: &text,
                crate_name: "fuzz",
                module: "fuzz::api",
                is_test_file: false,
            })
        });
        if let Some(p) = &facts.parse_error {
            assert!(
                !p.message.starts_with("internal error"),
                "{name}: {}",
                p.message
            );
        }
    }
}

#[test]
fn policy_loader_crashes_stay_fixed() {
    let embedded = PolicySet::embedded().unwrap();
    for (name, bytes) in inputs("policy_loader") {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let source = SourceFile::new(name.clone(), text.as_str());
        let _ = genai_gate_policy::file_kind(&text);
        let _ = load_pack(&source, false);
        let _ = load_catalogue(&source);
        if let Ok(profile) = load_profile(&source) {
            let _ = resolve(&embedded, profile, false, Some(&source));
        }
        let mut set = embedded.clone();
        if set.add(source, false).is_ok() {
            let _ = set.check();
        }
    }
}

#[test]
fn config_crashes_stay_fixed() {
    for (name, bytes) in inputs("config") {
        let Some((&which, rest)) = bytes.split_first() else {
            continue;
        };
        let Ok(text) = String::from_utf8(rest.to_vec()) else {
            continue;
        };
        let (rel, kind) = match which % 4 {
            0 => ("config/app.toml", FileKind::Toml),
            1 => ("config/app.yaml", FileKind::Yaml),
            2 => ("config/app.json", FileKind::Json),
            _ => (".env", FileKind::Env),
        };
        on_worker_stack(move || {
            let _ = extract_config(rel, &text, kind);
        });
        let _ = name;
    }
}
