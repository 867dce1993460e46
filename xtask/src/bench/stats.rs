//! The pure arithmetic of the report: medians and ratios, kept apart so they can be unit-tested.

/// The median of `values` (mean of the middle two for an even count), or `None` when empty.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// `ours / baseline`, or `None` when the baseline is zero or either value is not finite.
pub(crate) fn ratio(ours: f64, baseline: f64) -> Option<f64> {
    (baseline != 0.0 && ours.is_finite() && baseline.is_finite()).then(|| ours / baseline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_count_is_the_middle_value() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn median_ignores_non_finite_values_and_is_none_when_empty() {
        assert_eq!(median(&[f64::NAN, 7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn ratio_divides_and_refuses_a_zero_baseline() {
        assert_eq!(ratio(90.0, 180.0), Some(0.5));
        assert_eq!(ratio(1.0, 0.0), None);
    }
}
