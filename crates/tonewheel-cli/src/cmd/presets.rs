//! `tonewheel presets list|validate`.

use serde::Serialize;
use tonewheel_audio::Role;
use tonewheel_synth::format::PresetFile;
use tonewheel_synth::{factory_ids, factory_json, factory_presets, vary, Preset, SynthError};

use crate::cli::{PresetsGenerateArgs, PresetsListArgs, PresetsValidateArgs};
use crate::outcome::Outcome;

#[derive(Debug, Serialize)]
struct PresetRow<'a> {
    id: &'a str,
    name: &'a str,
    role: Role,
    tags: &'a [String],
    description: &'a str,
}

/// Lists factory presets, filtered by role and tag.
pub fn list(args: &PresetsListArgs) -> Outcome {
    let role = match args.role.as_deref().map(str::parse::<Role>).transpose() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tonewheel presets list: --role: {e}");
            return Outcome::InputError;
        }
    };
    let tag = args.tag.as_deref().map(str::to_lowercase);
    let mut outcome = Outcome::Success;
    for (id, preset) in factory_presets() {
        let preset = match preset {
            Ok(p) => p,
            Err(e) => {
                // A broken factory preset is our bug, not the user's.
                eprintln!("tonewheel presets list: {e}");
                outcome = outcome.worst(Outcome::InternalError);
                continue;
            }
        };
        if role.is_some_and(|r| r != preset.role)
            || tag.as_ref().is_some_and(|t| !preset.tags.contains(t))
        {
            continue;
        }
        let row = PresetRow {
            id,
            name: &preset.name,
            role: preset.role,
            tags: &preset.tags,
            description: &preset.description,
        };
        if args.json {
            crate::outcome::emit(&serde_json::to_string(&row).unwrap_or_default());
        } else {
            crate::outcome::emit(&format!(
                "{:<32} {:<6} {:<28} {}",
                row.id,
                row.role.name(),
                row.name,
                row.tags.join(",")
            ));
        }
    }
    outcome
}

/// Validates preset files, printing every problem with its JSON pointer.
pub fn validate(args: &PresetsValidateArgs) -> Outcome {
    let mut outcome = Outcome::Success;
    for path in &args.files {
        match Preset::from_file(path) {
            Ok(p) => crate::outcome::emit(&format!(
                "{}: ok ({}, {} stages)",
                path.display(),
                p.role,
                p.stages.len()
            )),
            Err(SynthError::Invalid {
                source_name,
                issues,
            }) => {
                for issue in issues {
                    eprintln!("{source_name}: {issue}");
                }
                outcome = outcome.worst(Outcome::InputError);
            }
            Err(e) => {
                eprintln!("{e}");
                let internal = matches!(&e, SynthError::Io { source, .. } if source.kind() != std::io::ErrorKind::NotFound);
                outcome = outcome.worst(if internal {
                    Outcome::InternalError
                } else {
                    Outcome::InputError
                });
            }
        }
    }
    outcome
}

/// Writes `count` variations of the factory presets into a folder.
pub fn generate(args: &PresetsGenerateArgs) -> Outcome {
    if !(0.0..=1.0).contains(&args.amount) {
        eprintln!(
            "tonewheel presets generate: --amount: expected 0..1, found {}",
            args.amount
        );
        return Outcome::InputError;
    }
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        eprintln!("tonewheel presets generate: {}: {e}", args.output.display());
        return Outcome::InputError;
    }
    let sources: Vec<(&str, PresetFile, Preset)> = factory_ids()
        .filter_map(|id| {
            let json = factory_json(id)?;
            let file: PresetFile = serde_json::from_str(json).ok()?;
            let preset = Preset::from_file_format(&file, id).ok()?;
            Some((id, file, preset))
        })
        .collect();
    if sources.is_empty() {
        eprintln!("tonewheel presets generate: no factory presets to vary");
        return Outcome::InternalError;
    }
    for k in 0..u64::from(args.count) {
        let (id, file, preset) = &sources[(k % sources.len() as u64) as usize];
        let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(k);
        let mut variation = vary(file, preset, seed, args.amount);
        variation.name = format!("{} v{k}", file.name);
        // A variation must validate; the generator clamps to ranges, so this is a bug if not.
        if let Err(e) = Preset::from_file_format(&variation, id) {
            eprintln!("tonewheel presets generate: variation {k} of {id} is invalid: {e}");
            return Outcome::InternalError;
        }
        let path = args.output.join(format!("{id}-v{k:05}.json"));
        let text = serde_json::to_string_pretty(&variation).unwrap_or_default();
        if let Err(e) = std::fs::write(&path, text + "\n") {
            eprintln!("tonewheel presets generate: {}: {e}", path.display());
            return Outcome::InternalError;
        }
    }
    crate::outcome::emit(&format!(
        "wrote {} presets to {}",
        args.count,
        args.output.display()
    ));
    Outcome::Success
}
