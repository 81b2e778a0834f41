// The detail panel of the Presets page: what the preset is, how it measured (quality scores,
// violations and warnings, acoustic descriptors) and every stage with its parameters.

import { getJson } from "./api.js";
import { clear, h } from "./dom.js";

const QUALITY_SCORES = [
  ["overall_score", "Overall"],
  ["semantic_match", "Semantic match"],
  ["mix_readiness", "Mix readiness"],
  ["perceptual_quality", "Perceptual quality"],
  ["stability", "Stability"],
];

/** Units for descriptor names that do not carry one (the rest read it from the name). */
const DESCRIPTOR_UNITS = { attack_s: "s", decay_s: "s", centroid_hz: "Hz", pitch_hz: "Hz", loudness_lufs: "LUFS" };

function noteName(midi) {
  const names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
  return `${names[midi % 12]}${Math.floor(midi / 12) - 1}`;
}

function label(name) {
  const text = name.replace(/_(s|hz|db|ms|lufs)$/i, "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A parameter value as written in a preset: `{value, unit}`, a number, a string, a list… */
function formatParameter(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, "");
  if (typeof v === "string" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map(formatParameter).join(", ");
  if (typeof v === "object" && "value" in v) return `${formatParameter(v.value)}${v.unit ? ` ${v.unit}` : ""}`;
  return JSON.stringify(v);
}

function formatDescriptor(name, v) {
  if (typeof v !== "number") return formatParameter(v);
  const unit = DESCRIPTOR_UNITS[name] || "";
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 3;
  return unit ? `${v.toFixed(digits)} ${unit}` : v.toFixed(digits);
}

export class PresetDetail {
  constructor() {
    this.body = h("div", { class: "detail-body" },
      h("p", { class: "hint", text: "Click a tile to hear it and see its details here." }));
    this.element = h("aside", { class: "detail-panel", id: "preset-detail", aria: { label: "Preset details", live: "polite" } }, this.body);
    this.request = null;
    this.download = null;
  }

  setPreviewUrl(url) {
    if (this.download && url) this.download.href = url;
  }

  async show(id, previewUrl) {
    if (this.request) this.request.abort();
    const request = new AbortController();
    this.request = request;
    this.element.dataset.id = id;
    this.element.dataset.state = "loading";
    try {
      const d = await getJson(`/api/presets/${encodeURIComponent(id)}`, { signal: request.signal });
      if (this.request !== request) return;
      this.render(d, previewUrl);
      this.element.dataset.state = "ready";
    } catch (err) {
      if (err.name === "AbortError" || this.request !== request) return;
      clear(this.body).append(h("p", { class: "error", role: "alert", text: `Details of ${id} could not be loaded: ${err.message}.` }));
      this.element.dataset.state = "error";
    }
  }

  render(d, previewUrl) {
    const s = d.summary || {};
    clear(this.body);
    this.download = h("a", { href: previewUrl, download: `${s.id || "preview"}.wav`, text: "Download preview (WAV)" });
    this.body.append(
      h("h2", { class: "detail-title", text: s.name }),
      h("p", { class: "detail-meta" },
        h("span", { class: "badge", text: s.role }), " ",
        h("span", { text: `${s.source || ""} · preview ${noteName(d.preview_note ?? 60)}, ${formatParameter(d.preview_duration_s)} s` })),
      s.description ? h("p", { class: "detail-description", text: s.description }) : null,
      s.tags && s.tags.length ? h("p", { class: "detail-tags" }, s.tags.map((t) => h("span", { class: "tag-label", text: `#${t}` }))) : null,
      this.download,
      this.quality(d.quality),
      this.descriptors(d.descriptors),
      this.stages(d.preset));
  }

  quality(q) {
    const section = h("section", { class: "detail-section", aria: { label: "Quality" } }, h("h3", { text: "Quality" }));
    if (!q) {
      section.append(h("p", { class: "hint", text: "Not measured yet: the server reports quality once it has rendered this preset." }));
      return section;
    }
    const list = h("dl", { class: "scores" });
    for (const [key, name] of QUALITY_SCORES) {
      const v = q[key];
      if (typeof v !== "number") continue;
      const pct = Math.round(Math.min(1, Math.max(0, v)) * 100);
      list.append(
        h("dt", { text: name }),
        h("dd", {},
          h("meter", { min: "0", max: "1", low: "0.5", high: "0.75", optimum: "1", value: String(v), aria: { label: `${name} ${v.toFixed(2)}` } }),
          h("span", { class: "score", text: ` ${v.toFixed(2)}`, title: `${pct}%` })));
    }
    section.append(list);
    const issues = (title, items, cls) => {
      if (!Array.isArray(items)) return null;
      if (items.length === 0) return h("p", { class: `${cls} none`, text: `No ${title.toLowerCase()}.` });
      return h("div", { class: cls }, h("h4", { text: `${title} (${items.length})` }),
        h("ul", {}, items.map((it) => h("li", { text: typeof it === "string" ? it : (it.message || JSON.stringify(it)) }))));
    };
    section.append(issues("Violations", q.violations, "violations"), issues("Warnings", q.warnings, "warnings"));
    return section;
  }

  descriptors(desc) {
    const section = h("section", { class: "detail-section", aria: { label: "Descriptors" } }, h("h3", { text: "Descriptors" }));
    if (!desc || typeof desc !== "object" || Object.keys(desc).length === 0) {
      section.append(h("p", { class: "hint", text: "Not measured yet." }));
      return section;
    }
    const rows = Object.entries(desc).map(([k, v]) => h("tr", {}, h("th", { scope: "row", text: label(k) }), h("td", { text: formatDescriptor(k, v) })));
    section.append(h("table", { class: "kv" }, h("tbody", {}, rows)));
    return section;
  }

  stages(preset) {
    const section = h("section", { class: "detail-section", aria: { label: "Stages" } });
    const stages = preset && Array.isArray(preset.stages) ? preset.stages : [];
    section.append(h("h3", { text: `Stages (${stages.length})` }));
    for (const st of stages) {
      const params = st.parameters && typeof st.parameters === "object" ? Object.entries(st.parameters) : [];
      section.append(h("details", { class: "stage", open: stages.length <= 8 },
        h("summary", {}, h("span", { class: "stage-id", text: st.id }), " ", h("span", { class: "stage-type", text: st.type })),
        params.length
          ? h("table", { class: "kv" }, h("tbody", {}, params.map(([k, v]) => h("tr", {}, h("th", { scope: "row", text: k }), h("td", { text: formatParameter(v) })))))
          : h("p", { class: "hint", text: "Default parameters." })));
    }
    return section;
  }
}
