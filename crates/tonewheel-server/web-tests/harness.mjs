// Test harness: the real `tonewheel serve` on a free loopback port with a temporary data
// folder, and Debian's Chromium driven by playwright-core with a fresh profile. On a failure
// the test's page and each studio page are saved as screenshots in the output folder.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The workspace root (this folder is crates/tonewheel-server/web-tests). */
export const repoRoot = path.resolve(here, "..", "..", "..");
/** Screenshots and logs of failed tests (override: TW_TEST_OUTPUT). */
export const outputDir = process.env.TW_TEST_OUTPUT || path.join(here, "output");

/** Flags for Chromium on a closed network as root: no sandbox, no GPU, and nothing that
 * phones home (on this network every such connection is refused, slowly). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** The `tonewheel` binary: TONEWHEEL_BIN, else the debug build cargo made for the tests. */
export function binaryPath(profile = "debug") {
  if (process.env.TONEWHEEL_BIN) return process.env.TONEWHEEL_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(repoRoot, "target");
  const bin = path.join(target, profile, "tonewheel");
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build it first (cargo build -p tonewheel-cli${profile === "release" ? " --release" : ""}) or set TONEWHEEL_BIN`);
  }
  return bin;
}

/** Starts `tonewheel serve` on 127.0.0.1 with a port the OS picks and a fresh data folder;
 * resolves once it answers /health. */
export async function startServer({ profile = "debug", extraArgs = [] } = {}) {
  const data = mkdtempSync(path.join(tmpdir(), "tonewheel-web-"));
  const child = spawn(binaryPath(profile), ["serve", "--addr", "127.0.0.1:0", "--data", data, ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" },
  });
  let log = "";
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${log}`)), 20_000);
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${log}`));
    });
  });
  const health = await fetch(`${base}/health`);
  if (!health.ok) throw new Error(`/health answered ${health.status}`);
  return {
    base,
    data,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Chromium with a fresh, throw-away profile; the console of every page is collected. */
export async function startBrowser({ viewport = { width: 1366, height: 900 } } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), "tonewheel-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
  });
  const console_lines = [];
  const listen = (page) => {
    page.on("console", (m) => console_lines.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => console_lines.push(`[pageerror] ${e.message}`));
    page.on("response", (r) => r.status() >= 400 && console_lines.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`));
  };
  context.pages().forEach(listen);
  context.on("page", listen);
  const page = context.pages()[0] || (await context.newPage());
  return {
    context,
    page,
    console_lines,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function safeName(name) {
  return name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").slice(0, 80) || "test";
}

/**
 * Runs `body`; when it throws, saves a screenshot of the page as it was, then one of each
 * studio page, and the browser console, under outputDir, and rethrows.
 */
export async function withScreenshots(name, page, console_lines, base, body) {
  try {
    await body();
  } catch (err) {
    try {
      mkdirSync(outputDir, { recursive: true });
      const stem = path.join(outputDir, safeName(name));
      await page.screenshot({ path: `${stem}.png`, fullPage: true });
      for (const p of ["presets", "library", "upload"]) {
        await page.goto(`${base}/#/${p}`);
        await page.waitForTimeout(500);
        await page.screenshot({ path: `${stem}.${p}.png`, fullPage: true });
      }
      writeFileSync(`${stem}.console.txt`, console_lines.join("\n"));
      console.error(`screenshots of the failure: ${stem}*.png`);
    } catch (shotErr) {
      console.error(`could not save screenshots: ${shotErr.message}`);
    }
    throw err;
  }
}

/** The factory presets as written on disk: id (file stem), name, role, tags. The tests check
 * the page against these, not against the server's own answers. */
export function factoryPresets() {
  const dir = path.join(repoRoot, "presets", "factory");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const json = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
      return { id: f.slice(0, -5), name: json.name, role: json.role, tags: json.tags || [], stages: json.stages || [] };
    });
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}
