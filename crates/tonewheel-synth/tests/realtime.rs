//! Real-time safety: `Synth::process` performs no heap allocation, for a preset that uses
//! every stage type. Counted by a global allocator that counts calls made while a
//! thread-local flag is set (this file is its own test binary, so no other test interferes).

// (reason: a counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to
// the system allocator.)
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use tonewheel_audio::MusicalContext;
use tonewheel_synth::spec::STAGES;
use tonewheel_synth::{Preset, Synth};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwards the caller's layout unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `alloc` above with the same layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as `GlobalAlloc::realloc`, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A preset with one stage of every type: sources into a chain of every processor, every
/// modulator routed somewhere.
fn every_stage_preset() -> String {
    let mut stages = Vec::new();
    let mut connections = Vec::new();
    let mut chain_prev: Option<String> = None;
    for spec in STAGES {
        let id = spec.name.to_string();
        stages.push(format!(r#"{{"id": "{id}", "type": "{id}"}}"#));
        match spec.category {
            tonewheel_synth::spec::Category::Source => {
                connections.push(format!(r#"{{"from": "{id}", "to": "svf", "weight": 0.2}}"#));
            }
            tonewheel_synth::spec::Category::Modulator => {
                connections.push(format!(
                    r#"{{"from": "{id}", "to": "amp", "parameter": "gain", "depth": 3}}"#
                ));
            }
            tonewheel_synth::spec::Category::Processor
            | tonewheel_synth::spec::Category::Output => {
                if let Some(prev) = &chain_prev {
                    connections.push(format!(r#"{{"from": "{prev}", "to": "{id}"}}"#));
                }
                chain_prev = Some(id);
            }
        }
    }
    connections.push(r#"{"from": "lfo", "to": "svf", "parameter": "cutoff", "depth": 12}"#.into());
    format!(
        r#"{{"name": "Everything", "role": "lead", "voice": {{"voices": 4}}, "stages": [{}], "connections": [{}]}}"#,
        stages.join(","),
        connections.join(",")
    )
}

#[test]
fn process_does_not_allocate_with_every_stage_type() {
    let preset = Preset::from_json(&every_stage_preset(), "every-stage").unwrap();
    let mut synth = Synth::new(&preset, &MusicalContext::default(), 48_000.0).unwrap();
    let mut left = vec![0.0f32; 4096];
    let mut right = vec![0.0f32; 4096];
    // Warm up once (first-use paths), then count over note-ons, note-offs, voice stealing
    // and release tails.
    synth.note_on(0, 60, 100);
    synth.process(&mut left, &mut right).unwrap();
    COUNTING.with(|c| c.set(true));
    for round in 0..20u8 {
        synth.note_on(17, 48 + round, 90);
        synth.note_on(1000, 55 + round, 60);
        synth.note_off(3000, 48 + round);
        synth.process(&mut left, &mut right).unwrap();
    }
    COUNTING.with(|c| c.set(false));
    assert_eq!(
        ALLOCATIONS.load(Ordering::Relaxed),
        0,
        "allocations inside process()"
    );
    assert!(left.iter().any(|&x| x != 0.0), "the preset makes sound");
}
