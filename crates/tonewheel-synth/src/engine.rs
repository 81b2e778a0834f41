//! [`Synth`]: a compiled preset that plays notes in fixed blocks, real-time safe.
//!
//! Lifecycle: [`Synth::new`] compiles the preset (all buffers allocated here, for the given
//! sample rate), then the control side calls [`Synth::note_on`] / [`Synth::note_off`] with
//! sample offsets into the next buffer and [`Synth::process`] renders it. `process` never
//! allocates, locks or does I/O.

use tonewheel_audio::MusicalContext;
use tonewheel_dsp::dc_block::DcBlocker;
use tonewheel_dsp::fastmath::exp2;
use tonewheel_dsp::math::midi_to_hz;

use crate::error::{PresetIssue, Result, SynthError};
use crate::graph::processing_order;
use crate::nodes::{
    read_at_control_rate, BlockCtx, Kernel, ParamBlock, BLOCK, CONTROL_INTERVAL, SLEEP_FLOOR,
};
use crate::preset::{Preset, VoiceMode};
use crate::spec::{Category, ParamKind, Scope};
use crate::units::ParamValue;

/// Most pending note events between two `process` calls.
pub const MAX_EVENTS: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModCurve {
    /// base * 2^(sum / 12): frequencies and rates, depth in semitones.
    Exponential,
    /// base + sum.
    Additive,
}

#[derive(Debug, Clone, Copy)]
struct ModRoute {
    from: usize,
    param: usize,
    depth: f32,
}

#[derive(Debug, Clone)]
struct StagePlan {
    id: String,
    name: &'static str,
    global: bool,
    has_voice_instance: bool,
    has_global_instance: bool,
    /// Audio inputs: (from stage, weight).
    inputs: Vec<(usize, f32)>,
    mods: Vec<ModRoute>,
    base: Vec<f32>,
    /// Per parameter: how modulation combines with the base, the clamp range, and the
    /// stride of the frames the kernel reads (1, or CONTROL_INTERVAL for control-rate ones).
    meta: Vec<(ModCurve, f32, f32, usize)>,
}

#[derive(Debug, Clone)]
struct Node {
    kernel: Kernel,
    params: Vec<ParamBlock>,
    out_l: [f32; BLOCK],
    out_r: [f32; BLOCK],
    stereo: bool,
    /// True when the kernel's block-rate settings match the current parameter values (no
    /// modulation, no `set_param` since the last apply): re-applying would only burn time
    /// (some setters, like the reverb's size, do real work).
    settings_current: bool,
    /// The last block's output was exactly zero (both channels when stereo): consumers treat
    /// such a source as silent input.
    silent: bool,
    /// A global stage with silent input whose state has settled (see `Kernel::settled`): it
    /// is skipped, its output held at zero, until its input sounds again.
    asleep: bool,
    /// Consecutive blocks of silent input and output below the sleep floor since the last
    /// `settled` check, and how many such blocks to wait before the next check (doubling up
    /// to `MAX_SLEEP_CHECK_BLOCKS`, so a long tail is scanned only a few dozen times).
    quiet_blocks: u32,
    next_check: u32,
}

/// Longest wait between two `Kernel::settled` checks of a quiet global stage, in blocks
/// (128 blocks = 171 ms at 48 kHz): bounds both the scanning cost and how late a settled
/// tail goes to sleep.
const MAX_SLEEP_CHECK_BLOCKS: u32 = 128;

#[derive(Debug, Clone)]
struct Voice {
    nodes: Vec<Option<Node>>,
    note: u8,
    velocity_gain: f32,
    velocity: f32,
    gate: bool,
    active: bool,
    age: u64,
    log2_hz: f32,
    target_log2_hz: f32,
    note_hz: [f32; BLOCK],
    /// `note_hz` is one value over the current block (no glide in progress).
    note_steady: bool,
    fade: f32,
}

#[derive(Debug, Clone, Copy)]
enum EventKind {
    On { note: u8, velocity: u8 },
    Off { note: u8 },
}

#[derive(Debug, Clone, Copy)]
struct Event {
    offset: usize,
    kind: EventKind,
}

/// A compiled, playable preset.
#[derive(Debug, Clone)]
pub struct Synth {
    sample_rate: f32,
    a4_hz: f32,
    plans: Vec<StagePlan>,
    voice_order: Vec<usize>,
    global_order: Vec<usize>,
    output: usize,
    voices: Vec<Voice>,
    globals: Vec<Option<Node>>,
    acc_l: Vec<[f32; BLOCK]>,
    acc_r: Vec<[f32; BLOCK]>,
    acc_used: Vec<bool>,
    acc_stereo: Vec<bool>,
    scratch_l: [f32; BLOCK],
    scratch_r: [f32; BLOCK],
    scratch_m: [f32; BLOCK],
    events: Vec<Event>,
    mode: VoiceMode,
    glide_coeff: f32,
    velocity_sensitivity: f32,
    voice_clock: u64,
    dc: [DcBlocker; 2],
    held_global_gate: usize,
    unstable: Option<usize>,
    /// Idle global stages may sleep (see [`Synth::set_idle_sleep`]).
    idle_sleep: bool,
}

/// Resolves a value to canonical units with the context tempo (note values to s or Hz).
pub(crate) fn resolve(kind: ParamKind, v: ParamValue, tempo_bpm: f64) -> f32 {
    match v {
        ParamValue::Number(x) => x as f32,
        ParamValue::Beats(beats) => {
            let seconds = beats * 60.0 / tempo_bpm.max(1.0);
            match kind {
                ParamKind::Rate => (1.0 / seconds.max(1e-6)) as f32,
                _ => seconds as f32,
            }
        }
    }
}

impl Synth {
    /// Compiles `preset` for `sample_rate`, resolving tempo-synced values with `context`.
    pub fn new(preset: &Preset, context: &MusicalContext, sample_rate: f32) -> Result<Synth> {
        if !(8000.0..=384_000.0).contains(&sample_rate) {
            return Err(SynthError::InvalidRequest {
                what: "sample rate",
                expected: "8000..384000 Hz".into(),
                found: sample_rate.to_string(),
            });
        }
        let n = preset.stages.len();
        let mut plans: Vec<StagePlan> = preset
            .stages
            .iter()
            .map(|s| {
                let base = s
                    .spec
                    .params
                    .iter()
                    .zip(&s.values)
                    .map(|(p, v)| {
                        let x = resolve(p.kind, *v, context.tempo_bpm);
                        // Tempo sync may land outside the written range: keep kernels safe.
                        x.clamp(p.min as f32, p.max as f32)
                    })
                    .collect();
                let meta = s
                    .spec
                    .params
                    .iter()
                    .enumerate()
                    .map(|(index, p)| {
                        let curve = match p.kind {
                            ParamKind::Frequency | ParamKind::Rate => ModCurve::Exponential,
                            _ => ModCurve::Additive,
                        };
                        let stride = if read_at_control_rate(s.spec.name, index) {
                            CONTROL_INTERVAL
                        } else {
                            1
                        };
                        (curve, p.min as f32, p.max as f32, stride)
                    })
                    .collect();
                StagePlan {
                    meta,
                    id: s.id.clone(),
                    name: s.spec.name,
                    global: s.spec.scope == Scope::Global,
                    has_voice_instance: false,
                    has_global_instance: false,
                    inputs: Vec::new(),
                    mods: Vec::new(),
                    base,
                }
            })
            .collect();
        for c in &preset.connections {
            plans[c.to].inputs.push((c.from, c.weight));
        }
        for m in &preset.modulations {
            plans[m.to].mods.push(ModRoute {
                from: m.from,
                param: m.param,
                depth: m.depth as f32,
            });
        }
        // Audio edges and modulation edges both order processing.
        let mut edges: Vec<(usize, usize)> =
            preset.connections.iter().map(|c| (c.from, c.to)).collect();
        edges.extend(preset.modulations.iter().map(|m| (m.from, m.to)));
        let order = processing_order(n, &edges, &|i| preset.stages[i].spec.name == "delay");
        // Scope: a stage is global if its type is, or if any audio input is global.
        for &i in &order {
            if preset.stages[i].spec.scope == Scope::Either {
                let any_global = plans[i].inputs.iter().any(|&(f, _)| plans[f].global);
                plans[i].global = any_global;
            }
            if preset.stages[i].spec.category == Category::Output {
                plans[i].global = true;
            }
        }
        for i in 0..n {
            let cat = preset.stages[i].spec.category;
            if plans[i].global {
                plans[i].has_global_instance = true;
            } else {
                plans[i].has_voice_instance = true;
            }
            if cat == Category::Modulator {
                let feeds_global = plans
                    .iter()
                    .any(|t| t.global && t.mods.iter().any(|m| m.from == i));
                plans[i].has_global_instance |= feeds_global;
            }
        }
        // Global stages may only be modulated by modulators or other global stages.
        let mut issues = Vec::new();
        for (t, plan) in plans.iter().enumerate() {
            if !plan.global {
                continue;
            }
            for m in &plan.mods {
                if !plans[m.from].has_global_instance {
                    issues.push(PresetIssue {
                        pointer: format!("/stages/{t}"),
                        expected: format!("modulation of the global stage \"{}\" from a modulator or a global stage", plan.id),
                        found: format!("per-voice audio stage \"{}\"", plans[m.from].id),
                    });
                }
            }
        }
        if !issues.is_empty() {
            return Err(SynthError::Invalid {
                source_name: preset.name.clone(),
                issues,
            });
        }
        let voice_order: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| plans[i].has_voice_instance)
            .collect();
        let global_order: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| plans[i].has_global_instance)
            .collect();

        let make_node = |i: usize, seed: u64| -> Node {
            let plan = &plans[i];
            let mut kernel = Kernel::new(plan.name, &plan.base, sample_rate, seed);
            let params: Vec<ParamBlock> = plan.base.iter().map(|&b| ParamBlock::new(b)).collect();
            kernel.apply_block_params(&params);
            Node {
                kernel,
                params,
                out_l: [0.0; BLOCK],
                out_r: [0.0; BLOCK],
                silent: true,
                asleep: false,
                quiet_blocks: 0,
                next_check: 1,
                stereo: false,
                settings_current: true,
            }
        };
        let voice_count = match preset.mode {
            VoiceMode::Poly => preset.voices as usize,
            VoiceMode::Mono | VoiceMode::Legato => 1,
        };
        let voices = (0..voice_count)
            .map(|v| Voice {
                nodes: (0..n)
                    .map(|i| {
                        plans[i].has_voice_instance.then(|| {
                            make_node(
                                i,
                                preset
                                    .seed
                                    .wrapping_add((v as u64) << 16)
                                    .wrapping_add(i as u64),
                            )
                        })
                    })
                    .collect(),
                note: 0,
                velocity_gain: 1.0,
                velocity: 1.0,
                gate: false,
                active: false,
                age: 0,
                log2_hz: 8.0,
                target_log2_hz: 8.0,
                note_hz: [0.0; BLOCK],
                note_steady: true,
                fade: 1.0,
            })
            .collect();
        let globals = (0..n)
            .map(|i| {
                plans[i]
                    .has_global_instance
                    .then(|| make_node(i, preset.seed.wrapping_add(0xABCD).wrapping_add(i as u64)))
            })
            .collect();
        let glide_coeff = if preset.glide_s > 0.0 {
            tonewheel_dsp::math::one_pole_coeff(preset.glide_s as f32 / 3.0, sample_rate)
        } else {
            1.0
        };
        Ok(Synth {
            sample_rate,
            a4_hz: context.a4_hz as f32,
            plans,
            voice_order,
            global_order,
            output: preset.output,
            voices,
            globals,
            acc_l: vec![[0.0; BLOCK]; n],
            acc_r: vec![[0.0; BLOCK]; n],
            acc_used: vec![false; n],
            acc_stereo: vec![false; n],
            scratch_l: [0.0; BLOCK],
            scratch_r: [0.0; BLOCK],
            scratch_m: [0.0; BLOCK],
            events: Vec::with_capacity(MAX_EVENTS),
            mode: preset.mode,
            glide_coeff,
            velocity_sensitivity: preset.velocity_sensitivity as f32,
            voice_clock: 0,
            dc: [DcBlocker::new(sample_rate), DcBlocker::new(sample_rate)],
            held_global_gate: 0,
            unstable: None,
            idle_sleep: true,
        })
    }

    /// The sample rate this synth was compiled for.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Lets global stages sleep while idle (on by default): a stage whose input is silent and
    /// whose state has settled (stateless stages and a flushed EQ exactly; a reverb or delay
    /// tail once its whole memory is below [`SLEEP_FLOOR`](crate::SLEEP_FLOOR), which is
    /// then cleared) is skipped until input arrives. Off renders every stage every block, the
    /// reference the sleep tests compare against.
    pub fn set_idle_sleep(&mut self, enabled: bool) {
        self.idle_sleep = enabled;
        if !enabled {
            for node in self.globals.iter_mut().flatten() {
                node.asleep = false;
            }
        }
    }

    /// Number of global stages asleep after the last `process` (see
    /// [`set_idle_sleep`](Self::set_idle_sleep)).
    pub fn sleeping_stages(&self) -> usize {
        self.globals.iter().flatten().filter(|n| n.asleep).count()
    }

    /// Number of voices currently sounding.
    pub fn active_voices(&self) -> usize {
        self.voices.iter().filter(|v| v.active).count()
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() >= MAX_EVENTS {
            return; // Beyond capacity events are dropped rather than allocating.
        }
        // Keep events ordered by offset, stable for equal offsets.
        let at = self
            .events
            .iter()
            .position(|x| x.offset > e.offset)
            .unwrap_or(self.events.len());
        self.events.insert(at, e);
    }

    /// Schedules a note-on `sample_offset` frames into the next `process` buffer.
    pub fn note_on(&mut self, sample_offset: usize, note: u8, velocity: u8) {
        self.push_event(Event {
            offset: sample_offset,
            kind: EventKind::On {
                note: note.min(127),
                velocity: velocity.clamp(1, 127),
            },
        });
    }

    /// Schedules a note-off `sample_offset` frames into the next `process` buffer.
    pub fn note_off(&mut self, sample_offset: usize, note: u8) {
        self.push_event(Event {
            offset: sample_offset,
            kind: EventKind::Off { note },
        });
    }

    /// Sets a parameter's base value (canonical units), clamped to its range. Real-time safe.
    pub fn set_param(&mut self, stage: usize, param: usize, value: f32) {
        let Some(plan) = self.plans.get_mut(stage) else {
            return;
        };
        let Some(b) = plan.base.get_mut(param) else {
            return;
        };
        *b = value;
        for node in self
            .voices
            .iter_mut()
            .filter_map(|v| v.nodes[stage].as_mut())
            .chain(self.globals[stage].as_mut())
        {
            if let Some(p) = node.params.get_mut(param) {
                p.base = value;
                node.settings_current = false;
            }
        }
    }

    /// Index of a stage by id (for `set_param`; not for the audio thread).
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.plans.iter().position(|p| p.id == id)
    }

    fn start_note(&mut self, note: u8, velocity: u8) {
        let hz = midi_to_hz(f32::from(note), self.a4_hz);
        let vel = f32::from(velocity) / 127.0;
        let s = self.velocity_sensitivity;
        let (idx, retrigger, jump) = match self.mode {
            VoiceMode::Poly => {
                let idx = self
                    .voices
                    .iter()
                    .position(|v| !v.active)
                    .unwrap_or_else(|| {
                        // Steal the oldest voice.
                        self.voices
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, v)| v.age)
                            .map_or(0, |(i, _)| i)
                    });
                (idx, true, true)
            }
            VoiceMode::Mono => (0, true, !self.voices[0].active),
            VoiceMode::Legato => {
                let v = &self.voices[0];
                (0, !(v.active && v.gate), !v.active)
            }
        };
        self.voice_clock += 1;
        let clock = self.voice_clock;
        let fresh = !self.voices[idx].active;
        let plans = &self.plans;
        let voice = &mut self.voices[idx];
        voice.note = note;
        voice.velocity = vel;
        voice.velocity_gain = 1.0 - s + s * vel;
        voice.gate = true;
        voice.active = true;
        voice.age = clock;
        voice.fade = 1.0;
        voice.target_log2_hz = hz.log2();
        if jump {
            voice.log2_hz = voice.target_log2_hz;
        }
        for (i, node) in voice.nodes.iter_mut().enumerate() {
            if let Some(node) = node {
                if fresh && self.mode == VoiceMode::Poly {
                    node.kernel.reset();
                }
                let _ = &plans[i];
                node.kernel.note_on(&node.params, hz, vel, retrigger);
            }
        }
        if retrigger {
            self.held_global_gate += 1;
            for (i, node) in self.globals.iter_mut().enumerate() {
                if let (Some(node), Category::Modulator) =
                    (node.as_mut(), stage_category(plans[i].name))
                {
                    if self.held_global_gate == 1 {
                        node.kernel.note_on(&node.params, hz, vel, true);
                    }
                }
            }
        }
    }

    fn stop_note(&mut self, note: u8) {
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.active && v.gate && v.note == note)
        {
            v.gate = false;
            for node in v.nodes.iter_mut().flatten() {
                node.kernel.note_off();
            }
            self.held_global_gate = self.held_global_gate.saturating_sub(1);
        }
        if self.held_global_gate == 0 {
            for node in self.globals.iter_mut().flatten() {
                node.kernel.note_off();
            }
        }
    }

    /// The id of the stage that produced a non-finite sample, if any did.
    pub fn unstable_stage(&self) -> Option<&str> {
        self.unstable.map(|i| self.plans[i].id.as_str())
    }

    /// Renders `left.len()` frames into `left` and `right` (equal lengths), applying the
    /// scheduled events at their offsets. Real-time safe. Returns an error naming the stage
    /// if one produced NaN or infinity (the output is then silenced).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> Result<()> {
        let total = left.len().min(right.len());
        let mut pos = 0;
        let mut next_event = 0;
        while pos < total {
            while next_event < self.events.len() && self.events[next_event].offset <= pos {
                let e = self.events[next_event];
                match e.kind {
                    EventKind::On { note, velocity } => self.start_note(note, velocity),
                    EventKind::Off { note } => self.stop_note(note),
                }
                next_event += 1;
            }
            let mut end = (pos + BLOCK).min(total);
            if let Some(e) = self.events.get(next_event) {
                end = end.min(e.offset.max(pos + 1));
            }
            self.render_block(end - pos);
            if let Some(i) = self.unstable {
                left[pos..total].fill(0.0);
                right[pos..total].fill(0.0);
                self.events.clear();
                return Err(SynthError::Unstable {
                    stage_id: self.plans[i].id.clone(),
                });
            }
            let out = self.globals[self.output].as_ref();
            let n = end - pos;
            let silent = out.is_none_or(|o| o.silent);
            if silent && self.dc.iter().all(DcBlocker::is_at_rest) {
                // Silence through a blocker at rest is silence: skip the recursion.
                left[pos..end].fill(0.0);
                right[pos..end].fill(0.0);
            } else {
                if let Some(out) = out {
                    left[pos..end].copy_from_slice(&out.out_l[..n]);
                    right[pos..end].copy_from_slice(if out.stereo {
                        &out.out_r[..n]
                    } else {
                        &out.out_l[..n]
                    });
                }
                DcBlocker::process_pair(&mut self.dc, &mut left[pos..end], &mut right[pos..end]);
            }
            pos = end;
        }
        // Events past this buffer move to the next one.
        let consumed = next_event;
        self.events.drain(..consumed);
        for e in &mut self.events {
            e.offset = e.offset.saturating_sub(total);
        }
        Ok(())
    }

    fn render_block(&mut self, n: usize) {
        for i in 0..self.plans.len() {
            self.acc_used[i] = false;
            self.acc_stereo[i] = false;
        }
        let glide = self.glide_coeff;
        // Voices.
        for vi in 0..self.voices.len() {
            if !self.voices[vi].active {
                continue;
            }
            {
                let v = &mut self.voices[vi];
                v.note_steady = v.log2_hz == v.target_log2_hz;
                if v.note_steady {
                    v.note_hz[..n].fill(exp2(v.log2_hz));
                } else {
                    for i in 0..n {
                        v.log2_hz += glide * (v.target_log2_hz - v.log2_hz);
                        // Land exactly once within a thousandth of a cent.
                        if (v.target_log2_hz - v.log2_hz).abs() < 1e-6 {
                            v.log2_hz = v.target_log2_hz;
                        }
                        v.note_hz[i] = exp2(v.log2_hz);
                    }
                }
            }
            for oi in 0..self.voice_order.len() {
                let s = self.voice_order[oi];
                self.run_node(Some(vi), s, n);
                if self.unstable.is_some() {
                    return;
                }
            }
            // Hand this voice's outputs to the global stages they feed.
            let v = &mut self.voices[vi];
            let has_env = v
                .nodes
                .iter()
                .flatten()
                .any(|nd| nd.kernel.envelope_active().is_some());
            let env_active = v
                .nodes
                .iter()
                .flatten()
                .any(|nd| nd.kernel.envelope_active() == Some(true));
            let fade_step = 1.0 / (0.005 * self.sample_rate);
            let fading = !v.gate && !has_env;
            for (t, plan) in self.plans.iter().enumerate() {
                if !plan.global {
                    continue;
                }
                for &(from, w) in &plan.inputs {
                    let Some(src) = v.nodes[from].as_ref() else {
                        continue;
                    };
                    let g = w * v.velocity_gain;
                    let stereo = src.stereo;
                    let used = self.acc_used[t];
                    // Per-frame gains: the voice's weight, faded out after a gateless release.
                    let gains = &mut self.scratch_m;
                    if fading {
                        let mut fade = v.fade;
                        for x in gains[..n].iter_mut() {
                            fade = (fade - fade_step).max(0.0);
                            *x = g * fade;
                        }
                    } else {
                        gains[..n].fill(g * v.fade);
                    }
                    let src_r = if stereo { &src.out_r } else { &src.out_l };
                    let (acc_l, acc_r) = (&mut self.acc_l[t], &mut self.acc_r[t]);
                    if used {
                        for i in 0..n {
                            acc_l[i] += src.out_l[i] * gains[i];
                            acc_r[i] += src_r[i] * gains[i];
                        }
                    } else {
                        for i in 0..n {
                            acc_l[i] = src.out_l[i] * gains[i];
                            acc_r[i] = src_r[i] * gains[i];
                        }
                    }
                    self.acc_used[t] = true;
                    self.acc_stereo[t] |= stereo;
                }
            }
            if fading {
                v.fade = (v.fade - fade_step * n as f32).max(0.0);
            }
            if (!v.gate && has_env && !env_active) || (fading && v.fade <= 0.0) {
                v.active = false;
            }
        }
        // Global section.
        for oi in 0..self.global_order.len() {
            let s = self.global_order[oi];
            self.run_node(None, s, n);
            if self.unstable.is_some() {
                return;
            }
        }
    }

    /// Runs stage `s` for one block, in voice `voice` or in the global section.
    fn run_node(&mut self, voice: Option<usize>, s: usize, n: usize) {
        let plan = &self.plans[s];
        // 1. Parameters with modulation.
        // Borrow the voice's note frequencies rather than copying 64 floats per node.
        let (nodes, note_hz, note, note_steady): (&mut Vec<Option<Node>>, &[f32], f32, bool) =
            match voice {
                Some(vi) => {
                    let Voice {
                        nodes,
                        note_hz,
                        note,
                        note_steady,
                        ..
                    } = &mut self.voices[vi];
                    (nodes, &note_hz[..n], f32::from(*note), *note_steady)
                }
                None => (&mut self.globals, &[], 60.0, true),
            };
        // Split the node from the others so sources can be read while it is written, without
        // moving it (a node holds two output blocks: moving it costs more than most kernels).
        let (before, rest) = nodes.split_at_mut(s);
        let Some((Some(node), after)) = rest.split_first_mut() else {
            return;
        };
        let others = Others {
            before,
            after,
            at: s,
        };
        // Idle global stages: with silent input, a settled stage costs nothing (see
        // `Kernel::settled`). Modulated stages always run (their settings move).
        let may_sleep =
            self.idle_sleep && voice.is_none() && plan.mods.is_empty() && node.kernel.reads_input();
        let input_silent = may_sleep
            && !self.acc_used[s]
            && plan.inputs.iter().all(|&(from, _)| {
                if from == s {
                    node.silent
                } else {
                    others.get(from).is_none_or(|src| src.silent)
                }
            });
        if !input_silent {
            node.asleep = false;
            node.next_check = 1;
            node.quiet_blocks = 0;
        } else if node.asleep {
            if !node.silent {
                node.out_l.fill(0.0);
                node.out_r.fill(0.0);
                node.silent = true;
            }
            return;
        }
        for p in node.params.iter_mut() {
            p.modulated = false;
        }
        for m in &plan.mods {
            let Some(src) = others.get(m.from) else {
                continue;
            };
            let p = &mut node.params[m.param];
            if p.modulated {
                mix_into(&mut p.buf[..n], &src.out_l[..n], m.depth);
            } else {
                p.modulated = true;
                scaled_copy(&mut p.buf[..n], &src.out_l[..n], m.depth);
            }
        }
        for (p, &(curve, min, max, stride)) in node.params.iter_mut().zip(&plan.meta) {
            if !p.modulated {
                continue;
            }
            // Turn the summed offsets into values in the parameter's unit, on the frames the
            // kernel reads (control-rate parameters are read every CONTROL_INTERVAL frames).
            let base = p.base;
            match curve {
                ModCurve::Exponential => {
                    for x in p.buf[..n].iter_mut().step_by(stride) {
                        *x = (base * exp2(*x / 12.0)).clamp(min, max);
                    }
                }
                ModCurve::Additive => {
                    for x in p.buf[..n].iter_mut().step_by(stride) {
                        *x = (base + *x).clamp(min, max);
                    }
                }
            }
        }
        // 2. Inputs, summed straight into the output buffers of in-place kernels.
        let in_place = node.kernel.in_place();
        let (dst_l, dst_r) = if in_place {
            (&mut node.out_l, &mut node.out_r)
        } else {
            (&mut self.scratch_l, &mut self.scratch_r)
        };
        let mut stereo_in = false;
        let mut any_in = false;
        if voice.is_none() && self.acc_used[s] {
            dst_l[..n].copy_from_slice(&self.acc_l[s][..n]);
            dst_r[..n].copy_from_slice(&self.acc_r[s][..n]);
            stereo_in = self.acc_stereo[s];
            any_in = true;
        }
        for &(from, w) in &plan.inputs {
            let Some(src) = others.get(from) else {
                continue;
            };
            // R is kept only once some input is stereo (kernels read it only then); the
            // first stereo input starts it from the mono sum so far.
            let src_r = if src.stereo { &src.out_r } else { &src.out_l };
            if any_in {
                if src.stereo && !stereo_in {
                    dst_r[..n].copy_from_slice(&dst_l[..n]);
                }
                mix_into(&mut dst_l[..n], &src.out_l[..n], w);
                if src.stereo || stereo_in {
                    mix_into(&mut dst_r[..n], &src_r[..n], w);
                }
            } else {
                scaled_copy(&mut dst_l[..n], &src.out_l[..n], w);
                if src.stereo {
                    scaled_copy(&mut dst_r[..n], &src_r[..n], w);
                }
            }
            stereo_in |= src.stereo;
            any_in = true;
        }
        if !any_in && node.kernel.reads_input() {
            dst_l[..n].fill(0.0);
        }
        // 3. Process.
        let modulated = !plan.mods.is_empty();
        if modulated || !node.settings_current {
            node.kernel.apply_block_params(&node.params);
            node.settings_current = !modulated;
        }
        let ctx = BlockCtx {
            n,
            note_hz,
            note,
            note_steady,
        };
        let stereo_out = if in_place {
            node.kernel.process_in_place(
                &ctx,
                &node.params,
                stereo_in,
                &mut node.out_l,
                &mut node.out_r,
            )
        } else {
            node.kernel.process(
                &ctx,
                &node.params,
                &self.scratch_l,
                &self.scratch_r,
                stereo_in,
                &mut node.out_l,
                &mut node.out_r,
                &mut self.scratch_m,
            )
        };
        node.stereo = stereo_out;
        let peak_bits = if stereo_out {
            peak_bits(&node.out_l[..n]).max(peak_bits(&node.out_r[..n]))
        } else {
            peak_bits(&node.out_l[..n])
        };
        if peak_bits >= INFINITY_BITS {
            self.unstable = Some(s);
        }
        node.silent = peak_bits == 0;
        // Positive floats order like their bit patterns.
        if input_silent && peak_bits < SLEEP_FLOOR.to_bits() {
            node.quiet_blocks += 1;
            if node.quiet_blocks >= node.next_check {
                node.quiet_blocks = 0;
                node.next_check = (2 * node.next_check).min(MAX_SLEEP_CHECK_BLOCKS);
                if node.kernel.settled() == Some(true) {
                    // Clearing what is left (all below the floor) makes waking up the same
                    // as starting from rest.
                    node.kernel.reset();
                    node.asleep = true;
                }
            }
        } else {
            node.quiet_blocks = 0;
        }
    }
}

/// `dst += src * w`.
#[inline]
fn mix_into(dst: &mut [f32], src: &[f32], w: f32) {
    for (d, x) in dst.iter_mut().zip(src) {
        *d += x * w;
    }
}

/// `dst = src * w`.
#[inline]
fn scaled_copy(dst: &mut [f32], src: &[f32], w: f32) {
    for (d, x) in dst.iter_mut().zip(src) {
        *d = x * w;
    }
}

/// The nodes of a voice (or of the global section) other than the one being processed.
struct Others<'a> {
    before: &'a [Option<Node>],
    after: &'a [Option<Node>],
    at: usize,
}

impl Others<'_> {
    /// Node `i`, if it exists and is not the one being processed.
    #[inline]
    fn get(&self, i: usize) -> Option<&Node> {
        match i.cmp(&self.at) {
            std::cmp::Ordering::Less => self.before.get(i)?.as_ref(),
            std::cmp::Ordering::Greater => self.after.get(i - self.at - 1)?.as_ref(),
            std::cmp::Ordering::Equal => None,
        }
    }
}

/// Magnitude bits of `+inf`: a peak at or above them is infinite or NaN.
const INFINITY_BITS: u32 = 0x7f80_0000;

/// The largest magnitude in `x` as its bit pattern: 0 for exact silence, at least
/// [`INFINITY_BITS`] when a sample is NaN or infinite. An integer maximum over the
/// magnitude bits vectorises, unlike a float fold or a short-circuit.
#[inline]
fn peak_bits(x: &[f32]) -> u32 {
    x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff))
}

fn stage_category(name: &str) -> Category {
    crate::spec::stage_spec(name).map_or(Category::Processor, |s| s.category)
}
