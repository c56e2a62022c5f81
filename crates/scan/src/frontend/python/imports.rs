//! Imports: `import a.b as c`, `from .x import y as z`, `from x import *` as `use` aliases,
//! and what a name bound by an import is, for reading calls on it.

use ruff_python_ast::{StmtImport, StmtImportFrom};

use super::{Binding, Extractor};
use crate::facts::UseAlias;

/// At most this many enclosing packages an absolute import is also tried under.
const MAX_CANDIDATE_PACKAGES: usize = 4;

impl Extractor {
    /// Where an absolute import may point: the path itself (importable from the root), then
    /// the same path under the importing module's packages, innermost first (a script importing
    /// its siblings; a service whose import root is a sub-folder of the repository).
    fn candidates(&self, target: &str) -> Vec<String> {
        let mut out = vec![target.to_owned()];
        let mut package = self.package.as_str();
        for _ in 0..MAX_CANDIDATE_PACKAGES {
            if package.is_empty() {
                break;
            }
            out.push(format!("{package}::{target}"));
            package = package.rsplit_once("::").map_or("", |(p, _)| p);
        }
        out
    }

    fn push_use(&mut self, alias: &str, target: &str, absolute: bool) {
        let targets = if absolute {
            self.candidates(target)
        } else {
            vec![target.to_owned()]
        };
        for target in targets {
            self.facts.uses.push(UseAlias {
                module: self.module.clone(),
                alias: alias.to_owned(),
                target,
            });
        }
    }

    /// `import a.b.c` binds `a`; `import a.b as z` binds `z` to `a::b`.
    pub(super) fn import(&mut self, s: &StmtImport) {
        for alias in &s.names {
            let dotted = alias.name.id.as_str().replace('.', "::");
            let (bound, target) = match &alias.asname {
                Some(as_name) => (as_name.id.to_string(), dotted),
                None => {
                    let first = dotted.split("::").next().unwrap_or_default().to_owned();
                    (first.clone(), first)
                }
            };
            self.push_use(&bound, &target, true);
            self.imports.insert(bound, Binding::Module(target));
        }
    }

    /// `from x import y as z`, `from . import views`, `from ..core import *`.
    pub(super) fn import_from(&mut self, s: &StmtImportFrom) {
        let written = s
            .module
            .as_ref()
            .map(|m| m.id.as_str().replace('.', "::"))
            .unwrap_or_default();
        let absolute = s.level == 0;
        let base = if absolute {
            written
        } else {
            // `.` is the package; each further dot goes one package up.
            let mut package = self.package.as_str();
            for _ in 1..s.level {
                package = package.rsplit_once("::").map_or("", |(p, _)| p);
            }
            match (package.is_empty(), written.is_empty()) {
                (true, _) => written,
                (false, true) => package.to_owned(),
                (false, false) => format!("{package}::{written}"),
            }
        };
        for alias in &s.names {
            let name = alias.name.id.as_str();
            if name == "*" {
                self.push_use("*", &base, absolute);
                continue;
            }
            let bound = alias.asname.as_ref().map_or(name, |a| a.id.as_str());
            let target = if base.is_empty() {
                name.to_owned()
            } else {
                format!("{base}::{name}")
            };
            self.push_use(bound, &target, absolute);
            let all = self.import_targets.entry(bound.to_owned()).or_default();
            if !all.contains(&target) {
                all.push(target.clone());
            }
            self.imports.insert(
                bound.to_owned(),
                Binding::From {
                    module: base.clone(),
                    name: name.to_owned(),
                    absolute,
                },
            );
        }
    }

    /// The imported module a name stands for (`import x`, `import x.y as z`).
    pub(super) fn module_alias(&self, name: &str) -> Option<&str> {
        match self.imports.get(name) {
            Some(Binding::Module(m)) => Some(m),
            _ => None,
        }
    }

    /// The full path an imported name stands for, when the import is absolute: `openai` for
    /// `import openai`, `dashscope::Generation` for `from dashscope import Generation`.
    pub(super) fn qualified(&self, name: &str) -> Option<String> {
        match self.imports.get(name)? {
            Binding::Module(m) => Some(m.clone()),
            Binding::From {
                module,
                name,
                absolute: true,
            } if !module.is_empty() => Some(format!("{module}::{name}")),
            Binding::From { .. } => None,
        }
    }

    /// Whether a name was bound by `from x import name` (a module or an object).
    pub(super) fn is_from_import(&self, name: &str) -> bool {
        matches!(self.imports.get(name), Some(Binding::From { .. }))
    }
}
