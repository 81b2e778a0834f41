// The Library page: the catalogued files in a table with search and filters (role, key, BPM
// range, tag, duration range), sortable columns and paging, from GET /database/files.

import { getJson, queryString } from "./api.js";
import { clear, debounce, formatDate, formatKey, formatNumber, formatTime, h } from "./dom.js";

const FILTER_DEBOUNCE_MS = 250;
const PAGE_SIZES = [25, 50, 100, 200];
/** The role words the catalogue tags files with at import (see the README's library verbs). */
const ROLES = ["kick", "snare", "clap", "hat", "perc", "bass", "pad", "lead", "pluck", "keys", "arp", "fx"];
/** Columns: key for `sort=` (null: not sortable), heading, cell. */
const COLUMNS = [
  { sort: "name", title: "Name", cell: (f) => h("td", { class: "name" }, h("a", { href: `#/library/${f.id}`, text: f.file_name || f.path })) },
  { sort: "duration", title: "Length", cell: (f) => h("td", { class: "num", text: formatTime(f.duration_s) }) },
  { sort: "bpm", title: "BPM", cell: (f) => h("td", { class: "num", text: formatNumber(f.bpm, 1) }) },
  { sort: "key", title: "Key", cell: (f) => h("td", { text: formatKey(f.key_tonic, f.key_scale) }) },
  { sort: "lufs", title: "Loudness", cell: (f) => h("td", { class: "num", text: formatNumber(f.integrated_lufs, 1, "LUFS") }) },
  { sort: null, title: "Tags", cell: (f) => h("td", { text: (f.tags || []).map((t) => t.tag).join(", ") }) },
  { sort: null, title: "Status", cell: (f) => h("td", { class: f.status === "ok" ? "" : "status-error", text: f.status, title: f.error_text || "" }) },
  { sort: "created", title: "Added", cell: (f) => h("td", { text: formatDate(f.created_at_ms) }) },
];

function range(lo, hi) {
  if (lo === "" && hi === "") return "";
  return `${lo === "" ? "0" : lo}-${hi === "" ? "100000" : hi}`;
}

export class LibraryPage {
  constructor(section) {
    this.section = section;
    this.state = { query: "", role: "", key: "", bpm_lo: "", bpm_hi: "", dur_lo: "", dur_hi: "", tag: "", sort: "created", order: "desc", limit: 50, offset: 0 };
    this.request = null;
    this.build();
  }

  input(name, attrs) {
    const el = h("input", { ...attrs, name, value: this.state[name] });
    el.addEventListener("input", () => {
      this.state[name] = el.value.trim();
      this.state.offset = 0;
      this.reloadSoon();
    });
    return el;
  }

  build() {
    this.reloadSoon = debounce(() => this.load(), FILTER_DEBOUNCE_MS);
    const role = h("select", { name: "role", aria: { label: "Role" } },
      h("option", { value: "", text: "Any role" }), ROLES.map((r) => h("option", { value: r, text: r })));
    role.addEventListener("change", () => {
      this.state.role = role.value;
      this.state.offset = 0;
      this.load();
    });
    const pageSize = h("select", { aria: { label: "Rows per page" } },
      PAGE_SIZES.map((n) => h("option", { value: String(n), text: `${n} rows`, selected: n === this.state.limit })));
    pageSize.addEventListener("change", () => {
      this.state.limit = Number(pageSize.value);
      this.state.offset = 0;
      this.load();
    });
    const filters = h("form", { class: "filters", role: "search", aria: { label: "Library filters" }, on: { submit: (ev) => { ev.preventDefault(); this.load(); } } },
      h("label", {}, "Search", this.input("query", { type: "search", id: "library-search", placeholder: "words in names, folders, tags", aria: { label: "Search files" } })),
      h("label", {}, "Role", role),
      h("label", {}, "Key", this.input("key", { type: "text", placeholder: "F minor", size: "8", aria: { label: "Key" } })),
      h("label", {}, "BPM", h("span", { class: "range" },
        this.input("bpm_lo", { type: "number", min: "0", step: "0.1", aria: { label: "BPM from" } }), "–",
        this.input("bpm_hi", { type: "number", min: "0", step: "0.1", aria: { label: "BPM to" } }))),
      h("label", {}, "Length (s)", h("span", { class: "range" },
        this.input("dur_lo", { type: "number", min: "0", step: "0.1", aria: { label: "Length from (s)" } }), "–",
        this.input("dur_hi", { type: "number", min: "0", step: "0.1", aria: { label: "Length to (s)" } }))),
      h("label", {}, "Tag", this.input("tag", { type: "text", placeholder: "loop", size: "8", aria: { label: "Tag" } })));

    this.head = h("tr");
    this.body = h("tbody");
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.summary = h("span", { class: "page-summary", aria: { live: "polite" } });
    this.prev = h("button", { type: "button", text: "← Previous", on: { click: () => this.page(-1) } });
    this.next = h("button", { type: "button", text: "Next →", on: { click: () => this.page(1) } });
    this.section.append(
      h("h1", { class: "visually-hidden", text: "Library" }),
      filters,
      this.error,
      h("div", { class: "table-wrap" }, h("table", { class: "files", aria: { label: "Catalogued files" } }, h("thead", {}, this.head), this.body)),
      h("div", { class: "pager" }, this.prev, this.next, this.summary, pageSize));
    this.renderHead();
  }

  renderHead() {
    clear(this.head);
    for (const c of COLUMNS) {
      if (!c.sort) {
        this.head.append(h("th", { scope: "col", text: c.title }));
        continue;
      }
      const active = this.state.sort === c.sort;
      const th = h("th", { scope: "col", dataset: { sort: c.sort }, aria: { sort: active ? (this.state.order === "asc" ? "ascending" : "descending") : "none" } },
        h("button", { type: "button", text: c.title, aria: { label: `Sort by ${c.title.toLowerCase()}` }, on: { click: () => this.sortBy(c.sort) } }));
      this.head.append(th);
    }
  }

  sortBy(key) {
    if (this.state.sort === key) this.state.order = this.state.order === "asc" ? "desc" : "asc";
    else {
      this.state.sort = key;
      // Names read best A→Z; numbers and dates biggest/newest first.
      this.state.order = key === "name" || key === "key" ? "asc" : "desc";
    }
    this.state.offset = 0;
    this.renderHead();
    this.load();
  }

  page(direction) {
    const next = this.state.offset + direction * this.state.limit;
    if (next < 0 || (this.total !== undefined && next >= this.total)) return;
    this.state.offset = next;
    this.load();
  }

  async load() {
    this.reloadSoon.cancel();
    if (this.request) this.request.abort();
    const request = new AbortController();
    this.request = request;
    const s = this.state;
    const q = queryString({
      query: s.query, role: s.role, key: s.key, tag: s.tag, sort: s.sort, order: s.order,
      bpm: range(s.bpm_lo, s.bpm_hi), duration: range(s.dur_lo, s.dur_hi), limit: s.limit, offset: s.offset,
    });
    this.section.dataset.state = "loading";
    try {
      const list = await getJson(`/database/files${q}`, { signal: request.signal });
      if (this.request !== request) return;
      this.error.hidden = true;
      this.total = list.total;
      this.render(list);
      this.section.dataset.state = "ready";
    } catch (err) {
      if (err.name === "AbortError" || this.request !== request) return;
      this.error.textContent = `The library could not be loaded: ${err.message}.`;
      this.error.hidden = false;
      this.section.dataset.state = "error";
    }
  }

  render(list) {
    clear(this.body);
    for (const f of list.files) {
      this.body.append(h("tr", { dataset: { id: String(f.id) } }, COLUMNS.map((c) => c.cell(f))));
    }
    if (list.files.length === 0) {
      this.body.append(h("tr", {}, h("td", { colspan: String(COLUMNS.length), class: "hint" },
        list.total === 0 && !this.filtered() ? ["The library is empty. ", h("a", { href: "#/upload", text: "Upload a file" }), " or run ", h("code", { text: "tonewheel library import DIR" }), "."] : "No file matches these filters.")));
    }
    const first = list.total === 0 ? 0 : list.offset + 1;
    const last = list.offset + list.files.length;
    this.summary.textContent = `${first}–${last} of ${list.total} files`;
    this.prev.disabled = list.offset === 0;
    this.next.disabled = last >= list.total;
  }

  filtered() {
    const s = this.state;
    return [s.query, s.role, s.key, s.tag, s.bpm_lo, s.bpm_hi, s.dur_lo, s.dur_hi].some((v) => v !== "");
  }

  show() {
    this.section.hidden = false;
    this.load();
  }

  hide() {
    this.section.hidden = true;
  }
}
