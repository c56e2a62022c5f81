//! Judging: verdicts per control, and what changes them afterwards.
//!
//! - [`verdict`] — every active control judged on the endpoints and the repository evidence;
//! - [`blind`] — what was not fully analysed, and the controls it blinds;
//! - [`fail_closed`] — fail-closed and strict modes: what could not be judged becomes a finding;
//! - [`exceptions`] — waivers and inline suppressions;
//! - [`changes`] — pull-request mode: findings limited to the change, exceptions it adds;
//! - [`tamper`] — every change that weakens the gate, from the effective policies of both sides;
//! - [`baseline`] — known findings recorded and compared.

pub mod baseline;
pub mod blind;
pub mod changes;
pub mod exceptions;
pub mod fail_closed;
pub mod tamper;
pub mod verdict;
