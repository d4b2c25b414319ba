//! A TOML document tree in which every value remembers where it came from ([`Origin`]), so that
//! errors found long after parsing (a share that does not sum to one, an unknown region name) can
//! still name the file, line and column. Scenario files, `extends` parents and `--set` options
//! are all turned into [`Node`]s and merged here before the typed reader sees them.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::error::{InputError, Origin};

/// A scalar, array or table value with the origin of the value itself.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: NodeValue,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum NodeValue {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// Dates and times are kept as text; the scenario format does not use them.
    Datetime(String),
    Array(Vec<Node>),
    Table(Table),
}

/// An ordered table: entries keep the order in which they were written.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub entries: Vec<(String, Node)>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Inserts or replaces `key`, keeping the position of an existing entry.
    pub fn insert(&mut self, key: String, node: Node) {
        match self.get_mut(&key) {
            Some(slot) => *slot = node,
            None => self.entries.push((key, node)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

impl Node {
    /// A short description of the value's type, for "found ..." in error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::String(_) => "a string",
            NodeValue::Integer(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Boolean(_) => "a boolean",
            NodeValue::Datetime(_) => "a date-time",
            NodeValue::Array(_) => "an array",
            NodeValue::Table(_) => "a table",
        }
    }

    /// The value written back as TOML text (used in "found ..." and in resolved scenarios).
    pub fn to_toml_value(&self) -> toml::Value {
        match &self.value {
            NodeValue::String(s) => toml::Value::String(s.clone()),
            NodeValue::Integer(i) => toml::Value::Integer(*i),
            NodeValue::Float(f) => toml::Value::Float(*f),
            NodeValue::Boolean(b) => toml::Value::Boolean(*b),
            NodeValue::Datetime(s) => toml::Value::String(s.clone()),
            NodeValue::Array(a) => toml::Value::Array(a.iter().map(Node::to_toml_value).collect()),
            NodeValue::Table(t) => toml::Value::Table(t.to_toml_table()),
        }
    }

    /// A compact rendering of the value for error messages, e.g. `"15 to 30"` or `-3`.
    pub fn display_value(&self) -> String {
        let s = self.to_toml_value().to_string();
        if s.len() > 60 {
            format!(
                "{}…",
                &s[..s.char_indices().nth(57).map_or(s.len(), |(i, _)| i)]
            )
        } else {
            s
        }
    }

    /// The number held by an integer or float node.
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            NodeValue::Integer(i) => Some(i as f64),
            NodeValue::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match &self.value {
            NodeValue::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Table {
    pub fn to_toml_table(&self) -> toml::Table {
        let mut t = toml::Table::new();
        for (k, v) in &self.entries {
            t.insert(k.clone(), v.to_toml_value());
        }
        t
    }
}

/// Converts byte offsets into 1-based line and column numbers.
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    /// (line, column), both 1-based; the column counts characters, not bytes.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line + 1, column)
    }
}

/// Parses TOML text from `path` into a [`Table`] whose nodes carry file/line/column origins.
pub fn parse_document(text: &str, path: &Path) -> Result<Table, InputError> {
    let index = LineIndex::new(text);
    let origin_at = |offset: usize| {
        let (line, column) = index.position(offset);
        Origin::File {
            path: path.to_path_buf(),
            line,
            column,
        }
    };
    match DeTable::parse(text) {
        Ok(doc) => Ok(convert_table(doc.get_ref(), &origin_at)),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let msg = e.message().trim().replace('\n', " ");
            Err(InputError::new(
                origin_at(offset),
                "",
                "valid TOML",
                format!("a syntax error: {msg}"),
            ))
        }
    }
}

/// Parses one TOML value written on the command line (`--set key=VALUE`). A bare word that is not
/// valid TOML (e.g. `--set name=foo`) is taken as a string, which is what a user means.
pub fn parse_cli_value(text: &str, origin: Origin) -> Result<Node, InputError> {
    let doc = format!("v = {text}");
    match DeTable::parse(&doc) {
        Ok(t) => {
            let table = convert_table(t.get_ref(), &|_| origin.clone());
            table
                .get("v")
                .cloned()
                .ok_or_else(|| InputError::new(origin, "", "a TOML value", text.to_string()))
        }
        Err(_) if !text.contains(['"', '\'', '[', '{', '=']) && !text.trim().is_empty() => {
            Ok(Node {
                value: NodeValue::String(text.trim().to_string()),
                origin,
            })
        }
        Err(e) => Err(InputError::new(
            origin,
            "",
            "a TOML value (number, \"string\", [array] or {inline = table})",
            format!("`{text}` ({})", e.message().trim().replace('\n', " ")),
        )),
    }
}

fn convert_table(t: &DeTable<'_>, origin_at: &dyn Fn(usize) -> Origin) -> Table {
    let mut out = Table::default();
    for (k, v) in t.iter() {
        out.entries.push((
            k.get_ref().to_string(),
            convert_value(v.get_ref(), v.span().start, origin_at),
        ));
    }
    out
}

fn convert_value(v: &DeValue<'_>, offset: usize, origin_at: &dyn Fn(usize) -> Origin) -> Node {
    let value = match v {
        DeValue::String(s) => NodeValue::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => NodeValue::Integer(n),
            // Out of i64 range: keep it as a float so that range checks report it.
            Err(_) => NodeValue::Float(i.as_str().parse().unwrap_or(f64::INFINITY)),
        },
        DeValue::Float(f) => NodeValue::Float(f.as_str().replace('_', "").parse().unwrap_or_else(
            |_| match f.as_str() {
                s if s.contains("nan") => f64::NAN,
                s if s.starts_with('-') => f64::NEG_INFINITY,
                _ => f64::INFINITY,
            },
        )),
        DeValue::Boolean(b) => NodeValue::Boolean(*b),
        DeValue::Datetime(d) => NodeValue::Datetime(d.to_string()),
        DeValue::Array(a) => NodeValue::Array(
            a.iter()
                .map(|x| convert_value(x.get_ref(), x.span().start, origin_at))
                .collect(),
        ),
        DeValue::Table(t) => NodeValue::Table(convert_table(t, origin_at)),
    };
    Node {
        value,
        origin: origin_at(offset),
    }
}

/// The keys that make an inline table a distribution (see [`crate::dist`]).
pub const DISTRIBUTION_KINDS: [&str; 9] = crate::dist::KINDS;

/// True when `t` is a distribution such as `{ pert = [...] }`: a value, not a section.
pub fn is_distribution(t: &Table) -> bool {
    t.keys().any(|k| DISTRIBUTION_KINDS.contains(&k))
}

/// Merges `over` into `base`: tables merge key by key (recursively), anything else replaces —
/// including a distribution table, which replaces whatever was there as a whole (a child's
/// `{ triangular = [...] }` must not inherit the parent's `lambda` or `min`). This is how
/// `extends` works: the child's keys override the parent's.
pub fn merge(base: &mut Table, over: Table) {
    for (k, v) in over.entries {
        match (base.get_mut(&k), v) {
            (
                Some(Node {
                    value: NodeValue::Table(bt),
                    ..
                }),
                Node {
                    value: NodeValue::Table(ot),
                    ..
                },
            ) if !is_distribution(&ot) && !is_distribution(bt) => merge(bt, ot),
            (_, v) => base.insert(k, v),
        }
    }
}

/// Levenshtein edit distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest of `candidates` to `word`, if it is close enough to be a plausible typo
/// (distance at most a third of the word's length, and at least 1 allowed).
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let t = parse_document("a = 1\n[b]\n  c = \"x\"\n", Path::new("f.toml")).unwrap();
        let b = t.get("b").unwrap().as_table().unwrap();
        match &b.get("c").unwrap().origin {
            Origin::File { line, column, .. } => assert_eq!((*line, *column), (3, 7)),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn syntax_error_names_line() {
        let e = parse_document("a = 1\nb = = 2\n", Path::new("f.toml")).unwrap_err();
        match e.origin {
            Origin::File { line, .. } => assert_eq!(line, 2),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn merge_overrides_leaves_and_keeps_siblings() {
        let mut a = parse_document("[x]\np = 1\nq = 2\n", Path::new("a")).unwrap();
        let b = parse_document("[x]\nq = 3\n", Path::new("b")).unwrap();
        merge(&mut a, b);
        let x = a.get("x").unwrap().as_table().unwrap();
        assert_eq!(x.get("p").unwrap().as_f64(), Some(1.0));
        assert_eq!(x.get("q").unwrap().as_f64(), Some(3.0));
    }

    #[test]
    fn merge_replaces_distributions_whole() {
        let mut a =
            parse_document("x = { pert = [1, 2, 3], lambda = 6 }\n", Path::new("a")).unwrap();
        let b = parse_document("x = { triangular = [1, 2, 3] }\n", Path::new("b")).unwrap();
        merge(&mut a, b);
        let x = a.get("x").unwrap().as_table().unwrap();
        assert_eq!(x.keys().collect::<Vec<_>>(), vec!["triangular"]);
    }

    #[test]
    fn suggestions_find_close_keys_only() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            suggest(
                "capex_usd_bn_per_kwsmp",
                ["capex_usd_bn_per_kwspm", "power_mw"]
            ),
            Some("capex_usd_bn_per_kwspm")
        );
        assert_eq!(suggest("zzz", ["capex_usd_bn_per_kwspm"]), None);
    }

    #[test]
    fn cli_values_parse_as_toml_or_bare_strings() {
        let o = Origin::CommandLine { option: "x".into() };
        assert_eq!(
            parse_cli_value("5000", o.clone()).unwrap().as_f64(),
            Some(5000.0)
        );
        assert_eq!(
            parse_cli_value("\"30 to 48\"", o.clone()).unwrap().as_str(),
            Some("30 to 48")
        );
        assert_eq!(
            parse_cli_value("tsmc", o.clone()).unwrap().as_str(),
            Some("tsmc")
        );
        assert!(parse_cli_value("{a = ", o).is_err());
    }
}
