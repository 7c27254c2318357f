// What every browser test shares: where the server and Chromium are, named steps with timings,
// checks, a JSON fetch, and a fresh Chromium profile (Debian's chromium driven by
// playwright-core, headless, no sandbox, no network beyond 127.0.0.1).
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = (process.env.BASE_URL || 'http://127.0.0.1:8787').replace(/\/$/, '');
export const ADMIN_TOKEN = process.env.ADMIN_TOKEN || 'dev-admin-token-0123456789abcdefghij';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** Screenshots go here. */
export const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
export const XSS = '<img src=x onerror=alert(1)>';

let step = 'start';
/** The step running now (for failure messages). */
export const currentStep = () => step;
export function setStep(name) { step = name; }
export const log = (...a) => console.log(`  ${step}:`, ...a);
export function check(cond, msg) { if (!cond) throw new Error(msg); }
/** Runs one named step and prints `ok <name> (<ms> ms)`. */
export async function go(name, fn) {
  step = name;
  const t0 = performance.now();
  await fn();
  console.log(`ok ${name} (${Math.round(performance.now() - t0)} ms)`);
}

/**
 * Collects into `problems` what the page reports: console errors (but those `expected()`
 * matches at that moment: loads a step fails on purpose), page errors, dialogs (dismissed), and
 * with `missingStrings` the pages' warnings about a UI string missing from their tables.
 */
export function watchPage(page, problems, { expected = () => null, missingStrings = false } = {}) {
  page.on('console', (m) => {
    if (missingStrings && m.type() === 'warning' && /missing UI string/.test(m.text())) problems.push(`console: ${m.text()}`);
    if (m.type() !== 'error') return;
    const allowed = expected();
    if (allowed && allowed.test(m.text())) return;
    problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog opened: ${d.message()}`); await d.dismiss(); });
}

/** The last step of a test: nothing the browser reported (console errors, page errors, dialogs). */
export function checkNoProblems(problems) {
  setStep('console');
  check(problems.length === 0, `browser reported problems:\n${problems.join('\n')}`);
  console.log('ok no console errors, no dialogs');
}

/** A failed test's report: the step and the error, what the browser reported, a screenshot. */
export async function reportFailure(err, problems, context, screenshot, { fullPage = true } = {}) {
  console.error(`FAIL ${currentStep()}: ${err.message}`);
  if (problems.length) console.error(problems.join('\n'));
  const page = context.pages()[0];
  if (page) await page.screenshot({ path: join(OUT, screenshot), fullPage }).catch(() => {});
}

/** A JSON request to the server: `{status, json, text}` (json is null when the body is not JSON). */
export async function request(method, path, { body, headers = {} } = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON: the caller looks at text */ }
  return { status: res.status, json, text };
}

/**
 * Chromium with a throwaway profile; `close()` removes the profile too. `locale` sets the
 * browser's language (navigator.languages, Accept-Language), e.g. 'ko-KR'.
 */
export async function launch(name, viewport, { locale } = {}) {
  mkdirSync(OUT, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), `spindesk-chromium-${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport,
    ...(locale ? { locale } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
