//! Effect chains on external audio (tonewheel_synth::chain): sidechain ducking timing, an EQ
//! cut measured on noise, validation errors with chain-relative pointers.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use tonewheel_audio::MusicalContext;
use tonewheel_compose::pattern::Fraction;
use tonewheel_compose::sequencer::Timeline;
use tonewheel_synth::chain::EffectChain;
use tonewheel_synth::SynthError;

const SR: u32 = 48_000;

fn chain(json: &str) -> EffectChain {
    EffectChain::from_json(json, &MusicalContext::default(), SR as f32, 7, "test").unwrap()
}

fn db(x: f32) -> f32 {
    20.0 * x.abs().log10()
}

#[test]
fn kick_keyed_compressor_ducks_within_its_attack_time() {
    // Threshold -20 dB, ratio 8, hard knee: a key at 0.9 (-0.915 dBFS) over it by 19.085 dB
    // asks for 19.085 * (1 - 1/8) = 16.70 dB of reduction. The detector smooths the reduction
    // in dB with time constant `attack` (Giannoulis et al. 2012, smooth branching), so after
    // one attack time 1 - 1/e = 63.2 % of it is reached: 10.56 dB.
    let mut c = chain(
        r#"[{"id": "duck", "type": "compressor", "parameters":
             {"threshold": -20, "ratio": 8, "knee": 0, "attack": 0.005, "release": 0.05}}]"#,
    );
    assert!(c.set_sidechain(Some(0)));
    let tl = Timeline::constant(120.0, 1, (4, 4), SR).unwrap();
    let n = tl.total_frames().unwrap() as usize;
    let kicks: Vec<usize> = (0..4)
        .map(|b| tl.frame_at(Fraction::new(b, 4).unwrap()).unwrap() as usize)
        .collect();
    let burst = SR as usize / 20; // 50 ms kick
    let mut key = vec![0.0f32; n];
    for &k in &kicks {
        // Rectangular burst: a constant peak level makes the expected reduction exact.
        key[k..k + burst].fill(0.9);
    }
    // A quiet bed (-40 dBFS, below threshold) so the output/input ratio is the gain.
    let bed = 0.01f32;
    let (mut l, mut r) = (vec![bed; n], vec![bed; n]);
    c.process_keyed(&mut l, &mut r, Some(&key)).unwrap();
    let gain_db = |i: usize| db(l[i] / bed);
    let target = 19.085 * (1.0 - 1.0 / 8.0);
    let attack = (0.005 * SR as f32) as usize;
    for &k in &kicks {
        assert!(
            gain_db(k.saturating_sub(1)).abs() < 0.1,
            "before kick {k}: {}",
            gain_db(k - 1)
        );
        let after_attack = -gain_db(k + attack - 1);
        assert!(
            (after_attack - target * (1.0 - (-1.0f32).exp())).abs() < 0.2,
            "{after_attack} dB"
        );
        let settled = -gain_db(k + 5 * attack);
        assert!((settled - target).abs() < 0.2, "{settled} dB");
        // Released (50 ms) well before the next beat: 0.4 s later the duck is gone.
        assert!(gain_db(k + burst + SR as usize * 4 / 10).abs() < 0.1);
    }
    assert!(l.iter().zip(&r).all(|(a, b)| a == b));
    // Without the key the same bed is below threshold: untouched.
    let mut c2 = chain(
        r#"[{"id": "duck", "type": "compressor", "parameters": {"threshold": -20, "ratio": 8}}]"#,
    );
    let (mut l2, mut r2) = (vec![bed; n], vec![bed; n]);
    c2.process(&mut l2, &mut r2).unwrap();
    assert!(l2.iter().all(|&x| (db(x / bed)).abs() < 0.01));
}

/// Power of `x` in the band [lo_hz, hi_hz].
fn band_power(
    spectrum: &[realfft::num_complex::Complex<f32>],
    n: usize,
    lo_hz: f32,
    hi_hz: f32,
) -> f64 {
    let bin = SR as f32 / n as f32;
    spectrum
        .iter()
        .enumerate()
        .filter(|(i, _)| (lo_hz..=hi_hz).contains(&(*i as f32 * bin)))
        .map(|(_, c)| f64::from(c.norm_sqr()))
        .sum()
}

#[test]
fn eq_cut_measured_on_noise() {
    // RBJ peaking band at 1 kHz, -12 dB, Q 1: the response is -12 dB at the centre and within
    // a fraction of a dB of 0 dB three octaves away.
    let mut c = chain(
        r#"[{"id": "cut", "type": "eq", "parameters": {"band": "peak", "freq": 1000, "q": 1, "gain": -12}}]"#,
    );
    let n = 1 << 16;
    let mut rng = Pcg64Mcg::seed_from_u64(3);
    let input: Vec<f32> = (0..n).map(|_| rng.random_range(-0.5f32..0.5)).collect();
    let (mut l, mut r) = (input.clone(), input.clone());
    c.process(&mut l, &mut r).unwrap();
    let mut planner = realfft::RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(n);
    let spectrum = |x: &[f32]| {
        let mut buf = x.to_vec();
        let mut out = fft.make_output_vec();
        fft.process(&mut buf, &mut out).unwrap();
        out
    };
    let (si, so) = (spectrum(&input), spectrum(&l));
    let ratio_db =
        |lo: f32, hi: f32| 10.0 * (band_power(&so, n, lo, hi) / band_power(&si, n, lo, hi)).log10();
    let centre = ratio_db(980.0, 1020.0);
    assert!((centre + 12.0).abs() < 0.3, "centre {centre} dB");
    assert!(
        ratio_db(60.0, 120.0).abs() < 0.5,
        "low band {} dB",
        ratio_db(60.0, 120.0)
    );
    assert!(
        ratio_db(8000.0, 12000.0).abs() < 0.5,
        "high band {} dB",
        ratio_db(8000.0, 12000.0)
    );
    assert_eq!(l, r);
}

#[test]
fn set_param_changes_and_clamps() {
    let mut c = chain(
        r#"[{"id": "amp", "type": "amp", "parameters": {"gain": 0}}, {"id": "w", "type": "width"}]"#,
    );
    let (s, p) = (
        c.stage_index("amp").unwrap(),
        c.param_index(0, "gain").unwrap(),
    );
    c.set_param(s, p, -6.0206);
    let (mut l, mut r) = (vec![0.5f32; 256], vec![0.5f32; 256]);
    c.process(&mut l, &mut r).unwrap();
    assert!((l[255] - 0.25).abs() < 1e-4, "{}", l[255]);
    c.set_param(s, p, 1000.0);
    assert_eq!(c.param(s, p), Some(24.0));
    assert!(!c.set_sidechain(Some(0)), "amp is not a compressor");
    assert_eq!((c.len(), c.stage_index("nope")), (2, None));
}

#[test]
fn invalid_chains_name_the_stage_and_parameter() {
    let ctx = MusicalContext::default();
    let err = |json: &str| match EffectChain::from_json(json, &ctx, SR as f32, 0, "fx") {
        Err(SynthError::Invalid { issues, .. }) => {
            issues.into_iter().map(|i| i.pointer).collect::<Vec<_>>()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err(r#"[{"id": "o", "type": "oscillator"}]"#),
        vec!["/0/type"]
    );
    assert_eq!(
        err(
            r#"[{"id": "a", "type": "eq"}, {"id": "c", "type": "compressor", "parameters": {"ratio": 50}}]"#
        ),
        vec!["/1/parameters/ratio"]
    );
    assert!(matches!(
        EffectChain::from_json("[{\"id\": 3}]", &ctx, SR as f32, 0, "fx"),
        Err(SynthError::Syntax { .. })
    ));
}
