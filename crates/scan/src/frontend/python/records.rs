//! Writes that keep a record, read as the SQL they stand for so that the catalogue's record
//! detectors (`sql:insert:*message*`, …) apply unchanged: SQLAlchemy `session.add(Model(..))`
//! and `insert(Model)`, Django `Model.objects.create(..)` and `obj.save()`, Tortoise
//! `Model.create(..)`, MongoDB `db.messages.insert_one(..)`; and a file opened for appending
//! (`open(path, "a")`), read as the append-mode open of a request log.

use ruff_python_ast::{Expr, ExprCall};

use super::{Extractor, is_upper, last_name};
use crate::facts::{Chain, EventKind};

impl Extractor {
    fn insert_into(&mut self, class: &str, c: &ExprCall) {
        let table = crate::facts::sql::snake_case(class.rsplit("::").next().unwrap_or(class));
        if table.is_empty() {
            return;
        }
        let pos = self.pos_of(&*c.func);
        self.emit(
            EventKind::Str {
                value: format!("INSERT INTO {table}"),
                call: None,
            },
            pos,
        );
    }

    /// The class a value is an instance of, when it is made here or in a local.
    fn instance_class(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Call(c) => last_name(&c.func)
                .filter(|n| is_upper(n) && matches!(&*c.func, Expr::Name(_) | Expr::Attribute(_)))
                .map(str::to_owned),
            Expr::Name(n) => self
                .fns
                .last()
                .and_then(|f| f.types.get(n.id.as_str()))
                .map(|t| t.rsplit("::").next().unwrap_or(t).to_owned()),
            _ => None,
        }
    }

    /// `insert(Model)`, `open(path, "a")`.
    pub(super) fn record_call(&mut self, c: &ExprCall, name: &str, _ty: Option<&str>) {
        match name {
            "insert" => {
                if let Some(Expr::Name(n)) = c.arguments.args.first()
                    && is_upper(n.id.as_str())
                {
                    let class = n.id.to_string();
                    self.insert_into(&class, c);
                }
            }
            "open" => {
                let mode = c.arguments.args.get(1).or_else(|| {
                    c.arguments
                        .keywords
                        .iter()
                        .find(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == "mode"))
                        .map(|k| &k.value)
                });
                if mode
                    .and_then(|m| self.string_value(m))
                    .is_some_and(|m| m.starts_with('a'))
                {
                    let pos = self.pos_of(&*c.func);
                    self.emit(
                        EventKind::Method {
                            chain: Chain::from_iter(["append", "open"]),
                            receiver: Default::default(),
                        },
                        pos,
                    );
                }
            }
            _ => {}
        }
    }

    /// `Model.objects.create(..)`, `Model.objects.bulk_create(..)`, Tortoise `Model.create(..)`.
    pub(super) fn record_path_call(&mut self, c: &ExprCall, names: &[&str]) {
        let (class, rest) = (names[0], &names[1..]);
        let django = matches!(
            rest,
            ["objects", "create" | "bulk_create" | "get_or_create"]
        );
        let tortoise =
            self.tortoise && matches!(rest, ["create" | "bulk_create" | "get_or_create"]);
        if django || tortoise {
            self.insert_into(class, c);
        }
    }

    /// `session.add(Model(..))`, `session.add_all([..])`, `obj.save()` on a model made here,
    /// `db.messages.insert_one(..)`.
    pub(super) fn record_method(
        &mut self,
        c: &ExprCall,
        chain: &Chain,
        receiver: &str,
        _ty: Option<&str>,
    ) {
        let method = chain.last().unwrap_or_default();
        match method {
            "add" | "merge" => {
                if let Some(class) = c
                    .arguments
                    .args
                    .first()
                    .and_then(|a| self.instance_class(a))
                {
                    self.insert_into(&class, c);
                }
            }
            "add_all" | "bulk_save_objects" => {
                let first = match c.arguments.args.first() {
                    Some(Expr::List(l)) => l.elts.first(),
                    _ => None,
                };
                if let Some(class) = first.and_then(|a| self.instance_class(a)) {
                    self.insert_into(&class, c);
                }
            }
            "save" if chain.len() == 1 => {
                let class = self
                    .fns
                    .last()
                    .and_then(|f| f.types.get(receiver))
                    .map(|t| t.rsplit("::").next().unwrap_or(t).to_owned());
                if let Some(class) = class {
                    self.insert_into(&class, c);
                }
            }
            "insert_one" | "insert_many" => {
                // The collection is the name before the insert: `db.messages.insert_one`,
                // or the receiver itself (`messages.insert_one`).
                let names: Vec<&str> = chain.iter().collect();
                let collection = match names.len() {
                    0 | 1 => receiver.rsplit('.').next().unwrap_or(receiver),
                    n => names[n - 2],
                };
                if !collection.is_empty() {
                    let class = collection.to_owned();
                    self.insert_into(&class, c);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn class_names_become_table_names() {
        assert_eq!(crate::facts::sql::snake_case("ChatMessage"), "chat_message");
        assert_eq!(crate::facts::sql::snake_case("UsageLog2"), "usage_log2");
        assert_eq!(crate::facts::sql::snake_case("messages"), "messages");
    }
}
