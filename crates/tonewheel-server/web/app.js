// The studio's entry point: a hash router over the three pages (#/presets, #/library,
// #/library/<id>, #/upload) and the keys that work everywhere (Esc stops every sound).

import { audition } from "./audio.js";
import { PresetsPage } from "./presets.js";

const sections = {
  presets: document.getElementById("page-presets"),
  library: document.getElementById("page-library"),
  file: document.getElementById("page-file"),
  upload: document.getElementById("page-upload"),
};

/** Pages are built on first visit; the library and upload code loads only then. */
const factories = {
  presets: async () => new PresetsPage(sections.presets),
  library: async () => new (await import("./library.js")).LibraryPage(sections.library),
  file: async () => new (await import("./file-view.js")).FileView(sections.file),
  upload: async () => new (await import("./upload.js")).UploadPage(sections.upload),
};
const pages = new Map();
let current = null;

function parseHash() {
  const path = location.hash.replace(/^#\/?/, "");
  const [head, ...rest] = path.split("/");
  if (head === "library" && rest.length > 0 && rest[0] !== "") return { page: "file", id: decodeURIComponent(rest[0]) };
  if (head === "library" || head === "upload" || head === "presets") return { page: head };
  return { page: "presets" };
}

async function route() {
  const { page, id } = parseHash();
  if (!pages.has(page)) pages.set(page, factories[page]());
  const view = await pages.get(page);
  if (current && current !== view) current.hide();
  current = view;
  view.show(id);
  const nav = page === "file" ? "library" : page;
  for (const a of document.querySelectorAll("nav a[data-page]")) {
    if (a.dataset.page === nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.documentElement.dataset.page = page;
}

function stopEverything() {
  audition.stopAll();
  for (const p of pages.values()) p.then((view) => view.stopPlayback && view.stopPlayback());
}

document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") stopEverything();
});
document.getElementById("stop-all").addEventListener("click", stopEverything);
window.addEventListener("hashchange", route);

// A handle for tests and the console: the audition engine (voices, cache, level meter).
window.tonewheelStudio = { audition };
route();
