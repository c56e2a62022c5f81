//! Cargo packages of the scanned tree: where each crate lives, the name its code is known by,
//! and the local crates it depends on (with renames).
//!
//! A workspace's functions are keyed by their module path, which starts with the crate name;
//! two packages of a monorepo may share a name, and a dependency may be renamed
//! (`llm = { package = "engine-core", path = "../engine" }`). [`Packages`] records, for each
//! `Cargo.toml` with a `[package]` within the root:
//!
//! - its directory and the crate name code uses for its library (`[lib] name`, else the
//!   package name, `-` read as `_`);
//! - its dependencies by the name the code uses (the key, `-` read as `_`) and the crate they
//!   are (`package = …` renames, `workspace = true` looked up in the workspace manifest), for
//!   every dependency table (`dependencies`, `dev-`, `build-`, `target.*.`).
//!
//! A manifest that does not parse still makes a package, named after its directory and with no
//! dependencies. Manifests are read once each, capped in size, and never followed through
//! links.
//!
//! ```
//! use genai_gate_scan::packages::Packages;
//! let dir = std::env::temp_dir().join(format!("genai-gate-packages-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("api"))?;
//! std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"api\"]\n[workspace.dependencies]\nllm = { package = \"engine-core\", path = \"engine\" }\n")?;
//! std::fs::write(dir.join("api/Cargo.toml"), "[package]\nname = \"chat-api\"\n[dependencies]\nllm = { workspace = true }\n")?;
//! let mut packages = Packages::default();
//! let (depth, id) = packages.owner(&dir, &["api", "src"]).unwrap();
//! assert_eq!(depth, 1);
//! let api = packages.get(id);
//! assert_eq!(api.name, "chat_api");
//! assert_eq!(api.dep("llm"), Some("engine_core"));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashMap;
use std::path::Path;

/// Manifests larger than this are not read (a real `Cargo.toml` is a few kilobytes).
const MAX_MANIFEST: u64 = 1 << 20;

/// One Cargo package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// Its directory, relative to the root, `/`-separated (empty for the root).
    pub dir: String,
    /// The crate name its code is known by: `[lib] name`, else the package name, `-` as `_`.
    pub name: String,
    /// Dependencies: the name code uses (`-` as `_`) and the crate it is, sorted.
    pub deps: Vec<(String, String)>,
}

impl Package {
    /// The crate a name used in this package's code stands for, when it is a dependency.
    pub fn dep(&self, used: &str) -> Option<&str> {
        self.deps
            .binary_search_by(|(u, _)| u.as_str().cmp(used))
            .ok()
            .map(|i| self.deps[i].1.as_str())
    }
}

/// The packages found so far in one walk, memoised by directory.
#[derive(Debug, Default)]
pub struct Packages {
    list: Vec<Package>,
    /// Directory (root-relative) → package there, if any.
    dirs: HashMap<String, Option<u32>>,
    /// The nearest `[workspace.dependencies]` table by workspace manifest directory.
    workspaces: HashMap<String, Option<toml::Table>>,
}

impl Packages {
    /// The package with this id.
    pub fn get(&self, id: u32) -> &Package {
        &self.list[id as usize]
    }

    /// Every package found, by id.
    pub fn all(&self) -> &[Package] {
        &self.list
    }

    /// Takes the list of packages, by id.
    pub fn into_vec(self) -> Vec<Package> {
        self.list
    }

    /// The nearest package at or above `dirs` (root-relative directory segments): how many
    /// segments deep its directory is, and its id.
    pub fn owner(&mut self, root: &Path, dirs: &[&str]) -> Option<(usize, u32)> {
        (0..=dirs.len())
            .rev()
            .find_map(|depth| self.at(root, &dirs[..depth]).map(|id| (depth, id)))
    }

    fn at(&mut self, root: &Path, dir: &[&str]) -> Option<u32> {
        let key = dir.join("/");
        if let Some(known) = self.dirs.get(&key) {
            return *known;
        }
        let mut path = root.to_path_buf();
        path.extend(dir);
        let found = self.read(root, &path, dir).map(|mut p| {
            p.dir = key.clone();
            self.list.push(p);
            (self.list.len() - 1) as u32
        });
        self.dirs.insert(key, found);
        found
    }

    /// Reads `dir/Cargo.toml` as a package: `None` when there is none or it declares no
    /// `[package]` (a virtual workspace manifest).
    fn read(&mut self, root: &Path, dir: &Path, segs: &[&str]) -> Option<Package> {
        let table = match read_manifest(dir)? {
            Some(table) => table,
            None => {
                return Some(Package {
                    name: fallback_name(dir, segs.last().copied()),
                    ..Package::default()
                });
            }
        };
        let package = match table.get("package") {
            Some(toml::Value::Table(p)) => p,
            Some(_) => {
                return Some(Package {
                    name: fallback_name(dir, segs.last().copied()),
                    ..Package::default()
                });
            }
            None => return None,
        };
        let package_name = match package.get("name") {
            Some(toml::Value::String(n)) => n.replace('-', "_"),
            _ => fallback_name(dir, segs.last().copied()),
        };
        let name = match table.get("lib").and_then(|l| l.get("name")) {
            Some(toml::Value::String(n)) => n.replace('-', "_"),
            _ => package_name,
        };
        let mut deps = Vec::new();
        let mut tables: Vec<&toml::Table> = Vec::new();
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(toml::Value::Table(t)) = table.get(key) {
                tables.push(t);
            }
        }
        if let Some(toml::Value::Table(targets)) = table.get("target") {
            for target in targets.values() {
                for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                    if let Some(toml::Value::Table(t)) = target.get(key) {
                        tables.push(t);
                    }
                }
            }
        }
        for t in tables {
            for (used, spec) in t {
                let mut crate_name = match spec.get("package") {
                    Some(toml::Value::String(p)) => Some(p.clone()),
                    _ => None,
                };
                if crate_name.is_none()
                    && spec.get("workspace").and_then(toml::Value::as_bool) == Some(true)
                {
                    crate_name = self.workspace_rename(root, segs, used);
                }
                let crate_name = crate_name.unwrap_or_else(|| used.clone());
                deps.push((used.replace('-', "_"), crate_name.replace('-', "_")));
            }
        }
        deps.sort();
        deps.dedup_by(|a, b| a.0 == b.0);
        Some(Package {
            dir: String::new(),
            name,
            deps,
        })
    }

    /// The `package = …` of `used` in the nearest workspace manifest above `segs`.
    fn workspace_rename(&mut self, root: &Path, segs: &[&str], used: &str) -> Option<String> {
        for depth in (0..segs.len()).rev() {
            let key = segs[..depth].join("/");
            let deps = self.workspaces.entry(key).or_insert_with(|| {
                let mut path = root.to_path_buf();
                path.extend(&segs[..depth]);
                let table = read_manifest(&path)??;
                match table.get("workspace")?.get("dependencies")? {
                    toml::Value::Table(t) => Some(t.clone()),
                    _ => None,
                }
            });
            if let Some(deps) = deps {
                return match deps.get(used)?.get("package")? {
                    toml::Value::String(p) => Some(p.clone()),
                    _ => None,
                };
            }
        }
        None
    }
}

/// `dir/Cargo.toml` parsed: `None` without a manifest (or one that is a link, or too large to
/// be one), `Some(None)` when it cannot be read or parsed.
fn read_manifest(dir: &Path) -> Option<Option<toml::Table>> {
    let manifest = dir.join("Cargo.toml");
    let meta = std::fs::symlink_metadata(&manifest).ok()?;
    if !meta.is_file() {
        return None;
    }
    // Capped as it is read, not only by its size before: a file can grow in between.
    let text = crate::read::capped_text(&manifest, MAX_MANIFEST).ok();
    Some(text.and_then(|t| t.parse::<toml::Table>().ok()))
}

/// The crate name of a package whose manifest cannot be read: its directory's name.
fn fallback_name(dir: &Path, dir_name: Option<&str>) -> String {
    let name = dir_name.map(str::to_owned).or_else(|| {
        dir.canonicalize()
            .ok()?
            .file_name()?
            .to_str()
            .map(str::to_owned)
    });
    name.unwrap_or_else(|| "crate".to_owned()).replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn lib_names_renames_and_target_dependencies_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "svc/Cargo.toml",
            "[package]\nname = \"svc-bin\"\n[lib]\nname = \"svc_core\"\n\
             [dependencies]\nengine = { package = \"rwkv-engine\", path = \"../engine\" }\nserde = \"1\"\n\
             [target.'cfg(unix)'.dependencies]\nunix-only = { path = \"../u\" }\n",
        );
        write(root, "broken/Cargo.toml", "[package\nname=");
        write(root, "Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n");
        let mut p = Packages::default();
        let (_, svc) = p.owner(root, &["svc", "src", "api"]).unwrap();
        let svc = p.get(svc).clone();
        assert_eq!(svc.name, "svc_core");
        assert_eq!(svc.dir, "svc");
        assert_eq!(svc.dep("engine"), Some("rwkv_engine"));
        assert_eq!(svc.dep("serde"), Some("serde"));
        assert_eq!(svc.dep("unix_only"), Some("unix_only"));
        assert_eq!(svc.dep("tokio"), None);
        let (_, broken) = p.owner(root, &["broken", "src"]).unwrap();
        assert_eq!(p.get(broken).name, "broken");
        // The root manifest is a virtual workspace: no package there.
        assert_eq!(p.owner(root, &["docs"]), None);
    }
}
