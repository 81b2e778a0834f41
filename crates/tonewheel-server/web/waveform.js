// Drawing a waveform in BBC audiowaveform JSON (version 2: `data` holds min, max per channel
// per pixel, interleaved; values at `bits` 8 or 16) on a canvas, with the regions overlaid and
// labelled, a playhead, and optionally the window the zoom view shows.

const COLORS = {
  background: "#0d1016",
  wave: "#5cc8ff",
  rms: "#2c7fa8",
  axis: "#333c4a",
  playhead: "#f5a524",
  window: "rgba(245, 165, 36, 0.16)",
  windowEdge: "rgba(245, 165, 36, 0.7)",
  label: "#e8ebf0",
};
/** Alternating region tints, so neighbouring regions stay apart. */
const REGION_TINTS = ["rgba(95, 211, 141, 0.16)", "rgba(199, 146, 234, 0.16)"];
const REGION_EDGES = ["rgba(95, 211, 141, 0.8)", "rgba(199, 146, 234, 0.8)"];

/** Checks the fields drawing relies on; returns a reason when the JSON cannot be drawn. */
export function waveformProblem(wf) {
  if (!wf || typeof wf !== "object") return "no waveform";
  const channels = wf.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1) return "bad channel count";
  if (!Array.isArray(wf.data) || wf.data.length < 2 * channels) return "no waveform data";
  if (!(wf.samples_per_pixel > 0) || !(wf.sample_rate > 0)) return "bad resolution";
  return null;
}

/** Seconds of audio one pixel of `wf` covers. */
export function secondsPerPixel(wf) {
  return wf.samples_per_pixel / wf.sample_rate;
}

/** Sizes the canvas's backing store to its CSS box at the screen's pixel ratio. */
function fit(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return { width, height, ratio };
}

/**
 * Draws `wf` between `t0_s` and `t1_s` on `canvas`: channels stacked, min/max as bars and
 * RMS inside them, then regions, the zoom window and the playhead.
 * options: {t0_s, t1_s, regions: [{index, kind, start_s, end_s}], playhead_s, window: {t0_s, t1_s}}
 */
export function drawWaveform(canvas, wf, options) {
  const { width, height, ratio } = fit(canvas);
  const g = canvas.getContext("2d");
  g.fillStyle = COLORS.background;
  g.fillRect(0, 0, width, height);
  if (waveformProblem(wf)) return;
  const channels = wf.channels ?? 1;
  const full = wf.bits === 8 ? 128 : 32768;
  const pixels = Math.floor(wf.data.length / (2 * channels));
  const spp_s = secondsPerPixel(wf);
  const t0 = options.t0_s;
  const span = Math.max(1e-6, options.t1_s - t0);
  const lane = height / channels;
  const hasRms = Array.isArray(wf.rms) && wf.rms.length >= pixels * channels;

  for (let ch = 0; ch < channels; ch++) {
    const mid = lane * ch + lane / 2;
    const scale = (lane / 2 - 1) / full;
    g.fillStyle = COLORS.axis;
    g.fillRect(0, Math.round(mid), width, 1);
    for (let x = 0; x < width; x++) {
      // The data pixels this canvas column covers (at least one, so zoomed-in views hold).
      const a = Math.floor((t0 + (x / width) * span) / spp_s);
      const b = Math.max(a + 1, Math.floor((t0 + ((x + 1) / width) * span) / spp_s));
      if (b <= 0 || a >= pixels) continue;
      let lo = Infinity;
      let hi = -Infinity;
      let rms = 0;
      for (let p = Math.max(0, a); p < Math.min(pixels, b); p++) {
        const i = (p * channels + ch) * 2;
        lo = Math.min(lo, wf.data[i]);
        hi = Math.max(hi, wf.data[i + 1]);
        if (hasRms) rms = Math.max(rms, wf.rms[p * channels + ch]);
      }
      if (lo > hi) continue;
      const top = mid - hi * scale;
      const bottom = mid - lo * scale;
      g.fillStyle = COLORS.wave;
      g.fillRect(x, top, 1, Math.max(1, bottom - top));
      if (hasRms && rms > 0) {
        g.fillStyle = COLORS.rms;
        const r = Math.min(rms, Math.max(Math.abs(hi), Math.abs(lo))) * scale;
        g.fillRect(x, mid - r, 1, Math.max(1, 2 * r));
      }
    }
  }

  const xOf = (t) => ((t - t0) / span) * width;
  g.font = `${Math.round(11 * ratio)}px system-ui, sans-serif`;
  g.textBaseline = "top";
  for (const r of options.regions || []) {
    if (r.index === 0) continue; // index 0 is the whole file
    const x0 = xOf(r.start_s);
    const x1 = xOf(r.end_s);
    if (x1 < 0 || x0 > width) continue;
    const k = r.index % 2;
    g.fillStyle = REGION_TINTS[k];
    g.fillRect(x0, 0, Math.max(1, x1 - x0), height);
    g.fillStyle = REGION_EDGES[k];
    g.fillRect(Math.round(x0), 0, Math.max(1, ratio), height);
    g.fillStyle = COLORS.label;
    const text = `${r.index}${r.kind ? ` · ${r.kind}` : ""}`;
    if (x1 - x0 > g.measureText(text).width + 6 * ratio) g.fillText(text, Math.max(0, x0) + 4 * ratio, 3 * ratio);
  }

  if (options.window) {
    const x0 = xOf(options.window.t0_s);
    const x1 = xOf(options.window.t1_s);
    g.fillStyle = COLORS.window;
    g.fillRect(x0, 0, Math.max(1, x1 - x0), height);
    g.strokeStyle = COLORS.windowEdge;
    g.lineWidth = ratio;
    g.strokeRect(x0 + 0.5, 0.5, Math.max(1, x1 - x0 - 1), height - 1);
  }

  if (Number.isFinite(options.playhead_s)) {
    const x = xOf(options.playhead_s);
    if (x >= 0 && x <= width) {
      g.fillStyle = COLORS.playhead;
      g.fillRect(Math.round(x) - ratio, 0, 2 * ratio, height);
    }
  }
}

/** The time in seconds at a pointer event's position on a canvas showing t0_s..t1_s. */
export function timeAt(canvas, event, t0_s, t1_s) {
  const rect = canvas.getBoundingClientRect();
  const x = Math.min(rect.width, Math.max(0, event.clientX - rect.left));
  return t0_s + (x / Math.max(1, rect.width)) * (t1_s - t0_s);
}
