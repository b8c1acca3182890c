import { randomBytes } from 'node:crypto';
import { Invalid } from './errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_PATTERN = /^[0-9A-Za-z]{22}$/;

/**
 * A 22-character base62 id, like Spotify's: 128 random bits (62^22 > 2^128), so ids are
 * unguessable and never collide in practice.
 */
export function newId(): string {
  let n = BigInt(`0x${randomBytes(16).toString('hex')}`);
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** `id` when it is a well-formed id, else an Invalid naming `field`. */
export function requireId(id: string, field: string): string {
  if (!isId(id)) throw new Invalid(`${field} must be a 22-character base62 id`, field);
  return id;
}

export type EntityType = 'track' | 'album' | 'artist' | 'user' | 'playlist';

export function uri(type: EntityType, id: string): string {
  return `cadenza:${type}:${id}`;
}
