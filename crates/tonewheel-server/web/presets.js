// The Presets page: a grid of preset tiles grouped by role, search as you type, role and tag
// filters, click-to-sound with a progress ring, the note/duration of the previews, keyboard
// navigation, and the detail panel of the selected preset.

import { getJson, queryString } from "./api.js";
import { audition } from "./audio.js";
import { clear, debounce, h, announce } from "./dom.js";
import { PresetDetail } from "./preset-detail.js";

/** Typing pause before the search goes out: long enough to skip most keystrokes, short
 * enough to feel immediate. */
const SEARCH_DEBOUNCE_MS = 150;
/** Tag chips shown: the most frequent tags of the current results. */
const MAX_TAG_CHIPS = 18;
/** Tiles count as visible (and get prefetched) this far outside the viewport. */
const PREFETCH_MARGIN = "300px 0px";
const NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const OCTAVES = [0, 1, 2, 3, 4, 5, 6, 7];
const DURATIONS_S = [0.25, 0.5, 1, 2, 4, 8];
/** Display order of the roles (the engine's own order: tonal first, then drums, then fx). */
const ROLE_ORDER = ["pad", "bass", "lead", "pluck", "keys", "arp", "kick", "snare", "clap", "hat", "perc", "fx"];
const ROLE_TITLES = {
  pad: "Pads", bass: "Bass", lead: "Leads", pluck: "Plucks", keys: "Keys", arp: "Arps",
  kick: "Kicks", snare: "Snares", clap: "Claps", hat: "Hats", perc: "Percussion", fx: "FX",
};

function roleRank(role) {
  const i = ROLE_ORDER.indexOf(role);
  return i < 0 ? ROLE_ORDER.length : i;
}

export class PresetsPage {
  constructor(section) {
    this.section = section;
    this.state = { query: "", role: "", tag: "", note: "", octave: 3, duration: "" };
    this.presets = [];
    this.tiles = new Map(); // id -> button
    this.focused_id = null;
    this.request = null;
    this.rendering = false;
    const params = new URLSearchParams(location.search);
    audition.prefetch_enabled = params.get("prefetch") !== "0";
    this.observer = new IntersectionObserver((entries) => this.onVisibility(entries), {
      rootMargin: PREFETCH_MARGIN,
    });
    this.build();
    audition.addEventListener("change", (ev) => this.onAudition(ev.detail));
    this.search();
  }

  build() {
    const search = h("input", {
      type: "search", id: "preset-search", placeholder: "Search: warm pad, dark punchy bass…",
      autocomplete: "off", spellcheck: "false", aria: { label: "Search presets" },
    });
    const runSearch = debounce(() => this.search(), SEARCH_DEBOUNCE_MS);
    search.addEventListener("input", () => {
      this.state.query = search.value.trim();
      runSearch();
    });
    search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        runSearch.cancel();
        this.search();
      } else if (ev.key === "ArrowDown") {
        ev.preventDefault();
        this.focusTile(this.focused_id ?? this.presets[0]?.id);
      }
    });
    this.search_input = search;

    this.role_chips = h("div", { class: "chips", role: "group", aria: { label: "Filter by role" } });
    this.tag_chips = h("div", { class: "chips tags", role: "group", aria: { label: "Filter by tag" } });

    const noteSelect = h("select", { id: "preview-note", aria: { label: "Preview note" } },
      h("option", { value: "", text: "Preset's note" }),
      NOTE_NAMES.map((n) => h("option", { value: n, text: n })));
    const octaveSelect = h("select", { id: "preview-octave", aria: { label: "Preview octave" }, disabled: true },
      OCTAVES.map((o) => h("option", { value: String(o), text: String(o), selected: o === 3 })));
    const durationSelect = h("select", { id: "preview-duration", aria: { label: "Preview duration" } },
      h("option", { value: "", text: "Preset's length" }),
      DURATIONS_S.map((d) => h("option", { value: String(d), text: `${d} s` })));
    const onSettings = () => {
      this.state.note = noteSelect.value;
      this.state.octave = Number(octaveSelect.value);
      this.state.duration = durationSelect.value;
      octaveSelect.disabled = !noteSelect.value;
      this.refreshPrefetch();
      this.detail.setPreviewUrl(this.selected_id ? this.audioUrl(this.selected_id) : null);
    };
    for (const s of [noteSelect, octaveSelect, durationSelect]) s.addEventListener("change", onSettings);

    this.count = h("p", { class: "count", aria: { live: "polite" } });
    this.groups = h("div", { class: "groups" });
    this.groups.addEventListener("keydown", (ev) => this.onGridKey(ev));
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.detail = new PresetDetail();

    this.section.append(
      h("div", { class: "presets-layout" },
        h("div", { class: "presets-main" },
          h("div", { class: "toolbar", role: "search" },
            h("label", { class: "search" }, h("span", { class: "visually-hidden", text: "Search presets" }), search),
            h("div", { class: "preview-settings" },
              h("label", { text: "Note " }, noteSelect),
              h("label", { text: "Octave " }, octaveSelect),
              h("label", { text: "Length " }, durationSelect))),
          this.role_chips,
          this.tag_chips,
          this.count,
          this.error,
          this.groups),
        this.detail.element));
  }

  /** The preview URL of `id` at the chosen note and length (the preset's own when unset,
   * which is also what the server warms). */
  audioUrl(id) {
    const note = this.state.note ? `${this.state.note}${this.state.octave}` : "";
    return `/api/presets/${encodeURIComponent(id)}/audio${queryString({ note, duration: this.state.duration })}`;
  }

  async search() {
    if (this.request) this.request.abort();
    const request = new AbortController();
    this.request = request;
    const { query, role, tag } = this.state;
    try {
      // The unfiltered list gives the role chips their counts; it is fetched once.
      const filtered = query !== "" || role !== "" || tag !== "";
      const listing = getJson(`/api/presets${queryString({ query, role, tag })}`, { signal: request.signal });
      const [list, all] = await Promise.all([
        listing,
        this.all_presets ? this.all_presets : filtered ? getJson("/api/presets", { signal: request.signal }) : listing,
      ]);
      if (this.request !== request) return;
      this.all_presets = all;
      this.error.hidden = true;
      this.presets = list.presets;
      this.renderRoleChips();
      this.renderTagChips();
      this.renderGrid();
    } catch (err) {
      if (err.name === "AbortError" || this.request !== request) return;
      this.error.textContent = `Presets could not be loaded: ${err.message}.`;
      this.error.hidden = false;
    }
  }

  renderRoleChips() {
    const counts = new Map();
    for (const p of this.all_presets.presets) counts.set(p.role, (counts.get(p.role) || 0) + 1);
    const roles = [...counts.keys()].sort((a, b) => roleRank(a) - roleRank(b) || a.localeCompare(b));
    clear(this.role_chips);
    const chip = (value, label) => h("button", {
      type: "button", class: "chip", dataset: { role: value },
      aria: { pressed: this.state.role === value },
      on: { click: () => { this.state.role = value; this.search(); } },
    }, label);
    this.role_chips.append(chip("", `All roles (${this.all_presets.total})`));
    for (const r of roles) this.role_chips.append(chip(r, `${r} (${counts.get(r)})`));
  }

  renderTagChips() {
    const counts = new Map();
    for (const p of this.presets) for (const t of p.tags) counts.set(t, (counts.get(t) || 0) + 1);
    let tags = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, MAX_TAG_CHIPS).map(([t]) => t);
    if (this.state.tag && !tags.includes(this.state.tag)) tags = [this.state.tag, ...tags];
    clear(this.tag_chips);
    for (const t of tags) {
      this.tag_chips.append(h("button", {
        type: "button", class: "chip tag", dataset: { tag: t },
        aria: { pressed: this.state.tag === t, label: `Tag ${t}` },
        on: { click: () => { this.state.tag = this.state.tag === t ? "" : t; this.search(); } },
      }, `#${t}`));
    }
  }

  /** Groups by role when browsing; one ranked group when a query is given, because then
   * the order is the answer. */
  renderGrid() {
    this.observer.disconnect();
    audition.clearPrefetches();
    clear(this.groups);
    this.tiles.clear();
    const ranked = this.state.query !== "";
    const groups = new Map();
    if (ranked) groups.set("results", this.presets);
    else {
      for (const p of [...this.presets].sort((a, b) => roleRank(a.role) - roleRank(b.role))) {
        if (!groups.has(p.role)) groups.set(p.role, []);
        groups.get(p.role).push(p);
      }
    }
    for (const [key, presets] of groups) {
      const title = ranked ? `Best matches for “${this.state.query}”` : (ROLE_TITLES[key] || key);
      const heading_id = `group-${key}`;
      const grid = h("div", { class: "grid", role: "list", aria: { labelledby: heading_id } });
      for (const p of presets) grid.append(h("div", { role: "listitem" }, this.tile(p)));
      this.groups.append(h("section", { class: "group", dataset: { group: key } },
        h("h2", { id: heading_id }, title, h("span", { class: "group-count", text: ` ${presets.length}` })),
        grid));
    }
    const n = this.presets.length;
    this.count.textContent = n === 1 ? "1 preset" : `${n} presets`;
    if (n === 0) this.groups.append(h("p", { class: "empty", text: "No preset matches. Try fewer words or another role." }));
    if (!this.tiles.has(this.focused_id)) this.focused_id = this.presets[0]?.id ?? null;
    for (const [id, tile] of this.tiles) tile.tabIndex = id === this.focused_id ? 0 : -1;
  }

  tile(p) {
    const tile = h("button", {
      type: "button", class: "tile", dataset: { id: p.id, role: p.role },
      aria: { pressed: audition.isActive(p.id), label: p.name },
      title: `${p.name} — ${p.role}${p.description ? `: ${p.description}` : ""}`,
    },
    h("span", { class: "ring", aria: { hidden: true } }),
    h("span", { class: "tile-name", text: p.name }),
    h("span", { class: "tile-role", text: p.role, aria: { hidden: true } }));
    tile.addEventListener("click", () => {
      performance.mark(`tw:click:${p.id}`);
      this.toggle(p.id);
      this.select(p.id);
    });
    tile.addEventListener("focus", () => this.setFocused(p.id));
    // The pointer reaches a tile a few hundred milliseconds before the click: fetch it first.
    tile.addEventListener("pointerenter", () => audition.prefetch(this.audioUrl(p.id), true));
    this.markCached(tile, p.id);
    // A tile drawn again (new search) while its preview plays keeps showing it.
    if (audition.voices.has(p.id)) {
      tile.classList.add("playing");
      this.animate();
    }
    this.tiles.set(p.id, tile);
    this.observer.observe(tile);
    return tile;
  }

  toggle(id) {
    if (audition.isActive(id)) {
      audition.stop(id);
      return;
    }
    audition.play(id, this.audioUrl(id)).catch((err) => {
      announce(`Preview of ${id} failed: ${err.message}`);
      const tile = this.tiles.get(id);
      if (tile) tile.classList.add("failed");
    });
  }

  select(id) {
    if (this.selected_id === id) return;
    this.selected_id = id;
    for (const [tid, tile] of this.tiles) tile.classList.toggle("selected", tid === id);
    this.detail.show(id, this.audioUrl(id));
  }

  markCached(tile, id) {
    tile.dataset.cached = audition.isCached(this.audioUrl(id)) ? "true" : "false";
  }

  onVisibility(entries) {
    for (const entry of entries) {
      const id = entry.target.dataset.id;
      const url = this.audioUrl(id);
      if (entry.isIntersecting) audition.prefetch(url);
      else audition.unprefetch(url);
    }
  }

  /** The preview settings changed: the visible tiles need other previews. */
  refreshPrefetch() {
    audition.clearPrefetches();
    for (const [id, tile] of this.tiles) {
      this.markCached(tile, id);
      this.observer.unobserve(tile);
      this.observer.observe(tile);
    }
  }

  onAudition({ id, state, extra }) {
    if (state === "cached") {
      for (const [tid, tile] of this.tiles) if (this.audioUrl(tid) === extra) tile.dataset.cached = "true";
      return;
    }
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.setAttribute("aria-pressed", String(audition.isActive(id)));
    tile.classList.toggle("loading", state === "loading");
    tile.classList.toggle("playing", state === "playing");
    if (state === "playing") {
      tile.classList.remove("failed");
      this.markCached(tile, id);
      this.animate();
    }
    if (state === "stopped" || state === "error") tile.style.setProperty("--progress", "0");
  }

  /** Moves each playing tile's ring while anything plays. */
  animate() {
    if (this.rendering) return;
    this.rendering = true;
    const frame = () => {
      const ids = audition.playingIds();
      for (const id of ids) {
        const tile = this.tiles.get(id);
        const p = audition.progress(id);
        if (tile && p !== null) tile.style.setProperty("--progress", p.toFixed(3));
      }
      if (ids.length > 0) requestAnimationFrame(frame);
      else this.rendering = false;
    };
    requestAnimationFrame(frame);
  }

  setFocused(id) {
    if (this.focused_id === id) return;
    const old = this.tiles.get(this.focused_id);
    if (old) old.tabIndex = -1;
    this.focused_id = id;
    const tile = this.tiles.get(id);
    if (tile) tile.tabIndex = 0;
  }

  focusTile(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    this.setFocused(id);
    tile.focus();
    // A tile reached by keyboard is about to be played: fetch it first.
    audition.prefetch(this.audioUrl(id), true);
  }

  /** Arrows move between tiles (up/down to the nearest tile in the row above/below, which
   * also crosses group boundaries); Enter and Space are the buttons' own click. */
  onGridKey(ev) {
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: "up", ArrowDown: "down", Home: "home", End: "end" };
    const move = moves[ev.key];
    if (move === undefined || !ev.target.classList.contains("tile")) return;
    ev.preventDefault();
    const order = [...this.tiles.keys()];
    const i = order.indexOf(ev.target.dataset.id);
    let next = null;
    if (move === "home") next = order[0];
    else if (move === "end") next = order[order.length - 1];
    else if (typeof move === "number") next = order[Math.min(order.length - 1, Math.max(0, i + move))];
    else next = this.verticalNeighbour(ev.target, move === "down" ? 1 : -1);
    if (next) this.focusTile(next);
  }

  verticalNeighbour(tile, direction) {
    const from = tile.getBoundingClientRect();
    const cx = from.left + from.width / 2;
    let best = null;
    let best_score = Infinity;
    for (const [id, other] of this.tiles) {
      const r = other.getBoundingClientRect();
      const dy = (r.top - from.top) * direction;
      if (dy <= 1) continue;
      // Nearest row first, then nearest column inside it.
      const score = dy * 10_000 + Math.abs(r.left + r.width / 2 - cx);
      if (score < best_score) {
        best_score = score;
        best = id;
      }
    }
    return best;
  }

  show() {
    this.section.hidden = false;
  }

  hide() {
    this.section.hidden = true;
  }
}
