import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryEventBus } from '../../src/adapters/event-bus/memory.js';
import type { CatalogRepository, Track } from '../../src/core/catalog/types.js';
import { newId } from '../../src/core/ids.js';
import { PLAYING_GRACE_MS, PRIVATE_SESSION_MS, SocialService } from '../../src/core/social/social-service.js';
import type { FriendActivity, SharedActivity, SocialRepository } from '../../src/core/social/types.js';
import { topics } from '../../src/ports/event-bus.js';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const HOUR = 3600_000;
const track: Track = {
  id: newId(),
  name: 'Long Song',
  album: {
    id: newId(),
    name: 'Album',
    albumType: 'album',
    releaseDate: null,
    releaseDatePrecision: null,
    totalTracks: 1,
    imageKey: null,
    artists: [],
    availableMarkets: null,
  },
  artists: [],
  discNumber: 1,
  trackNumber: 1,
  durationMs: 200_000,
  explicit: false,
  isrc: null,
  popularity: 0,
  availableMarkets: null,
};

/** A strict fake: the methods the service may call, and a throw for any other. */
function strict<T extends object>(impl: Partial<T>): T {
  return new Proxy(impl, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      throw new Error(`unexpected call: ${String(name)}`);
    },
  }) as T;
}

function setup() {
  const clock = { now: T0 };
  const sharer = newId();
  const followers = [newId(), newId()];
  let shared: SharedActivity | undefined;
  let privateUntil: Date | undefined;
  const repo = strict<SocialRepository>({
    publicUsers: async (ids) => ids.map((id) => ({ id, displayName: id, followers: 0 })),
    privateUntil: async (_user, now) => (privateUntil && privateUntil > now ? privateUntil : undefined),
    startPrivate: async (_user, until) => {
      privateUntil = until;
      if (shared) shared = { ...shared, isPlaying: false };
    },
    endPrivate: async () => {
      privateUntil = undefined;
    },
    share: async (a) => {
      shared = a;
    },
    audience: async () => followers,
    feed: async () => (shared ? [shared] : []),
  });
  const catalog = strict<CatalogRepository>({ tracks: async (ids) => (ids.includes(track.id) ? [track] : []) });
  const bus = new MemoryEventBus();
  const service = new SocialService(repo, catalog, bus, () => clock.now);
  const heard: unknown[] = [];
  for (const id of followers) void bus.subscribe(topics.user(id), (m) => heard.push(m));
  const report = async (progressMs: number) => {
    const out = await service.report(sharer, { trackId: track.id, progressMs, isPlaying: true }, (a) => a);
    await new Promise((r) => setImmediate(r));
    return out;
  };
  return { clock, service, heard, report, viewer: followers[0]! };
}

test('a playing report counts as playing until the track would have ended, then as last played', async () => {
  const { clock, service, report, viewer } = setup();
  await report(190_000);
  clock.now = T0 + 10_000 + PLAYING_GRACE_MS - 1;
  assert.equal((await service.feed(viewer))[0]!.isPlaying, true);
  clock.now = T0 + 10_000 + PLAYING_GRACE_MS + 1;
  const [item] = await service.feed(viewer);
  assert.equal(item!.isPlaying, false);
  assert.equal(item!.timestamp, T0, 'still says when it was played');
});

test('each follower hears a shared report once, as the presented feed item', async () => {
  const { heard, report } = setup();
  assert.deepEqual(await report(0), { shared: true });
  assert.equal(heard.length, 2);
  const message = heard[0] as { type: string; activity: FriendActivity };
  assert.equal(message.type, 'friend_activity');
  assert.equal(message.activity.track.id, track.id);
  assert.equal(message.activity.timestamp, T0);
});

test('a private session lasts six hours after the last report made in it', async () => {
  const { clock, service, heard, report, viewer } = setup();
  await report(0);
  await service.setPrivateSession('me', true);
  clock.now = T0 + 5 * HOUR;
  assert.deepEqual(await report(1000), { shared: false });
  clock.now = T0 + 10 * HOUR;
  assert.deepEqual(await report(2000), { shared: false }, 'prolonged by the report at 5 h');
  assert.equal(heard.length, 2, 'only the report before the session');
  assert.equal((await service.feed(viewer))[0]!.progressMs, 0);
  clock.now = T0 + 10 * HOUR + PRIVATE_SESSION_MS + 1;
  assert.equal((await service.privateSession('me')).enabled, false);
  assert.deepEqual(await report(3000), { shared: true });
  assert.equal(heard.length, 4);
});

test('reports of unknown tracks or past the end are refused with the field named', async () => {
  const { service } = setup();
  await assert.rejects(
    service.report('me', { trackId: newId(), progressMs: 0, isPlaying: true }, (a) => a),
    (e: Error & { field?: string }) => e.name === 'NotFound' && e.field === 'track_id',
  );
  await assert.rejects(
    service.report('me', { trackId: track.id, progressMs: 200_001, isPlaying: true }, (a) => a),
    (e: Error & { field?: string }) => e.name === 'Invalid' && e.field === 'progress_ms',
  );
});
