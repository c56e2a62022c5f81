//! The progress bar of long scans: on stderr, only when it is a terminal (never in CI logs or
//! when piped, never with `--quiet`), and only once the scan has taken more than a moment.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use genai_gate_scan::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Globals;

/// How long a scan runs before the bar appears.
const DELAY: Duration = Duration::from_millis(700);

/// A bar that stays hidden until [`DELAY`] has passed.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    delay: Duration,
}

impl Bar {
    /// The bar for a scan, when one should be drawn.
    pub fn new(globals: &Globals) -> Option<Arc<Bar>> {
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        if globals.quiet || globals.ci || dumb || !std::io::stderr().is_terminal() {
            return None;
        }
        // Tests shorten the delay to see the bar (undocumented).
        let delay = std::env::var("GENAI_GATE_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(DELAY, Duration::from_millis);
        Some(Arc::new(Bar {
            bar: ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden()),
            started: Instant::now(),
            delay,
        }))
    }

    /// Shows the bar once the delay has passed.
    fn reveal(&self) {
        if self.bar.is_hidden() && self.started.elapsed() >= self.delay {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// Clears the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        let (template, message) = match name {
            "files" => ("{spinner} {msg} {wide_bar} {pos}/{len} files", "parsing"),
            "judging" => ("{spinner} {msg}", "judging the endpoints"),
            _ => (
                "{spinner} {msg} {elapsed}",
                "following each endpoint's calls",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style);
        }
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message(if name == "judging" {
            format!("judging {total} endpoint(s)")
        } else {
            message.to_owned()
        });
        self.reveal();
    }

    fn tick(&self) {
        self.bar.inc(1);
        self.reveal();
    }
}
