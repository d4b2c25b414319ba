//! Loading scenario files: reading, `extends` inheritance (with cycle detection) and `--set`
//! overrides, then typed reading and validation.

use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Origin};
use crate::scenario::node::{merge, parse_cli_value, parse_document, Node, NodeValue, Table};
use crate::scenario::read::read_scenario;
use crate::scenario::types::Scenario;

/// Most files in one chain of `extends` (a scenario and its ancestors).
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Most segments in a `--set` key path (the deepest scenario key has five).
pub const MAX_SET_SEGMENTS: usize = 16;

/// Reads a scenario file, follows `extends`, applies `--set key.path=value` overrides and
/// validates the result. All input problems found are returned together as [`Error::Inputs`].
pub fn load_scenario(path: &Path, sets: &[String]) -> Result<Scenario, Error> {
    let mut chain = Vec::new();
    let mut root = load_with_parents(path, &mut chain, None)?;
    root.remove("extends");
    for set in sets {
        apply_set(&mut root, set)?;
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario")
        .to_string();
    let mut scenario = read_scenario(root, path, &stem).map_err(Error::Inputs)?;
    normalize_money_shares(&mut scenario);
    Ok(scenario)
}

/// Rescales the shares that split money — the allocation buckets and the debt tranches — to
/// sum to exactly 1. Validation accepts sums within [`crate::scenario::read::SHARE_SUM_TOLERANCE`]
/// of 1 (rounding in a hand-written file); without the rescale, the remainder of every dollar
/// would vanish between the source and the buckets and the accounting identity would fail in
/// the run that validation had accepted. Shares that already sum to exactly 1 are unchanged.
fn normalize_money_shares(s: &mut Scenario) {
    let a = &mut s.program.allocation;
    let sum = a.fabs_share.iter().sum::<f64>() + a.power_share + a.tool_expansion_share;
    if sum > 0.0 && sum != 1.0 {
        a.fabs_share.iter_mut().for_each(|x| *x /= sum);
        a.power_share /= sum;
        a.tool_expansion_share /= sum;
    }
    let sum: f64 = s.finance.tranches.iter().map(|t| t.share).sum();
    if sum > 0.0 && sum != 1.0 {
        s.finance.tranches.iter_mut().for_each(|t| t.share /= sum);
    }
}

/// Reads `path` and, recursively, the file it `extends`; returns the merged table (parents'
/// keys overridden by children's). `chain` holds the canonical paths being loaded, to detect
/// cycles; `referrer` is the `extends` node that named this file, for error messages.
fn load_with_parents(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    referrer: Option<&Node>,
) -> Result<Table, Error> {
    let missing = |found: String| -> Error {
        let origin = referrer.map_or(
            Origin::File {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
            },
            |n| n.origin.clone(),
        );
        let key = if referrer.is_some() { "extends" } else { "" };
        InputError::new(origin, key, "a readable scenario file", found).into()
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| missing(format!("`{}`: {e}", path.display())))?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if chain.contains(&canonical) {
        let cycle = chain
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" → ");
        let origin = referrer.map_or(Origin::Default, |n| n.origin.clone());
        return Err(InputError::new(
            origin,
            "extends",
            "a chain of `extends` without cycles",
            format!("a cycle: {cycle}"),
        )
        .into());
    }
    if chain.len() >= MAX_EXTENDS_DEPTH {
        let origin = referrer.map_or(Origin::Default, |n| n.origin.clone());
        return Err(InputError::new(
            origin,
            "extends",
            format!("a chain of at most {MAX_EXTENDS_DEPTH} files"),
            format!("a longer chain, cut at `{}`", path.display()),
        )
        .into());
    }
    chain.push(canonical);
    let mut table = parse_document(&text, path)?;
    let result = match table.get("extends").cloned() {
        None => Ok(table),
        Some(node) => match &node.value {
            NodeValue::String(parent) => {
                let parent_path = path.parent().unwrap_or_else(|| Path::new(".")).join(parent);
                let mut base = load_with_parents(&parent_path, chain, Some(&node))?;
                table.remove("extends");
                // The child's name (if any) replaces the parent's; otherwise the child is named
                // after its own file, not the parent's `name`.
                if table.get("name").is_none() {
                    base.remove("name");
                }
                merge(&mut base, table);
                Ok(base)
            }
            _ => Err(InputError::new(
                node.origin.clone(),
                "extends",
                "a file path string, e.g. extends = \"baseline.toml\"",
                format!("{} `{}`", node.type_name(), node.display_value()),
            )
            .into()),
        },
    };
    chain.pop();
    result
}

/// Applies one `--set key.path=value` option. Intermediate tables are created when missing;
/// keys that the scenario format does not know are then reported by validation with the
/// command-line origin.
pub fn apply_set(root: &mut Table, set: &str) -> Result<(), Error> {
    let origin = Origin::CommandLine {
        option: set.to_string(),
    };
    let Some((path, value)) = set.split_once('=') else {
        return Err(
            InputError::new(origin, "", "`key.path=value`", format!("`{set}` (no `=`)")).into(),
        );
    };
    let path = path.trim();
    if path == "extends" {
        return Err(InputError::new(
            origin,
            path,
            "a key of the scenario (`extends` can only be written in a file)",
            "`extends`",
        )
        .into());
    }
    let segments: Vec<&str> = path.split('.').map(str::trim).collect();
    if segments.len() > MAX_SET_SEGMENTS {
        return Err(InputError::new(
            origin,
            "",
            format!("a key path of at most {MAX_SET_SEGMENTS} segments"),
            format!("{} segments", segments.len()),
        )
        .into());
    }
    if segments.iter().any(|s| s.is_empty()) {
        return Err(InputError::new(
            origin,
            path,
            "a dotted key path like program.size_usd_bn",
            format!("`{path}`"),
        )
        .into());
    }
    let node = parse_cli_value(value, origin.clone())?;
    set_path(root, &segments, 0, node, &origin, path)
}

fn set_path(
    table: &mut Table,
    segments: &[&str],
    i: usize,
    node: Node,
    origin: &Origin,
    path: &str,
) -> Result<(), Error> {
    let seg = segments[i];
    if i + 1 == segments.len() {
        table.insert(
            seg.to_string(),
            Node {
                origin: origin.clone(),
                ..node
            },
        );
        return Ok(());
    }
    if table.get(seg).is_none() {
        table.insert(
            seg.to_string(),
            Node {
                value: NodeValue::Table(Table::default()),
                origin: origin.clone(),
            },
        );
    }
    match table.get_mut(seg) {
        Some(Node {
            value: NodeValue::Table(t),
            ..
        }) => set_path(t, segments, i + 1, node, origin, path),
        Some(other) => {
            let prefix = segments[..=i].join(".");
            Err(InputError::new(
                origin.clone(),
                path,
                format!("`{prefix}` to be a table"),
                format!("{} `{}`", other.type_name(), other.display_value()),
            )
            .into())
        }
        None => Ok(()),
    }
}

/// Writes the resolved scenario as TOML text (header comment + document).
pub fn resolved_toml(s: &Scenario) -> String {
    let body = toml::to_string_pretty(&s.resolved.to_toml_table()).unwrap_or_default();
    format!(
        "# Scenario `{}` as run by chipsim {}: {} after `extends` and `--set`.\n\n{body}",
        s.name,
        env!("CARGO_PKG_VERSION"),
        // A comment ends at a line break: escape control characters of odd file names.
        s.path
            .display()
            .to_string()
            .chars()
            .map(|c| if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            })
            .collect::<String>()
    )
}
