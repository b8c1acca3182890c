import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpotifyApi } from '@spotify/web-api-ts-sdk';
import { TestDevice } from '../helpers/connect.js';
import { type Discography, insertDiscography } from '../helpers/discography.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Spotify's own TypeScript SDK, pointed at Cadenza through its `fetch` option, drives a device through
 * the whole player family: every call must succeed as it would against Spotify, the device must be
 * told, and the state must show it.
 */

let server: TestServer;
let music: Discography;

before(async () => {
  server = await startTestServer({ deviceHeartbeatMs: 200 });
  music = await insertDiscography(server.services.database.db, [
    { name: 'Signal', genre: 'pop', albums: [{ name: 'Carrier', tracks: 4 }] },
  ]);
});
after(() => server.close());

function sdkFor(token: string): SpotifyApi {
  const spotify = 'https://api.spotify.com/v1/';
  return SpotifyApi.withAccessToken(
    'cadenza-test',
    { access_token: token, token_type: 'Bearer', expires_in: 3600, refresh_token: '', expires: Date.now() + 3_600_000 },
    {
      fetch: (input, init) => {
        const url = String(input);
        assert.ok(url.startsWith(spotify), url);
        return fetch(`${server.url}/v1/${url.slice(spotify.length)}`, init);
      },
    },
  );
}

test('the Spotify SDK drives a device through the whole player family', async () => {
  const me = await server.account();
  const sdk = sdkFor(me.token);
  const tracks = music.tracks.get('Carrier')!;
  const laptop = await TestDevice.connect(server.url, me.token, { name: 'Laptop' });

  assert.equal(await sdk.player.getPlaybackState(), null, 'nothing active yet: 204');
  const { devices } = await sdk.player.getAvailableDevices();
  assert.deepEqual(
    devices.map((d) => [d.id, d.name, d.is_active]),
    [[laptop.id, 'Laptop', false]],
  );

  await sdk.player.transferPlayback([laptop.id], false);
  assert.equal((await sdk.player.getPlaybackState()).device.id, laptop.id);

  const loaded = laptop.command('load');
  await sdk.player.startResumePlayback(
    laptop.id,
    `spotify:album:${music.album.get('Carrier')}`,
    undefined,
    { position: 1 },
    15_000,
  );
  assert.deepEqual(await loaded, {
    kind: 'load',
    track_ids: tracks,
    index: 1,
    position_ms: 15_000,
    play: true,
    context_uri: `cadenza:album:${music.album.get('Carrier')}`,
  });
  let state = await sdk.player.getPlaybackState();
  assert.equal(state.item.id, tracks[1]);
  assert.equal(state.is_playing, true);
  assert.ok(state.progress_ms >= 15_000);

  const steps: [string, () => Promise<void>, Record<string, unknown>][] = [
    ['pausePlayback', () => sdk.player.pausePlayback(laptop.id), { kind: 'pause' }],
    ['startResumePlayback', () => sdk.player.startResumePlayback(laptop.id), { kind: 'resume' }],
    ['seekToPosition', () => sdk.player.seekToPosition(60_000, laptop.id), { kind: 'seek', position_ms: 60_000 }],
    ['skipToNext', () => sdk.player.skipToNext(laptop.id), { kind: 'next' }],
    ['skipToPrevious', () => sdk.player.skipToPrevious(laptop.id), { kind: 'previous' }],
    ['setRepeatMode', () => sdk.player.setRepeatMode('track', laptop.id), { kind: 'repeat', state: 'track' }],
    ['togglePlaybackShuffle', () => sdk.player.togglePlaybackShuffle(true), { kind: 'shuffle', state: true }],
    ['setPlaybackVolume', () => sdk.player.setPlaybackVolume(30), { kind: 'volume', volume_percent: 30 }],
    [
      'addItemToPlaybackQueue',
      () => sdk.player.addItemToPlaybackQueue(`spotify:track:${tracks[3]}`),
      { kind: 'enqueue', track_ids: [tracks[3]], offset: 1 },
    ],
  ];
  for (const [name, call, expected] of steps) {
    const heard = laptop.socket.next((f) => f.type === 'player.command');
    await call();
    assert.deepEqual((await heard).command, expected, name);
  }

  state = await sdk.player.getPlaybackState();
  assert.equal(state.item.id, tracks[1], 'next then previous (from the start of the track): back on the second');
  assert.equal(state.repeat_state, 'track');
  assert.equal(state.shuffle_state, true);
  assert.equal(state.device.volume_percent, 30);
  assert.equal(state.is_playing, true);
  const queue = await sdk.player.getUsersQueue();
  assert.equal(queue.currently_playing?.id, tracks[1]);
  assert.deepEqual(
    queue.queue.map((t) => t.id),
    [tracks[3], tracks[2], tracks[3]],
  );
  const current = await sdk.player.getCurrentlyPlayingTrack();
  assert.equal(current.item.id, tracks[1]);

  const phone = await TestDevice.connect(server.url, me.token, { name: 'Phone', type: 'Smartphone' });
  const moved = phone.command('load');
  const stopped = laptop.command('stop');
  await sdk.player.transferPlayback([phone.id], true);
  assert.equal((await moved).index, 1);
  await stopped;
  assert.equal((await sdk.player.getPlaybackState()).device.name, 'Phone');

  // Spotify's errors come back as the SDK reports them.
  await assert.rejects(sdk.player.pausePlayback('not-a-device-of-mine'), /404/);
});
