//! `tonewheel presets list|validate`.

use serde::Serialize;
use tonewheel_audio::Role;
use tonewheel_synth::{factory_presets, Preset, SynthError};

use crate::cli::{PresetsListArgs, PresetsValidateArgs};
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
