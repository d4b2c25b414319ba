//! Typed, position-aware reading of a merged scenario [`Table`].
//!
//! A [`TableReader`] hands out values by key, remembers which keys were read, and in
//! [`TableReader::finish`] reports every key that nobody asked for as unknown, with a
//! "did you mean" suggestion. Every error carries the value's [`Origin`] and the full key path.

use std::cell::RefCell;

use crate::error::{InputError, Origin};
use crate::scenario::node::{suggest, Node, NodeValue, Table};

/// Reads one table; `path` is the dotted key path of the table itself ("" for the root).
pub struct TableReader<'a> {
    table: &'a Table,
    path: String,
    origin: Origin,
    used: RefCell<Vec<&'a str>>,
}

/// Collects errors so that validation can report several problems at once.
#[derive(Default)]
pub struct Errors(pub Vec<InputError>);

impl Errors {
    pub fn push(&mut self, e: InputError) {
        self.0.push(e);
    }

    /// Keeps the value if Ok, records the error and returns None otherwise.
    pub fn take<T>(&mut self, r: Result<T, InputError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> TableReader<'a> {
    pub fn new(table: &'a Table, path: impl Into<String>, origin: Origin) -> Self {
        TableReader {
            table,
            path: path.into(),
            origin,
            used: RefCell::new(Vec::new()),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn key_path(&self, key: &str) -> String {
        join_key(&self.path, key)
    }

    /// The raw node for `key`, marking it as known.
    pub fn node(&self, key: &'static str) -> Option<&'a Node> {
        self.used.borrow_mut().push(key);
        self.table.get(key)
    }

    /// Marks a key as known without reading it (e.g. `extends`, handled by the loader).
    pub fn allow(&self, key: &'static str) {
        self.used.borrow_mut().push(key);
    }

    pub fn has(&self, key: &'static str) -> bool {
        self.node(key).is_some()
    }

    /// An error for a missing required key, pointing at the table.
    pub fn missing(&self, key: &str, expected: &str) -> InputError {
        InputError::new(
            self.origin.clone(),
            self.key_path(key),
            expected.to_string(),
            "nothing (the key is missing)",
        )
    }

    /// An error about the value at `key`.
    pub fn invalid(&self, node: &Node, key: &str, expected: &str) -> InputError {
        InputError::new(
            node.origin.clone(),
            self.key_path(key),
            expected.to_string(),
            format!("{} `{}`", node.type_name(), node.display_value()),
        )
    }

    pub fn f64_opt(&self, key: &'static str) -> Result<Option<f64>, InputError> {
        match self.node(key) {
            None => Ok(None),
            Some(n) => match n.as_f64() {
                Some(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(self.invalid(n, key, "a finite number")),
            },
        }
    }

    pub fn f64(&self, key: &'static str) -> Result<f64, InputError> {
        self.f64_opt(key)?
            .ok_or_else(|| self.missing(key, "a number"))
    }

    pub fn f64_or(&self, key: &'static str, default: f64) -> Result<f64, InputError> {
        Ok(self.f64_opt(key)?.unwrap_or(default))
    }

    pub fn bool_or(&self, key: &'static str, default: bool) -> Result<bool, InputError> {
        match self.node(key) {
            None => Ok(default),
            Some(Node {
                value: NodeValue::Boolean(b),
                ..
            }) => Ok(*b),
            Some(n) => Err(self.invalid(n, key, "true or false")),
        }
    }

    pub fn str_opt(&self, key: &'static str) -> Result<Option<&'a str>, InputError> {
        match self.node(key) {
            None => Ok(None),
            Some(n) => n
                .as_str()
                .map(Some)
                .ok_or_else(|| self.invalid(n, key, "a string")),
        }
    }

    pub fn str(&self, key: &'static str) -> Result<&'a str, InputError> {
        self.str_opt(key)?
            .ok_or_else(|| self.missing(key, "a string"))
    }

    /// A string that must be one of `choices`.
    pub fn choice_or(
        &self,
        key: &'static str,
        choices: &[&'static str],
        default: &'static str,
    ) -> Result<&'a str, InputError>
    where
        'static: 'a,
    {
        match self.node(key) {
            None => Ok(default),
            Some(n) => match n.as_str() {
                Some(s) if choices.contains(&s) => Ok(s),
                _ => {
                    let e = self.invalid(n, key, &format!("one of {}", quoted_list(choices)));
                    Err(
                        match n.as_str().and_then(|s| suggest(s, choices.iter().copied())) {
                            Some(c) => e.with_hint(format!("did you mean \"{c}\"?")),
                            None => e,
                        },
                    )
                }
            },
        }
    }

    /// A sub-table reader for `key`; None when the key is absent.
    pub fn table_opt(&self, key: &'static str) -> Result<Option<TableReader<'a>>, InputError> {
        match self.node(key) {
            None => Ok(None),
            Some(n) => match &n.value {
                NodeValue::Table(t) => Ok(Some(TableReader::new(
                    t,
                    self.key_path(key),
                    n.origin.clone(),
                ))),
                _ => Err(self.invalid(n, key, "a table")),
            },
        }
    }

    /// A reader for every entry of a table of named tables (e.g. `[regions.us]`), in file order.
    pub fn named_tables(
        &self,
        key: &'static str,
    ) -> Result<Vec<(&'a str, TableReader<'a>)>, InputError> {
        let Some(n) = self.node(key) else {
            return Ok(Vec::new());
        };
        let NodeValue::Table(t) = &n.value else {
            return Err(self.invalid(n, key, "a table of named tables"));
        };
        let path = self.key_path(key);
        t.entries
            .iter()
            .map(|(name, v)| match &v.value {
                NodeValue::Table(sub) => Ok((
                    name.as_str(),
                    TableReader::new(sub, join_key(&path, name), v.origin.clone()),
                )),
                _ => Err(InputError::new(
                    v.origin.clone(),
                    join_key(&path, name),
                    "a table",
                    format!("{} `{}`", v.type_name(), v.display_value()),
                )),
            })
            .collect()
    }

    /// Reports the keys of this table that were never read, with suggestions.
    pub fn finish(self, errors: &mut Errors) {
        let mut used = self.used.into_inner();
        let mut seen = Vec::new();
        used.retain(|k| {
            let new = !seen.contains(k);
            seen.push(*k);
            new
        });
        for (k, v) in &self.table.entries {
            if !used.contains(&k.as_str()) {
                let mut e = InputError::new(
                    v.origin.clone(),
                    join_key(&self.path, k),
                    format!(
                        "a known key{}",
                        if used.is_empty() {
                            String::new()
                        } else {
                            format!(" here ({})", used.join(", "))
                        }
                    ),
                    "an unknown key",
                );
                if let Some(s) = suggest(k, used.iter().copied()) {
                    e = e.with_hint(format!("did you mean `{}`?", join_key(&self.path, s)));
                }
                errors.push(e);
            }
        }
    }
}

pub fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
