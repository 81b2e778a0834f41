//! Small statistics shared by the analyzers.

/// Mean of `values` (0 for none).
pub fn mean(values: impl IntoIterator<Item = f32>) -> f32 {
    let (sum, n) = values
        .into_iter()
        .fold((0.0f64, 0usize), |(s, n), v| (s + f64::from(v), n + 1));
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Population standard deviation of `values` (0 for fewer than two).
pub fn std_dev(values: &[f32]) -> f32 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = f64::from(mean(values.iter().copied()));
    let var = values
        .iter()
        .map(|v| (f64::from(*v) - m).powi(2))
        .sum::<f64>()
        / values.len() as f64;
    var.sqrt() as f32
}

/// The `q`-quantile (0..1, nearest rank) of `values`; `None` for none.
pub fn quantile(values: &[f32], q: f64) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    let idx = ((q.clamp(0.0, 1.0) * (v.len() - 1) as f64).round() as usize).min(v.len() - 1);
    Some(v[idx])
}

/// Rounds to `digits` decimals (keeps the JSON short and stable).
pub fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
