// The Upload page: drop files (or pick them), each goes to POST /api/analyze/upload with its
// progress shown; when one file was sent and analysed it opens in the library view. Errors
// (too large, undecodable, server unreachable) are told in words.

import { describeUploadError, uploadFile } from "./api.js";
import { clear, h, announce } from "./dom.js";

const ACCEPT = "audio/*,.wav,.flac,.mp3,.ogg,.oga,.m4a,.aac,.aif,.aiff";

export class UploadPage {
  constructor(section) {
    this.section = section;
    this.busy = false;
    this.build();
  }

  build() {
    this.input = h("input", { type: "file", id: "upload-input", accept: ACCEPT, multiple: true, class: "visually-hidden" });
    this.input.addEventListener("change", () => {
      const files = [...this.input.files];
      this.input.value = "";
      this.uploadAll(files);
    });
    this.zone = h("div", { class: "dropzone", id: "dropzone", aria: { label: "Drop audio files here" } },
      h("p", { text: "Drop audio files here (WAV, FLAC, MP3, OGG, M4A)" }),
      h("p", { class: "hint", text: "or" }),
      h("button", { type: "button", text: "Choose audio files…", on: { click: () => this.input.click() } }),
      this.input);
    this.zone.addEventListener("dragenter", (ev) => this.onDrag(ev, true));
    this.zone.addEventListener("dragover", (ev) => this.onDrag(ev, true));
    this.zone.addEventListener("dragleave", (ev) => this.onDrag(ev, false));
    this.zone.addEventListener("drop", (ev) => {
      this.onDrag(ev, false);
      const files = [...(ev.dataTransfer?.files || [])];
      if (files.length > 0) this.uploadAll(files);
    });
    this.list = h("ul", { class: "uploads", aria: { label: "Uploads", live: "polite" } });
    this.section.append(
      h("h1", { class: "visually-hidden", text: "Upload" }),
      this.zone,
      this.list);
  }

  onDrag(ev, over) {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = "copy";
    this.zone.classList.toggle("over", over);
  }

  /** One after another: the server analyses each upload before answering, and files in
   * parallel would only share the same cores. */
  async uploadAll(files) {
    const done = [];
    for (const file of files) {
      const result = await this.uploadOne(file);
      if (result) done.push(result);
    }
    if (files.length === 1 && done.length === 1) location.hash = `#/library/${done[0].file.id}`;
  }

  async uploadOne(file) {
    const bar = h("progress", { max: "1", value: "0", aria: { label: `Upload of ${file.name}` } });
    const state = h("p", { class: "hint", text: "Uploading…" });
    const item = h("li", { dataset: { name: file.name, state: "uploading" } }, h("strong", { text: file.name }), bar, state);
    this.list.prepend(item);
    try {
      const body = await uploadFile(file, {
        onProgress: (fraction) => {
          bar.value = fraction;
          state.textContent = `Uploading… ${Math.round(fraction * 100)} %`;
        },
        onSent: () => {
          bar.removeAttribute("value"); // indeterminate while the server analyses
          state.textContent = "Analysing…";
        },
      });
      bar.value = 1;
      const what = body.action === "unchanged" ? "Already in the library (same content)" : "Analysed";
      clear(state).append(`${what}: `, h("a", { href: `#/library/${body.file.id}`, text: "open in the library" }));
      item.dataset.state = "done";
      announce(`${file.name} uploaded`);
      return body;
    } catch (err) {
      bar.remove();
      const message = describeUploadError(err, file.name);
      state.replaceWith(h("p", { class: "upload-error", role: "alert", text: message }));
      item.dataset.state = "error";
      announce(message);
      return null;
    }
  }

  show() {
    this.section.hidden = false;
  }

  hide() {
    this.section.hidden = true;
  }
}
