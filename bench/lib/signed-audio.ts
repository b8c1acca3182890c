import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { newId } from '../../src/core/ids.js';
import { audioKey } from '../../src/core/ingest/ladder.js';
import { UrlSigner } from '../../src/core/streaming/signer.js';

/** What the audio benchmarks serve: random files laid out as the ladder lays rungs, and their URLs. */
export interface SignedAudio {
  keyId: string;
  /** base64, as a child process takes it. */
  secret: string;
  signer: UrlSigner;
  /** Signed URL paths (with their query), one per file. */
  signed: string[];
  /** The same files' plain paths, for servers that check nothing. */
  plain: string[];
}

/** Writes `files` files of `bytes` random bytes under `root` and signs a URL for each, for one user. */
export async function writeSignedAudio(root: string, files: number, bytes: number): Promise<SignedAudio> {
  const keyId = 'bench';
  const secret = randomBytes(32);
  const signer = new UrlSigner({ keys: [{ id: keyId, secret }], ttlSeconds: 3600 });
  const userId = newId();
  const out: SignedAudio = { keyId, secret: secret.toString('base64'), signer, signed: [], plain: [] };
  for (let i = 0; i < files; i++) {
    const trackId = newId();
    const key = audioKey(trackId, 'v1', 'vorbis_160');
    await mkdir(dirname(join(root, key)), { recursive: true });
    await writeFile(join(root, key), randomBytes(bytes));
    out.signed.push(signer.sign({ trackId, version: 'v1', quality: 'vorbis_160', userId }).path);
    out.plain.push(`/audio/${key}`);
  }
  return out;
}
