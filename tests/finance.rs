//! Finance behaviour across scenarios, with common random numbers (same seed → trial i of each
//! scenario draws the same random numbers for every key they share).

use std::path::Path;

use chipsim::model::metrics::Out;
use chipsim::model::trial::{run_trial, Workspace};
use chipsim::scenario::load_scenario;

fn defaults(scenario: &str, sets: &[String], trials: u64) -> Vec<bool> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{scenario}.toml"));
    let s = load_scenario(&path, sets).expect("valid scenario");
    let mut ws = Workspace::new(&s, 42);
    (0..trials)
        .map(|t| {
            run_trial(&s, &mut ws, t);
            assert!(ws.identity_violation.is_none());
            ws.out[Out::Defaulted as usize] == 1.0
        })
        .collect()
}

/// A higher spread never gives a lower default probability. With common random numbers the
/// comparison is paired: only trials whose outcome differs (discordant pairs) carry
/// information. Tolerance: the default probability with the higher spread may fall short of the
/// lower one by at most 3 standard errors of the paired difference, 3·√(discordant)/N (McNemar).
#[test]
fn higher_spread_never_lowers_default_probability() {
    let n = 400;
    for (low, high) in [(100.0, 400.0), (250.0, 1000.0)] {
        let set = |bp: f64| {
            vec![
                format!("finance.tranches.senior.spread_bp={bp}"),
                format!("finance.tranches.mezzanine.spread_bp={}", bp + 300.0),
            ]
        };
        let a = defaults("hundreds-of-billions", &set(low), n);
        let b = defaults("hundreds-of-billions", &set(high), n);
        let (pa, pb) = (
            a.iter().filter(|x| **x).count() as f64 / n as f64,
            b.iter().filter(|x| **x).count() as f64 / n as f64,
        );
        let discordant = a.iter().zip(&b).filter(|(x, y)| x != y).count() as f64;
        let tol = 3.0 * discordant.sqrt() / n as f64;
        assert!(
            pb + tol >= pa,
            "spread {low}→{high} bp: default probability {pa} → {pb} (tolerance {tol})"
        );
        assert!(
            pb > pa,
            "a 300+ bp increase should raise defaults: {pa} → {pb}"
        );
    }
}

/// Two runs of the same scenario under the same seed are identical trial by trial, and a
/// scenario that differs only in a parameter not used by a trial's draws keeps its draws.
#[test]
fn common_random_numbers_share_inputs_across_scenarios() {
    let path = |n: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{n}.toml"));
    let a = load_scenario(&path("altman-7t"), &[]).unwrap();
    let b = load_scenario(&path("debt-heavy"), &[]).unwrap();
    let mut wa = Workspace::new(&a, 9);
    let mut wb = Workspace::new(&b, 9);
    for t in 0..20 {
        run_trial(&a, &mut wa, t);
        run_trial(&b, &mut wb, t);
        for (i, spec) in a.params.specs.iter().enumerate() {
            if let Some(j) = b.params.specs.iter().position(|x| x.key == spec.key) {
                if spec.dist == b.params.specs[j].dist {
                    let (x, y) = (wa.inputs[i], wb.inputs[j]);
                    assert!(x == y || (x.is_nan() && y.is_nan()), "{} differs", spec.key);
                }
            }
        }
    }
}
