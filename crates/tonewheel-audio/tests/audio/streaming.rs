//! The streaming reader: chunks are exact, concatenation equals read-all.

use tonewheel_audio::{read_all, AudioBuffer, AudioStream};

use crate::common::*;

#[test]
fn chunks_concatenate_to_the_whole_file() {
    for name in [
        "pcm_s16_stereo.wav",
        "tone_stereo.flac",
        "tone_mono.mp3",
        "tone_mono.ogg",
        "tone_aac_mono.m4a",
    ] {
        let whole = read_all(fixture(name)).unwrap();
        let mut stream = AudioStream::open(fixture(name), 333).unwrap();
        let mut chunk = AudioBuffer::silent(1, 1, 0);
        let mut joined = AudioBuffer::silent(whole.sample_rate(), whole.channel_count(), 0);
        let mut sizes = Vec::new();
        while stream.read_chunk(&mut chunk).unwrap() > 0 {
            sizes.push(chunk.frames());
            joined.append(&chunk).unwrap();
        }
        assert_eq!(joined, whole, "{name}");
        // Every chunk but the last is exactly the requested size.
        assert!(
            sizes[..sizes.len() - 1].iter().all(|&n| n == 333),
            "{name}: {sizes:?}"
        );
        assert_eq!(stream.frames_read() as usize, whole.frames());
    }
}

#[test]
fn iterator_interface_yields_the_same_audio() {
    let whole = read_all(fixture("tone_stereo.flac")).unwrap();
    let stream = AudioStream::open(fixture("tone_stereo.flac"), 1000).unwrap();
    let frames: usize = stream.map(|c| c.unwrap().frames()).sum();
    assert_eq!(frames, whole.frames());
    assert_eq!(FIXTURE_FRAMES, frames);
}

#[test]
fn chunk_size_is_validated() {
    assert!(AudioStream::open(fixture("tone_stereo.flac"), 0).is_err());
    assert!(AudioStream::open(fixture("tone_stereo.flac"), usize::MAX).is_err());
}
