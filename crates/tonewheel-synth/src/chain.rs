//! Effect chains on external audio: track and master inserts built from the same stage
//! format, validation and units as presets, run in place on stereo buffers.
//!
//! An [`EffectChain`] is a list of effect stages in series. Parameters are validated by
//! wrapping the stages into a preset (so errors carry the same JSON pointers, re-based to the
//! chain: `/2/parameters/ratio`) and the kernels are the synth's own. `process` is real-time
//! safe: all buffers are allocated in `new`. A compressor in the chain can be keyed by an
//! external signal (sidechain) with [`EffectChain::process_keyed`].

use tonewheel_audio::MusicalContext;

use crate::engine::resolve;
use crate::error::{PresetIssue, Result, SynthError};
use crate::format::{PresetFile, StageFile};
use crate::nodes::{BlockCtx, Kernel, ParamBlock, BLOCK};
use crate::preset::Preset;
use crate::spec::StageSpec;

/// Stage types allowed in effect chains (processors that need no voice or note).
pub const CHAIN_STAGE_TYPES: [&str; 16] = [
    "saturation",
    "bitcrush",
    "chorus",
    "flanger",
    "phaser",
    "delay",
    "reverb",
    "compressor",
    "eq",
    "limiter",
    "svf",
    "ladder",
    "diode_ladder",
    "amp",
    "pan",
    "width",
];

/// Most stages in one chain.
pub const MAX_CHAIN_STAGES: usize = 32;

#[derive(Debug, Clone)]
struct ChainStage {
    id: String,
    spec: &'static StageSpec,
    kernel: Kernel,
    params: Vec<ParamBlock>,
    settings_current: bool,
}

/// A series of effect stages processing stereo audio in place.
#[derive(Debug, Clone)]
pub struct EffectChain {
    stages: Vec<ChainStage>,
    sidechain: Option<usize>,
    a_l: [f32; BLOCK],
    a_r: [f32; BLOCK],
    b_l: [f32; BLOCK],
    b_r: [f32; BLOCK],
    scratch: [f32; BLOCK],
}

impl EffectChain {
    /// Builds a chain from stages in the preset stage format, resolving tempo-synced values
    /// with `context`. `source_name` names the chain in errors.
    pub fn new(
        stages: &[StageFile],
        context: &MusicalContext,
        sample_rate: f32,
        seed: u64,
        source_name: &str,
    ) -> Result<EffectChain> {
        let invalid = |issues: Vec<PresetIssue>| SynthError::Invalid {
            source_name: source_name.into(),
            issues,
        };
        if stages.len() > MAX_CHAIN_STAGES {
            return Err(invalid(vec![PresetIssue {
                pointer: String::new(),
                expected: format!("at most {MAX_CHAIN_STAGES} stages"),
                found: stages.len().to_string(),
            }]));
        }
        let mut issues = Vec::new();
        for (i, s) in stages.iter().enumerate() {
            if !CHAIN_STAGE_TYPES.contains(&s.kind.as_str()) {
                issues.push(PresetIssue {
                    pointer: format!("/{i}/type"),
                    expected: format!("an effect stage type ({})", CHAIN_STAGE_TYPES.join(", ")),
                    found: format!("\"{}\"", s.kind),
                });
            }
        }
        if !issues.is_empty() {
            return Err(invalid(issues));
        }
        // Validate parameters exactly as a preset would: wrap the stages between nothing and
        // an output, then re-base the issue pointers from /stages/i to /i.
        let mut all = stages.to_vec();
        let out_id = "__chain_output".to_string();
        all.push(StageFile {
            id: out_id.clone(),
            kind: "output".into(),
            parameters: Default::default(),
        });
        let connections = all
            .windows(2)
            .map(|w| crate::format::ConnectionFile {
                from: w[0].id.clone(),
                to: w[1].id.clone(),
                weight: 1.0,
                parameter: None,
                depth: None,
            })
            .collect();
        let file = PresetFile {
            name: source_name.to_owned(),
            role: "fx".into(),
            description: String::new(),
            tags: Vec::new(),
            version: "1.0".into(),
            metadata: Default::default(),
            voice: Default::default(),
            preview: Default::default(),
            seed,
            stages: all,
            connections,
        };
        let preset = Preset::from_file_format(&file, source_name).map_err(|e| match e {
            SynthError::Invalid { issues, .. } => invalid(
                issues
                    .into_iter()
                    .map(|mut i| {
                        if let Some(rest) = i.pointer.strip_prefix("/stages") {
                            i.pointer = rest.to_owned();
                        }
                        i
                    })
                    .collect(),
            ),
            other => other,
        })?;
        let mut built = Vec::with_capacity(stages.len());
        for (i, stage) in preset.stages.iter().take(stages.len()).enumerate() {
            let base: Vec<f32> = stage
                .spec
                .params
                .iter()
                .zip(&stage.values)
                .map(|(p, v)| resolve(p.kind, *v, context.tempo_bpm))
                .collect();
            built.push(ChainStage {
                id: stage.id.clone(),
                spec: stage.spec,
                kernel: Kernel::new(
                    stage.spec.name,
                    &base,
                    sample_rate,
                    seed.wrapping_add(i as u64),
                ),
                params: base.iter().map(|&b| ParamBlock::new(b)).collect(),
                settings_current: false,
            });
        }
        Ok(EffectChain {
            stages: built,
            sidechain: None,
            a_l: [0.0; BLOCK],
            a_r: [0.0; BLOCK],
            b_l: [0.0; BLOCK],
            b_r: [0.0; BLOCK],
            scratch: [0.0; BLOCK],
        })
    }

    /// Parses a JSON array of stages (the preset stage format) and builds the chain.
    pub fn from_json(
        text: &str,
        context: &MusicalContext,
        sample_rate: f32,
        seed: u64,
        source_name: &str,
    ) -> Result<EffectChain> {
        let mut de = serde_json::Deserializer::from_str(text);
        let stages: Vec<StageFile> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let inner = e.inner();
            SynthError::Syntax {
                source_name: source_name.into(),
                pointer: e.path().to_string(),
                line: inner.line(),
                column: inner.column(),
                reason: inner.to_string(),
            }
        })?;
        EffectChain::new(&stages, context, sample_rate, seed, source_name)
    }

    /// Number of stages.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// True for a chain without stages (it passes audio through).
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Index of a stage by id.
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// Index of parameter `name` of stage `stage`.
    pub fn param_index(&self, stage: usize, name: &str) -> Option<usize> {
        self.stages
            .get(stage)
            .and_then(|s| s.spec.param_index(name))
    }

    /// Current value of a parameter (canonical units).
    pub fn param(&self, stage: usize, param: usize) -> Option<f32> {
        self.stages.get(stage)?.params.get(param).map(|p| p.base)
    }

    /// Sets a parameter (canonical units), clamped to its range. Real-time safe.
    pub fn set_param(&mut self, stage: usize, param: usize, value: f32) {
        let Some(s) = self.stages.get_mut(stage) else {
            return;
        };
        let Some(spec) = s.spec.params.get(param) else {
            return;
        };
        let v = if value.is_finite() {
            value.clamp(spec.min as f32, spec.max as f32)
        } else {
            spec.default as f32
        };
        s.params[param].base = v;
        s.settings_current = false;
    }

    /// Makes the compressor at `stage` listen to the key signal of
    /// [`process_keyed`](Self::process_keyed); None turns the sidechain off. Returns false
    /// (and changes nothing) if `stage` is not a compressor.
    pub fn set_sidechain(&mut self, stage: Option<usize>) -> bool {
        match stage {
            None => {
                self.sidechain = None;
                true
            }
            Some(i)
                if self
                    .stages
                    .get(i)
                    .is_some_and(|s| s.spec.name == "compressor") =>
            {
                self.sidechain = Some(i);
                true
            }
            Some(_) => false,
        }
    }

    /// Clears all internal state (delay lines, envelopes, filters).
    pub fn reset(&mut self) {
        for s in &mut self.stages {
            s.kernel.reset();
        }
    }

    /// Processes `left`/`right` in place. Real-time safe.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> Result<()> {
        self.process_keyed(left, right, None)
    }

    /// Processes `left`/`right` in place; the sidechain compressor (if any) detects its level
    /// from `key` (mono, at least as long as the buffers) instead of its input. Real-time safe.
    /// A stage producing NaN or infinity silences the block and is reported by id.
    pub fn process_keyed(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<&[f32]>,
    ) -> Result<()> {
        let total = left.len().min(right.len());
        let mut pos = 0;
        while pos < total {
            let n = (total - pos).min(BLOCK);
            self.a_l[..n].copy_from_slice(&left[pos..pos + n]);
            self.a_r[..n].copy_from_slice(&right[pos..pos + n]);
            let key_block = key.and_then(|k| k.get(pos..pos + n));
            for (idx, s) in self.stages.iter_mut().enumerate() {
                if !s.settings_current {
                    s.kernel.apply_block_params(&s.params);
                    s.settings_current = true;
                }
                let ctx = BlockCtx {
                    n,
                    note_hz: &[],
                    note: 60.0,
                    note_steady: true,
                };
                // In-place kernels (filters, shapers, effects) work on `a` directly; the
                // others (and the keyed compressor) write `b`, which then becomes `a`.
                let in_place = s.kernel.in_place();
                let keyed = self.sidechain == Some(idx) && key_block.is_some();
                let stereo = match (&mut s.kernel, key_block) {
                    (Kernel::Compressor(c), Some(k)) if keyed => {
                        self.b_l[..n].copy_from_slice(&self.a_l[..n]);
                        self.b_r[..n].copy_from_slice(&self.a_r[..n]);
                        c.process_stereo_sidechain(&mut self.b_l[..n], &mut self.b_r[..n], k);
                        true
                    }
                    (kernel, _) if in_place => {
                        kernel.process_in_place(&ctx, &s.params, true, &mut self.a_l, &mut self.a_r)
                    }
                    (kernel, _) => kernel.process(
                        &ctx,
                        &s.params,
                        &self.a_l,
                        &self.a_r,
                        true,
                        &mut self.b_l,
                        &mut self.b_r,
                        &mut self.scratch,
                    ),
                };
                let wrote_b = keyed || !in_place;
                let (out_l, out_r) = if wrote_b {
                    (&mut self.b_l, &mut self.b_r)
                } else {
                    (&mut self.a_l, &mut self.a_r)
                };
                if !stereo {
                    out_r[..n].copy_from_slice(&out_l[..n]);
                }
                if !out_l[..n].iter().chain(&out_r[..n]).all(|x| x.is_finite()) {
                    left[pos..total].fill(0.0);
                    right[pos..total].fill(0.0);
                    let stage_id = s.id.clone();
                    return Err(SynthError::Unstable { stage_id });
                }
                if wrote_b {
                    std::mem::swap(&mut self.a_l, &mut self.b_l);
                    std::mem::swap(&mut self.a_r, &mut self.b_r);
                }
            }
            left[pos..pos + n].copy_from_slice(&self.a_l[..n]);
            right[pos..pos + n].copy_from_slice(&self.a_r[..n]);
            pos += n;
        }
        Ok(())
    }
}
