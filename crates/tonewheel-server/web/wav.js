// Reading the server's WAV previews straight into an AudioBuffer. decodeAudioData runs a
// general decoder on another thread and, on a busy two-core laptop, took 20-85 ms for a 3 s
// stereo preview; copying 16-bit PCM into Float32Arrays takes about a millisecond. Anything
// that is not plain PCM or float WAV returns null and goes to decodeAudioData instead.

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Web Audio accepts these channel counts and rates for an AudioBuffer (the spec's minimum
 * range; anything outside goes to the browser's decoder, which will say what is wrong). */
const MAX_CHANNELS = 32;
const MIN_RATE_HZ = 8000;
const MAX_RATE_HZ = 96000;

function fourcc(view, at) {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/**
 * The layout of a RIFF/WAVE file: {format, channels, sample_rate, bits, data_offset,
 * frames}, or null when it is not a WAV this reader handles (any header value is checked
 * against the bytes actually present, so a hostile header cannot make it read past them).
 */
export function wavLayout(bytes) {
  const view = new DataView(bytes);
  if (bytes.byteLength < 12 || fourcc(view, 0) !== "RIFF" || fourcc(view, 8) !== "WAVE") return null;
  let at = 12;
  let fmt = null;
  while (at + 8 <= bytes.byteLength) {
    const id = fourcc(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt " && size >= 16 && body + size <= bytes.byteLength) {
      let format = view.getUint16(body, true);
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40) format = view.getUint16(body + 24, true);
      fmt = { format, channels: view.getUint16(body + 2, true), sample_rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === "data" && fmt) {
      const block = fmt.channels * (fmt.bits / 8);
      const ok_format = (fmt.format === WAVE_FORMAT_PCM && (fmt.bits === 16 || fmt.bits === 24)) || (fmt.format === WAVE_FORMAT_IEEE_FLOAT && fmt.bits === 32);
      if (!ok_format || fmt.channels < 1 || fmt.channels > MAX_CHANNELS) return null;
      if (fmt.sample_rate < MIN_RATE_HZ || fmt.sample_rate > MAX_RATE_HZ) return null;
      const available = Math.min(size, bytes.byteLength - body);
      const frames = Math.floor(available / block);
      if (frames < 1) return null;
      return { ...fmt, data_offset: body, frames };
    }
    // Chunks are padded to an even size.
    at = body + size + (size % 2);
  }
  return null;
}

/** The WAV in `bytes` as an AudioBuffer, or null when wavLayout refuses it or its rate is
 * not `rate_hz` (an AudioBufferSourceNode would resample it by linear interpolation, which
 * dulls the top octave; decodeAudioData resamples properly). */
export function wavToAudioBuffer(bytes, rate_hz) {
  const layout = wavLayout(bytes);
  if (!layout || layout.sample_rate !== rate_hz) return null;
  const { channels, frames, bits, format, data_offset, sample_rate } = layout;
  const buffer = new AudioBuffer({ length: frames, numberOfChannels: channels, sampleRate: sample_rate });
  const outs = Array.from({ length: channels }, (_, c) => buffer.getChannelData(c));
  if (format === WAVE_FORMAT_PCM && bits === 16 && data_offset % 2 === 0) {
    const pcm = new Int16Array(bytes, data_offset, frames * channels);
    const scale = 1 / 32768;
    for (let c = 0; c < channels; c++) {
      const out = outs[c];
      for (let i = 0, j = c; i < frames; i++, j += channels) out[i] = pcm[j] * scale;
    }
    return buffer;
  }
  const view = new DataView(bytes, data_offset);
  const step = bits / 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * step;
      let v;
      if (format === WAVE_FORMAT_IEEE_FLOAT) v = view.getFloat32(at, true);
      else if (bits === 16) v = view.getInt16(at, true) / 32768;
      else v = ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608);
      outs[c][i] = v;
    }
  }
  return buffer;
}
