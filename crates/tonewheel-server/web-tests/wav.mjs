// Test audio made in the test: 16-bit PCM WAV files of sines and silences.

/** A WAV (16-bit PCM) of `segments` in order: {sine_hz, seconds, amplitude} or {seconds}
 * for silence; every channel carries the same signal. */
export function makeWav({ sample_rate = 44100, channels = 2, segments }) {
  const frames = segments.reduce((n, s) => n + Math.round(s.seconds * sample_rate), 0);
  const data_bytes = frames * channels * 2;
  const buf = Buffer.alloc(44 + data_bytes);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + data_bytes, 4);
  buf.write("WAVE", 8, "ascii");
  buf.write("fmt ", 12, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sample_rate, 24);
  buf.writeUInt32LE(sample_rate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(data_bytes, 40);
  let at = 44;
  for (const s of segments) {
    const n = Math.round(s.seconds * sample_rate);
    for (let i = 0; i < n; i++) {
      const v = s.sine_hz ? s.amplitude * Math.sin((2 * Math.PI * s.sine_hz * i) / sample_rate) : 0;
      const q = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
      for (let c = 0; c < channels; c++) {
        buf.writeInt16LE(q, at);
        at += 2;
      }
    }
  }
  return buf;
}

/** Bytes no decoder accepts: a deterministic pseudo-random stream (xorshift32). */
export function garbage(length, seed = 0x2545f491) {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
