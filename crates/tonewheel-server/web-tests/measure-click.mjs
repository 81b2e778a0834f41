// Click-to-sound of every factory preset in the real studio page (headless Chromium, the
// release server): reads the page's own "tw:click-to-sound:<id>" measures and prints p50/p95.
//
//   node measure-click.mjs [--profile release|debug] [--json]
//
// Four passes, each over every tile, one click to start and one to stop:
//   cold         fresh server data folder, background warming off (`--no-warm`): every
//                preview renders on its click; no prefetch;
//   first-use    another fresh server with warming on (the default), clicked as soon as the
//                page is up; no prefetch: what a new user's first clicks meet;
//   server-warm  previews already on the server's disk, no prefetch (download + decode);
//   prefetched   the visible tiles' previews fetched ahead (the page's normal behaviour).

import { percentile, startBrowser, startServer } from "./harness.mjs";

const args = process.argv.slice(2);
const profile = args.includes("--profile") ? args[args.indexOf("--profile") + 1] : "release";
const asJson = args.includes("--json");
/** Longest wait for a tile's prefetch before it is clicked anyway (counted as it comes). */
const PREFETCH_WAIT_MS = 15_000;

async function pass(browser, base, { prefetch }) {
  const page = await browser.context.newPage();
  await page.goto(`${base}/${prefetch ? "" : "?prefetch=0"}#/presets`);
  await page.waitForSelector(".tile");
  const ids = await page.$$eval(".tile", (tiles) => tiles.map((t) => t.dataset.id));
  const ms = [];
  let cached = 0;
  for (const id of ids) {
    const tile = page.locator(`.tile[data-id="${id}"]`);
    await tile.scrollIntoViewIfNeeded();
    if (prefetch) {
      await page.waitForSelector(`.tile[data-id="${id}"][data-cached="true"]`, { timeout: PREFETCH_WAIT_MS }).catch(() => {});
    }
    const name = `tw:click-to-sound:${id}`;
    if ((await tile.getAttribute("data-cached")) === "true") cached += 1;
    await tile.click();
    await page.waitForFunction((n) => performance.getEntriesByName(n).length > 0, name, { timeout: 30_000 });
    ms.push(await page.evaluate((n) => performance.getEntriesByName(n).at(-1).duration, name));
    await tile.click(); // stop
  }
  await page.close();
  return { ids, ms, cached };
}

function summary(name, { ms, cached }) {
  return { pass: name, clicks: ms.length, cached_at_click: cached, p50_ms: percentile(ms, 50), p95_ms: percentile(ms, 95), max_ms: Math.max(...ms) };
}

const browser = await startBrowser();
const cold = await startServer({ profile, extraArgs: ["--no-warm"] });
let coldPass;
try {
  coldPass = await pass(browser, cold.base, { prefetch: false });
} finally {
  await cold.stop();
}
const server = await startServer({ profile });
try {
  const rows = [summary("cold", coldPass)];
  rows.push(summary("first-use", await pass(browser, server.base, { prefetch: false })));
  rows.push(summary("server-warm", await pass(browser, server.base, { prefetch: false })));
  rows.push(summary("prefetched", await pass(browser, server.base, { prefetch: true })));
  if (asJson) console.log(JSON.stringify(rows));
  else {
    console.log("pass          clicks  cached   p50 ms   p95 ms   max ms");
    for (const r of rows) {
      console.log(`${r.pass.padEnd(12)} ${String(r.clicks).padStart(7)} ${String(r.cached_at_click).padStart(7)} ${r.p50_ms.toFixed(1).padStart(8)} ${r.p95_ms.toFixed(1).padStart(8)} ${r.max_ms.toFixed(1).padStart(8)}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
