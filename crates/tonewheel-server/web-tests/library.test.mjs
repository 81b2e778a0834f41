// The Upload and Library pages in headless Chromium against the real server: a generated
// WAV uploaded with the file picker opens in the library view with its waveform drawn (pixels
// read back from the canvas), its regions and its analysis; an undecodable file dropped on
// the page is refused in words; the table searches, sorts and seeks.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startBrowser, startServer, withScreenshots } from "./harness.mjs";
import { garbage, makeWav } from "./wav.mjs";

const RATE = 44100;
/** 1 s of A4 at half scale, 1 s of digital silence, 1 s of A4: two regions by silence. */
const TONE = { name: "tone-a4-two-regions.wav", segments: [
  { sine_hz: 440, seconds: 1, amplitude: 0.5 }, { seconds: 1 }, { sine_hz: 440, seconds: 1, amplitude: 0.5 },
] };
const TONE_S = 3;
/** A shorter, mono file uploaded through the API, so that sorting has two rows to order. */
const SHORT = { name: "short-a3.wav", segments: [{ sine_hz: 220, seconds: 1.5, amplitude: 0.25 }] };
const SHORT_S = 1.5;

let server;
let browser;
let toneId = null;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
  const form = new FormData();
  form.append("file", new Blob([makeWav({ sample_rate: RATE, channels: 1, segments: SHORT.segments })], { type: "audio/wav" }), SHORT.name);
  const r = await fetch(`${server.base}/api/analyze/upload`, { method: "POST", body: form });
  assert.ok(r.status === 201 || r.status === 200, `upload of ${SHORT.name} answered ${r.status}`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function step(name, hash, body) {
  return test(name, async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${server.base}/${hash}`);
      await withScreenshots(name, page, browser.console_lines, server.base, () => body(page));
    } finally {
      await page.close();
    }
  });
}

/** Share of pixels in the canvas column at `fraction` of its width that belong to the wave
 * (bright blue; the background, region tints, axis and playhead are all darker in blue). */
async function waveColumnShare(page, selector, fraction) {
  return page.$eval(selector, (canvas, f) => {
    const g = canvas.getContext("2d");
    const x = Math.min(canvas.width - 1, Math.floor(canvas.width * f));
    const column = g.getImageData(x, 0, 1, canvas.height).data;
    let wave = 0;
    for (let i = 0; i < column.length; i += 4) if (column[i + 2] > 120 && column[i] < 200) wave += 1;
    return wave / canvas.height;
  }, fraction);
}

describe("upload and library pages", () => {
  step("an uploaded WAV opens in the library with its waveform, regions and analysis", "#/upload", async (page) => {
    const wav = makeWav({ sample_rate: RATE, channels: 2, segments: TONE.segments });
    const sent = page.waitForRequest((r) => r.url().endsWith("/api/analyze/upload") && r.method() === "POST");
    await page.setInputFiles("#upload-input", { name: TONE.name, mimeType: "audio/wav", buffer: wav });
    const request = await sent;
    assert.match(request.headers()["content-type"] ?? "", /^multipart\/form-data; boundary=/);
    await page.waitForFunction(() => /^#\/library\/[^/]+$/.test(location.hash), null, { timeout: 60_000 });
    toneId = await page.evaluate(() => decodeURIComponent(location.hash.split("/")[2]));
    await page.waitForSelector('#page-file[data-state="ready"][data-waveform="drawn"]', { timeout: 30_000 });
    assert.equal(await page.textContent("#page-file h2"), TONE.name);

    // The sine is at half scale: its bars span half of each channel lane, so half of a
    // column; the silent middle second draws only the zero line, one pixel per lane
    // (antialiased over two rows).
    const loud = await waveColumnShare(page, "#page-file canvas.overview", 0.5 / TONE_S);
    const silent = await waveColumnShare(page, "#page-file canvas.overview", 1.5 / TONE_S);
    assert.ok(loud > 0.4 && loud < 0.6, `sine column share ${loud.toFixed(3)}`);
    assert.ok(silent < 0.1, `silent column share ${silent.toFixed(3)}`);
    const zoomLoud = await page.$eval("#page-file canvas.zoom", (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 120 && d[i] < 200) n += 1;
      return n / (c.width * c.height);
    });
    assert.ok(zoomLoud > 0.05, `zoom canvas drawn (${zoomLoud.toFixed(3)} of its pixels)`);

    // Two regions (whole file + 2), labelled on the list; the file-level pitch is A4.
    const regions = await page.$$eval("#page-file .region-list button", (bs) => bs.map((b) => b.dataset.region));
    assert.deepEqual(regions, ["0", "1", "2"]);
    const pitch = await page.textContent('#page-file .card[data-analyzer="pitch"]');
    assert.match(pitch, /A4/);
    const f0 = Number(/f0\s*([\d.]+) Hz/.exec(pitch)?.[1]);
    assert.ok(Math.abs(f0 - 440) < 2, `f0 ${f0} Hz`);
    for (const a of ["loudness", "tempo", "key", "spectral", "stereo"]) {
      assert.equal(await page.locator(`#page-file .card[data-analyzer="${a}"]`).count(), 1, `${a} card`);
    }
    // The page shows the loudness the server measured for the file.
    const detail = await (await fetch(`${server.base}/database/files/${encodeURIComponent(toneId)}`)).json();
    const loudness = detail.regions.find((r) => r.index === 0).results.find((r) => r.analyzer === "loudness").result;
    const shown = await page.textContent('#page-file .card[data-analyzer="loudness"] td');
    assert.equal(shown, `${loudness.integrated_lufs.toFixed(1)} LUFS`);

    // Region 2 starts after the silence: selecting it shows its own analysis.
    await page.click('#page-file .region-list button[data-region="2"]');
    assert.equal(await page.getAttribute('#page-file .region-list button[data-region="2"]', "aria-pressed"), "true");
    assert.match(await page.textContent('#page-file .card[data-analyzer="pitch"]'), /A4/);
  });

  step("clicking the waveform seeks and plays, and the playhead moves", "#/library", async (page) => {
    assert.ok(toneId, "the upload test ran first");
    await page.goto(`${server.base}/#/library/${encodeURIComponent(toneId)}`);
    await page.waitForSelector('#page-file[data-waveform="drawn"]', { timeout: 30_000 });
    const box = await page.locator("#page-file canvas.overview").boundingBox();
    const clicked_ms = Date.now();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.waitForSelector('#page-file[data-playing="true"]');
    const t0 = await page.$eval("#page-file audio", (a) => a.currentTime);
    // Played from the middle: at most the time since the click past it (and one 50 ms
    // pixel/rounding step before it).
    const since_s = (Date.now() - clicked_ms) / 1000;
    assert.ok(t0 >= TONE_S * 0.5 - 0.05 && t0 <= TONE_S * 0.5 + since_s + 0.05, `seeked to ${t0} s, ${since_s} s after the click`);
    await page.waitForTimeout(400);
    const t1 = await page.$eval("#page-file audio", (a) => a.currentTime);
    assert.ok(t1 > t0 + 0.1, `playhead moved from ${t0} to ${t1} s`);
    await page.keyboard.press("Escape");
    await page.waitForSelector('#page-file[data-playing="false"]');
  });

  step("the table lists the files, searches by name and sorts by length", "#/library", async (page) => {
    await page.waitForSelector('#page-library[data-state="ready"]');
    const names = () => page.$$eval("#page-library tbody tr td.name", (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(new Set(await names()), new Set([TONE.name, SHORT.name]));
    await page.click('#page-library th[data-sort="duration"] button');
    await page.waitForSelector('#page-library th[data-sort="duration"][aria-sort="descending"]');
    await page.waitForSelector('#page-library[data-state="ready"]');
    assert.deepEqual(await names(), [TONE.name, SHORT.name]);
    await page.click('#page-library th[data-sort="duration"] button');
    await page.waitForSelector('#page-library th[data-sort="duration"][aria-sort="ascending"]');
    await page.waitForFunction((first) => document.querySelector("#page-library tbody td.name")?.textContent === first, SHORT.name);
    const lengths = await page.$$eval("#page-library tbody tr", (rows) => rows.map((r) => r.children[1].textContent));
    assert.deepEqual(lengths, [`0:0${SHORT_S.toFixed(2)}`, `0:0${TONE_S.toFixed(2)}`]);

    await page.fill("#library-search", "two-regions");
    await page.waitForFunction(() => document.querySelectorAll("#page-library tbody td.name").length === 1);
    assert.deepEqual(await names(), [TONE.name]);
    assert.match(await page.textContent("#page-library .page-summary"), /1–1 of 1 files/);
  });
  step("an undecodable file dropped on the page is refused in words", "#/upload", async (page) => {
    const bytes = [...garbage(64 * 1024)];
    await page.waitForSelector("#dropzone");
    const transfer = await page.evaluateHandle((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], "not-audio.wav", { type: "audio/wav" }));
      return dt;
    }, bytes);
    await page.dispatchEvent("#dropzone", "drop", { dataTransfer: transfer });
    const alert = page.locator('.uploads li[data-name="not-audio.wav"] [role="alert"]');
    await alert.waitFor({ timeout: 30_000 });
    assert.match(await alert.textContent(), /“not-audio\.wav” could not be read as audio/);
    assert.equal(await page.evaluate(() => location.hash), "#/upload");
  });

  test("a file over the server's upload limit is refused in words, with the limit", async () => {
    // Its own server, with the smallest limit the CLI takes: 1 MB.
    const small = await startServer({ extraArgs: ["--max-upload-mb", "1"] });
    const page = await browser.context.newPage();
    try {
      await page.goto(`${small.base}/#/upload`);
      await withScreenshots("upload over the limit", page, browser.console_lines, small.base, async () => {
        // 8 s of stereo 16-bit at 44.1 kHz: 176 400 bytes a second, 1.41 MB in all.
        const wav = makeWav({ sample_rate: RATE, channels: 2, segments: [{ sine_hz: 440, seconds: 8, amplitude: 0.5 }] });
        assert.ok(wav.length > 1024 * 1024);
        await page.setInputFiles("#upload-input", { name: "too-long.wav", mimeType: "audio/wav", buffer: wav });
        const alert = page.locator('.uploads li[data-name="too-long.wav"] [role="alert"]');
        await alert.waitFor({ timeout: 30_000 });
        assert.equal(await alert.textContent(), "“too-long.wav” is too large to upload. The server accepts files up to 1.0 MB.");
      });
    } finally {
      await page.close();
      await small.stop();
    }
  });
});
