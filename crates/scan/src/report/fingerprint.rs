//! Stable finding fingerprints: SARIF `partialFingerprints` and baseline entries.
//!
//! A fingerprint hashes what identifies a finding regardless of where its lines sit: the
//! control id, the file, the endpoint (method and route) or, for repository findings, the
//! message with every number replaced by `#` (so `retention_days = 90 … at a.toml:12`
//! survives edits that move lines). Line numbers and byte offsets never enter the hash.
//!
//! ```
//! use genai_gate_scan::report::fingerprint::fingerprint_parts;
//! let a = fingerprint_parts("CN-GAI-4.1", Some("src/api.rs"), Some(("POST", "/v1/chat")), "x at a.rs:12");
//! let b = fingerprint_parts("CN-GAI-4.1", Some("src/api.rs"), Some(("POST", "/v1/chat")), "x at a.rs:40");
//! assert_eq!(a, b);
//! assert_eq!(a.len(), 32);
//! ```

use crate::report::Finding;

/// The key of genai-gate's fingerprint in SARIF `partialFingerprints`.
pub const SARIF_KEY: &str = "genaiGate/v1";

/// FNV-1a, 64 bits, with a given offset basis: stable across Rust versions and platforms
/// (unlike `std`'s `DefaultHasher`).
fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    let mut h = basis;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The message with runs of digits replaced by `#`.
fn message_kind(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_digits = false;
    for ch in message.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(ch);
            in_digits = false;
        }
    }
    out
}

/// The fingerprint of a finding's parts: 32 hex digits.
pub fn fingerprint_parts(
    control: &str,
    file: Option<&str>,
    endpoint: Option<(&str, &str)>,
    message: &str,
) -> String {
    let mut key = format!("{control}\u{1f}{}\u{1f}", file.unwrap_or(""));
    match endpoint {
        // An endpoint finding is identified by its route; the message may change wording
        // as its gaps change, and the finding is still the same one.
        Some((method, route)) => key.push_str(&format!("{method} {route}")),
        None => key.push_str(&message_kind(message)),
    }
    let a = fnv1a(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let b = fnv1a(key.as_bytes(), 0x84222325_cbf29ce4);
    format!("{a:016x}{b:016x}")
}

/// The fingerprint of a finding.
pub fn of(f: &Finding) -> String {
    fingerprint_parts(
        &f.control,
        f.file.as_deref(),
        f.endpoint
            .as_ref()
            .map(|e| (e.method.as_str(), e.route.as_str())),
        &f.message,
    )
}

/// Fills in every finding's fingerprint.
pub fn assign(findings: &mut [Finding]) {
    for f in findings {
        f.fingerprint = of(f);
    }
}
