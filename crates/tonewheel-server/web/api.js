// Talking to the tonewheel server. Errors arrive as {"error": {code, message, details}}; they
// become ApiError so that pages can tell the user what went wrong in words.

/** An error answered by the server (or a failure to reach it: status 0). */
export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy page, say): the status alone has to do.
  }
  const e = body && body.error;
  if (e && typeof e.message === "string") {
    return new ApiError(response.status, String(e.code || "error"), e.message, e.details ?? null);
  }
  return new ApiError(response.status, "http_error", `the server answered ${response.status} ${response.statusText}`);
}

/** GET `path` as JSON; throws ApiError (an AbortError passes through untouched). */
export async function getJson(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { signal, headers: { Accept: "application/json" } });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "unreachable", "the server could not be reached");
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** GET `path` as bytes (for audio previews); throws ApiError. */
export async function getBytes(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "unreachable", "the server could not be reached");
  }
  if (!response.ok) throw await errorFrom(response);
  return response.arrayBuffer();
}

/** A query string from an object, leaving out empty values. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB`;
}

/**
 * Uploads one file to POST /api/analyze/upload (multipart, field `file`) with XHR, the only
 * browser API that reports upload progress. `onProgress(fraction)` gets 0..1 while the bytes
 * go out; `onSent()` once they all left (the server then analyses). Resolves to the JSON
 * body ({file, action}); rejects with ApiError.
 */
export function uploadFile(file, { onProgress, onSent } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/analyze/upload");
    xhr.responseType = "text";
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable && onProgress) onProgress(ev.loaded / ev.total);
    });
    xhr.upload.addEventListener("load", () => onSent && onSent());
    xhr.addEventListener("error", () => reject(new ApiError(0, "unreachable", "the server could not be reached")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "the upload was cancelled")));
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.file) {
        resolve(body);
      } else if (body && body.error && typeof body.error.message === "string") {
        reject(new ApiError(xhr.status, String(body.error.code || "error"), body.error.message, body.error.details ?? null));
      } else {
        reject(new ApiError(xhr.status, "http_error", `the server answered ${xhr.status}`));
      }
    });
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/** What went wrong with an upload, in words a user can act on. */
export function describeUploadError(err, fileName) {
  const name = `“${fileName}”`;
  if (!(err instanceof ApiError)) return `${name} could not be uploaded: ${err && err.message ? err.message : err}`;
  if (err.status === 413) {
    const limit = err.details && (err.details.limit_bytes ?? err.details.limit);
    const tail = typeof limit === "number" ? ` The server accepts files up to ${megabytes(limit)}.` : "";
    return `${name} is too large to upload.${tail}`;
  }
  if (err.status === 422) return `${name} could not be read as audio: ${err.message}.`;
  if (err.status === 415) return `${name} is not a kind of file the server accepts: ${err.message}.`;
  if (err.status === 0) return `${name} was not uploaded: ${err.message}.`;
  return `${name} could not be uploaded: ${err.message} (HTTP ${err.status}).`;
}
