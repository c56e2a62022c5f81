//! What an SQL statement in a string literal writes or reads, for detectors that care about
//! the table and not the columns.
//!
//! A detector's string glob over a whole statement (`INSERT INTO *message*`) also matches a
//! column named `message_id` of another table. [`signatures`] gives each statement's verb and
//! tables as short strings of their own — `sql:insert:chat_messages`,
//! `sql:select:api_keys`, `sql:upsert:usage_per_day` (an insert that updates on conflict) —
//! which the matcher tries string patterns on as well as on the literal, so a detector can say
//! `sql:insert:*message*`.

/// The verb and tables of an SQL statement: `sql:<verb>:<table>` for the table written
/// (`insert`, `upsert`, `update`, `delete`) or each table read (`select`, from `FROM` and
/// `JOIN`). Tables are lower-cased with quotes dropped, a CamelCase name split into words
/// (`QaLogs` is `qa_logs`); a schema stays (`llm.usage`). Empty for text that does not start
/// with one of these verbs.
///
/// ```
/// use genai_gate_scan::facts::sql::signatures;
/// assert_eq!(signatures("INSERT INTO chat_messages (id, message) VALUES ($1, $2)"), ["sql:insert:chat_messages"]);
/// assert_eq!(signatures("insert into usage_per_day (d, n) values ($1, 1) on conflict (d) do update set n = usage_per_day.n + 1"), ["sql:upsert:usage_per_day"]);
/// assert_eq!(signatures("SELECT u.id FROM users u JOIN api_keys k ON k.user_id = u.id WHERE k.key = $1"), ["sql:select:users", "sql:select:api_keys"]);
/// assert_eq!(signatures("UPDATE \"api_tokens\" SET used = now() WHERE token = $1"), ["sql:update:api_tokens"]);
/// assert_eq!(signatures("INSERT INTO QaLogs (query, result) VALUES (%s, %s)"), ["sql:insert:qa_logs"]);
/// assert!(signatures("hello from the other side").is_empty());
/// ```
pub fn signatures(text: &str) -> Vec<String> {
    if !starts_like_sql(text) {
        return Vec::new();
    }
    let words: Vec<&str> = text.split_whitespace().take(512).collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let at = |i: usize| lower.get(i).map(String::as_str);
    let table = |i: usize| -> Option<String> {
        let w = words.get(i)?;
        let t: String = w
            .trim_matches(|c: char| matches!(c, '"' | '`' | '[' | ']' | ';' | ','))
            .split('(')
            .next()
            .map(snake_case)?
            .replace(['"', '`'], "");
        (!t.is_empty()
            && t.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.'))
        .then_some(t)
    };
    let mut out = Vec::new();
    match at(0) {
        Some("insert") => {
            // INSERT [OR REPLACE | IGNORE] INTO t
            if let Some(into) = lower.iter().take(5).position(|w| w == "into")
                && let Some(t) = table(into + 1)
            {
                let upsert = lower.iter().any(|w| w == "conflict" || w == "duplicate")
                    && lower.windows(2).any(|w| w[0] == "do" && w[1] == "update")
                    || lower.windows(2).any(|w| w[0] == "key" && w[1] == "update");
                out.push(format!(
                    "sql:{}:{t}",
                    if upsert { "upsert" } else { "insert" }
                ));
            }
        }
        Some("update") => {
            if let Some(t) = table(1) {
                out.push(format!("sql:update:{t}"));
            }
        }
        Some("delete") if at(1) == Some("from") => {
            if let Some(t) = table(2) {
                out.push(format!("sql:delete:{t}"));
            }
        }
        Some("select") => {
            for (i, w) in lower.iter().enumerate() {
                if (w == "from" || w == "join")
                    && let Some(t) = table(i + 1)
                {
                    let sig = format!("sql:select:{t}");
                    if !out.contains(&sig) {
                        out.push(sig);
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// Whether the text starts with an SQL verb this module reads (a cheap test before splitting).
fn starts_like_sql(text: &str) -> bool {
    let t = text.trim_start().as_bytes();
    ["insert", "update", "delete", "select"].iter().any(|verb| {
        t.len() > verb.len()
            && t[..verb.len()].eq_ignore_ascii_case(verb.as_bytes())
            && t[verb.len()].is_ascii_whitespace()
    })
}

/// A name in lower snake case: `ChatMessage` is `chat_message`, `QaLogs` is `qa_logs`,
/// `chat_messages` and `LLM.usage` stay words as they are (`llm.usage`).
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}
