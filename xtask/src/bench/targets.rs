//! The performance targets (docs/performance.md), checked against one report: which are met and which are not.
//! Verdicts are printed, never enforced (a shared machine's numbers are for reading).

use super::report::{PluginsSize, Report, Verdict};
use super::stats::ratio;

/// The largest per-plugin growth between the smallest and the largest size still called linear:
/// per-plugin cost may rise a little with a working set that outgrows the caches.
const LINEAR_GROWTH_LIMIT: f64 = 1.5;

fn verdict(
    measure: impl Into<String>,
    target: &str,
    value: Option<f64>,
    unit: &str,
    met: impl Fn(f64) -> bool,
) -> Verdict {
    // Large counts read better whole; ratios and times need their decimals.
    let format = |v: f64| {
        if v >= 1000.0 {
            format!("{v:.0}{unit}")
        } else {
            format!("{v:.2}{unit}")
        }
    };
    Verdict {
        measure: measure.into(),
        target: target.to_owned(),
        measured: value.map_or_else(|| "not measured".to_owned(), format),
        met: value.map(met),
    }
}

/// Every target against `report`.
pub(crate) fn verdicts(report: &Report) -> Vec<Verdict> {
    let mut out = Vec::new();
    for comparison in &report.http {
        let min = comparison.min_throughput_ratio;
        out.push(verdict(
            format!("HTTP {}: throughput / plain actix-web", comparison.name),
            &format!("≥ {min:.2}"),
            comparison.throughput_ratio,
            "",
            |r| r >= min,
        ));
        if let Some(max) = comparison.max_p99_ratio {
            out.push(verdict(
                format!("HTTP {}: p99 / plain actix-web", comparison.name),
                &format!("≤ {max:.2}"),
                comparison.p99_ratio,
                "",
                |r| r <= max,
            ));
        }
    }
    out.push(verdict(
        "startup to first 200 on /api/status",
        "≤ 20 ms",
        Some(report.startup.core_ms),
        " ms",
        |ms| ms <= 20.0,
    ));
    out.push(verdict(
        "idle RSS",
        "≤ 16 MiB",
        Some(report.startup.core_rss_kib / 1024.0),
        " MiB",
        |mib| mib <= 16.0,
    ));
    let sizes = &report.plugins.sizes;
    let ten_thousand = sizes
        .iter()
        .find(|s| s.plugins == 10_000)
        .map(|s| s.median_ms);
    out.push(verdict(
        "plugins: 10,000 set up and started",
        "≤ 50 ms",
        ten_thousand,
        " ms",
        |ms| ms <= 50.0,
    ));
    let per_plugin = |s: &PluginsSize| s.median_ms / s.plugins.max(1) as f64;
    let growth = match (sizes.first(), sizes.last()) {
        (Some(small), Some(large)) if large.plugins > small.plugins => {
            ratio(per_plugin(large), per_plugin(small))
        }
        _ => None,
    };
    out.push(verdict(
        "plugins: per-plugin time, largest size / smallest (linear growth)",
        &format!("≤ {LINEAR_GROWTH_LIMIT:.1}"),
        growth,
        "",
        |g| g <= LINEAR_GROWTH_LIMIT,
    ));
    let logging = &report.logging;
    out.push(verdict(
        "logging: records/s to a file",
        "≥ 1,000,000",
        Some(logging.records_per_sec),
        "",
        |r| r >= 1_000_000.0,
    ));
    out.push(Verdict {
        measure: "logging: records lost".to_owned(),
        target: "0".to_owned(),
        measured: logging.lost.to_string(),
        met: Some(logging.lost == 0),
    });
    out.push(verdict(
        "logging: filtered-out call",
        "≤ 10 ns",
        Some(logging.filtered_out_ns),
        " ns",
        |ns| ns <= 10.0,
    ));
    let es = &report.elasticsearch;
    out.push(verdict(
        "Elasticsearch: call_as_current_user / bare client, per call",
        "≤ 1.10",
        ratio(es.platform_us_per_call, es.bare_us_per_call),
        "",
        |r| r <= 1.1,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample;

    #[test]
    fn each_target_is_judged_from_the_report() {
        let verdicts = verdicts(&sample());
        let find = |prefix: &str| {
            verdicts
                .iter()
                .find(|v| v.measure.starts_with(prefix))
                .unwrap_or_else(|| panic!("no verdict for {prefix}: {verdicts:?}"))
        };
        // The sample's HTTP ratio is 0.5 (missed), p99 1.2 (met at the limit).
        assert_eq!(find("HTTP plain JSON: throughput").met, Some(false));
        assert_eq!(find("HTTP plain JSON: p99").met, Some(true));
        assert_eq!(find("startup").met, Some(true));
        assert_eq!(find("idle RSS").measured, "8.00 MiB");
        assert_eq!(find("plugins: 10,000").met, Some(true));
        // 4.5 µs per plugin at 10k vs 4.0 at 1k.
        assert_eq!(find("plugins: per-plugin").measured, "1.12");
        assert_eq!(find("logging: records/s").met, Some(true));
        assert_eq!(find("logging: records/s").measured, "1250000");
        assert_eq!(find("logging: records lost").met, Some(true));
        assert_eq!(find("Elasticsearch").measured, "1.05");
    }

    #[test]
    fn a_size_left_out_is_not_measured_rather_than_met() {
        let mut report = sample();
        report.plugins.sizes.retain(|s| s.plugins == 1_000);
        let verdicts = verdicts(&report);
        let ten_thousand = verdicts
            .iter()
            .find(|v| v.measure.starts_with("plugins: 10,000"))
            .unwrap();
        assert_eq!(ten_thousand.met, None);
        assert!(report.to_markdown(&verdicts).contains(
            "| plugins: 10,000 set up and started | ≤ 50 ms | not measured | not measured |"
        ));
    }
}
