// Small DOM helpers. Every text from the server (preset names, file names, error messages)
// goes through textContent, never innerHTML, so a hostile name cannot inject markup.

/**
 * Creates an element. `attrs` keys: `class`, `text`, `dataset` (object), `on` (object of
 * event listeners), `aria` (object, keys without the `aria-` prefix); anything else becomes
 * an attribute (`false`/`null`/`undefined` leave it out, `true` sets it empty).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === "aria") for (const [k, v] of Object.entries(value)) el.setAttribute(`aria-${k}`, String(v));
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** `fn` delayed until `wait_ms` have passed without another call. */
export function debounce(fn, wait_ms) {
  let timer = 0;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait_ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** `m:ss.cc` for a time in seconds (minutes unbounded). */
export function formatTime(seconds_s) {
  if (!Number.isFinite(seconds_s) || seconds_s < 0) return "–";
  const m = Math.floor(seconds_s / 60);
  const s = seconds_s - m * 60;
  return `${m}:${s.toFixed(2).padStart(5, "0")}`;
}

/** A number with `digits` decimals and an optional unit, or an en dash when absent. */
export function formatNumber(value, digits = 1, unit = "") {
  if (typeof value !== "number" || !Number.isFinite(value)) return "–";
  return unit ? `${value.toFixed(digits)} ${unit}` : value.toFixed(digits);
}

/** "F minor" from a tonic and a scale, or an en dash. */
export function formatKey(tonic, scale) {
  if (!tonic) return "–";
  return scale ? `${tonic} ${scale}` : tonic;
}

/** Local date and time of a Unix time in milliseconds. */
export function formatDate(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "–";
  return new Date(ms).toLocaleString();
}

/** Writes a short message to the footer's live region (read out by screen readers). */
export function announce(message) {
  const line = document.getElementById("status-line");
  if (line) line.textContent = message;
}
