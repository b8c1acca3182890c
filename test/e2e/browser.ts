import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { PlayerHandle } from '../../web/src/player/index.js';

/** Debian's Chromium (`apt-get install chromium`); the browser tests skip with this reason without it. */
export const CHROMIUM = process.env.CADENZA_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

/** Where screenshots of each main screen go, to be looked at when the UI changes. */
export const SCREENS = join(process.cwd(), 'test-output', 'screens');

/** Headless Chromium with background networking off (the machine has no network beyond loopback). */
export async function launchBrowser(): Promise<Browser> {
  await mkdir(SCREENS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENS, `${name}.png`) });
}

/**
 * Taps the player's master output with an AudioWorklet that keeps every sample (left channel) from
 * now on; `stopRecording` returns them with the output frame the recording started at.
 */
export async function startRecording(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const handle: PlayerHandle | undefined = window.cadenza;
    if (!handle) throw new Error('the player is not running');
    const { context, master } = handle.output;
    const source = `registerProcessor('cadenza-tap', class extends AudioWorkletProcessor {
      process(inputs) { const ch = inputs[0] && inputs[0][0]; this.port.postMessage({ frame: currentFrame, data: ch ? ch.slice() : new Float32Array(128) }); return true; }
    });`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    await context.audioWorklet.addModule(url);
    const tap = new AudioWorkletNode(context, 'cadenza-tap', { numberOfOutputs: 1, outputChannelCount: [1] });
    const blocks: { frame: number; data: Float32Array }[] = [];
    tap.port.onmessage = (event) => blocks.push(event.data);
    master.connect(tap).connect(context.destination);
    (window as unknown as { cadenzaTap: unknown }).cadenzaTap = { tap, blocks };
  });
}

export async function stopRecording(page: Page): Promise<{ start: number; samples: Float32Array; rate: number }> {
  const { start, samples, rate } = await page.evaluate(() => {
    const { tap, blocks } = (
      window as unknown as { cadenzaTap: { tap: AudioWorkletNode; blocks: { frame: number; data: Float32Array }[] } }
    ).cadenzaTap;
    tap.disconnect();
    const length = blocks.reduce((n, b) => n + b.data.length, 0);
    const all = new Float32Array(length);
    let at = 0;
    for (const b of blocks) {
      all.set(b.data, at);
      at += b.data.length;
    }
    return { start: blocks[0]?.frame ?? 0, samples: Array.from(all), rate: window.cadenza!.output.context.sampleRate };
  });
  return { start, samples: Float32Array.from(samples), rate };
}

/** Power of one frequency in a window (Goertzel), as an amplitude of a sine at that frequency. */
export function toneAmplitude(samples: Float32Array, from: number, length: number, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < from + length && i < samples.length; i++) {
    const s0 = samples[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / length;
}

/** The longest run of samples quieter than `threshold`, and where it starts. */
export function longestQuietRun(samples: Float32Array, threshold: number): { length: number; at: number } {
  let best = { length: 0, at: -1 };
  let run = 0;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) < threshold) {
      run++;
      if (run > best.length) best = { length: run, at: i - run + 1 };
    } else run = 0;
  }
  return best;
}

/**
 * Waits for the page's player state to satisfy `check` (an expression over `s`, the state); says what
 * the state was when it never did.
 */
export async function waitForPlayerState(page: Page, check: string, timeout = 20_000): Promise<void> {
  const expression = `(() => { const s = window.cadenza && window.cadenza.player.getState(); return s && (${check}); })()`;
  try {
    await page.waitForFunction(expression, null, { timeout, polling: 50 });
  } catch (error) {
    const last = await page.evaluate(() => window.cadenza?.player.getState()).catch(() => undefined);
    const seen = JSON.stringify({ ...last, queue: last?.queue.length });
    throw new Error(`player state never matched ${check}: ${seen}`, { cause: error });
  }
}

/** A new listener signed up in a fresh browser context (its own storage), on Home when this returns. */
export async function signUpInNewContext(
  browser: Browser,
  url: string,
  name: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`${name} page error:`, error.message));
  await page.goto(`${url}/signup`);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return { context, page };
}
