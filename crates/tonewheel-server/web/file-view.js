// The file view of the Library: the file's facts, its waveform (overview + zoom, regions
// overlaid and labelled) from /api/waveform/{id}, click-to-seek playback of /api/audio/{id}
// with a moving playhead, and the analysis results of the whole file and of each region.

import { getJson } from "./api.js";
import { analysisCards } from "./analysis-view.js";
import { clear, formatDate, formatKey, formatNumber, formatTime, h } from "./dom.js";
import { drawWaveform, timeAt, waveformProblem } from "./waveform.js";

/** Zoom steps: the zoom view shows duration / factor seconds. */
const ZOOM_FACTORS = [1, 2, 4, 8, 16, 32, 64, 128];

export class FileView {
  constructor(section) {
    this.section = section;
    this.id = null;
    this.detail = null;
    this.wave = null;
    this.request = null;
    this.zoom_index = 2;
    this.center_s = 0;
    this.region_index = 0;
    this.audio = new Audio();
    this.audio.preload = "metadata";
    this.audio.addEventListener("play", () => this.onPlayState());
    this.audio.addEventListener("pause", () => this.onPlayState());
    this.audio.addEventListener("ended", () => this.onPlayState());
    this.audio.addEventListener("seeked", () => this.redraw());
    this.audio.addEventListener("timeupdate", () => this.updateTime());
    window.addEventListener("resize", () => this.redraw());
  }

  duration_s() {
    return (this.detail && this.detail.duration_s) || this.audio.duration || 0;
  }

  /** The seconds the zoom view shows, centred on the playhead or the last click. */
  zoomWindow() {
    const d = this.duration_s();
    const span = d / ZOOM_FACTORS[this.zoom_index];
    const t0 = Math.min(Math.max(0, this.center_s - span / 2), Math.max(0, d - span));
    return { t0_s: t0, t1_s: t0 + span };
  }

  async show(id) {
    this.section.hidden = false;
    if (this.id === id && this.detail) return;
    this.stopPlayback();
    this.id = id;
    this.detail = null;
    this.wave = null;
    this.region_index = 0;
    this.center_s = 0;
    if (this.request) this.request.abort();
    const request = new AbortController();
    this.request = request;
    clear(this.section).append(h("p", { class: "hint", text: "Loading…" }));
    this.section.dataset.state = "loading";
    const enc = encodeURIComponent(id);
    try {
      const detail = await getJson(`/database/files/${enc}`, { signal: request.signal });
      if (this.request !== request) return;
      this.detail = detail;
      this.audio.src = `/api/audio/${enc}`;
      this.render();
      this.section.dataset.state = "ready";
    } catch (err) {
      if (err.name === "AbortError" || this.request !== request) return;
      clear(this.section).append(
        h("p", {}, h("a", { href: "#/library", text: "← Library" })),
        h("p", { class: "error", role: "alert", text: err.status === 404 ? `There is no file ${id} in the library.` : `The file could not be loaded: ${err.message}.` }));
      this.section.dataset.state = "error";
      return;
    }
    try {
      const wave = await getJson(`/api/waveform/${enc}`, { signal: request.signal });
      if (this.request !== request) return;
      const problem = waveformProblem(wave);
      if (problem) throw new Error(problem);
      this.wave = wave;
      this.wave_status.textContent = "";
      this.redraw();
      this.section.dataset.waveform = "drawn";
    } catch (err) {
      if (err.name === "AbortError" || this.request !== request) return;
      this.wave_status.textContent = `The waveform could not be loaded: ${err.message}.`;
      this.section.dataset.waveform = "error";
    }
  }

  render() {
    const f = this.detail;
    const s = f.summary || {};
    const fact = (label, value) => h("li", {}, `${label} `, h("strong", { text: value }));
    this.overview = h("canvas", { class: "overview", role: "img", aria: { label: "Waveform overview; click to play from there" } });
    this.zoom = h("canvas", { class: "zoom", role: "img", aria: { label: "Waveform zoom; click to play from there" } });
    this.wave_status = h("p", { class: "hint", role: "status", text: "Loading the waveform…" });
    this.play_button = h("button", { type: "button", class: "play", text: "Play", on: { click: () => this.togglePlay() } });
    this.time = h("span", { class: "time", aria: { label: "Playback position" }, text: `${formatTime(0)} / ${formatTime(f.duration_s)}` });
    this.zoom_label = h("span", { class: "time" });
    for (const [canvas, windowOf] of [[this.overview, () => ({ t0_s: 0, t1_s: this.duration_s() })], [this.zoom, () => this.zoomWindow()]]) {
      canvas.addEventListener("click", (ev) => {
        const w = windowOf();
        this.seek(timeAt(canvas, ev, w.t0_s, w.t1_s), canvas === this.overview);
      });
    }
    this.regions_list = h("ul", { class: "region-list", aria: { label: "Regions" } });
    this.cards = h("div", { class: "cards", aria: { live: "polite" } });
    const tags = (f.tags || []).map((t) => t.tag).join(", ");
    // (Element.append would write a null child as the text "null".)
    clear(this.section).append(...[
      h("p", {}, h("a", { href: "#/library", text: "← Library" })),
      this.audio,
      h("div", { class: "file-head" }, h("h2", { text: f.file_name || f.path })),
      h("ul", { class: "facts" },
        fact("Length", formatTime(f.duration_s)),
        fact("Format", `${f.format || "?"}, ${f.sample_rate} Hz, ${f.channels === 1 ? "mono" : f.channels === 2 ? "stereo" : `${f.channels} channels`}`),
        fact("Tempo", formatNumber(f.bpm ?? s.bpm, 1, "BPM")),
        fact("Key", formatKey(f.key_tonic ?? s.key_tonic, f.key_scale ?? s.key_scale)),
        fact("Loudness", formatNumber(f.integrated_lufs ?? s.integrated_lufs, 1, "LUFS")),
        fact("Tags", tags || "–"),
        fact("Added", formatDate(f.created_at_ms))),
      f.status !== "ok" ? h("p", { class: "error", role: "alert", text: `This file could not be analysed: ${f.error_text || f.error_code || f.status}.` }) : null,
      h("div", { class: "wave-box" },
        this.overview,
        this.zoom,
        this.wave_status,
        h("div", { class: "transport" },
          this.play_button,
          this.time,
          h("button", { type: "button", text: "Zoom out", aria: { label: "Zoom out" }, on: { click: () => this.setZoom(-1) } }),
          h("button", { type: "button", text: "Zoom in", aria: { label: "Zoom in" }, on: { click: () => this.setZoom(1) } }),
          this.zoom_label)),
      h("div", { class: "analysis" },
        h("div", {}, h("h3", { text: "Analysis of" }), this.regions_list),
        this.cards),
    ].filter(Boolean));
    this.renderRegions();
    this.updateZoomLabel();
  }

  regions() {
    return Array.isArray(this.detail?.regions) ? this.detail.regions : [];
  }

  renderRegions() {
    clear(this.regions_list);
    const regions = this.regions();
    for (const r of regions) {
      const label = r.index === 0 ? "Whole file" : `Region ${r.index}${r.kind ? ` (${r.kind})` : ""}: ${formatTime(r.start_s)}–${formatTime(r.end_s)}`;
      this.regions_list.append(h("li", {}, h("button", {
        type: "button", dataset: { region: String(r.index) }, aria: { pressed: r.index === this.region_index },
        on: { click: () => this.selectRegion(r.index) },
      }, label)));
    }
    if (regions.length === 0) this.regions_list.append(h("li", { class: "hint", text: "No regions (silent or not analysed)." }));
    const region = regions.find((r) => r.index === this.region_index) || regions[0];
    clear(this.cards).append(...analysisCards(region ? region.results : []));
  }

  selectRegion(index) {
    this.region_index = index;
    const r = this.regions().find((x) => x.index === index);
    if (r && index !== 0) {
      this.center_s = (r.start_s + r.end_s) / 2;
      this.redraw();
    }
    this.renderRegions();
  }

  setZoom(step) {
    this.zoom_index = Math.min(ZOOM_FACTORS.length - 1, Math.max(0, this.zoom_index + step));
    this.updateZoomLabel();
    this.redraw();
  }

  updateZoomLabel() {
    if (this.zoom_label) this.zoom_label.textContent = `zoom ×${ZOOM_FACTORS[this.zoom_index]}`;
  }

  seek(t_s, recenter) {
    const d = this.duration_s();
    const t = Math.min(Math.max(0, t_s), d);
    if (recenter) this.center_s = t;
    this.audio.currentTime = t;
    if (this.audio.paused) this.audio.play().catch(() => {});
    this.redraw();
  }

  togglePlay() {
    if (this.audio.paused) this.audio.play().catch((err) => (this.wave_status.textContent = `Playback failed: ${err.message}.`));
    else this.audio.pause();
  }

  stopPlayback() {
    if (!this.audio.paused) this.audio.pause();
  }

  onPlayState() {
    if (!this.play_button) return;
    const playing = !this.audio.paused;
    this.play_button.textContent = playing ? "Pause" : "Play";
    this.section.dataset.playing = String(playing);
    if (playing) this.tick();
    this.redraw();
  }

  /** While playing: move the playhead, and keep it inside the zoom view by paging. */
  tick() {
    const frame = () => {
      if (this.audio.paused || this.section.hidden) return;
      const w = this.zoomWindow();
      const t = this.audio.currentTime;
      if (t > w.t1_s || t < w.t0_s) this.center_s = t + (w.t1_s - w.t0_s) / 2;
      this.redraw();
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  updateTime() {
    if (this.time) this.time.textContent = `${formatTime(this.audio.currentTime)} / ${formatTime(this.duration_s())}`;
  }

  redraw() {
    if (!this.wave || !this.overview || this.section.hidden) return;
    const d = this.duration_s();
    const regions = this.regions();
    const playhead_s = this.audio.currentTime;
    const w = this.zoomWindow();
    drawWaveform(this.overview, this.wave, { t0_s: 0, t1_s: d, regions, playhead_s, window: w });
    // The zoom view reads the finer `zoom` resolution when the server sent one.
    drawWaveform(this.zoom, this.wave.zoom && !waveformProblem(this.wave.zoom) ? this.wave.zoom : this.wave, { ...w, regions, playhead_s });
    this.updateTime();
  }

  hide() {
    this.section.hidden = true;
  }
}
