/**
 * bench:connect — from a Connect command to the audible change on the device it controls: pause,
 * seek and transfer, sent through the Web API (`/v1/me/player/…`) to a web player in Chromium, heard
 * by a detector on that player's audio output. The baseline, in the same run and on the same device,
 * is the same change made by the device's own engine (what a click on that screen does): the
 * difference is what Connect adds (HTTP, the stored state, the bus, the live socket, the device's
 * command handling).
 *
 * The track is a tone for its first 30 s and silence after: a pause or a seek into the silent half is
 * heard as the first silent render quantum; a transfer as the first loud one on the new device. The
 * times are wall-clock ms in both the benchmark and the page (the same machine's clock), from the
 * benchmark's call in both cases (the Web API request, or the script that calls the engine in the page),
 * so both include any wait for the page's main thread.
 *
 *   npm run bench:connect [-- --rounds 30]
 * Uses DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { findFfmpeg } from '../src/adapters/ffmpeg-binaries.js';
import { chromiumMissing, launchBrowser } from '../test/e2e/browser.js';
import { buildWebApp } from '../test/helpers/web.js';
import type {} from '../web/src/player/index.js';
import { runCadenza, startCadenzaServe } from './lib/child.js';
import { pct } from './lib/stats.js';

const exec = promisify(execFile);
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const ROUNDS = Number(values.rounds);
const TONE_MS = 30_000;
const SILENT_AT_MS = 40_000;
const USER = 'bench';
const PASSWORD = 'bench-password';

/** A 60 s FLAC: a 330 Hz tone for 30 s, then silence. */
async function toneThenSilence(path: string): Promise<void> {
  const wave = `if(lt(t\\,${TONE_MS / 1000})\\,0.5*sin(2*PI*330*t)\\,0)`;
  await exec(findFfmpeg().ffmpeg, [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=${wave}|${wave}:s=44100:d=60`],
    ...['-metadata', 'title=Half Tone', '-metadata', 'artist=Bench Band', '-metadata', 'album=Connect'],
    path,
  ]);
}

/**
 * Installs the detector on the page's player output: `window.probe.edge(kind)` resolves with the wall-clock
 * ms at which the output next turns loud or silent (a whole 128-frame quantum under -60 dBFS is silent).
 */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { context, master } = window.cadenza!.output;
    const source = `registerProcessor('cadenza-edge', class extends AudioWorkletProcessor {
      constructor() { super(); this.want = null; this.port.onmessage = (e) => { this.want = e.data; }; }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        let loud = false;
        if (ch) for (let i = 0; i < ch.length; i++) if (Math.abs(ch[i]) > 0.001) { loud = true; break; }
        if (this.want && (this.want === 'loud') === loud) { this.want = null; this.port.postMessage(currentFrame); }
        return true;
      }
    });`;
    await context.audioWorklet.addModule(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const node = new AudioWorkletNode(context, 'cadenza-edge', { numberOfOutputs: 1, outputChannelCount: [1] });
    master.connect(node).connect(context.destination);
    const probe = {
      edge(kind: 'loud' | 'silent'): Promise<number> {
        return new Promise<number>((resolve) => {
          node.port.onmessage = (event: MessageEvent<number>) => {
            const stamp = context.getOutputTimestamp();
            const at =
              (stamp.performanceTime ?? 0) + (event.data / context.sampleRate - (stamp.contextTime ?? 0)) * 1000;
            resolve(performance.timeOrigin + at);
          };
          node.port.postMessage(kind);
        });
      },
      /** A pause suspends the output: the sound stops when the context does. */
      stopped(): Promise<number> {
        return new Promise<number>((resolve) => {
          context.onstatechange = () => {
            if (context.state === 'running') return;
            context.onstatechange = null;
            resolve(performance.timeOrigin + performance.now());
          };
        });
      },
    };
    (window as unknown as { probe: typeof probe }).probe = probe;
  });
}

type Probe = { edge(k: string): Promise<number>; stopped(): Promise<number> };

/**
 * Starts waiting for the next edge on `page` (`stopped`: the output suspended, which is how a pause
 * silences it); the promise is made before the change is.
 */
function edge(page: Page, kind: 'loud' | 'silent' | 'stopped'): Promise<number> {
  const heard = page.evaluate((k) => {
    const probe = (window as unknown as { probe: Probe }).probe;
    return k === 'stopped' ? probe.stopped() : probe.edge(k);
  }, kind);
  heard.catch(() => undefined);
  return heard;
}

const now = () => performance.timeOrigin + performance.now();

/** Edges not heard within this are counted as misses (NaN) rather than waited for without end. */
const HEARD_WITHIN_MS = 15_000;
let misses = 0;

/** The time from `t0` to the edge, or NaN (a miss) when it is not heard in time. */
async function within(heard: Promise<number>, t0: number): Promise<number> {
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), HEARD_WITHIN_MS).unref());
  const at = await Promise.race([heard, timeout]);
  if (Number.isNaN(at)) misses++;
  return at - t0;
}

async function signIn(browser: Browser, base: string): Promise<{ page: Page; deviceId: string }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error', e.message));
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('searchbox', { name: 'Search' }).waitFor();
  const deviceId = await page.evaluate(() => localStorage.getItem('cadenza.device') ?? '');
  // Chromium lets a page make sound only after a user gesture on it: a click anywhere counts.
  await page.mouse.click(5, 400);
  return { page, deviceId };
}

function summary(name: string, heardRemote: number[], heardLocal: number[]): void {
  const remote = heardRemote.filter((x) => !Number.isNaN(x));
  const local = heardLocal.filter((x) => !Number.isNaN(x));
  const row = (label: string, xs: number[]) =>
    `${label.padEnd(26)} p50 ${pct(xs, 0.5).toFixed(1).padStart(6)} ms  p99 ${pct(xs, 0.99).toFixed(1).padStart(6)} ms  max ${Math.max(
      ...xs,
    )
      .toFixed(1)
      .padStart(6)} ms`;
  console.log(row(`${name} via Connect`, remote));
  console.log(row(`${name} on the device`, local));
  console.log(
    `${''.padEnd(26)} Connect adds p50 ${(pct(remote, 0.5) - pct(local, 0.5)).toFixed(1)} ms (ratio ${(pct(remote, 0.5) / pct(local, 0.5)).toFixed(2)})`,
  );
}

async function main(): Promise<void> {
  if (chromiumMissing) throw new Error(chromiumMissing);
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-connect-'));
  await chmod(dir, 0o755);
  const env = { ...process.env, CADENZA_DATA_DIR: join(dir, 'data'), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  await mkdir(join(dir, 'music'), { recursive: true });
  await toneThenSilence(join(dir, 'music', 'half-tone.flac'));
  await Promise.all([
    buildWebApp(),
    runCadenza(['user', 'add', '--username', USER, '--password', PASSWORD, '--product', 'premium'], env),
  ]);
  await runCadenza(['import', join(dir, 'music'), '--transcode', 'eager', '--json'], env);
  console.error('imported; starting the server');
  const { base, stop } = await startCadenzaServe(env);
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const login = await fetch(`${base}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: USER, password: PASSWORD }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    };
    const search = (await (
      await fetch(`${base}/v1/search?q=half%20tone&type=track`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { tracks: { items: { uri: string }[] } };
    const uri = search.tracks.items[0]!.uri;

    console.error('signing in two browsers');
    const a = await signIn(browser, base);
    const b = await signIn(browser, base);
    const playOn = async (device: { page: Page; deviceId: string }, positionMs: number) => {
      const loud = edge(device.page, 'loud');
      await call('PUT', `/v1/me/player/play?device_id=${device.deviceId}`, { uris: [uri], position_ms: positionMs });
      await within(loud, 0);
    };
    // Warm-up: each device's engine (and so its AudioContext) is built by its first command.
    for (const device of [b, a]) {
      console.error(`warming up device ${device.deviceId}`);
      // The page registers its device once its live socket is open.
      while (true) {
        const res = await fetch(`${base}/v1/me/player/devices`, { headers: { authorization: `Bearer ${token}` } });
        const { devices } = (await res.json()) as { devices: { id: string }[] };
        if (devices.some((d) => d.id === device.deviceId)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await call('PUT', `/v1/me/player/play?device_id=${device.deviceId}`, { uris: [uri], position_ms: 1000 });
      await device.page.waitForFunction(() => window.cadenza?.player.getState().status === 'playing');
      await installProbe(device.page);
    }

    const pause: number[] = [];
    const pauseLocal: number[] = [];
    const seek: number[] = [];
    const seekLocal: number[] = [];
    const transfer: number[] = [];
    const transferLocal: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      console.error(`round ${i + 1} of ${ROUNDS}`);
      await playOn(a, 2000);
      let heard = edge(a.page, 'stopped');
      let t0 = now();
      await call('PUT', '/v1/me/player/pause');
      pause.push(await within(heard, t0));

      await playOn(a, 2000);
      heard = edge(a.page, 'stopped');
      t0 = now();
      await a.page.evaluate(() => void window.cadenza!.player.pause());
      pauseLocal.push(await within(heard, t0));

      await playOn(a, 2000);
      heard = edge(a.page, 'silent');
      t0 = now();
      await call('PUT', `/v1/me/player/seek?position_ms=${SILENT_AT_MS}`);
      seek.push(await within(heard, t0));

      await playOn(a, 2000);
      heard = edge(a.page, 'silent');
      t0 = now();
      await a.page.evaluate((at) => void window.cadenza!.player.seek(at), SILENT_AT_MS);
      seekLocal.push(await within(heard, t0));

      await playOn(a, 2000);
      heard = edge(b.page, 'loud');
      t0 = now();
      await call('PUT', '/v1/me/player', { device_ids: [b.deviceId], play: true });
      transfer.push(await within(heard, t0));
      await call('PUT', '/v1/me/player/pause');

      // On the device itself: the same track resumed by its own engine from a pause.
      heard = edge(b.page, 'loud');
      t0 = now();
      await b.page.evaluate(() => void window.cadenza!.player.resume());
      transferLocal.push(await within(heard, t0));
      await b.page.evaluate(() => window.cadenza!.player.pause());
    }
    console.log(`bench:connect — ${ROUNDS} rounds, command to the audible change on a web player over loopback`);
    summary('pause', pause, pauseLocal);
    summary('seek', seek, seekLocal);
    summary('transfer', transfer, transferLocal);
    if (misses > 0) console.log(`${misses} changes were not heard within ${HEARD_WITHIN_MS / 1000} s (left out above)`);
    console.log(
      `targets: transfer p99 < 100 ms (${pct(transfer, 0.99) < 100 ? 'met' : 'missed'}), pause p99 < 50 ms (${pct(pause, 0.99) < 50 ? 'met' : 'missed'})`,
    );
  } finally {
    await browser?.close();
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
