//! A Markdown table of headline outcomes across runs (`chipsim table`), for READMEs and papers:
//! the median and 90% interval of each metric, or the probability for 0/1 outcomes.

use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Origin, Result};
use crate::model::metrics::{Kind, OUT};

/// The outcomes shown when none are asked for.
pub const HEADLINE: [&str; 9] = [
    "fabs_completed_by_2030",
    "unspent_usd_bn",
    "defaulted",
    "equity_irr",
    "shortage_end_year",
    "shortage_over_year",
    "tsmc_share_2035",
    "taiwan_share_2035",
    "nvidia_share_2030",
];

/// Formats a number with about three significant digits (years as whole quarters, counts as
/// whole numbers, shares and IRRs as percentages).
fn short(x: f64, metric: &str) -> String {
    let kind = OUT.iter().find(|s| s.name == metric).map(|s| s.kind);
    if kind == Some(Kind::Count) {
        return format!("{x:.0}");
    }
    if metric.ends_with("_year") {
        return format!("{x:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string();
    }
    if metric.ends_with("_share")
        || metric.contains("_share_")
        || metric.ends_with("_irr")
        || metric.contains("irr")
    {
        return format!("{:.1}%", x * 100.0);
    }
    let a = x.abs();
    if a == 0.0 {
        "0".to_string()
    } else if a >= 1000.0 {
        format!("{:.0}", x)
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn read_summary(dir: &Path) -> Result<Vec<csv::StringRecord>> {
    let path = dir.join("summary.csv");
    let mut r = csv::Reader::from_path(&path).map_err(|e| {
        Error::from(InputError::new(
            Origin::Argument {
                name: dir.display().to_string(),
            },
            "",
            "a run folder with summary.csv",
            format!("`{}` ({e})", path.display()),
        ))
    })?;
    r.records()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Other(format!("reading {}: {e}", path.display())))
}

/// The table for run folders `dirs` (each `<out>/<scenario>/`) and `metrics`.
pub fn markdown_table(dirs: &[PathBuf], metrics: &[String]) -> Result<String> {
    let mut out = String::from("| scenario |");
    for m in metrics {
        out.push_str(&format!(" {m} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(metrics.len()));
    out.push('\n');
    let all_rows = dirs
        .iter()
        .map(|d| read_summary(d))
        .collect::<Result<Vec<_>>>()?;
    // A metric that no run has is a typo, not a column of "n/a" (headline metrics may be missing
    // from runs written by older versions).
    for m in metrics.iter().filter(|m| !HEADLINE.contains(&m.as_str())) {
        if !all_rows
            .iter()
            .flatten()
            .any(|r| r.get(0) == Some(m.as_str()))
        {
            return Err(InputError::new(
                Origin::Argument {
                    name: "--metrics".into(),
                },
                "metrics",
                "a metric of summary.csv (see `chipsim metrics`)",
                format!("`{m}`, which no run has"),
            )
            .into());
        }
    }
    for (dir, rows) in dirs.iter().zip(all_rows) {
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().to_string(),
        );
        out.push_str(&format!("| {name} |"));
        for m in metrics {
            let cell = match rows.iter().find(|r| r.get(0) == Some(m.as_str())) {
                None => "n/a".to_string(),
                Some(r) => {
                    let f = |i: usize| r.get(i).and_then(|x| x.parse::<f64>().ok());
                    let binary = OUT.iter().any(|s| s.name == m && s.unit == "0/1");
                    let count = f(10).unwrap_or(0.0);
                    match (binary, f(1), f(5), f(3), f(7)) {
                        (true, Some(mean), ..) => format!("{:.0}%", mean * 100.0),
                        (false, _, Some(p50), Some(p5), Some(p95)) => {
                            let mut c = format!(
                                "{} ({} to {})",
                                short(p50, m),
                                short(p5, m),
                                short(p95, m)
                            );
                            let total = rows
                                .first()
                                .and_then(|r| r.get(10))
                                .and_then(|x| x.parse::<f64>().ok());
                            if let Some(t) = total.filter(|t| *t > 0.0 && count < *t) {
                                c.push_str(&format!(" in {:.0}%", 100.0 * count / t));
                            }
                            c
                        }
                        _ => "—".to_string(),
                    }
                }
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn counts_are_whole_numbers() {
        assert_eq!(short(6.0, "fabs_completed_by_2030"), "6");
        assert_eq!(short(12.0, "fabs_started"), "12");
    }

    #[test]
    fn shares_years_and_amounts() {
        assert_eq!(short(0.8412, "taiwan_share_2035"), "84.1%");
        assert_eq!(short(0.096, "equity_irr"), "9.6%");
        assert_eq!(short(2031.25, "shortage_end_year"), "2031.25");
        assert_eq!(short(2031.0, "first_output_year"), "2031");
        assert_eq!(short(1234.4, "unspent_usd_bn"), "1234");
        assert_eq!(short(12.34, "unspent_usd_bn"), "12.3");
        assert_eq!(short(1.234, "unspent_usd_bn"), "1.23");
        assert_eq!(short(0.0, "unspent_usd_bn"), "0");
    }
}
