//! `tonewheel convert`: decode any supported file and write WAV, streaming in bounded memory.

use anyhow::Context;
use tonewheel_audio::{
    AudioBuffer, AudioError, AudioStream, BitDepth, Dither, ResampleQuality, StreamResampler,
    WavFileWriter, WavOptions,
};

use crate::cli::{BitDepthArg, ConvertArgs};
use crate::outcome::Outcome;

/// Frames decoded per step: large enough to amortise calls, small enough to stay in cache.
const CHUNK_FRAMES: usize = 16_384;

/// Runs `convert`, printing any error with the file name on stderr.
pub fn run(args: &ConvertArgs) -> Outcome {
    match convert(args) {
        Ok(()) => Outcome::Success,
        Err(e) => {
            eprintln!("tonewheel convert: {e:#}");
            match e.downcast_ref::<AudioError>() {
                Some(audio) => Outcome::of_audio_error(audio),
                None => Outcome::InternalError,
            }
        }
    }
}

fn output_bit_depth(
    arg: Option<BitDepthArg>,
    input_bits: Option<u32>,
    input_codec: &str,
) -> BitDepth {
    match arg {
        Some(BitDepthArg::Int16) => BitDepth::Int16,
        Some(BitDepthArg::Int24) => BitDepth::Int24,
        Some(BitDepthArg::Float32) => BitDepth::Float32,
        None if input_codec.starts_with("pcm_f") => BitDepth::Float32,
        None if input_bits == Some(16) => BitDepth::Int16,
        None => BitDepth::Int24,
    }
}

fn convert(args: &ConvertArgs) -> anyhow::Result<()> {
    let mut stream = AudioStream::open(&args.input, CHUNK_FRAMES)?;
    let info = stream.info().clone();
    let in_channels = info.channels.max(1) as usize;
    let out_channels = args.channels.map_or(in_channels, usize::from);
    let out_rate = args.sample_rate.unwrap_or(info.sample_rate);
    let options = WavOptions {
        bit_depth: output_bit_depth(args.bit_depth, info.bits_per_sample, &info.codec),
        dither: Dither::Tpdf { seed: 0 },
    };
    tracing::info!(
        input = %args.input.display(),
        from_hz = info.sample_rate,
        to_hz = out_rate,
        in_channels,
        out_channels,
        "converting"
    );
    let mut resampler = StreamResampler::new(
        info.sample_rate,
        out_rate,
        out_channels,
        ResampleQuality::High,
    )?;
    let mut writer = WavFileWriter::create(&args.output, out_rate, out_channels, &options)?;
    let mut chunk = AudioBuffer::silent(info.sample_rate, in_channels, 0);
    let mut resampled: Vec<Vec<f32>> = vec![Vec::new(); out_channels];
    loop {
        let n = stream.read_chunk(&mut chunk)?;
        if n == 0 {
            resampler.finish(&mut resampled)?;
        } else {
            let mixed = chunk.mix_to(out_channels);
            let planes: Vec<&[f32]> = mixed.channels().iter().map(Vec::as_slice).collect();
            resampler.process(&planes, &mut resampled)?;
        }
        if resampled[0].is_empty() && n > 0 {
            continue;
        }
        let out = AudioBuffer::from_channels(out_rate, std::mem::take(&mut resampled))?;
        writer.write(&out)?;
        resampled = out.into_channels();
        resampled.iter_mut().for_each(Vec::clear);
        if n == 0 {
            break;
        }
    }
    let frames = writer.frames_written();
    writer
        .finish()
        .with_context(|| format!("finishing {}", args.output.display()))?;
    tracing::info!(frames, output = %args.output.display(), "written");
    Ok(())
}
