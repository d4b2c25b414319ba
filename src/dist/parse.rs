//! Parsing of the scenario notation for uncertain numbers (see the [module docs](super)).

// The public signature `parse_dist(..) -> Result<Dist, InputError>` is fixed by the crate's
// API and `InputError` is the crate-wide error type (its size is `crate::error`'s business).
#![allow(clippy::result_large_err)]

use crate::error::InputError;
use crate::scenario::node::{suggest, Node, NodeValue, Table};
use crate::scenario::reader::join_key;

use super::Dist;

/// What any distribution-valued key accepts, for "expected ..." in errors.
const EXPECTED_ANY: &str = "a number, a 90% interval like \"15 to 30\", or an inline table such as { pert = [min, mode, max] }";

/// The distribution kinds, one per inline table (`{ triangular = [...] }`).
pub const KINDS: [&str; 9] = [
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "beta",
    "bernoulli",
    "choice",
    "samples",
];

/// Optional keys and the kinds they belong to.
const MODIFIERS: [(&str, &[&str]); 4] = [
    ("lambda", &["pert"]),
    ("min", &["normal", "beta"]),
    ("max", &["normal", "beta"]),
    ("weights", &["choice"]),
];

/// Parses the scenario notation at `node` (see the [module docs](super) for the forms);
/// `key` is the dotted key path used in errors. Integers and floats are both numbers; every
/// number must be finite. Errors name the value's origin, the key (or `key.kind` / `key.lambda`
/// for a part of an inline table), what was expected and what was found. Never panics.
pub fn parse_dist(node: &Node, key: &str) -> Result<Dist, InputError> {
    match &node.value {
        NodeValue::Integer(_) | NodeValue::Float(_) => {
            let x = number(node, key, "a finite number")?;
            Ok(Dist::Fixed(x))
        }
        NodeValue::String(s) => parse_interval(s, node, key),
        NodeValue::Table(t) => parse_table(t, node, key),
        _ => Err(err(node, key, EXPECTED_ANY)),
    }
}

/// "found ..." text for a node: its type and value, as the scenario reader writes it.
fn found(node: &Node) -> String {
    format!("{} `{}`", node.type_name(), node.display_value())
}

fn err(node: &Node, key: &str, expected: impl Into<String>) -> InputError {
    InputError::new(node.origin.clone(), key, expected, found(node))
}

/// The finite number held by `node`.
fn number(node: &Node, key: &str, expected: &str) -> Result<f64, InputError> {
    match node.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        Some(_) => Err(err(node, key, expected)
            .with_hint("infinite and NaN values are not allowed in distributions")),
        None => Err(err(node, key, expected)),
    }
}

/// Parses a number as written inside a "a to b" string ("1_000" and "1e3" allowed).
fn interval_number(s: &str) -> Option<f64> {
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    cleaned.parse::<f64>().ok()
}

/// `"a to b"`: the lognormal with 5th percentile a and 95th percentile b.
fn parse_interval(s: &str, node: &Node, key: &str) -> Result<Dist, InputError> {
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let (a, b) = match tokens.as_slice() {
        [a, to, b] if to.eq_ignore_ascii_case("to") => (interval_number(a), interval_number(b)),
        _ => {
            let e = err(node, key, EXPECTED_ANY);
            return Err(if interval_number(s.trim()).is_some() {
                e.with_hint(format!(
                    "write the number without quotes for a fixed value: {}",
                    s.trim()
                ))
            } else {
                e.with_hint("a 90% interval is written \"low to high\", e.g. \"15 to 30\"")
            });
        }
    };
    let (Some(a), Some(b)) = (a, b) else {
        return Err(err(
            node,
            key,
            "a 90% interval \"low to high\" whose bounds are numbers, e.g. \"15 to 30\"",
        ));
    };
    if !(a.is_finite() && b.is_finite()) {
        return Err(err(
            node,
            key,
            "a 90% interval \"low to high\" with finite bounds",
        ));
    }
    if a <= 0.0 || b <= 0.0 {
        return Err(err(
            node,
            key,
            "a 90% interval \"low to high\" with positive bounds (it is a lognormal, and a lognormal needs positive bounds)",
        )
        .with_hint(
            "for a quantity that can be zero or negative use { normal = [mean, sd] } or { uniform = [lo, hi] }",
        ));
    }
    if a >= b {
        let e = err(
            node,
            key,
            "a 90% interval \"low to high\" whose first bound is below the second",
        );
        return Err(if a == b {
            e.with_hint(format!(
                "for a fixed value write the number {a} without quotes"
            ))
        } else {
            e.with_hint(format!("did you mean \"{b} to {a}\"?"))
        });
    }
    Dist::lognormal_from_90ci(a, b).map_err(|m| err(node, key, m))
}

fn parse_table(t: &Table, node: &Node, key: &str) -> Result<Dist, InputError> {
    let known: Vec<&str> = KINDS
        .iter()
        .copied()
        .chain(MODIFIERS.iter().map(|(m, _)| *m))
        .collect();
    // Unknown keys first: a typo in the kind would otherwise read as "no kind".
    for (k, v) in &t.entries {
        if !known.contains(&k.as_str()) {
            let e = InputError::new(
                v.origin.clone(),
                join_key(key, k),
                format!(
                    "a distribution key (one of {}; or {})",
                    KINDS.join(", "),
                    MODIFIERS
                        .iter()
                        .map(|(m, _)| *m)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!("the unknown key `{k}`"),
            );
            return Err(match suggest(k, known.iter().copied()) {
                Some(s) => e.with_hint(format!("did you mean `{s}`?")),
                None => e,
            });
        }
    }
    let kinds: Vec<&(String, Node)> = t
        .entries
        .iter()
        .filter(|(k, _)| KINDS.contains(&k.as_str()))
        .collect();
    let (kind, value) = match kinds.as_slice() {
        [(k, v)] => (k.as_str(), v),
        [] => {
            return Err(InputError::new(
                node.origin.clone(),
                key,
                format!(
                    "an inline table with one distribution kind ({})",
                    KINDS.join(", ")
                ),
                if t.entries.is_empty() {
                    "an empty table".to_string()
                } else {
                    format!("only `{}`", t.keys().collect::<Vec<_>>().join("`, `"))
                },
            )
            .with_hint("e.g. { uniform = [lo, hi] } or { pert = [min, mode, max] }"))
        }
        [first, second, ..] => {
            return Err(InputError::new(
                second.1.origin.clone(),
                key,
                "exactly one distribution kind per inline table",
                format!("both `{}` and `{}`", first.0, second.0),
            ))
        }
    };
    for (k, v) in &t.entries {
        if let Some((m, owners)) = MODIFIERS.iter().find(|(m, _)| *m == k.as_str()) {
            if !owners.contains(&kind) {
                return Err(InputError::new(
                    v.origin.clone(),
                    join_key(key, m),
                    format!(
                        "no `{m}` in a {kind} distribution (`{m}` applies to {} only)",
                        owners.join(" and ")
                    ),
                    format!("`{m} = {}`", v.display_value()),
                ));
            }
        }
    }

    let path = join_key(key, kind);
    let opt = |m: &str| -> Result<Option<f64>, InputError> {
        match t.get(m) {
            None => Ok(None),
            Some(n) => number(n, &join_key(key, m), "a finite number").map(Some),
        }
    };
    let bad = |expected: String, found: String| -> InputError {
        InputError::new(value.origin.clone(), path.clone(), expected, found)
    };

    match kind {
        "uniform" => {
            let [lo, hi] = array(value, &path, ["lo", "hi"])?;
            if lo > hi {
                return Err(bad(
                    "lo ≤ hi in [lo, hi]".into(),
                    format!("lo = {lo} greater than hi = {hi}"),
                ));
            }
            Ok(Dist::Uniform { lo, hi })
        }
        "triangular" | "pert" => {
            let [min, mode, max] = array(value, &path, ["min", "mode", "max"])?;
            check_order(min, mode, max).map_err(|f| bad("min ≤ mode ≤ max".into(), f))?;
            if kind == "triangular" {
                return Ok(Dist::Triangular { min, mode, max });
            }
            let lambda = opt("lambda")?.unwrap_or(4.0);
            if lambda <= 0.0 {
                let n = t.get("lambda").unwrap_or(node);
                return Err(err(
                    n,
                    &join_key(key, "lambda"),
                    "lambda > 0 (the default is 4)",
                ));
            }
            Ok(Dist::Pert {
                min,
                mode,
                max,
                lambda,
            })
        }
        "normal" => {
            let [mean, sd] = array(value, &path, ["mean", "sd"])?;
            if sd <= 0.0 {
                return Err(bad("sd > 0 in [mean, sd]".into(), format!("sd = {sd}"))
                    .with_hint("for a fixed value write the number itself"));
            }
            let (min, max) = (opt("min")?, opt("max")?);
            if let (Some(a), Some(b)) = (min, max) {
                if a >= b {
                    let n = t.get("max").unwrap_or(node);
                    return Err(InputError::new(
                        n.origin.clone(),
                        join_key(key, "max"),
                        "truncation bounds with min < max",
                        format!("min = {a}, max = {b}"),
                    ));
                }
            }
            Ok(Dist::Normal { mean, sd, min, max })
        }
        "lognormal" => {
            let [mean, sd] = array(value, &path, ["mean", "sd"])?;
            if mean <= 0.0 || sd <= 0.0 {
                let e = bad(
                    "[mean, sd] of the value itself with mean > 0 and sd > 0".into(),
                    format!("mean = {mean}, sd = {sd}"),
                );
                return Err(if mean <= 0.0 {
                    e.with_hint(
                        "a lognormal is positive; for a quantity that can be zero or negative use { normal = [mean, sd] }",
                    )
                } else {
                    e.with_hint("for a fixed value write the number itself")
                });
            }
            Dist::lognormal_from_mean_sd(mean, sd).map_err(|m| bad(m, found(value)))
        }
        "beta" => {
            let [alpha, beta] = array(value, &path, ["alpha", "beta"])?;
            if alpha <= 0.0 || beta <= 0.0 {
                return Err(bad(
                    "shape parameters alpha > 0 and beta > 0 in [alpha, beta]".into(),
                    format!("alpha = {alpha}, beta = {beta}"),
                ));
            }
            let min = opt("min")?.unwrap_or(0.0);
            let max = opt("max")?.unwrap_or(1.0);
            if min > max {
                let n = t.get("max").or_else(|| t.get("min")).unwrap_or(node);
                return Err(InputError::new(
                    n.origin.clone(),
                    join_key(key, if t.get("max").is_some() { "max" } else { "min" }),
                    "a scale with min ≤ max (the defaults are min = 0, max = 1)",
                    format!("min = {min}, max = {max}"),
                ));
            }
            Ok(Dist::Beta {
                alpha,
                beta,
                min,
                max,
            })
        }
        "bernoulli" => {
            let p = number(value, &path, "a probability p, a number in [0, 1]")?;
            if !(0.0..=1.0).contains(&p) {
                return Err(err(value, &path, "a probability p in [0, 1]"));
            }
            Ok(Dist::Bernoulli { p })
        }
        "choice" => {
            let values = list(value, &path, "values")?;
            if values.is_empty() {
                return Err(err(value, &path, "a non-empty array of values"));
            }
            let weights = match t.get("weights") {
                None => None,
                Some(w) => {
                    let wpath = join_key(key, "weights");
                    let ws = list(w, &wpath, "weights")?;
                    if ws.len() != values.len() {
                        return Err(InputError::new(
                            w.origin.clone(),
                            wpath,
                            format!("one weight per value ({} weights)", values.len()),
                            format!(
                                "{} weight{}",
                                ws.len(),
                                if ws.len() == 1 { "" } else { "s" }
                            ),
                        ));
                    }
                    if let Some(x) = ws.iter().find(|x| **x < 0.0) {
                        return Err(
                            err(w, &wpath, "weights ≥ 0").with_hint(format!("{x} is negative"))
                        );
                    }
                    let total: f64 = ws.iter().sum();
                    if !(total > 0.0 && total.is_finite()) {
                        return Err(err(
                            w,
                            &wpath,
                            "weights that are not all zero and have a finite sum",
                        ));
                    }
                    Some((ws, w, wpath))
                }
            };
            match weights {
                None => Dist::choice(values, None).map_err(|m| bad(m, found(value))),
                Some((ws, w, wpath)) => {
                    Dist::choice(values, Some(&ws)).map_err(|m| err(w, &wpath, m))
                }
            }
        }
        "samples" => {
            let samples = list(value, &path, "samples")?;
            if samples.is_empty() {
                return Err(err(value, &path, "a non-empty array of samples"));
            }
            Ok(Dist::Empirical { samples })
        }
        _ => Err(err(node, key, EXPECTED_ANY)),
    }
}

/// Checks min ≤ mode ≤ max; the error names the pair out of order.
fn check_order(min: f64, mode: f64, max: f64) -> Result<(), String> {
    if min > max {
        Err(format!("min ({min}) greater than max ({max})"))
    } else if min > mode {
        Err(format!("min ({min}) greater than mode ({mode})"))
    } else if mode > max {
        Err(format!("mode ({mode}) greater than max ({max})"))
    } else {
        Ok(())
    }
}

/// A fixed-length array of finite numbers; `names` name the elements for messages.
fn array<const N: usize>(
    node: &Node,
    path: &str,
    names: [&str; N],
) -> Result<[f64; N], InputError> {
    let shape = format!("[{}]", names.join(", "));
    let NodeValue::Array(items) = &node.value else {
        return Err(err(node, path, format!("an array of {N} numbers {shape}")));
    };
    if items.len() != N {
        return Err(InputError::new(
            node.origin.clone(),
            path,
            format!("an array of {N} numbers {shape}"),
            format!(
                "an array of {} element{} `{}`",
                items.len(),
                if items.len() == 1 { "" } else { "s" },
                node.display_value()
            ),
        ));
    }
    let mut out = [0.0; N];
    for (i, (item, name)) in items.iter().zip(names).enumerate() {
        out[i] = number(
            item,
            path,
            &format!("a finite number for {name} (element {} of {shape})", i + 1),
        )?;
    }
    Ok(out)
}

/// An array of finite numbers of any length; `what` names them for messages.
fn list(node: &Node, path: &str, what: &str) -> Result<Vec<f64>, InputError> {
    let NodeValue::Array(items) = &node.value else {
        return Err(err(node, path, format!("an array of numbers ({what})")));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            number(
                item,
                path,
                &format!("a finite number (element {} of the {what})", i + 1),
            )
        })
        .collect()
}
