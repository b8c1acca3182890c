import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_QUEUE } from '../../src/core/player/types.js';
import { parseFrame } from '../../src/http/ws/messages.js';
import { CommandVersions } from '../../web/src/connect/command-versions.js';
import { progressNow } from '../../web/src/connect/remote-view.js';
import {
  queueWindow,
  REPORT_EVERY_MS,
  REPORT_QUEUE_MAX,
  type ReportBody,
  Reporter,
  reportOf,
} from '../../web/src/connect/reporter.js';
import type { Playback } from '../../web/src/connect/types.js';
import { contextFromUri, contextUri, repeatMode, spotifyRepeat } from '../../web/src/connect/uris.js';
import type { PlayerState } from '../../web/src/player/types.js';

const TRACK = 'T'.padEnd(22, '0');
const playing = (positionMs: number, change: Partial<ReportBody> = {}): ReportBody => ({
  track_id: TRACK,
  position_ms: positionMs,
  duration_ms: 180_000,
  is_playing: true,
  queue: [TRACK],
  queue_index: 0,
  context_uri: null,
  shuffle: false,
  repeat: 'off',
  volume_percent: 80,
  ...change,
});

/** A reporter whose sends are kept, with a socket that may be down. */
function reporter() {
  const sent: ReportBody[] = [];
  let up = true;
  const r = new Reporter((report) => {
    if (up) sent.push(report);
    return up;
  });
  return { r, sent, down: () => (up = false), upAgain: () => (up = true) };
}

describe('the active device’s reports', () => {
  it('says each change once, not the play head moving on as it should', () => {
    const { r, sent } = reporter();
    r.observe(playing(0), false, 1000);
    r.observe(playing(250), false, 1250);
    r.observe(playing(2000), false, 3000);
    assert.equal(sent.length, 1);
    r.observe(playing(2250, { is_playing: false }), false, 3250);
    r.observe(playing(2250, { is_playing: false }), false, 9000);
    r.observe(playing(2250, { is_playing: false, volume_percent: 30 }), false, 9100);
    assert.deepEqual(
      sent.map((s) => [s.is_playing, s.volume_percent]),
      [
        [true, 80],
        [false, 80],
        [false, 30],
      ],
    );
  });

  it('reports a jump of the play head (a seek) and every 10 s while playing', () => {
    const { r, sent } = reporter();
    r.observe(playing(0), false, 0);
    r.observe(playing(60_000), false, 500);
    assert.equal(sent.at(-1)?.position_ms, 60_000, 'a seek is news');
    r.observe(playing(60_000 + REPORT_EVERY_MS - 100), false, 500 + REPORT_EVERY_MS - 100);
    assert.equal(sent.length, 2);
    r.observe(playing(60_000 + REPORT_EVERY_MS), false, 500 + REPORT_EVERY_MS);
    assert.equal(sent.length, 3, 'ten seconds on, the progress is reported again');
  });

  it('sends again once the socket is back, and when forced (a reconnection)', () => {
    const { r, sent, down, upAgain } = reporter();
    down();
    r.observe(playing(0), false, 0);
    upAgain();
    r.observe(playing(250), false, 250);
    assert.equal(sent.length, 1, 'the report that could not go out is sent with the next state');
    r.observe(playing(500), true, 500);
    assert.equal(sent.length, 2);
  });
});

describe('Connect uris', () => {
  it('carries the web player’s queue contexts as Cadenza uris and back', () => {
    const id = 'A'.repeat(22);
    for (const context of [`album:${id}`, `playlist:${id}`, `artist:${id}`, `radio:cadenza:track:${id}`])
      assert.equal(contextFromUri(contextUri(context)), context);
    assert.equal(contextUri('liked'), null);
    assert.equal(contextUri(null), null);
    assert.equal(contextFromUri('spotify:album:x'), null);
  });

  it('names repeat modes as Spotify does', () => {
    assert.equal(spotifyRepeat('one'), 'track');
    assert.equal(spotifyRepeat('all'), 'context');
    assert.equal(repeatMode('track'), 'one');
    assert.equal(repeatMode('off'), 'off');
  });
});

describe('a long queue in reports', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `t${String(i).padStart(21, '0')}`);
  const state = (index: number): PlayerState => ({
    status: 'playing',
    queue: ids.map((id) => ({ id, title: id, artists: 'A', durationMs: 200_000 })),
    index,
    positionMs: 1234,
    durationMs: 200_000,
    bufferedMs: 0,
    quality: null,
    bitrateKbps: null,
    shuffle: false,
    repeat: 'off',
    volume: 0.5,
    settings: { crossfadeSeconds: 0, normalize: true, quality: 'high' },
    error: null,
  });

  it('goes as a window the server accepts, in a frame under the gateway’s 64 KiB, keeping the current track', () => {
    assert.equal(REPORT_QUEUE_MAX, MAX_QUEUE, 'the web sends what the server keeps');
    for (const index of [0, 10, 1500, 2500, 2999]) {
      const body = reportOf(state(index), 'cadenza:playlist:P0000000000000000000000', false);
      assert.ok(body.queue.length <= MAX_QUEUE);
      assert.equal(body.queue[body.queue_index], ids[index], `the current track at ${index}`);
      assert.equal(body.track_id, ids[index]);
      const frame = JSON.stringify({ type: 'player.report', device_id: 'D'.repeat(22), ...body, command_version: 9 });
      assert.ok(frame.length < 64 * 1024, `${frame.length} bytes`);
      const parsed = parseFrame(frame);
      assert.equal(typeof parsed, 'object', `the server refused it: ${parsed}`);
    }
  });

  it('keeps tracks before the current one for "previous", and a short queue whole', () => {
    const w = queueWindow(ids, 2500);
    assert.ok(w.queue_index >= 1 && w.queue[w.queue_index - 1] === ids[2499]);
    assert.equal(w.queue.at(-1), ids[2500 + w.queue.length - w.queue_index - 1]);
    assert.deepEqual(queueWindow(ids.slice(0, 5), 3), { queue: ids.slice(0, 5), queue_index: 3 });
    assert.deepEqual(queueWindow([], -1), { queue: [], queue_index: 0 });
    assert.equal(queueWindow(ids, 2999).queue.at(-1), ids[2999], 'the end of the queue is reached');
  });
});

describe('reports refused as older than a command', () => {
  it('reports again at once when the command is applied already, after it when being applied', () => {
    const v = new CommandVersions();
    v.heard(7);
    assert.equal(v.onStale(7), 'wait');
    v.followed(7);
    assert.equal(v.applied, 7);
    assert.equal(v.onStale(7), 'report');
    v.followed(3);
    assert.equal(v.applied, 7, 'never goes back');
  });

  it('applies the stored state for a command it never heard, never its own memory', () => {
    const v = new CommandVersions();
    assert.ok(v.heard(3));
    v.followed(3);
    // A pause of version 5 was lost (the socket was down): the refusal carries the stored state.
    assert.equal(v.onStale(5), 'restore', 'a command never heard: the stored state wins');
    v.restoring(5);
    assert.equal(v.applied, 3, 'reports count only once the stored state is applied');
    assert.equal(v.onStale(5), 'wait', 'a second refusal meanwhile does not restore twice');
    v.followed(5);
    assert.equal(v.applied, 5);
    assert.equal(v.onStale(5), 'report');
  });

  it('skips commands that turn up after the stored state that includes them, not later ones', () => {
    const v = new CommandVersions();
    v.restoring(8);
    v.followed(8);
    assert.equal(v.heard(8), false, 'a "next" of version 8 arriving late would skip a track twice');
    assert.equal(v.heard(6), false);
    assert.equal(v.heard(9), true);
    assert.equal(v.onStale(9), 'wait');
    assert.equal(v.onStale(12), 'restore');
  });
});

describe('a remote’s progress between its state frames', () => {
  const remote = (is_playing: boolean) =>
    ({ progress_ms: 10_000, is_playing, item: { duration_ms: 60_000 } }) as unknown as Playback;

  it('runs on from a frame’s server time by the estimated clock offset, and stops at the end', () => {
    // This clock is 5 s behind the server's.
    assert.equal(progressNow(remote(true), { serverMs: 105_000 }, 101_000, 5000), 11_000);
    assert.equal(progressNow(remote(false), { serverMs: 105_000 }, 101_000, 5000), 10_000);
    assert.equal(progressNow(remote(true), { serverMs: 105_000 }, 900_000, 5000), 60_000);
  });

  it('runs on from a read’s arrival by this clock, whatever offset is estimated after it', () => {
    // Read at 100 s on this clock before the offset was known; measured as 5 s a moment later.
    assert.equal(progressNow(remote(true), { localMs: 100_000 }, 102_000, 0), 12_000);
    assert.equal(progressNow(remote(true), { localMs: 100_000 }, 102_000, 5000), 12_000);
  });
});
