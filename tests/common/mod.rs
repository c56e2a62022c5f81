//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root (the root package's manifest directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()
}

/// Copies a directory tree, leaving out genai-gate's own cache.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".genai-gate-cache" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A tool the tests drive, installed on first use into `tools/` (git-ignored) from the
/// package registries: an explicit path in `env_var` wins, then an earlier install.
///
/// Installs are serialised across test processes with a lock directory (`mkdir` is atomic),
/// so parallel test binaries (nextest) install once.
pub struct Tool {
    /// Environment variable holding an explicit path to the tool.
    pub env_var: &'static str,
    /// The executable, relative to the repository root, once installed.
    pub installed: &'static str,
    /// The commands that install it, run from the repository root.
    pub install: &'static [&'static [&'static str]],
}

/// The SARIF multitool (Microsoft's validator with GitHub's rules), from npm.
pub const SARIF_MULTITOOL: Tool = Tool {
    env_var: "SARIF_MULTITOOL",
    installed: "tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
    install: &[&[
        "npm",
        "install",
        "--prefix",
        "tools",
        "--no-audit",
        "--no-fund",
        "--loglevel",
        "error",
        "@microsoft/sarif-multitool@5.7.0",
    ]],
};

/// The pre-commit framework, from PyPI, in a virtual environment.
pub const PRE_COMMIT: Tool = Tool {
    env_var: "PRE_COMMIT",
    installed: "tools/venv/bin/pre-commit",
    install: &[
        &["python3", "-m", "venv", "tools/venv"],
        &[
            "tools/venv/bin/pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pre-commit==4.7.0",
        ],
    ],
};

/// Debian's Chromium, for the HTML report's browser test (the tests run as root; a missing
/// browser is installed from Debian's registry).
pub const CHROMIUM: Tool = Tool {
    env_var: "CHROMIUM",
    installed: "/usr/bin/chromium",
    install: &[
        &[
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "update",
            "-qq",
        ],
        &[
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-qq",
            "chromium",
        ],
    ],
};

/// playwright-core from npm (the driver only: it never downloads a browser of its own), which
/// drives Debian's Chromium.
pub const PLAYWRIGHT_CORE: Tool = Tool {
    env_var: "PLAYWRIGHT_CORE",
    installed: "tools/node_modules/playwright-core/package.json",
    install: &[&[
        "npm",
        "install",
        "--prefix",
        "tools",
        "--no-audit",
        "--no-fund",
        "--loglevel",
        "error",
        "playwright-core@1.65.2",
    ]],
};

/// The Nu Html Checker (the W3C validator) as a jar from npm, run with the machine's Java.
pub const VNU: Tool = Tool {
    env_var: "VNU_JAR",
    installed: "tools/node_modules/vnu-jar/build/dist/vnu.jar",
    install: &[&[
        "npm",
        "install",
        "--prefix",
        "tools",
        "--no-audit",
        "--no-fund",
        "--loglevel",
        "error",
        "vnu-jar@26.9.27",
    ]],
};

/// A Java runtime for the validator, from Debian's registry when the machine has none.
pub const JAVA: Tool = Tool {
    env_var: "JAVA",
    installed: "/usr/bin/java",
    install: &[
        &[
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "update",
            "-qq",
        ],
        &[
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-qq",
            "default-jre-headless",
        ],
    ],
};

impl Tool {
    /// The tool's path, installing it first when it is missing.
    pub fn path(&self) -> PathBuf {
        if let Some(p) = std::env::var_os(self.env_var) {
            return PathBuf::from(p);
        }
        let root = repo_root();
        let exe = root.join(self.installed);
        if exe.is_file() {
            return exe;
        }
        std::fs::create_dir_all(root.join("tools")).unwrap();
        let lock = root.join("tools").join(".install-lock");
        let start = std::time::Instant::now();
        while std::fs::create_dir(&lock).is_err() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(600),
                "another test has held {} for ten minutes; remove it if no install is running",
                lock.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let result = std::panic::catch_unwind(|| {
            if !exe.is_file() {
                for cmd in self.install {
                    let out = std::process::Command::new(cmd[0])
                        .args(&cmd[1..])
                        .current_dir(&root)
                        .output()
                        .unwrap_or_else(|e| panic!("could not run {}: {e}", cmd[0]));
                    assert!(
                        out.status.success(),
                        "installing a test tool failed: {}\n{}",
                        cmd.join(" "),
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            }
        });
        let _ = std::fs::remove_dir(&lock);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
        assert!(exe.is_file(), "{} was not installed", exe.display());
        exe
    }
}

/// The binary with the environment of a developer's terminal, whatever runs the tests: not
/// under CI (`CI` and `GITHUB_ACTIONS` unset, so not fail-closed by default), and its cache
/// under cargo's temporary directory for tests instead of the user's cache directory.
pub fn genai_gate() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("genai-gate").unwrap();
    c.env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env("XDG_CACHE_HOME", test_cache());
    c
}

/// Where the binary run by tests keeps its cache.
pub fn test_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache")
}
