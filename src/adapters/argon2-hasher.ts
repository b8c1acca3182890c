import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/accounts/types.js';

/** argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane). */
export class Argon2Hasher implements PasswordHasher {
  hash(password: string): Promise<string> {
    return hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  }
}
