// Analysis results of one file or one region as cards: loudness, tempo, key, pitch, timbre
// (spectral), stereo, dynamics, structure, each with its headline numbers, a failure in
// words when the analyzer failed, and the full JSON behind a disclosure.

import { h, formatNumber } from "./dom.js";

const db = (v, unit) => formatNumber(v, 1, unit);

/** Headline rows per analyzer: [label, value]. Unknown analyzers show their scalar fields. */
const HEADLINES = {
  loudness: (r) => [
    ["Integrated", db(r.integrated_lufs, "LUFS")],
    ["Range", db(r.range_lu, "LU")],
    ["True peak", db(r.true_peak_dbtp, "dBTP")],
    ["Sample peak", db(r.sample_peak_dbfs, "dBFS")],
    ["RMS", db(r.rms_dbfs, "dBFS")],
    ["Crest", db(r.crest_db, "dB")],
  ],
  tempo: (r) => [
    ["Tempo", formatNumber(r.bpm, 1, "BPM")],
    ["Confidence", formatNumber(r.confidence, 2)],
    ["Alternative", formatNumber(r.alternative_bpm, 1, "BPM")],
    ["Meter", r.meter ?? "–"],
    ["Beats", Array.isArray(r.beats_s) ? String(r.beats_s.length) : "–"],
  ],
  key: (r) => [
    ["Key", r.tonic ? `${r.tonic} ${r.mode ?? ""}`.trim() : r.tonal === false ? "atonal" : "–"],
    ["Confidence", formatNumber(r.confidence, 2)],
    ["Tuning", formatNumber(r.tuning_cents, 1, "cents")],
    ["Other candidates", Array.isArray(r.candidates) ? r.candidates.slice(1, 3).map((c) => `${c.tonic ?? ""} ${c.mode ?? ""}`.trim()).join(", ") || "–" : "–"],
  ],
  pitch: (r) => [
    ["Note", r.note_name ?? "–"],
    ["f0", formatNumber(r.f0_hz, 1, "Hz")],
    ["Cents", formatNumber(r.cents, 1)],
    ["Confidence", formatNumber(r.confidence, 2)],
    ["Voiced", typeof r.voiced_fraction === "number" ? `${Math.round(r.voiced_fraction * 100)} %` : "–"],
  ],
  spectral: (r) => [
    ["Centroid", formatNumber(r.centroid_hz, 0, "Hz")],
    ["Roll-off", formatNumber(r.rolloff_hz, 0, "Hz")],
    ["Flatness", formatNumber(r.flatness, 3)],
    ["Low / mid / high", [r.low_ratio, r.mid_ratio, r.high_ratio].every((v) => typeof v === "number")
      ? [r.low_ratio, r.mid_ratio, r.high_ratio].map((v) => v.toFixed(2)).join(" / ") : "–"],
  ],
  stereo: (r) => [
    ["Mono", r.mono === true ? "yes" : r.mono === false ? "no" : "–"],
    ["Width", formatNumber(r.width, 2)],
    ["Correlation", formatNumber(r.correlation, 2)],
    ["Mono loss", db(r.mono_loss_db, "dB")],
  ],
  dynamics: (r) => [
    ["Spread", db(r.spread_lu, "LU")],
    ["Curve points", Array.isArray(r.energy_curve_lufs) ? String(r.energy_curve_lufs.length) : "–"],
  ],
  structure: (r) => [
    ["Sections", Array.isArray(r.sections) ? String(r.sections.length) : "–"],
    ["Boundaries", Array.isArray(r.boundaries_s) ? r.boundaries_s.map((b) => `${b.toFixed(1)} s`).join(", ") || "–" : "–"],
  ],
};
const TITLES = { spectral: "Timbre (spectral)" };
/** Shown first, in this order; the rest follow alphabetically. `peaks` is the waveform. */
const ORDER = ["loudness", "tempo", "key", "pitch", "spectral", "stereo", "dynamics", "structure"];
const HIDDEN = new Set(["peaks"]);

function scalars(result) {
  return Object.entries(result || {})
    .filter(([, v]) => typeof v === "number" || typeof v === "string" || typeof v === "boolean")
    .slice(0, 8)
    .map(([k, v]) => [k.replace(/_/g, " "), typeof v === "number" ? formatNumber(v, 3) : String(v)]);
}

/** Cards for the `results` of one region ([{analyzer, version, error, result}]). */
export function analysisCards(results) {
  const list = (results || []).filter((r) => !HIDDEN.has(r.analyzer));
  const rank = (name) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  list.sort((a, b) => rank(a.analyzer) - rank(b.analyzer) || a.analyzer.localeCompare(b.analyzer));
  if (list.length === 0) return [h("p", { class: "hint", text: "No analysis results for this part." })];
  return list.map((r) => {
    const card = h("section", { class: "card", dataset: { analyzer: r.analyzer }, aria: { label: `${r.analyzer} analysis` } },
      h("h3", { text: `${TITLES[r.analyzer] || r.analyzer} (v${r.version})` }));
    if (r.error) {
      card.append(h("p", { class: "error", text: `This analyzer failed: ${typeof r.error === "string" ? r.error : JSON.stringify(r.error)}` }));
      return card;
    }
    const rows = (HEADLINES[r.analyzer] || scalars)(r.result || {});
    card.append(h("table", { class: "kv" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", { scope: "row", text: k }), h("td", { text: v }))))));
    // The full JSON can hold thousands of beats or curve points: written only when opened.
    const pre = h("pre");
    const details = h("details", {}, h("summary", { text: "All values" }), pre);
    details.addEventListener("toggle", () => {
      if (details.open && !pre.textContent) pre.textContent = JSON.stringify(r.result, null, 1);
    });
    card.append(details);
    return card;
  });
}
