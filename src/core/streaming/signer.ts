import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { Quality } from '../../ports/transcoder.js';
import { isQuality } from '../ingest/ladder.js';

/**
 * Signed audio URLs: the API decides who may hear what, and the edge only checks a MAC, so audio
 * delivery never needs the database. The path names the immutable object; the query carries the
 * listener, the expiry (unix seconds), the key id and the signature.
 */

export interface SigningKeyInput {
  id: string;
  secret: Buffer;
}

export interface UrlSignerOptions {
  keys: SigningKeyInput[];
  /** The key that signs new URLs; defaults to the first. Every listed key still verifies. */
  activeKeyId?: string;
  ttlSeconds: number;
  /** Clock in UTC milliseconds; injectable for tests. */
  now?: () => number;
}

export interface AudioGrant {
  trackId: string;
  version: string;
  quality: Quality;
  userId: string;
}

export interface SignedUrl {
  /** `/audio/<trackId>/<version>/<quality>?u=…&e=…&k=…&s=…`, to append to the edge's origin. */
  path: string;
  /** UTC milliseconds. */
  expiresAt: number;
}

export type VerifyFailure = 'malformed' | 'unknown_key' | 'bad_signature' | 'expired';

export type VerifyResult = ({ ok: true; expiresAt: number } & AudioGrant) | { ok: false; reason: VerifyFailure };

const ID = /^[0-9A-Za-z]{22}$/;
const VERSION = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
// Up to 12 digits keeps Number() exact; no leading zero, so each expiry has exactly one spelling.
const EXPIRY = /^[1-9][0-9]{0,11}$/;
// 32 bytes of HMAC-SHA256 in unpadded base64url.
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const PATH = /^\/audio\/([0-9A-Za-z]{22})\/([A-Za-z0-9_-]{1,64})\/([a-z0-9_]{1,16})$/;
// Versioned so a future change of the signed fields cannot be confused with this one.
const CONTEXT = 'cadenza-audio-v1';

export class UrlSigner {
  readonly #keys = new Map<string, KeyObject>();
  readonly #activeKeyId: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  constructor(options: UrlSignerOptions) {
    if (options.keys.length === 0) throw new Error('UrlSigner needs at least one signing key');
    for (const { id, secret } of options.keys) {
      if (!KEY_ID.test(id)) throw new Error(`signing key id "${id}" must match ${KEY_ID.source}`);
      if (this.#keys.has(id)) throw new Error(`signing key id "${id}" is listed twice`);
      if (secret.length < 32) throw new Error(`signing key "${id}" must be at least 32 bytes`);
      this.#keys.set(id, createSecretKey(secret));
    }
    this.#activeKeyId = options.activeKeyId ?? options.keys[0]!.id;
    if (!this.#keys.has(this.#activeKeyId)) throw new Error(`active signing key "${this.#activeKeyId}" is not listed`);
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new Error('ttlSeconds must be a positive whole number');
    }
    this.#ttlSeconds = options.ttlSeconds;
    this.#now = options.now ?? Date.now;
  }

  get activeKeyId(): string {
    return this.#activeKeyId;
  }

  sign(grant: AudioGrant): SignedUrl {
    const { trackId, version, quality, userId } = grant;
    if (!ID.test(trackId) || !VERSION.test(version) || !isQuality(quality) || !ID.test(userId)) {
      throw new Error('cannot sign an audio URL for a malformed track, version, quality or user');
    }
    const expiry = Math.floor(this.#now() / 1000) + this.#ttlSeconds;
    const keyId = this.#activeKeyId;
    const signature = this.#mac(this.#keys.get(keyId)!, trackId, version, quality, userId, expiry, keyId);
    return {
      path: `/audio/${trackId}/${version}/${quality}?u=${userId}&e=${expiry}&k=${keyId}&s=${signature}`,
      expiresAt: expiry * 1000,
    };
  }

  /** Checks a request's path and query; cheap enough for every range request. */
  verify(pathname: string, query: URLSearchParams): VerifyResult {
    const parts = PATH.exec(pathname);
    const userId = query.get('u');
    const e = query.get('e');
    const keyId = query.get('k');
    const signature = query.get('s');
    if (
      parts === null ||
      userId === null ||
      e === null ||
      keyId === null ||
      signature === null ||
      !ID.test(userId) ||
      !EXPIRY.test(e) ||
      !KEY_ID.test(keyId) ||
      !SIGNATURE.test(signature)
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const [, trackId, version, quality] = parts as unknown as [string, string, string, string];
    if (!isQuality(quality)) return { ok: false, reason: 'malformed' };
    const key = this.#keys.get(keyId);
    if (key === undefined) return { ok: false, reason: 'unknown_key' };

    const expiry = Number(e);
    const expected = this.#mac(key, trackId, version, quality, userId, expiry, keyId);
    // Comparing the encoded forms (both 43 ASCII bytes) also rejects non-canonical base64url spellings.
    if (!timingSafeEqual(Buffer.from(signature, 'latin1'), Buffer.from(expected, 'latin1'))) {
      return { ok: false, reason: 'bad_signature' };
    }
    // Checked after the MAC so "expired" is only ever said about a URL we really issued.
    const expiresAt = expiry * 1000;
    if (this.#now() >= expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, trackId, version, quality, userId, expiresAt };
  }

  #mac(
    key: KeyObject,
    trackId: string,
    version: string,
    quality: string,
    userId: string,
    expiry: number,
    keyId: string,
  ): string {
    // Every field has a charset without '\n', so joining with it is unambiguous.
    const message = `${CONTEXT}\n${trackId}\n${version}\n${quality}\n${userId}\n${expiry}\n${keyId}`;
    return createHmac('sha256', key).update(message).digest('base64url');
  }
}
