import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListeningEvent } from '../../web/src/events/outbox.js';
import { PlaybackEvents } from '../../web/src/events/playback-events.js';
import type { PlayerState, QueueItem } from '../../web/src/player/types.js';

const item = (id: string, durationMs: number): QueueItem => ({
  id: id.padEnd(22, '0'),
  title: id,
  artists: 'X',
  durationMs,
});
const A = item('A', 40_000);
const B = item('B', 20_000);
const C = item('C', 20_000);

/**
 * A listener's player as the tracker sees it: the test moves the clock and the state the way the
 * engine does (4 states a second while playing), and reads back the events in the form
 * `type track@position`.
 */
function player(options: { private?: boolean; context?: string } = {}) {
  const events: ListeningEvent[] = [];
  let ids = 0;
  const tracker = new PlaybackEvents({
    record: (e) => events.push(e),
    deviceId: 'web-test',
    newId: () => `id${++ids}`,
    context: () => options.context,
    privateSession: () => options.private === true,
  });
  let now = 1_000_000;
  let state: PlayerState = {
    status: 'idle',
    queue: [],
    index: -1,
    positionMs: 0,
    durationMs: 0,
    bufferedMs: 0,
    quality: null,
    bitrateKbps: null,
    shuffle: false,
    repeat: 'off',
    volume: 1,
    settings: { crossfadeSeconds: 0, normalize: true, quality: 'high' },
    error: null,
  };
  const set = (change: Partial<PlayerState>) => {
    state = { ...state, ...change };
    tracker.observe(state, now);
  };
  return {
    events,
    tracker,
    now: () => now,
    set,
    /** A new queue starting at `index` (loading, then sounding). */
    playQueue(queue: QueueItem[], index = 0, from = 0) {
      set({ queue, index, status: 'loading', positionMs: 0 });
      now += 120;
      set({ status: 'playing', positionMs: from });
    },
    /** Plays on for `ms`, a state every 250 ms; the queue moves on when a track ends. */
    play(ms: number) {
      for (let t = 0; t < ms; t += 250) {
        now += 250;
        let positionMs = state.positionMs + 250;
        let index = state.index;
        const length = state.queue[index]!.durationMs;
        if (positionMs >= length) {
          if (index + 1 < state.queue.length) {
            index++;
            positionMs -= length;
          } else {
            set({ status: 'paused', positionMs: length });
            return;
          }
        }
        set({ index, positionMs });
      }
    },
    /** The engine's seek: loading from position 0, then sounding at the target. */
    seek(to: number) {
      set({ status: 'loading', positionMs: 0 });
      now += 200;
      set({ status: 'playing', positionMs: to });
    },
    wait(ms: number) {
      now += ms;
    },
    log: () => events.map((e) => `${e.type} ${e.track_id[0]}@${e.position_ms}`),
  };
}

describe('playback events from player states', () => {
  it('a play past 30 s that ends by itself, then a skip in the next track’s first seconds', () => {
    const p = player({ context: 'cadenza:album:0123456789abcdefABCDEF' });
    p.playQueue([A, B, C]);
    p.play(40_500);
    p.play(3_000);
    p.set({ index: 2, status: 'loading', positionMs: 0 });
    assert.deepEqual(p.log(), [
      'play_start A@0',
      'progress A@30000',
      'complete A@40000',
      'play_start B@0',
      'skip B@3500',
    ]);
    const start = p.events[0]!;
    assert.equal(start.context_uri, 'cadenza:album:0123456789abcdefABCDEF');
    assert.equal(start.device_id, 'web-test');
    assert.equal(new Set(p.events.map((e) => e.id)).size, p.events.length, 'each event has its own id');
    // Spacing as the server checks a qualifying play: 30 s of audio took at least 30 s.
    const progress = p.events[1]!;
    assert.ok(progress.timestamp - start.timestamp >= progress.position_ms - start.position_ms);
    assert.ok(p.events.every((e) => e.private_session === undefined));
  });

  it('pause, resume, and seeks in both directions stay one play', () => {
    const p = player();
    p.playQueue([A]);
    p.play(5_000);
    p.set({ status: 'paused' });
    p.wait(60_000);
    p.set({ status: 'playing' });
    p.play(1_000);
    p.seek(25_000);
    p.play(1_000);
    p.seek(2_000);
    p.play(500);
    assert.deepEqual(p.log(), ['play_start A@0', 'pause A@5000', 'resume A@5000', 'seek A@25000', 'seek A@2000']);
  });

  it('progress comes every 30 s of playback, counted from the play’s last event', () => {
    const p = player();
    p.playQueue([item('L', 200_000)]);
    p.play(20_000);
    p.seek(50_000);
    p.play(65_000);
    assert.deepEqual(p.log(), ['play_start L@0', 'seek L@50000', 'progress L@80000', 'progress L@110000']);
  });

  it('the end of the queue completes the play once; playing it again is a new play', () => {
    const p = player();
    p.playQueue([B]);
    p.play(25_000);
    p.wait(10_000);
    p.set({ status: 'paused' });
    p.playQueue([B]);
    p.play(1_000);
    assert.deepEqual(p.log(), ['play_start B@0', 'complete B@20000', 'play_start B@0']);
  });

  it('repeat one: the same entry from its start again is a completed play and a new one', () => {
    const p = player();
    p.playQueue([B]);
    p.play(19_750);
    p.wait(250);
    p.set({ positionMs: 150 });
    assert.deepEqual(p.log(), ['play_start B@0', 'complete B@20000', 'play_start B@150']);
  });

  it('a queue restored paused after a reload is not a play until it sounds', () => {
    const p = player();
    p.set({ status: 'paused', queue: [A, B], index: 1, positionMs: 4_000 });
    p.set({ positionMs: 6_000 });
    assert.deepEqual(p.log(), []);
    p.playQueue([A, B], 1, 6_000);
    assert.deepEqual(p.log(), ['play_start B@6000']);
  });

  it('the page going away pauses a play that sounds; a private session marks every event', () => {
    const p = player({ private: true });
    p.playQueue([A]);
    p.play(12_000);
    p.wait(300);
    p.tracker.leave(p.now());
    p.tracker.leave(p.now());
    assert.deepEqual(p.log(), ['play_start A@0', 'pause A@12300']);
    assert.ok(p.events.every((e) => e.private_session === true));
  });

  it('positions are whole milliseconds within the track, whatever the engine reports', () => {
    const p = player();
    p.playQueue([B], 0, 0.4);
    p.set({ positionMs: 1234.6 });
    p.set({ status: 'paused', positionMs: 20_700 });
    for (const e of p.events) {
      assert.ok(
        Number.isInteger(e.position_ms) && e.position_ms >= 0 && e.position_ms <= B.durationMs,
        String(e.position_ms),
      );
    }
    assert.deepEqual(p.log(), ['play_start B@0', 'complete B@20000']);
  });
});
