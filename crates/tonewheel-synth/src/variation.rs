//! The variation generator: new presets made by nudging the continuous parameters of a
//! factory preset, keeping its structure (and so its role and character).
//!
//! Frequencies, times and rates move on a log scale (up to ±half an octave, or ±41%, at
//! `amount` 1), levels in dB by up to ±3 dB, amounts by up to ±10% of their range, fine tune
//! by up to ±5 cents. Choices, counts, switches, pitch offsets and tempo-synced values stay
//! as they are, so a bass stays a bass in the same key and a synced delay stays in time.
//! Every value is clamped to its documented range, so variations always validate.

use rand::{RngCore, SeedableRng};
use rand_pcg::Pcg32;

use crate::format::{ParamInput, PresetFile};
use crate::preset::Preset;
use crate::spec::ParamKind;
use crate::units::ParamValue;

fn uniform(rng: &mut Pcg32) -> f64 {
    // 24 random bits mapped to [-1, 1).
    f64::from(rng.next_u32() >> 8) / f64::from(1u32 << 23) - 1.0
}

/// Makes a variation of `file` (already validated as `preset`) with `amount` in 0..=1,
/// reproducible from `seed`.
pub fn vary(file: &PresetFile, preset: &Preset, seed: u64, amount: f64) -> PresetFile {
    let mut rng = Pcg32::seed_from_u64(seed);
    let amount = amount.clamp(0.0, 1.0);
    let mut out = file.clone();
    for (stage_file, stage) in out.stages.iter_mut().zip(&preset.stages) {
        for (spec, value) in stage.spec.params.iter().zip(&stage.values) {
            let ParamValue::Number(x) = *value else {
                continue;
            };
            let u = uniform(&mut rng) * amount;
            let new = match spec.kind {
                ParamKind::Frequency | ParamKind::Time | ParamKind::Rate if x > 0.0 => {
                    x * (0.5 * u).exp2()
                }
                ParamKind::Decibels => x + 3.0 * u,
                ParamKind::Amount => x + 0.1 * u * (spec.max - spec.min),
                ParamKind::Semitones if spec.name == "fine" => x + 0.05 * u,
                ParamKind::Ratio if spec.name == "q" => x * (0.5 * u).exp2(),
                _ => continue,
            };
            // Only parameters the preset wrote are varied; defaults stay defaults.
            if stage_file.parameters.contains_key(spec.name) {
                let clamped = new.clamp(spec.min, spec.max);
                stage_file
                    .parameters
                    .insert(spec.name.to_string(), ParamInput::Number(clamped));
            }
        }
    }
    out.seed = file.seed.wrapping_add(seed.wrapping_mul(0x9E37_79B9));
    out.metadata.insert(
        "source".into(),
        serde_json::Value::String("generated".into()),
    );
    out.metadata
        .insert("variation_seed".into(), serde_json::Value::from(seed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variations_validate_keep_structure_and_are_reproducible() {
        let json = r#"{"name": "V", "role": "bass", "stages": [
            {"id": "o", "type": "oscillator", "parameters": {"waveform": "saw", "pitch": -12, "level": 0.7}},
            {"id": "f", "type": "ladder", "parameters": {"cutoff": {"value": 19, "unit": "kHz"}, "resonance": 0.95}},
            {"id": "d", "type": "delay", "parameters": {"time": "1/8d", "mix": 0.2}},
            {"id": "out", "type": "output", "parameters": {"gain": -3}}],
          "connections": [{"from": "o", "to": "f"}, {"from": "f", "to": "d"}, {"from": "d", "to": "out"}]}"#;
        let file: PresetFile = serde_json::from_str(json).unwrap();
        let preset = Preset::from_file_format(&file, "v").unwrap();
        for seed in 0..50 {
            let v = vary(&file, &preset, seed, 1.0);
            let p = Preset::from_file_format(&v, "variation").expect("variations always validate");
            assert_eq!(p.role, preset.role);
            assert_eq!(p.stages.len(), preset.stages.len());
            // Pitch offset and the synced delay time are untouched.
            assert_eq!(p.stages[0].values[1], ParamValue::Number(-12.0));
            assert_eq!(p.stages[2].values[0], ParamValue::Beats(0.75));
            let v2 = vary(&file, &preset, seed, 1.0);
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                serde_json::to_string(&v2).unwrap()
            );
        }
        let a = serde_json::to_string(&vary(&file, &preset, 1, 1.0)).unwrap();
        let b = serde_json::to_string(&vary(&file, &preset, 2, 1.0)).unwrap();
        assert_ne!(a, b);
    }
}
