import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { PlaybackEngine } from '../../web/src/player/engine.js';
import type { Network } from '../../web/src/player/track-source.js';
import type { QueueItem } from '../../web/src/player/types.js';
import { encodeTrack, ffmpegDecoder, RATE, sampleExactSkip, startRangeServer, TapeOutput } from '../helpers/player.js';

const SECONDS = 40;

/** A Jam participant's engine follows a leader's position on its own output clock. */
describe('player: aligning to a leader (Jam)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startRangeServer>>;
  let decoded: Float32Array;
  const engines: PlaybackEngine[] = [];
  const track: QueueItem = { id: 'song', title: 'Song', artists: 'Tester', durationMs: SECONDS * 1000 };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cadenza-align-'));
    const files = await encodeTrack(dir, 'song', SECONDS, 'noise', 11);
    const map = new Map<string, Uint8Array>();
    for (const [rung, bytes] of Object.entries(files)) map.set(`song/${rung}`, bytes);
    decoded = (await ffmpegDecoder.decode(files.vorbis_320 as Uint8Array)).channels[0]!;
    server = await startRangeServer(map);
  });
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.dispose();
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An engine on a hand-moved clock; `onFetch` runs at each range request (to move the clock while loading). */
  function engine(onFetch: () => void = () => {}) {
    const output = new TapeOutput();
    const network: Network = {
      range(url, start, end) {
        onFetch();
        return server.network.range(url, start, end);
      },
    };
    const player = new PlaybackEngine({
      api: server.api,
      network,
      decoder: ffmpegDecoder,
      output,
      clock: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 2))),
      every: () => () => {},
      saved: { settings: { crossfadeSeconds: 0, quality: 'very_high' } },
    });
    engines.push(player);
    return { player, output };
  }

  /** The first live voice's first buffer. */
  const firstBuffer = (output: TapeOutput) => output.voices.find((v) => !v.stopped)!.buffers[0]!;

  /** Asserts the buffer holds the track's own samples for the track frame it is placed at. */
  function assertTrackAudio(at: number, channels: Float32Array[], origin: number) {
    const from = at - origin;
    assert.ok(from >= 0, `placed at track frame ${from}`);
    for (let i = 0; i < 2000; i++) {
      if (channels[0]![i] !== decoded[from + i]) assert.fail(`tape frame ${at + i} is not track frame ${from + i}`);
    }
  }

  it('starts the leader’s track so that its position is the leader’s, with nothing scheduled in the past', async () => {
    const { player, output } = engine();
    output.frame = 10 * RATE;
    const origin = output.frame - 12 * RATE; // the leader is 12 s into the track
    assert.equal(await player.align([track], 0, origin), 'started');
    assert.equal(player.getState().status, 'playing', String(player.getState().error));
    const first = firstBuffer(output);
    assert.ok(first.at >= output.frame, 'the first sound is not in the past');
    assert.ok(first.at - output.frame < 0.5 * RATE, 'and not far ahead');
    assert.equal(Math.round(player.positionAt(output.frame + RATE)!.positionMs), 13_000);
    assert.equal(player.positionAt(output.frame)!.trackId, 'song');
    if (!sampleExactSkip) assertTrackAudio(first.at, first.channels, origin);
  });

  it('cuts what loads too late instead of falling behind the leader', async () => {
    let fetches = 0;
    const { player, output } = engine(() => {
      // Each request takes 0.4 s of output clock: more than the lead the start decodes ahead by.
      fetches++;
      output.frame += Math.round(0.4 * RATE);
    });
    output.frame = 5 * RATE;
    const origin = output.frame - 20 * RATE;
    await player.align([track], 0, origin);
    assert.ok(fetches > 0);
    const first = firstBuffer(output);
    assert.ok(first.at >= output.frame, `first sound at ${first.at}, clock at ${output.frame}`);
    assert.equal(Math.round(player.positionAt(output.frame)!.positionMs), (output.frame - origin) / (RATE / 1000));
    if (!sampleExactSkip) assertTrackAudio(first.at, first.channels, origin);
  });

  it('leaves a drift under 10 ms alone, nudges one under 60 ms by a 1 % speed change, re-seeks beyond', async () => {
    const { player, output } = engine();
    output.frame = 2 * RATE;
    const origin = output.frame - 4 * RATE;
    await player.align([track], 0, origin);
    output.frame += RATE;
    const voice = output.voices.find((v) => !v.stopped)!;

    assert.equal(await player.align([track], 0, origin - Math.round(0.006 * RATE)), 'in-sync');
    assert.equal(voice.warps.length, 0);

    // The leader is 30 ms further on: this follower speeds up by 1 % for 3 s.
    const ahead = origin - Math.round(0.03 * RATE);
    assert.equal(await player.align([track], 0, ahead), 'nudged');
    assert.equal(voice.warps.length, 1);
    const warp = voice.warps[0]!;
    assert.equal(warp.shift, Math.round(0.03 * RATE));
    assert.equal(warp.frames, Math.round(3 * RATE));
    const at = (frame: number) => player.positionAt(frame)!.positionMs;
    assert.ok(Math.abs(at(warp.at) - (warp.at - origin) / (RATE / 1000)) < 0.1, 'unchanged where the nudge begins');
    const mid = warp.at + warp.frames / 2;
    assert.ok(Math.abs(at(mid) - ((mid - ahead) / (RATE / 1000) - 15)) < 0.1, 'half of it half way');
    const end = warp.at + warp.frames;
    assert.ok(Math.abs(at(end) - (end - ahead) / (RATE / 1000)) < 0.1, 'all of it at the end');
    // While the nudge runs, a fresh measurement of the same leader changes nothing.
    assert.equal(await player.align([track], 0, ahead), 'in-sync');

    output.frame = end + RATE;
    const far = ahead - Math.round(0.2 * RATE);
    assert.equal(await player.align([track], 0, far), 'seeked');
    assert.equal(Math.round(at(output.frame)), Math.round((output.frame - far) / (RATE / 1000)));
    assert.ok(voice.stopped, 'the old voice is silent after a re-seek');
  });

  it('follows a pause and a resume: the resumed track is back at the leader’s position', async () => {
    const { player, output } = engine();
    output.frame = RATE;
    const origin = output.frame - 8 * RATE;
    await player.align([track], 0, origin);
    await player.pause();
    assert.equal(output.running, false);
    // The leader resumes later with a new origin (it was paused for a while).
    output.frame += 3 * RATE;
    const later = output.frame - 9 * RATE;
    assert.equal(await player.align([track], 0, later), 'started');
    assert.equal(output.running, true);
    assert.equal(Math.round(player.positionAt(output.frame)!.positionMs), 9000);
  });

  it('reads positions at the frame being heard, behind the one being rendered by the output latency', async () => {
    const { player, output } = engine();
    output.latency = Math.round(0.04 * RATE);
    output.frame = RATE;
    const origin = output.frame - 6 * RATE;
    await player.align([track], 0, origin);
    output.frame += RATE;
    assert.equal(Math.round(player.getState().positionMs), 7000 - 40);
  });
});
