// Auditioning: one AudioContext, decoded previews kept in an LRU of AudioBuffers, a small
// prefetch queue, and the voices now playing. Each audition is marked with the Performance
// API ("tw:click:<id>" when the click arrives, "tw:click-to-sound:<id>" right after
// AudioBufferSourceNode.start()), so click-to-sound can be measured in the real page.

import { getBytes } from "./api.js";
import { LruCache } from "./lru.js";
import { wavToAudioBuffer } from "./wav.js";

/** Samples (frames × channels) of decoded audio kept: 24 M floats = 96 MB, about 4 minutes
 * of stereo at 48 kHz, far more than the previews a page shows at once. */
const MAX_CACHED_SAMPLES = 24_000_000;
/** Parallel preview downloads: the server renders one preview per core, and a laptop has
 * few; more would only queue there while delaying the click the user is waiting for. */
const PREFETCH_CONCURRENCY = 2;
/** Fade applied when a voice is stopped early, so the cut does not click. */
const STOP_FADE_S = 0.012;
/** The engine renders previews at 48 kHz (tonewheel-synth's RenderRequest::preview): a
 * context at that rate plays them sample for sample, and the browser converts its output to
 * the sound card's rate with its own high-quality resampler. */
const PREVIEW_RATE_HZ = 48000;

/** Plays previews and tells listeners about it (events: `change` with detail {id, state}). */
export class Audition extends EventTarget {
  constructor() {
    super();
    this.ctx = null;
    this.master = null;
    this.analyser = null;
    this.buffers = new LruCache(MAX_CACHED_SAMPLES);
    this.loading = new Map(); // url -> Promise<AudioBuffer>
    this.voices = new Map(); // id -> {source, gain, started_s, duration_s}
    this.pending = new Map(); // id -> {cancelled}
    this.queue = []; // urls waiting for a prefetch slot, first = next
    this.active_prefetches = 0;
    this.prefetch_enabled = true;
  }

  /** The AudioContext (created on first use; it runs once a click resumes it). */
  context() {
    if (!this.ctx) {
      try {
        this.ctx = new AudioContext({ latencyHint: "interactive", sampleRate: PREVIEW_RATE_HZ });
      } catch {
        // A browser that cannot run at that rate uses the device's, and decodeAudioData
        // resamples the previews.
        this.ctx = new AudioContext({ latencyHint: "interactive" });
      }
      this.master = this.ctx.createGain();
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 2048;
      this.master.connect(this.analyser);
      this.analyser.connect(this.ctx.destination);
      const publish = () => (document.documentElement.dataset.audioState = this.ctx.state);
      this.ctx.addEventListener("statechange", publish);
      publish();
    }
    return this.ctx;
  }

  /** True when the decoded preview at `url` is in memory. */
  isCached(url) {
    return this.buffers.has(url);
  }

  /** The decoded preview at `url`: from memory, or fetched and decoded once (concurrent
   * callers share the same download). */
  load(url) {
    const cached = this.buffers.get(url);
    if (cached) return Promise.resolve(cached);
    let promise = this.loading.get(url);
    if (!promise) {
      promise = getBytes(url)
        .then((bytes) => wavToAudioBuffer(bytes, this.context().sampleRate) || this.context().decodeAudioData(bytes))
        .then((buffer) => {
          this.buffers.set(url, buffer, buffer.length * buffer.numberOfChannels);
          return buffer;
        })
        .finally(() => this.loading.delete(url));
      this.loading.set(url, promise);
    }
    return promise;
  }

  /** Asks for `url` to be fetched ahead of a click; `front` puts it first in line. */
  prefetch(url, front = false) {
    if (!this.prefetch_enabled || this.buffers.has(url) || this.loading.has(url)) return;
    const at = this.queue.indexOf(url);
    if (at >= 0) this.queue.splice(at, 1);
    if (front) this.queue.unshift(url);
    else this.queue.push(url);
    this.pump();
  }

  /** Withdraws a prefetch that has not started (its tile scrolled out of view). */
  unprefetch(url) {
    const at = this.queue.indexOf(url);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** Drops every queued prefetch (the list of tiles changed). */
  clearPrefetches() {
    this.queue.length = 0;
  }

  pump() {
    while (this.active_prefetches < PREFETCH_CONCURRENCY && this.queue.length > 0) {
      const url = this.queue.shift();
      if (this.buffers.has(url) || this.loading.has(url)) continue;
      this.active_prefetches += 1;
      this.load(url)
        .then(() => this.emit(null, "cached", url))
        .catch(() => {
          // A preview that fails here fails again on click, where the user is told why.
        })
        .finally(() => {
          this.active_prefetches -= 1;
          this.pump();
        });
    }
  }

  /** True while `id` is playing or about to. */
  isActive(id) {
    return this.voices.has(id) || this.pending.has(id);
  }

  /**
   * Starts `id` from the preview at `url`. The caller has already set the
   * "tw:click:<id>" mark when the click arrived. Resolves when the sound has started (or
   * the start was cancelled by a second click); rejects with the load error.
   */
  async play(id, url) {
    const ctx = this.context();
    const token = { cancelled: false };
    this.pending.set(id, token);
    this.emit(id, "loading");
    let buffer;
    try {
      // Resuming needs the click's user activation, so ask before anything is awaited.
      const resumed = ctx.state === "running" ? null : ctx.resume();
      buffer = await this.load(url);
      if (resumed) await resumed;
    } catch (err) {
      if (this.pending.get(id) === token) this.pending.delete(id);
      this.emit(id, "error", err);
      throw err;
    }
    if (token.cancelled || this.pending.get(id) !== token) return;
    this.pending.delete(id);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    const gain = ctx.createGain();
    source.connect(gain).connect(this.master);
    const voice = { source, gain, started_s: 0, duration_s: buffer.duration };
    source.addEventListener("ended", () => {
      if (this.voices.get(id) === voice) {
        this.voices.delete(id);
        this.emit(id, "stopped");
      }
    });
    this.stopVoice(id);
    this.voices.set(id, voice);
    voice.started_s = ctx.currentTime;
    source.start();
    performance.measure(`tw:click-to-sound:${id}`, `tw:click:${id}`);
    this.emit(id, "playing");
  }

  /** Stops `id` (with a short fade) or cancels its pending start. */
  stop(id) {
    const token = this.pending.get(id);
    if (token) {
      token.cancelled = true;
      this.pending.delete(id);
    }
    const had = this.stopVoice(id);
    if (token || had) this.emit(id, "stopped");
  }

  stopVoice(id) {
    const voice = this.voices.get(id);
    if (!voice) return false;
    this.voices.delete(id);
    const now = this.ctx.currentTime;
    voice.gain.gain.setValueAtTime(voice.gain.gain.value, now);
    voice.gain.gain.linearRampToValueAtTime(0, now + STOP_FADE_S);
    try {
      voice.source.stop(now + STOP_FADE_S);
    } catch {
      // Already stopped.
    }
    return true;
  }

  /** Stops every voice and pending start. */
  stopAll() {
    for (const id of [...this.pending.keys(), ...this.voices.keys()]) this.stop(id);
  }

  /** Ids of the voices playing now. */
  playingIds() {
    return [...this.voices.keys()];
  }

  /** 0..1 of how far `id` has played, or null when it is not playing. */
  progress(id) {
    const v = this.voices.get(id);
    if (!v || !this.ctx || v.duration_s <= 0) return null;
    return Math.min(1, Math.max(0, (this.ctx.currentTime - v.started_s) / v.duration_s));
  }

  /** RMS level of everything playing, in dBFS (−Infinity when silent or not started). */
  levelDb() {
    if (!this.analyser) return -Infinity;
    const samples = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const rms = Math.sqrt(sum / samples.length);
    return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
  }

  emit(id, state, extra = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: { id, state, extra } }));
  }
}

/** The studio's one audition engine (shared by every page). */
export const audition = new Audition();
