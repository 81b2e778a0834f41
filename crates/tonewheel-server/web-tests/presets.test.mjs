// The Presets page in headless Chromium against the real server: every factory preset on the
// grid, semantic search and filters, click-to-sound under 100 ms with a running
// AudioContext, stop on second click, two previews at once, keyboard control and details.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { factoryPresets, startBrowser, startServer, withScreenshots } from "./harness.mjs";

/** The click-to-sound target for a click (seed 000: 100 ms on the web). */
const CLICK_TO_SOUND_MAX_MS = 100;
/** A preview that is sounding reads well above this on the master bus (previews are
 * normalised near -18 LUFS; digital silence reads -Infinity). */
const SOUNDING_MIN_DB = -60;

const factory = factoryPresets();
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function freshPage(query = "") {
  const page = await browser.context.newPage();
  await page.goto(`${server.base}/${query}#/presets`);
  await page.waitForSelector(".tile");
  return page;
}

async function tileIds(page) {
  return page.$$eval(".tile", (tiles) => tiles.map((t) => t.dataset.id));
}

/** Clicks the tile and waits for its click-to-sound measure; returns the measure in ms. */
async function clickAndMeasure(page, id) {
  const name = `tw:click-to-sound:${id}`;
  const before_count = await page.evaluate((n) => performance.getEntriesByName(n).length, name);
  await page.click(`.tile[data-id="${id}"]`);
  await page.waitForFunction(([n, c]) => performance.getEntriesByName(n).length > c, [name, before_count]);
  return page.evaluate((n) => performance.getEntriesByName(n).at(-1).duration, name);
}

/** The longest-sounding pads on disk (previews long enough to still play when re-clicked). */
function pads(n) {
  return factory.filter((p) => p.role === "pad").slice(0, n).map((p) => p.id);
}

/** A test on a fresh page of the presets page; on failure that page is photographed. */
function step(name, body, query = "") {
  return test(name, async () => {
    const page = await freshPage(query);
    try {
      await withScreenshots(name, page, browser.console_lines, server.base, () => body(page));
    } finally {
      await page.close();
    }
  });
}

describe("presets page", () => {
  step("the grid shows every factory preset, labelled with its name", async (page) => {
    const ids = await tileIds(page);
    assert.equal(ids.length, factory.length);
    assert.deepEqual(new Set(ids), new Set(factory.map((p) => p.id)));
    const labels = await page.$$eval(".tile", (tiles) => Object.fromEntries(tiles.map((t) => [t.dataset.id, t.querySelector(".tile-name").textContent])));
    for (const p of factory) assert.equal(labels[p.id], p.name, p.id);
    // Grouped by role: one group per role, each holding only its role.
    const groups = await page.$$eval(".group", (gs) => gs.map((g) => ({ key: g.dataset.group, roles: [...g.querySelectorAll(".tile")].map((t) => t.dataset.role) })));
    assert.equal(groups.length, new Set(factory.map((p) => p.role)).size);
    for (const g of groups) assert.ok(g.roles.every((r) => r === g.key), `group ${g.key}`);
  });

  step("searching \"warm pad\" as you type returns pads first, with one debounced request", async (page) => {
    const searches = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.pathname === "/api/presets" && url.searchParams.has("query")) searches.push(url.searchParams.get("query"));
    });
    await page.locator("#preset-search").pressSequentially("warm pad", { delay: 25 });
    await page.waitForSelector('.group[data-group="results"] .tile');
    const roles = await page.$$eval(".tile", (tiles) => tiles.map((t) => t.dataset.role));
    assert.ok(roles.length > 0);
    assert.equal(roles[0], "pad");
    const firstOther = roles.findIndex((r) => r !== "pad");
    const lastPad = roles.lastIndexOf("pad");
    assert.ok(firstOther === -1 || firstOther > lastPad, `pads first: ${roles.join(",")}`);
    // Typing 8 characters 25 ms apart is one pause: the debounce sends the query once.
    assert.deepEqual(searches, ["warm pad"]);
  });

  step("the role filter shows exactly that role's presets", async (page) => {
    await page.click('.chip[data-role="bass"]');
    await page.waitForFunction(() => [...document.querySelectorAll(".tile")].every((t) => t.dataset.role === "bass"));
    const ids = await tileIds(page);
    assert.deepEqual(new Set(ids), new Set(factory.filter((p) => p.role === "bass").map((p) => p.id)));
    assert.equal(await page.getAttribute('.chip[data-role="bass"]', "aria-pressed"), "true");
    await page.click('.chip[data-role=""]');
    await page.waitForFunction((n) => document.querySelectorAll(".tile").length === n, factory.length);
  });

  step("a tag chip filters by that tag and a second click clears it", async (page) => {
    const tag = await page.getAttribute(".chip.tag", "data-tag");
    await page.click(`.chip.tag[data-tag="${tag}"]`);
    const expected = factory.filter((p) => p.tags.includes(tag)).map((p) => p.id);
    await page.waitForFunction((n) => document.querySelectorAll(".tile").length === n, expected.length);
    assert.deepEqual(new Set(await tileIds(page)), new Set(expected));
    await page.click(`.chip.tag[data-tag="${tag}"]`);
    await page.waitForFunction((n) => document.querySelectorAll(".tile").length === n, factory.length);
  });

  step("a click sounds within 100 ms with the AudioContext running, and a second click stops it", async (page) => {
    const [id] = pads(1);
    await page.click('.chip[data-role="pad"]');
    const tile = `.tile[data-id="${id}"]`;
    // The tile is on screen, so its preview is prefetched: the click plays from memory.
    await page.waitForSelector(`${tile}[data-cached="true"]`, { timeout: 30_000 });
    const ms = await clickAndMeasure(page, id);
    assert.ok(ms >= 0 && ms < CLICK_TO_SOUND_MAX_MS, `click-to-sound ${ms.toFixed(1)} ms`);
    assert.equal(await page.evaluate(() => window.tonewheelStudio.audition.ctx.state), "running");
    assert.equal(await page.getAttribute("html", "data-audio-state"), "running");
    // At the previews' own rate, so they play sample for sample.
    assert.equal(await page.evaluate(() => window.tonewheelStudio.audition.ctx.sampleRate), 48000);
    assert.equal(await page.getAttribute(tile, "aria-pressed"), "true");
    await page.waitForFunction((min) => window.tonewheelStudio.audition.levelDb() > min, SOUNDING_MIN_DB);
    // The ring moves while it plays.
    await page.waitForFunction((sel) => Number(getComputedStyle(document.querySelector(sel)).getPropertyValue("--progress")) > 0, tile);

    await page.click(tile);
    await page.waitForFunction((sel) => document.querySelector(sel).getAttribute("aria-pressed") === "false", tile);
    assert.deepEqual(await page.evaluate(() => window.tonewheelStudio.audition.playingIds()), []);
    // After the stop fade the bus is silent again.
    await page.waitForFunction(() => window.tonewheelStudio.audition.levelDb() < -90);
  });

  step("two tiles play together", async (page) => {
    const [a, b] = pads(2);
    await page.click('.chip[data-role="pad"]');
    for (const id of [a, b]) await page.waitForSelector(`.tile[data-id="${id}"][data-cached="true"]`, { timeout: 30_000 });
    await clickAndMeasure(page, a);
    await clickAndMeasure(page, b);
    const playing = await page.evaluate(() => window.tonewheelStudio.audition.playingIds());
    assert.deepEqual(new Set(playing), new Set([a, b]));
    for (const id of [a, b]) assert.equal(await page.getAttribute(`.tile[data-id="${id}"]`, "aria-pressed"), "true");
    await page.getByRole("button", { name: /Stop all/ }).click();
    await page.waitForFunction(() => window.tonewheelStudio.audition.playingIds().length === 0);
  });

  step("keyboard: arrows move between tiles, Enter plays, Escape stops all", async (page) => {
    const ids = await tileIds(page);
    await page.focus(`.tile[data-id="${ids[0]}"]`);
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.id), ids[1]);
    await page.keyboard.press("ArrowLeft");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.id), ids[0]);
    // Down lands on a tile below (further down the page), not beside.
    const y0 = await page.evaluate(() => document.activeElement.getBoundingClientRect().top);
    await page.keyboard.press("ArrowDown");
    const y1 = await page.evaluate(() => document.activeElement.getBoundingClientRect().top);
    assert.ok(y1 > y0, `ArrowDown moved from y=${y0} to y=${y1}`);
    const id = await page.evaluate(() => document.activeElement.dataset.id);
    await page.keyboard.press("Enter");
    await page.waitForFunction((i) => window.tonewheelStudio.audition.playingIds().includes(i), id);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => window.tonewheelStudio.audition.playingIds().length === 0);
    assert.equal(await page.getAttribute(`.tile[data-id="${id}"]`, "aria-pressed"), "false");
  });

  step("the detail panel shows the clicked preset's stages and its quality section", async (page) => {
    const preset = factory.find((p) => p.role === "bass");
    await page.click('.chip[data-role="bass"]');
    await page.click(`.tile[data-id="${preset.id}"]`);
    await page.waitForSelector(`#preset-detail[data-id="${preset.id}"][data-state="ready"]`);
    assert.equal(await page.textContent("#preset-detail .detail-title"), preset.name);
    const stageIds = await page.$$eval("#preset-detail details.stage .stage-id", (els) => els.map((e) => e.textContent));
    assert.deepEqual(stageIds, preset.stages.map((s) => s.id));
    assert.equal(await page.locator('#preset-detail section[aria-label="Quality"]').count(), 1);
    assert.equal(await page.locator('#preset-detail section[aria-label="Descriptors"]').count(), 1);
    await page.keyboard.press("Escape");
  });

  step("the note, octave and length selectors choose the preview rendered", async (page) => {
    const [id] = pads(1);
    await page.selectOption("#preview-note", "A");
    await page.selectOption("#preview-octave", "2");
    await page.selectOption("#preview-duration", "0.5");
    const requested = page.waitForRequest((r) => r.url().includes(`/api/presets/${id}/audio`) && r.url().includes("note=A2"));
    await page.click('.chip[data-role="pad"]');
    await page.click(`.tile[data-id="${id}"]`);
    const url = new URL((await requested).url());
    assert.equal(url.searchParams.get("note"), "A2");
    assert.equal(url.searchParams.get("duration"), "0.5");
    // The decoded buffer is the half second asked for (44.1 or 48 kHz, any context rate).
    const path = `${url.pathname}${url.search}`;
    await page.waitForFunction((u) => window.tonewheelStudio.audition.isCached(u), path);
    const duration = await page.evaluate((u) => window.tonewheelStudio.audition.buffers.get(u).duration, path);
    assert.ok(Math.abs(duration - 0.5) < 0.01, `preview lasts ${duration} s`);
    await page.keyboard.press("Escape");
  });

  step("previews read by the page's WAV reader equal decodeAudioData's, and bad headers are refused", async (page) => {
    const [id] = pads(1);
    const result = await page.evaluate(async (url) => {
      const { wavToAudioBuffer, wavLayout } = await import("/static/wav.js");
      const bytes = await (await fetch(url)).arrayBuffer();
      const ctx = new OfflineAudioContext(2, 1, 48000);
      const ours = wavToAudioBuffer(bytes.slice(0), 48000);
      const theirs = await ctx.decodeAudioData(bytes.slice(0));
      let max_diff = 0;
      for (let c = 0; c < theirs.numberOfChannels; c++) {
        const a = ours.getChannelData(c);
        const b = theirs.getChannelData(c);
        for (let i = 0; i < b.length; i++) max_diff = Math.max(max_diff, Math.abs(a[i] - b[i]));
      }
      // A data chunk that claims more bytes than the file holds reads only what is there;
      // a header cut short, another format or another rate is left to decodeAudioData.
      const lying = bytes.slice(0, 44 + 4 * 100);
      new DataView(lying).setUint32(40, 0x7ffffff0, true);
      return {
        frames: [ours.length, theirs.length], channels: [ours.numberOfChannels, theirs.numberOfChannels], max_diff,
        lying_frames: wavLayout(lying)?.frames ?? null,
        short: wavLayout(bytes.slice(0, 30)), other_rate: wavToAudioBuffer(bytes.slice(0), 44100),
        not_wav: wavLayout(new TextEncoder().encode("RIFF....WAVEjunkjunkjunk").buffer),
      };
    }, `/api/presets/${id}/audio`);
    assert.deepEqual(result.frames, [result.frames[1], result.frames[1]]);
    assert.deepEqual(result.channels, [2, 2]);
    // Both map int16 to float by 1/32768; any other rounding stays within one 16-bit step.
    assert.ok(result.max_diff <= 1 / 32768, `max difference ${result.max_diff}`);
    assert.equal(result.lying_frames, 100);
    assert.equal(result.short, null);
    assert.equal(result.other_rate, null);
    assert.equal(result.not_wav, null);
  });

  step("the preview cache keeps the most recently used previews within its sample budget", async (page) => {
    const r = await page.evaluate(async () => {
      const { LruCache } = await import("/static/lru.js");
      const c = new LruCache(100);
      c.set("a", "A", 40);
      c.set("b", "B", 40);
      c.get("a"); // a is now the most recent
      c.set("c", "C", 40); // over budget: b, the least recent, goes
      const afterC = { a: c.has("a"), b: c.has("b"), c: c.has("c"), cost: c.cost };
      c.set("huge", "H", 101); // costlier than the whole cache: not kept, nothing evicted
      const afterHuge = { huge: c.has("huge"), size: c.size, cost: c.cost };
      c.set("a", "A2", 10); // replacing re-counts the cost
      return { afterC, afterHuge, cost: c.cost, a: c.get("a") };
    });
    assert.deepEqual(r.afterC, { a: true, b: false, c: true, cost: 80 });
    assert.deepEqual(r.afterHuge, { huge: false, size: 2, cost: 80 });
    assert.equal(r.cost, 50);
    assert.equal(r.a, "A2");
  });
});

