//! Onsets, tempo, meter and beats on synthetic drum patterns.

use tonewheel_analysis::mir::{
    estimate_tempo, estimate_tempo_with, pick_onsets, track_beats, Meter, TempoOptions,
};

use crate::support::{
    add_kick, add_noise_hit, onset_envelope, onset_envelopes, Noise, FRAME_RATE_HZ, RATE_HZ,
};

/// Accuracy1-style tolerance of the brief (tighter than MIREX's 4 %).
const BPM_TOLERANCE: f32 = 0.02;
/// Beat times must be within 70 ms of the true grid (MIREX's F-measure window).
const BEAT_TOLERANCE_S: f64 = 0.07;
const LENGTH_S: f32 = 12.0;

#[derive(Clone, Copy, Debug)]
enum Pattern {
    /// A kick on every beat.
    Kicks,
    /// Kick on every beat, a hat on every off-beat.
    KickHats,
    /// Kick on 1 and 3, snare on 2 and 4, hats on every eighth.
    Rock,
    /// 3/4: a loud kick on 1, soft snares on 2 and 3.
    Waltz,
    /// Four on the floor: kick on every beat, snare on 2 and 4, open hat on every off-beat.
    FourFloor,
    /// Kick on 1 and 3, snare on 2 and 4, no hats.
    KickSnare,
}

/// The audio and the true beat times of `pattern` at `bpm`, starting at 0.25 s.
fn render(pattern: Pattern, bpm: f32) -> (Vec<f32>, Vec<f64>) {
    let mut audio = vec![0.0f32; (LENGTH_S * RATE_HZ) as usize];
    let mut noise = Noise::new(7);
    let period = 60.0 / f64::from(bpm);
    let mut beats = Vec::new();
    let mut beat = 0usize;
    loop {
        let t = 0.25 + beat as f64 * period;
        if t > f64::from(LENGTH_S) - 0.2 {
            break;
        }
        beats.push(t);
        match pattern {
            Pattern::Kicks => add_kick(&mut audio, t, 0.8),
            Pattern::KickHats => {
                add_kick(&mut audio, t, 0.8);
                add_noise_hit(&mut audio, t + period / 2.0, 0.03, 0.25, &mut noise);
            }
            Pattern::Rock => {
                if beat.is_multiple_of(2) {
                    add_kick(&mut audio, t, 0.8);
                } else {
                    add_noise_hit(&mut audio, t, 0.12, 0.6, &mut noise);
                }
                add_noise_hit(&mut audio, t, 0.03, 0.2, &mut noise);
                add_noise_hit(&mut audio, t + period / 2.0, 0.03, 0.2, &mut noise);
            }
            Pattern::FourFloor => {
                add_kick(&mut audio, t, 0.8);
                if !beat.is_multiple_of(2) {
                    add_noise_hit(&mut audio, t, 0.1, 0.4, &mut noise);
                }
                add_noise_hit(&mut audio, t + period / 2.0, 0.06, 0.2, &mut noise);
            }
            Pattern::KickSnare => {
                if beat.is_multiple_of(2) {
                    add_kick(&mut audio, t, 0.8);
                } else {
                    add_noise_hit(&mut audio, t, 0.12, 0.5, &mut noise);
                }
            }
            Pattern::Waltz => {
                if beat.is_multiple_of(3) {
                    add_kick(&mut audio, t, 0.9);
                    add_noise_hit(&mut audio, t, 0.05, 0.3, &mut noise);
                } else {
                    add_noise_hit(&mut audio, t, 0.08, 0.12, &mut noise);
                }
            }
        }
        beat += 1;
    }
    (audio, beats)
}

fn check(pattern: Pattern, bpm: f32) {
    let (audio, truth) = render(pattern, bpm);
    let envelope = onset_envelope(&audio);
    let estimate = estimate_tempo(&envelope, FRAME_RATE_HZ).expect("periodic pattern has a tempo");
    let error = (estimate.bpm - bpm).abs() / bpm;
    assert!(
        error <= BPM_TOLERANCE,
        "{pattern:?} at {bpm} BPM read {estimate:?} (error {:.1} %)",
        error * 100.0
    );
    assert!(
        estimate.confidence > 0.3,
        "{pattern:?} at {bpm}: {estimate:?}"
    );

    let beats = track_beats(&envelope, FRAME_RATE_HZ, estimate.bpm);
    let matched = |t: f64, set: &[f64]| set.iter().any(|&b| (b - t).abs() <= BEAT_TOLERANCE_S);
    let missed: Vec<f64> = truth
        .iter()
        .copied()
        .filter(|&t| !matched(t, &beats))
        .collect();
    let extra: Vec<f64> = beats
        .iter()
        .copied()
        .filter(|&t| !matched(t, &truth))
        .collect();
    // One beat of slack at either end (the tracker may start or stop one beat late).
    assert!(
        missed.len() <= 2 && extra.is_empty(),
        "{pattern:?} at {bpm}: missed {missed:?}, extra {extra:?}, beats {beats:?}"
    );
}

#[test]
fn tempo_and_beats_of_kick_trains() {
    for bpm in [60.0, 90.0, 120.0, 200.0] {
        check(Pattern::Kicks, bpm);
    }
}

#[test]
fn tempo_and_beats_with_offbeat_hats() {
    for bpm in [128.0, 140.0, 174.0] {
        check(Pattern::KickHats, bpm);
    }
}

#[test]
fn tempo_and_beats_of_rock_patterns() {
    for bpm in [90.0, 120.0] {
        check(Pattern::Rock, bpm);
    }
}

#[test]
fn waltz_reads_three_four_and_rock_four_four() {
    let (audio, _) = render(Pattern::Waltz, 120.0);
    let estimate = estimate_tempo(&onset_envelope(&audio), FRAME_RATE_HZ).unwrap();
    assert!(
        (estimate.bpm - 120.0).abs() / 120.0 <= BPM_TOLERANCE,
        "{estimate:?}"
    );
    assert_eq!(estimate.meter, Meter::ThreeFour, "{estimate:?}");
    assert!(estimate.meter_confidence > 0.2, "{estimate:?}");

    let (audio, _) = render(Pattern::Rock, 120.0);
    let estimate = estimate_tempo(&onset_envelope(&audio), FRAME_RATE_HZ).unwrap();
    assert_eq!(estimate.meter, Meter::FourFour, "{estimate:?}");
}

#[test]
fn onsets_of_irregular_hits_are_found_in_time() {
    let times = [0.3, 0.75, 1.1, 1.62, 2.0, 2.41, 3.05, 3.3, 3.9];
    let mut audio = vec![0.0f32; (4.5 * RATE_HZ) as usize];
    let mut noise = Noise::new(3);
    for (i, &t) in times.iter().enumerate() {
        if i % 2 == 0 {
            add_kick(&mut audio, t, 0.7);
        } else {
            add_noise_hit(&mut audio, t, 0.1, 0.4, &mut noise);
        }
    }
    let onsets = pick_onsets(&onset_envelope(&audio), FRAME_RATE_HZ);
    assert_eq!(onsets.len(), times.len(), "{onsets:?}");
    for (found, truth) in onsets.iter().zip(times) {
        // Half a hop of frame quantisation plus the flux rise: 30 ms.
        assert!(
            (found - truth).abs() <= 0.03,
            "onset {found} for {truth}: {onsets:?}"
        );
    }
}

#[test]
fn noise_and_single_hit_have_no_tempo() {
    let mut noise = Noise::new(11);
    let audio: Vec<f32> = (0..(8.0 * RATE_HZ) as usize)
        .map(|_| 0.3 * noise.next())
        .collect();
    let estimate = estimate_tempo(&onset_envelope(&audio), FRAME_RATE_HZ);
    assert!(
        estimate.as_ref().is_none_or(|e| e.confidence < 0.2),
        "{estimate:?}"
    );

    let mut audio = vec![0.0f32; (8.0 * RATE_HZ) as usize];
    add_kick(&mut audio, 2.0, 0.8);
    let estimate = estimate_tempo(&onset_envelope(&audio), FRAME_RATE_HZ);
    assert!(estimate.is_none(), "{estimate:?}");
}

#[test]
fn accuracy1_over_patterns_and_tempi() {
    // 60..200 BPM in 10 BPM steps plus 65, 128, 174, 185 and 195 (the edges of the
    // preferred band and common dance tempi), five patterns each.
    let tempi: Vec<f32> = (6..=20)
        .map(|t| t as f32 * 10.0)
        .chain([65.0, 128.0, 174.0, 185.0, 195.0])
        .collect();
    let patterns = [
        Pattern::Kicks,
        Pattern::KickHats,
        Pattern::FourFloor,
        Pattern::KickSnare,
        Pattern::Rock,
    ];
    let mut correct = 0;
    let mut wrong = Vec::new();
    for pattern in patterns {
        for &bpm in &tempi {
            let (audio, _) = render(pattern, bpm);
            let read =
                estimate_tempo(&onset_envelope(&audio), FRAME_RATE_HZ).map_or(0.0, |e| e.bpm);
            if (read - bpm).abs() / bpm <= 0.04 {
                correct += 1;
            } else {
                wrong.push((pattern, bpm, read));
            }
        }
    }
    let accuracy = correct as f32 / (patterns.len() * tempi.len()) as f32;
    eprintln!(
        "tempo Accuracy1 {accuracy:.3} over {} cases; wrong: {wrong:?}",
        patterns.len() * tempi.len()
    );
    // The corpus target (Accuracy1 >= 95 %) on synthetic patterns.
    assert!(
        accuracy >= 0.95,
        "Accuracy1 {accuracy:.3}; wrong: {wrong:?}"
    );
}

#[test]
fn a_single_hit_in_silence_is_one_onset() {
    let mut audio = vec![0.0f32; (6.0 * RATE_HZ) as usize];
    add_kick(&mut audio, 3.0, 0.5);
    let onsets = pick_onsets(&onset_envelope(&audio), FRAME_RATE_HZ);
    assert_eq!(onsets.len(), 1, "{onsets:?}");
    assert!((onsets[0] - 3.0).abs() <= 0.03, "{onsets:?}");
}

#[test]
fn humanised_groove_over_a_pad_and_noise() {
    // Four on the floor at 124 BPM, every hit moved by up to ±8 ms, over a sustained
    // A minor pad and a -30 dB noise bed: a played, mixed groove rather than a grid.
    let bpm = 124.0;
    let period = 60.0 / f64::from(bpm);
    let mut audio = vec![0.0f32; (LENGTH_S * RATE_HZ) as usize];
    let mut noise = Noise::new(17);
    for i in 0..audio.len() {
        let t = i as f32 / RATE_HZ;
        let pad: f32 = [57.0f32, 60.0, 64.0]
            .iter()
            .map(|&m| (std::f32::consts::TAU * crate::support::midi_to_hz(m) * t).sin())
            .sum();
        audio[i] = 0.05 * pad + 0.03 * noise.next();
    }
    let mut beat = 0usize;
    let mut truth = Vec::new();
    while 0.25 + beat as f64 * period < f64::from(LENGTH_S) - 0.2 {
        let t = 0.25 + beat as f64 * period;
        truth.push(t);
        let jitter = |noise: &mut Noise| 0.008 * f64::from(noise.next());
        add_kick(&mut audio, t + jitter(&mut noise), 0.8);
        if !beat.is_multiple_of(2) {
            add_noise_hit(&mut audio, t + jitter(&mut noise), 0.1, 0.4, &mut noise);
        }
        add_noise_hit(
            &mut audio,
            t + period / 2.0 + jitter(&mut noise),
            0.05,
            0.15,
            &mut noise,
        );
        beat += 1;
    }
    let envelope = onset_envelope(&audio);
    let estimate = estimate_tempo(&envelope, FRAME_RATE_HZ).unwrap();
    assert!(
        (estimate.bpm - bpm).abs() / bpm <= BPM_TOLERANCE,
        "{estimate:?}"
    );
    let beats = track_beats(&envelope, FRAME_RATE_HZ, estimate.bpm);
    let hits = truth
        .iter()
        .filter(|&&t| beats.iter().any(|&b| (b - t).abs() <= BEAT_TOLERANCE_S))
        .count();
    assert!(
        hits + 2 >= truth.len(),
        "{hits} of {} beats: {beats:?}",
        truth.len()
    );
}

/// A closed hat: noise differenced three times (+18 dB per octave), so its energy sits above
/// a few kHz as a real hat's does.
fn add_hat(audio: &mut [f32], at_s: f64, noise: &mut Noise) {
    let mut hit = vec![0.0f32; (0.04 * RATE_HZ) as usize];
    add_noise_hit(&mut hit, 0.0, 0.03, 1.0, noise);
    for _ in 0..2 {
        for i in (1..hit.len()).rev() {
            hit[i] -= hit[i - 1];
        }
    }
    let start = (at_s * f64::from(RATE_HZ)).round() as usize;
    for (slot, h) in audio.iter_mut().skip(start).zip(&hit) {
        *slot += 0.5 * h;
    }
}

/// A slow backbeat (kick on 1 and 3, snare on 2 and 4) under
/// loud hats on every eighth: the eighths pulse as strongly as the beats in the full envelope;
/// the drum body (kicks and snares) pulses at the beat. With the body envelope the estimate is
/// the beat; with a range hint around the eighths it is the eighths (the caller asked).
#[test]
fn the_drum_body_tells_a_slow_backbeat_from_its_hats() {
    for bpm in [66.0f32, 72.0, 84.0] {
        let mut audio = vec![0.0f32; (LENGTH_S * RATE_HZ) as usize];
        let mut noise = Noise::new(11);
        let period = 60.0 / f64::from(bpm);
        let mut beat = 0usize;
        while 0.25 + beat as f64 * period < f64::from(LENGTH_S) - 0.5 {
            let t = 0.25 + beat as f64 * period;
            if beat.is_multiple_of(2) {
                add_kick(&mut audio, t, 0.8);
            } else {
                add_noise_hit(&mut audio, t, 0.12, 0.5, &mut noise);
            }
            add_hat(&mut audio, t, &mut noise);
            add_hat(&mut audio, t + period / 2.0, &mut noise);
            beat += 1;
        }
        let (envelope, body) = onset_envelopes(&audio);
        // The hats are loud enough that the full envelope alone hears the eighths.
        let alone = estimate_tempo(&envelope, FRAME_RATE_HZ).expect("a tempo");
        assert!(
            (alone.bpm - 2.0 * bpm).abs() / (2.0 * bpm) <= BPM_TOLERANCE,
            "{bpm} BPM without the body read {alone:?}"
        );
        let with_body = TempoOptions {
            body_envelope: Some(&body),
            range_bpm: None,
        };
        let e = estimate_tempo_with(&envelope, FRAME_RATE_HZ, &with_body).expect("a tempo");
        assert!(
            (e.bpm - bpm).abs() / bpm <= BPM_TOLERANCE,
            "{bpm} BPM read {e:?}"
        );
        let hinted = TempoOptions {
            body_envelope: Some(&body),
            range_bpm: Some((2.0 * bpm - 10.0, 2.0 * bpm + 10.0)),
        };
        let e = estimate_tempo_with(&envelope, FRAME_RATE_HZ, &hinted).expect("a tempo");
        assert!(
            (e.bpm - 2.0 * bpm).abs() / (2.0 * bpm) <= BPM_TOLERANCE,
            "{bpm} BPM hinted to the eighths read {e:?}"
        );
    }
}

/// One bar-long drum figure repeated from 0.25 s: `hits` are (16th-note step, instrument)
/// with 16 steps a bar at `bpm`.
#[derive(Clone, Copy)]
enum Hit {
    Kick(f32),
    /// A clap or rim shot: a short bright noise burst in the mid region.
    Clap,
    Hat,
}

fn render_figure(bpm: f32, hits: &[(usize, Hit)]) -> Vec<f32> {
    let mut audio = vec![0.0f32; (LENGTH_S * RATE_HZ) as usize];
    let mut noise = Noise::new(23);
    let step_s = 60.0 / f64::from(bpm) / 4.0;
    let mut bar = 0usize;
    while 0.25 + bar as f64 * 16.0 * step_s < f64::from(LENGTH_S) - 0.3 {
        for &(step, hit) in hits {
            let t = 0.25 + (bar * 16 + step) as f64 * step_s;
            match hit {
                Hit::Kick(amplitude) => add_kick(&mut audio, t, amplitude),
                Hit::Clap => add_noise_hit(&mut audio, t, 0.1, 0.5, &mut noise),
                Hit::Hat => add_hat(&mut audio, t, &mut noise),
            }
        }
        bar += 1;
    }
    audio
}

fn read_with_body(audio: &[f32], range_bpm: Option<(f32, f32)>) -> f32 {
    let (envelope, body) = onset_envelopes(audio);
    let options = TempoOptions {
        body_envelope: Some(&body),
        range_bpm,
    };
    estimate_tempo_with(&envelope, FRAME_RATE_HZ, &options).map_or(0.0, |e| e.bpm)
}

/// Half-time trap at its notated tempo: kick on 1, the "a" of 1 and the "e" of 3, a clap on
/// beat 3 only, hats on every 16th. The body alone is a backbeat at half the tempo; the
/// 16th hats and the kick on odd 16ths fill the 32nd grid of that slow reading, so the
/// notated tempo is read. A range hint around the half-time feel still gets it.
#[test]
fn a_half_time_groove_reads_its_notated_tempo() {
    for bpm in [130.0f32, 140.0, 150.0] {
        let mut hits = vec![
            (0, Hit::Kick(0.8)),
            (3, Hit::Kick(0.6)),
            (11, Hit::Kick(0.7)),
            (8, Hit::Clap),
        ];
        hits.extend((0..16).map(|s| (s, Hit::Hat)));
        let audio = render_figure(bpm, &hits);
        let read = read_with_body(&audio, None);
        assert!(
            (read - bpm).abs() / bpm <= BPM_TOLERANCE,
            "{bpm} BPM half-time read {read}"
        );
        let half = bpm / 2.0;
        let hinted = read_with_body(&audio, Some((half - 5.0, half + 5.0)));
        assert!(
            (hinted - half).abs() / half <= BPM_TOLERANCE,
            "{bpm} BPM hinted to {half} read {hinted}"
        );
    }
}

/// One-drop: a single kick and rim shot on beat 3 of each bar, hats on the eighths. The hats
/// pulse at twice the tempo, where the drum body would repeat only every two bars; the
/// notated tempo is read.
#[test]
fn a_one_drop_reads_its_notated_tempo() {
    for bpm in [66.0f32, 75.0, 82.0] {
        let mut hits = vec![(8, Hit::Kick(0.8)), (8, Hit::Clap)];
        hits.extend((0..16).step_by(2).map(|s| (s, Hit::Hat)));
        let read = read_with_body(&render_figure(bpm, &hits), None);
        assert!(
            (read - bpm).abs() / bpm <= BPM_TOLERANCE,
            "{bpm} BPM one-drop read {read}"
        );
    }
}
