//! Judging: verdicts per control, and what changes them afterwards.
//!
//! - [`verdict`] — every active control judged on the endpoints and the repository evidence;
//! - [`fail_closed`] — strict mode: what could not be judged becomes a finding;
//! - [`exceptions`] — waivers and inline suppressions;
//! - [`changes`] — pull-request mode and the tamper check;
//! - [`baseline`] — known findings recorded and compared.

pub mod baseline;
pub mod changes;
pub mod exceptions;
pub mod fail_closed;
pub mod verdict;
