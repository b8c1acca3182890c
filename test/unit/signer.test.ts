import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newId } from '../../src/core/ids.js';
import { type AudioGrant, UrlSigner, type VerifyResult } from '../../src/core/streaming/signer.js';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const oldKey = { id: 'k2029', secret: randomBytes(32) };
const newKey = { id: 'k2030', secret: randomBytes(32) };
const grant: AudioGrant = { trackId: newId(), version: 'v1_a-B', quality: 'vorbis_160', userId: newId() };

function signerAt(clock: { now: number }, keys = [oldKey], activeKeyId?: string): UrlSigner {
  return new UrlSigner({ keys, activeKeyId, ttlSeconds: 600, now: () => clock.now });
}

function check(signer: UrlSigner, path: string): VerifyResult {
  const url = new URL(path, 'http://edge.invalid');
  return signer.verify(url.pathname, url.searchParams);
}

/** Rewrites one query parameter of a signed path. */
function withParam(path: string, name: string, value: string): string {
  const url = new URL(path, 'http://edge.invalid');
  url.searchParams.set(name, value);
  return url.pathname + url.search;
}

test('a signed URL has the documented shape and verifies to the same grant', () => {
  const clock = { now: T0 };
  const { path, expiresAt } = signerAt(clock).sign(grant);
  const expiry = T0 / 1000 + 600;
  assert.match(
    path,
    new RegExp(
      `^/audio/${grant.trackId}/${grant.version}/vorbis_160\\?u=${grant.userId}&e=${expiry}&k=k2029&s=[A-Za-z0-9_-]{43}$`,
    ),
  );
  assert.equal(expiresAt, expiry * 1000);
  assert.deepEqual(check(signerAt(clock), path), { ok: true, ...grant, expiresAt });
});

test('changing any signed field breaks the signature', () => {
  const clock = { now: T0 };
  const signer = signerAt(clock);
  const { path } = signer.sign(grant);
  const [pathname = '', query = ''] = path.split('?');
  const other = newId();
  const tampered = [
    `${pathname.replace(grant.trackId, other)}?${query}`,
    `${pathname.replace('/v1_a-B/', '/v2/')}?${query}`,
    `${pathname.replace('vorbis_160', 'vorbis_320')}?${query}`,
    withParam(path, 'u', other),
    withParam(path, 'e', String(T0 / 1000 + 86_400)),
    withParam(path, 'e', String(T0 / 1000 + 599)),
  ];
  for (const p of tampered) assert.deepEqual(check(signer, p), { ok: false, reason: 'bad_signature' }, p);

  const s = new URL(path, 'http://x').searchParams.get('s')!;
  const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
  assert.deepEqual(check(signer, withParam(path, 's', flipped)), { ok: false, reason: 'bad_signature' });
  // Same bytes, different spelling: the last base64url character carries 2 unused bits.
  const respelled = s.slice(0, -1) + String.fromCharCode(s.charCodeAt(42) + 1);
  assert.deepEqual(Buffer.from(respelled, 'base64url'), Buffer.from(s, 'base64url'));
  assert.deepEqual(check(signer, withParam(path, 's', respelled)), { ok: false, reason: 'bad_signature' });
});

test('the key id is covered: relabelling a URL with another configured key fails', () => {
  const clock = { now: T0 };
  const both = signerAt(clock, [oldKey, newKey]);
  const { path } = both.sign(grant);
  assert.equal(check(both, path).ok, true);
  assert.deepEqual(check(both, withParam(path, 'k', 'k2030')), { ok: false, reason: 'bad_signature' });
  // Even two ids sharing one secret (a botched rotation) must not vouch for each other's URLs.
  const twins = signerAt(clock, [oldKey, { id: 'twin', secret: oldKey.secret }]);
  const twinPath = twins.sign(grant).path;
  assert.equal(check(twins, twinPath).ok, true);
  assert.deepEqual(check(twins, withParam(twinPath, 'k', 'twin')), { ok: false, reason: 'bad_signature' });
});

test('a URL stops verifying at its expiry', () => {
  const clock = { now: T0 };
  const signer = signerAt(clock);
  const { path, expiresAt } = signer.sign(grant);
  clock.now = expiresAt - 1;
  assert.equal(check(signer, path).ok, true);
  clock.now = expiresAt;
  assert.deepEqual(check(signer, path), { ok: false, reason: 'expired' });
  clock.now = expiresAt + 3_600_000;
  assert.deepEqual(check(signer, path), { ok: false, reason: 'expired' });
});

test('a URL signed by a key that is not configured is refused as unknown', () => {
  const clock = { now: T0 };
  const { path } = signerAt(clock, [newKey]).sign(grant);
  assert.deepEqual(check(signerAt(clock, [oldKey]), path), { ok: false, reason: 'unknown_key' });
  assert.deepEqual(check(signerAt(clock, [oldKey]), withParam(path, 'k', 'nope')), {
    ok: false,
    reason: 'unknown_key',
  });
});

test('key rotation: old URLs verify until the old key is removed, new URLs use the new key', () => {
  const clock = { now: T0 };
  const before = signerAt(clock, [oldKey]);
  const oldUrl = before.sign(grant).path;

  const rotating = signerAt(clock, [oldKey, newKey], 'k2030');
  assert.equal(rotating.activeKeyId, 'k2030');
  const newUrl = rotating.sign(grant).path;
  assert.equal(new URL(newUrl, 'http://x').searchParams.get('k'), 'k2030');
  assert.equal(check(rotating, oldUrl).ok, true);
  assert.equal(check(rotating, newUrl).ok, true);
  // A signer that has not rotated yet cannot check the new URLs.
  assert.deepEqual(check(before, newUrl), { ok: false, reason: 'unknown_key' });

  const after = signerAt(clock, [newKey]);
  assert.deepEqual(check(after, oldUrl), { ok: false, reason: 'unknown_key' });
  assert.equal(check(after, newUrl).ok, true);
});

test('malformed paths and queries are refused before any MAC work', () => {
  const clock = { now: T0 };
  const signer = signerAt(clock);
  const { path } = signer.sign(grant);
  const [pathname = '', query = ''] = path.split('?');
  const bad = [
    `${pathname}`,
    `${pathname}/?${query}`,
    `${pathname.replace('vorbis_160', 'mp3_999')}?${query}`,
    `${pathname.replace(grant.trackId, 'short')}?${query}`,
    `${pathname.replace(grant.trackId, `${grant.trackId.slice(0, 21)}!`)}?${query}`,
    `${pathname.replace('/v1_a-B/', '/../')}?${query}`,
    `${pathname.replace('/v1_a-B/', `/${'v'.repeat(65)}/`)}?${query}`,
    `/stream/${grant.trackId}/v1/vorbis_160?${query}`,
    withParam(path, 'u', 'not-a-user'),
    withParam(path, 'e', 'soon'),
    withParam(path, 'e', '-1'),
    withParam(path, 'e', `0${T0 / 1000 + 600}`),
    withParam(path, 'e', '9'.repeat(13)),
    withParam(path, 'k', ''),
    withParam(path, 'k', 'x'.repeat(33)),
    withParam(path, 's', 'abc'),
    withParam(path, 's', `${'A'.repeat(42)}=`),
  ];
  for (const p of bad) assert.deepEqual(check(signer, p), { ok: false, reason: 'malformed' }, p);
  for (const name of ['u', 'e', 'k', 's']) {
    const url = new URL(path, 'http://x');
    url.searchParams.delete(name);
    assert.deepEqual(check(signer, url.pathname + url.search), { ok: false, reason: 'malformed' }, name);
  }
});

test('the signer refuses to sign malformed grants and to start with unusable keys', () => {
  const signer = signerAt({ now: T0 });
  assert.throws(() => signer.sign({ ...grant, trackId: 'x' }));
  assert.throws(() => signer.sign({ ...grant, version: 'a/b' }));
  assert.throws(() => signer.sign({ ...grant, userId: '' }));
  assert.throws(() => signer.sign({ ...grant, quality: 'mp3' as AudioGrant['quality'] }));
  assert.throws(() => new UrlSigner({ keys: [], ttlSeconds: 60 }));
  assert.throws(() => new UrlSigner({ keys: [{ id: 'a', secret: randomBytes(16) }], ttlSeconds: 60 }));
  assert.throws(() => new UrlSigner({ keys: [oldKey, oldKey], ttlSeconds: 60 }));
  assert.throws(() => new UrlSigner({ keys: [oldKey], activeKeyId: 'missing', ttlSeconds: 60 }));
  assert.throws(() => new UrlSigner({ keys: [oldKey], ttlSeconds: 0 }));
});

test('verification is cheap enough for every range request', () => {
  const signer = signerAt({ now: T0 });
  const url = new URL(signer.sign(grant).path, 'http://x');
  const n = 20_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) assert.equal(signer.verify(url.pathname, url.searchParams).ok, true);
  const microsEach = Number(process.hrtime.bigint() - started) / 1000 / n;
  // ~2 µs on a laptop; the bound only catches accidental per-call key derivation or similar.
  assert.ok(microsEach < 50, `verify took ${microsEach.toFixed(1)} µs`);
});
