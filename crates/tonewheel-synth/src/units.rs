//! Parameter values with units: parsing and conversion to canonical units.

use crate::spec::{ParamKind, ParamSpec};

/// A converted parameter value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamValue {
    /// A number in the parameter's canonical unit (a choice index for choices, 0/1 for bools).
    Number(f64),
    /// A tempo-synced duration in quarter-note beats (resolved with the context tempo).
    Beats(f64),
}

/// Parses a tempo-synced note value: `"1/4"` (1 beat), `"1/8d"` (0.75), `"1/16t"` (1/6),
/// `"2/1"` (8 beats). Returns the length in quarter-note beats.
pub fn parse_note_value(text: &str) -> Option<f64> {
    let t = text.trim();
    let (body, factor) = if let Some(b) = t.strip_suffix('d') {
        (b, 1.5)
    } else if let Some(b) = t.strip_suffix('t') {
        (b, 2.0 / 3.0)
    } else {
        (t, 1.0)
    };
    let (num, den) = body.split_once('/')?;
    let num: f64 = num.trim().parse().ok()?;
    let den: f64 = den.trim().parse().ok()?;
    if !(num > 0.0 && den > 0.0 && num <= 64.0 && den <= 256.0) {
        return None;
    }
    // A whole note is 4 quarter-note beats.
    Some(4.0 * num / den * factor)
}

/// The units a kind accepts, for error messages.
pub fn accepted_units(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Frequency => "Hz or kHz",
        ParamKind::Time => "s, ms or a note value like \"1/8d\"",
        ParamKind::Rate => "Hz or a note value like \"1/4\"",
        ParamKind::Decibels => "dB or linear",
        ParamKind::Amount => "linear or %",
        ParamKind::Semitones => "semitones or cents",
        ParamKind::Ratio => "ratio",
        ParamKind::Integer => "a whole number",
        ParamKind::Choice => "one of the listed names",
        ParamKind::Bool => "true or false",
    }
}

/// Converts `value` written in `unit` (None = the canonical unit) to the canonical unit of
/// `kind`. Returns None when the unit does not apply to the kind.
pub fn to_canonical(kind: ParamKind, value: f64, unit: Option<&str>) -> Option<f64> {
    let unit = unit.map(|u| u.trim().to_ascii_lowercase());
    let u = unit.as_deref();
    match (kind, u) {
        (ParamKind::Frequency | ParamKind::Rate, None | Some("hz")) => Some(value),
        (ParamKind::Frequency | ParamKind::Rate, Some("khz")) => Some(value * 1000.0),
        (ParamKind::Time, None | Some("s")) => Some(value),
        (ParamKind::Time, Some("ms")) => Some(value / 1000.0),
        (ParamKind::Decibels, None | Some("db")) => Some(value),
        (ParamKind::Decibels, Some("linear")) => (value > 0.0).then(|| 20.0 * value.log10()),
        (ParamKind::Amount, None | Some("linear")) => Some(value),
        (ParamKind::Amount, Some("%")) => Some(value / 100.0),
        (ParamKind::Semitones, None | Some("semitones") | Some("st")) => Some(value),
        (ParamKind::Semitones, Some("cents")) => Some(value / 100.0),
        (ParamKind::Ratio, None | Some("ratio")) => Some(value),
        (ParamKind::Integer, None) => (value.fract() == 0.0).then_some(value),
        _ => None,
    }
}

/// Converts a modulation depth written in `unit` to the target's modulation unit
/// ([`ParamKind::modulation_unit`]).
pub fn depth_to_canonical(target: &ParamSpec, value: f64, unit: Option<&str>) -> Option<f64> {
    let u = unit.map(|u| u.trim().to_ascii_lowercase());
    match (target.kind.modulation_unit(), u.as_deref()) {
        ("semitones", None | Some("semitones") | Some("st")) => Some(value),
        ("semitones", Some("cents")) => Some(value / 100.0),
        ("semitones", Some("octaves")) => Some(value * 12.0),
        ("dB", None | Some("db")) => Some(value),
        ("s", None | Some("s")) => Some(value),
        ("s", Some("ms")) => Some(value / 1000.0),
        ("linear", None | Some("linear")) => Some(value),
        ("linear", Some("%")) => Some(value / 100.0),
        ("ratio", None | Some("ratio")) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_values() {
        assert_eq!(parse_note_value("1/4"), Some(1.0));
        assert_eq!(parse_note_value("1/8d"), Some(0.75));
        assert!((parse_note_value("1/16t").unwrap() - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(parse_note_value("2/1"), Some(8.0));
        assert_eq!(parse_note_value("1/0"), None);
        assert_eq!(parse_note_value("fast"), None);
    }

    #[test]
    fn conversions() {
        assert_eq!(
            to_canonical(ParamKind::Frequency, 2.5, Some("kHz")),
            Some(2500.0)
        );
        assert_eq!(to_canonical(ParamKind::Time, 250.0, Some("ms")), Some(0.25));
        assert_eq!(to_canonical(ParamKind::Amount, 50.0, Some("%")), Some(0.5));
        assert_eq!(
            to_canonical(ParamKind::Semitones, 50.0, Some("cents")),
            Some(0.5)
        );
        assert!(
            (to_canonical(ParamKind::Decibels, 0.5, Some("linear")).unwrap() + 6.0206).abs() < 1e-4
        );
        assert_eq!(to_canonical(ParamKind::Frequency, 1.0, Some("ms")), None);
        assert_eq!(to_canonical(ParamKind::Integer, 2.5, None), None);
    }
}
