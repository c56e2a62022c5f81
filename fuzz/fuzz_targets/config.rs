//! Arbitrary bytes as a TOML, YAML, JSON or `.env` config file: flattening must never panic.
#![no_main]

use genai_gate_scan::frontend::config::extract_config;
use genai_gate_scan::walk::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (name, kind) = match which % 4 {
        0 => ("config/app.toml", FileKind::Toml),
        1 => ("config/app.yaml", FileKind::Yaml),
        2 => ("config/app.json", FileKind::Json),
        _ => (".env", FileKind::Env),
    };
    let text = text.to_owned();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let _ = extract_config(name, &text, kind);
        })
        .expect("spawn")
        .join()
        .expect("extract_config does not panic");
});
