import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchBrowser } from '../test/e2e/browser.js';
import { makeTone } from '../test/helpers/audio.js';
import { buildWebApp } from '../test/helpers/web.js';
import type {} from '../web/src/player/index.js';
import { runCadenza, startCadenzaServe } from './lib/child.js';
import { pct } from './lib/stats.js';

const PLAYS = Number(process.env.BENCH_PLAYER_PLAYS ?? 50);
const WARM_UP = 3;
const TRACKS = 16;

/** Installs the sound detector on the player's output (and on a baseline <audio> element). */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { context, master } = window.cadenza!.output;
    const source = `registerProcessor('cadenza-onset', class extends AudioWorkletProcessor {
      constructor() { super(); this.state = 'idle'; this.port.onmessage = (e) => { this.state = e.data; }; }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        let loud = false;
        if (ch) for (let i = 0; i < ch.length; i++) if (Math.abs(ch[i]) > 0.001) { loud = true; break; }
        if (this.state === 'armed' && !loud) this.state = 'silent';
        else if ((this.state === 'silent' || this.state === 'fresh') && loud) { this.state = 'idle'; this.port.postMessage(currentFrame); }
        return true;
      }
    });`;
    await context.audioWorklet.addModule(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    const onset = new AudioWorkletNode(context, 'cadenza-onset', { numberOfOutputs: 1, outputChannelCount: [1] });
    master.connect(onset).connect(context.destination);
    const audio = new Audio();
    const element = context.createMediaElementSource(audio);
    element.connect(onset);
    const probe = {
      audio,
      /**
       * Which output the detector hears. The baseline must not hear the player: a paused player is a
       * suspended context with its track still scheduled, which plays again when the context resumes.
       */
      hear(which: 'player' | 'element') {
        if (which === 'element') master.disconnect(onset);
        else master.connect(onset);
      },
      /** Resolves with the page time the next sound (after silence, or at once if `fresh`) reaches the output. */
      next(mode: 'armed' | 'fresh'): Promise<number> {
        return new Promise((resolve) => {
          onset.port.onmessage = (event: MessageEvent<number>) => {
            const stamp = context.getOutputTimestamp();
            resolve((stamp.performanceTime ?? 0) + (event.data / context.sampleRate - (stamp.contextTime ?? 0)) * 1000);
          };
          onset.port.postMessage(mode);
        });
      },
    };
    (window as unknown as { probe: typeof probe }).probe = probe;
  });
}

async function main(): Promise<void> {
  if (chromiumMissing) throw new Error(chromiumMissing);
  const dir = await mkdtemp(join(tmpdir(), 'cadenza-bench-player-'));
  await chmod(dir, 0o755);
  const env = { ...process.env, CADENZA_DATA_DIR: join(dir, 'data'), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  await mkdir(join(dir, 'music', 'Bench Band', 'Start Times'), { recursive: true });
  for (let i = 1; i <= TRACKS; i++) {
    const n = String(i).padStart(2, '0');
    await makeTone(join(dir, 'music', 'Bench Band', 'Start Times', `${n} Take ${n}.flac`), {
      seconds: 40,
      frequency: 200 + i * 40,
      tags: {
        title: `Take ${n}`,
        artist: 'Bench Band',
        album_artist: 'Bench Band',
        album: 'Start Times',
        track: String(i),
      },
    });
  }
  await Promise.all([
    buildWebApp(),
    runCadenza(['user', 'add', '--username', 'bench', '--password', 'bench-password', '--product', 'premium'], env),
  ]);
  await runCadenza(['import', join(dir, 'music'), '--transcode', 'eager', '--json'], env);
  const { base, stop } = await startCadenzaServe(env);
  const browser = await launchBrowser().catch(async (error) => {
    await stop();
    throw error;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error('page error', e.message));
    await page.goto(`${base}/login`);
    await page.getByLabel('Username').fill('bench');
    await page.getByLabel('Password').fill('bench-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('start times');
    await page.getByTestId('best-match').getByRole('link', { name: 'Start Times' }).click();
    await page.getByRole('heading', { name: 'Start Times', level: 1 }).waitFor();

    const row = (k: number) => page.locator('tr[data-track-id]').nth(k);
    /** The play button of row `k`, hovered first as a pointer does (which fetches ahead) unless `cold`. */
    const clickPlay = async (k: number, cold = false) => {
      const title = `Take ${String(k + 1).padStart(2, '0')}`;
      if (!cold) await row(k).hover();
      // Without a hover the button is hidden (and out of the accessibility tree): a click event still reaches it.
      const button = row(k).getByRole('button', { name: `Play ${title}`, exact: true, includeHidden: cold });
      await button.evaluate((el) => {
        el.addEventListener('click', (e) => Object.assign(window, { clickedAt: e.timeStamp }), {
          once: true,
          capture: true,
        });
      });
      return button;
    };

    // Warm-up: the first click creates the AudioContext; then the probe can attach to it.
    for (let i = 0; i < WARM_UP; i++) {
      await (await clickPlay(i)).click();
      await page.waitForFunction(() => window.cadenza?.player.getState().status === 'playing');
    }
    await installProbe(page);

    const clicks: number[] = [];
    const colds: number[] = [];
    const nexts: number[] = [];
    const natives: number[] = [];
    /** Click to each stage of the engine's start: start called, stream info, first chunk decoded, scheduled. */
    const stages: number[][] = [[], [], [], []];
    let k = WARM_UP;
    for (let i = 0; i < PLAYS; i++) {
      // A track that is neither prefetched nor cached: three ahead of the last one, around the album
      // (never the last track, which has no next).
      k = (k + 3) % (TRACKS - 1);
      await page.evaluate(() => window.cadenza!.player.pause());
      const button = await clickPlay(k);
      const heard = page.evaluate(() =>
        (window as unknown as { probe: { next(m: string): Promise<number> } }).probe.next('fresh'),
      );
      heard.catch(() => undefined);
      await button.click();
      const clickedAt = await page.evaluate(() => (window as unknown as { clickedAt: number }).clickedAt);
      clicks.push((await heard) - clickedAt);
      const marks = await page.evaluate(() =>
        ['start', 'stream-info', 'decoded', 'scheduled'].map(
          (m) => performance.getEntriesByName(`cadenza:${m}`).at(-1)?.startTime ?? 0,
        ),
      );
      marks.forEach((t, m) => {
        stages[m]!.push(t - clickedAt);
      });

      // Next while playing: the next track was prefetched while this one started.
      await page.waitForTimeout(400);
      const next = page.getByTestId('now-playing').getByRole('button', { name: 'Next', exact: true });
      await next.evaluate((el) => {
        el.addEventListener('click', (e) => Object.assign(window, { clickedAt: e.timeStamp }), {
          once: true,
          capture: true,
        });
      });
      const afterNext = page.evaluate(() =>
        (window as unknown as { probe: { next(m: string): Promise<number> } }).probe.next('armed'),
      );
      afterNext.catch(() => undefined);
      await next.click();
      nexts.push(
        (await afterNext) - (await page.evaluate(() => (window as unknown as { clickedAt: number }).clickedAt)),
      );

      // A click with no hover ahead (a click event alone, as from a touch screen or a script): the
      // track is neither prepared nor prefetched (the last plays' sources are around k-3..k+3).
      await page.evaluate(() => window.cadenza!.player.pause());
      const coldButton = await clickPlay((k + 5) % (TRACKS - 1), true);
      const coldHeard = page.evaluate(() =>
        (window as unknown as { probe: { next(m: string): Promise<number> } }).probe.next('fresh'),
      );
      coldHeard.catch(() => undefined);
      await coldButton.dispatchEvent('click');
      colds.push(
        (await coldHeard) - (await page.evaluate(() => (window as unknown as { clickedAt: number }).clickedAt)),
      );

      // Baseline: the browser's <audio> element on the same kind of request, the player paused.
      await page.evaluate(() => window.cadenza!.player.pause());
      const trackId = await row((k + 7) % TRACKS).getAttribute('data-track-id');
      natives.push(
        await page.evaluate(async (id) => {
          const probe = (
            window as unknown as {
              probe: { audio: HTMLAudioElement; hear(w: string): void; next(m: string): Promise<number> };
            }
          ).probe;
          probe.hear('element');
          const session = JSON.parse(localStorage.getItem('cadenza.session') ?? '{}');
          const t0 = performance.now();
          const heard = probe.next('fresh');
          await window.cadenza!.output.resume();
          const info = await (
            await fetch(`/v1/tracks/${id}/stream`, {
              headers: { Authorization: `Bearer ${session.accessToken}` },
            })
          ).json();
          probe.audio.src = info.files.find((f: { quality: string }) => f.quality === 'vorbis_320').url;
          await probe.audio.play();
          const t = await heard;
          probe.audio.pause();
          probe.audio.removeAttribute('src');
          probe.audio.load();
          probe.hear('player');
          return t - t0;
        }, trackId),
      );
    }
    const { base: baseLatency, output: outputLatency } = await page.evaluate(() => ({
      base: window.cadenza!.output.context.baseLatency * 1000,
      output: (window.cadenza!.output.context.outputLatency ?? 0) * 1000,
    }));
    const line = (name: string, xs: number[]) =>
      `| ${name} | ${pct(xs, 0.5).toFixed(1)} ms | ${pct(xs, 0.99).toFixed(1)} ms | ×${(pct(xs, 0.5) / pct(natives, 0.5)).toFixed(2)} / ×${(pct(xs, 0.99) / pct(natives, 0.99)).toFixed(2)} |`;
    console.log('');
    console.log(
      `web player start-up over ${PLAYS} plays on loopback (Chromium ${browser.version()}, output base latency ${baseLatency.toFixed(1)} ms, output latency ${outputLatency.toFixed(1)} ms):`,
    );
    console.log('| from → to first audible output | p50 | p99 | ratio to <audio> p50 / p99 |');
    console.log('| --- | --- | --- | --- |');
    console.log(line('click on a track not in the queue, row hovered first (target p99 < 150 ms)', clicks));
    console.log(line('click with no hover ahead: nothing fetched before the click', colds));
    console.log(line('"Next" while playing (prefetched)', nexts));
    console.log(line('baseline: <audio> element, stream-info request + signed URL', natives));
    console.log('');
    console.log("where a hovered click's time goes (p50 / p99 from the click):");
    [
      'engine start called',
      'stream info answered',
      'first chunk fetched and decoded',
      'audio scheduled (then output latency)',
    ].forEach((name, m) => {
      console.log(`- ${name}: ${pct(stages[m]!, 0.5).toFixed(1)} / ${pct(stages[m]!, 0.99).toFixed(1)} ms`);
    });
  } catch (error) {
    console.error('bench:player failed:', error);
    throw error;
  } finally {
    await browser.close();
    await stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
