import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Track } from '../../web/src/api/types.js';
import type { QueueItem } from '../../web/src/player/types.js';
import {
  AUTOPLAY_SEEDS,
  autoplaySeeds,
  QueueContinuation,
  type QueuePosition,
  RADIO_LOW,
  radioContext,
  refillFor,
} from '../../web/src/queue-continuation.js';
import { queueItems } from '../../web/src/queue-items.js';

const track = (id: string): Track => ({
  id,
  name: `Song ${id}`,
  artists: [{ id: `artist${id}`, name: `Artist ${id}` }],
  duration_ms: 180_000,
  disc_number: 1,
  track_number: 1,
  explicit: false,
  popularity: 0,
  album: {
    id: `album${id}`,
    name: `Album ${id}`,
    album_type: 'album',
    total_tracks: 1,
    images: [],
    release_date: '2026',
    artists: [],
  },
});
const ids = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const at = (queue: QueueItem[], index: number, extra: Partial<QueuePosition> = {}): QueuePosition => ({
  queue,
  index,
  remaining: queue.length - index - 1,
  repeat: 'off',
  ...extra,
});

/**
 * A station over a pool of tracks that answers the way the server's routes do: best first, never
 * anything named in `exclude`, at most `limit`. It keeps every request it was asked.
 */
function station(pool: string[]) {
  const asked: URLSearchParams[] = [];
  return {
    asked,
    fetchTracks: async (path: string) => {
      const query = new URL(path, 'http://cadenza.test').searchParams;
      asked.push(query);
      const exclude = new Set((query.get('exclude') ?? '').split(',').filter(Boolean));
      const limit = Number(query.get('limit'));
      return pool
        .filter((id) => !exclude.has(id))
        .slice(0, limit)
        .map(track);
    },
  };
}

/** A queue the continuation appends to, played one track at a time as an engine would. */
function playerOver(first: string[]) {
  const state = { queue: queueItems(first.map(track)), index: 0, ended: false };
  return {
    state,
    append: async (items: QueueItem[]) => {
      state.queue = [...state.queue, ...items];
      if (state.ended) {
        state.ended = false;
        state.index++;
      }
    },
  };
}

describe('what keeps the queue going', () => {
  const radio = radioContext('cadenza:track:seed');
  const queue = queueItems(ids(10).map(track));

  it('asks for nothing while repeat is on, and for autoplay only when it is on and the last track plays', () => {
    const last = at(queue, 9);
    assert.equal(refillFor({ ...last, repeat: 'all' }, null, { autoplay: true, radioDone: false }), null);
    assert.equal(refillFor(last, null, { autoplay: false, radioDone: false }), null);
    assert.deepEqual(refillFor(last, 'album:x', { autoplay: true, radioDone: false }), { kind: 'autoplay' });
    assert.equal(refillFor(at(queue, 8), 'album:x', { autoplay: true, radioDone: false }), null, 'one more to go');
    assert.equal(refillFor(at(queue, 0, { index: -1 }), null, { autoplay: true, radioDone: false }), null);
  });

  it('pages a radio while a few of its tracks are left, then hands over to autoplay once it has no more', () => {
    const low = at(queue, 9 - RADIO_LOW);
    assert.deepEqual(refillFor(low, radio, { autoplay: true, radioDone: false }), {
      kind: 'radio',
      seedUri: 'cadenza:track:seed',
    });
    assert.equal(refillFor(at(queue, 8 - RADIO_LOW), radio, { autoplay: true, radioDone: false }), null);
    assert.equal(refillFor(low, radio, { autoplay: true, radioDone: true }), null);
    assert.deepEqual(refillFor(at(queue, 9), radio, { autoplay: true, radioDone: true }), { kind: 'autoplay' });
  });

  it('seeds autoplay with the last five tracks played, most recent last', () => {
    const history = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    assert.deepEqual(autoplaySeeds(history, at(queue, 3)), ['c', 'd', 'e', 'f', 'g']);
    assert.equal(AUTOPLAY_SEEDS, 5);
    // Nothing heard yet (a queue restored after a reload): the queue up to the current track.
    assert.deepEqual(autoplaySeeds([], at(queue, 1)), ['t0', 't1']);
  });

  it('plays a radio for 300 tracks without a repeat, each page asking to leave out what is queued', async () => {
    const pool = ids(1000, 'r');
    const server = station(pool);
    const player = playerOver(pool.slice(0, 50));
    const continuation = new QueueContinuation({ fetchTracks: server.fetchTracks, append: player.append });
    for (let i = 0; i < 300; i++) {
      player.state.index = i;
      await continuation.check(at(player.state.queue, i), radio, true);
    }
    const queued = player.state.queue.map((q) => q.id);
    assert.equal(new Set(queued).size, queued.length, 'no track twice');
    assert.ok(queued.length >= 300, `queue holds ${queued.length}`);
    assert.ok(server.asked.length >= 5, `${server.asked.length} pages`);
    for (const query of server.asked) {
      assert.equal(query.get('seed_uri'), 'cadenza:track:seed');
      assert.equal(query.get('limit'), '50');
    }
    assert.ok(
      player.state.queue.every((q) => !q.autoplay),
      'a radio with more to give never falls back to autoplay',
    );
  });

  it('when the station runs dry, autoplay continues after its last track, seeded by what was played', async () => {
    const server = station([...ids(8, 'r'), ...ids(30, 'x')]);
    const stationTracks = ids(8, 'r');
    const player = playerOver(stationTracks);
    const continuation = new QueueContinuation({
      // The radio route has nothing beyond its 8 tracks; autoplay draws from the whole pool.
      fetchTracks: (path) =>
        path.startsWith('/v1/radio') ? Promise.resolve(stationTracks.map(track)) : server.fetchTracks(path),
      append: player.append,
    });
    for (let i = 0; i < 8; i++) {
      player.state.index = i;
      continuation.played(player.state.queue[i]!.id);
      await continuation.check(at(player.state.queue, i), radio, true);
    }
    const added = player.state.queue.slice(8);
    assert.ok(added.length > 0 && added.every((q) => q.autoplay), 'autoplay tracks follow, marked as such');
    assert.ok(
      added.every((q) => q.id.startsWith('x')),
      'none of them is one already played',
    );
    const query = server.asked.at(-1)!;
    assert.deepEqual(query.get('seed_tracks')?.split(','), ['r3', 'r4', 'r5', 'r6', 'r7']);
    assert.ok(stationTracks.every((id) => query.get('exclude')?.split(',').includes(id)));
  });

  it('continues a queue that already ended, and drops an answer that came after a new queue', async () => {
    const server = station(ids(40, 'x'));
    const player = playerOver(['a']);
    const continuation = new QueueContinuation({ fetchTracks: server.fetchTracks, append: player.append });
    player.state.ended = true;
    await continuation.check(at(player.state.queue, 0), 'album:x', true);
    assert.equal(player.state.index, 1, 'the first autoplay track plays');
    assert.equal(player.state.queue[1]!.autoplay, true);

    const late = playerOver(['b']);
    let answer: (tracks: Track[]) => void = () => undefined;
    const slow = new QueueContinuation({
      fetchTracks: () => new Promise((resolve) => (answer = resolve)),
      append: late.append,
    });
    const pending = slow.check(at(late.state.queue, 0), 'album:y', true);
    slow.reset();
    answer([track('z')]);
    await pending;
    assert.deepEqual(
      late.state.queue.map((q) => q.id),
      ['b'],
      'the old queue’s answer is not appended to the new one',
    );
  });

  it('tries a failed refill once at a place in the queue, not on every tick', async () => {
    let calls = 0;
    const player = playerOver(['a']);
    const continuation = new QueueContinuation({
      fetchTracks: async () => {
        calls++;
        throw new Error('offline');
      },
      append: player.append,
    });
    for (let tick = 0; tick < 20; tick++) await continuation.check(at(player.state.queue, 0), null, true);
    assert.equal(calls, 1);
  });
});
