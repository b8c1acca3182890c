import { createHash, randomBytes } from 'node:crypto';
import { Conflict, Invalid, Unauthorized } from '../errors.js';
import { newId } from '../ids.js';
import { MARKETS } from '../markets.js';
import type { LoginThrottle } from './login-throttle.js';
import {
  type AccountsRepository,
  type NewToken,
  type NewUser,
  type PasswordHasher,
  PRODUCTS,
  type Product,
  type Role,
  USER_ROLES,
  type User,
} from './types.js';

export interface SignUp {
  username: string;
  password: string;
  displayName?: string;
  country?: string;
  role?: Role;
  product?: Product;
}

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
/**
 * An access token seen lately is trusted this long without asking the database again: a client
 * sending a thousand event batches a second costs one lookup every few seconds. Revoking a token or
 * changing a user in this process takes effect at once; in another process, within this long.
 */
const TOKEN_CACHE_MS = 5_000;
const CACHED_TOKENS = 10_000;

/** Bearer tokens are random; only their SHA-256 is stored, so a database leak reveals no usable token. */
function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class AccountsService {
  private readonly recentTokens = new Map<string, { user: User; familyId: string; until: number }>();

  constructor(
    private readonly repo: AccountsRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly settings: { accessTtlSeconds: number; refreshTtlSeconds: number; defaultCountry: string },
    private readonly now: () => number = Date.now,
  ) {}

  /** `clientAddress`, when given, shares the log-in throttle's per-address count of failures. */
  async signUp(input: SignUp, clientAddress?: string): Promise<User> {
    if (typeof input.username !== 'string' || !USERNAME.test(input.username)) {
      throw new Invalid(
        'username must be 3-32 letters, digits, "_", "." or "-", starting with a letter or digit',
        'username',
      );
    }
    if (typeof input.password !== 'string' || input.password.length < 8 || input.password.length > 256) {
      throw new Invalid('password must be 8 to 256 characters', 'password');
    }
    const country = (input.country ?? this.settings.defaultCountry).toUpperCase();
    if (!MARKETS.has(country)) throw new Invalid('country must be an ISO 3166-1 alpha-2 code', 'country');
    const role = input.role ?? 'listener';
    if (!USER_ROLES.includes(role)) throw new Invalid(`role must be one of ${USER_ROLES.join(', ')}`, 'role');
    const product = input.product ?? 'free';
    if (!PRODUCTS.includes(product)) throw new Invalid(`product must be one of ${PRODUCTS.join(', ')}`, 'product');
    const displayName = (input.displayName ?? input.username).trim();
    if (displayName.length === 0 || displayName.length > 100) {
      throw new Invalid('display_name must be 1 to 100 characters', 'display_name');
    }
    const attempt = await this.throttle.signUp(input.username, clientAddress, this.now());
    if (await this.repo.credentialsByUsername(input.username))
      throw new Conflict('username is already taken', 'username');
    const user = await this.insertUser({
      id: newId(),
      username: input.username,
      displayName,
      role,
      product,
      country,
      passwordHash: await this.hasher.hash(input.password),
    });
    await attempt.succeeded();
    return user;
  }

  private async insertUser(user: NewUser): Promise<User> {
    try {
      return await this.repo.insertUser(user);
    } catch (err) {
      // Two sign-ups racing for one name: the unique index decides.
      if ((err as { code?: string }).code === '23505') throw new Conflict('username is already taken', 'username');
      throw err;
    }
  }

  /**
   * Throttled per account and per `clientAddress` (see login-throttle.ts): a TooMany while either
   * waits out its back-off, before the password is even checked.
   */
  async logIn(username: string, password: string, clientAddress?: string): Promise<TokenPair> {
    const attempt = await this.throttle.logIn(username, clientAddress, this.now());
    const found = typeof username === 'string' ? await this.repo.credentialsByUsername(username) : undefined;
    // Verify against a hash even for unknown users, so timing does not reveal which usernames exist.
    const ok = await this.hasher.verify(found?.passwordHash ?? DUMMY_HASH, String(password ?? ''));
    if (!found || !ok) throw new Unauthorized('invalid username or password');
    await attempt.succeeded();
    const tokens = this.newTokens();
    await this.repo.insertTokens(found.user.id, newId(), tokens.stored);
    return tokens.pair;
  }

  /**
   * Refresh tokens rotate: each works once, and its successors join its family (the tokens of one
   * log-in). A refresh token presented again after its rotation means two parties hold it, the user
   * and a thief, and nothing tells which one is asking; so the whole family is revoked and the user
   * logs in again, as OAuth 2.1 and the OAuth security BCP (RFC 9700) recommend. Parallel refreshes
   * with one token look the same, so a client must refresh one at a time.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = tokenHash(refreshToken);
    const now = new Date(this.now());
    const tokens = this.newTokens();
    if (await this.repo.rotateRefreshToken(hash, tokens.stored, now)) return tokens.pair;
    const family = await this.repo.revokeFamilyOfRotated(hash, now);
    if (family) this.forgetFamily(family);
    throw new Unauthorized('refresh_token is invalid, expired or revoked');
  }

  async authenticate(accessToken: string): Promise<User> {
    const now = this.now();
    const recent = this.recentTokens.get(accessToken);
    if (recent && recent.until > now) return recent.user;
    const owner = await this.repo.tokenOwner(tokenHash(accessToken), 'access', new Date(now));
    if (!owner) throw new Unauthorized('access token is invalid, expired or revoked');
    if (this.recentTokens.size >= CACHED_TOKENS) this.recentTokens.clear();
    this.recentTokens.set(accessToken, { ...owner, until: now + TOKEN_CACHE_MS });
    return owner.user;
  }

  /** A revoked family's access tokens stop working in this process at once (elsewhere, see TOKEN_CACHE_MS). */
  private forgetFamily(familyId: string): void {
    for (const [token, recent] of this.recentTokens) {
      if (recent.familyId === familyId) this.recentTokens.delete(token);
    }
  }

  async revoke(token: string): Promise<void> {
    this.recentTokens.delete(token);
    await this.repo.revokeToken(tokenHash(token), new Date(this.now()));
  }

  /** A fresh access and refresh token: what the client gets, and what is stored. */
  private newTokens(): { pair: TokenPair; stored: NewToken[] } {
    const access = `cza_${randomBytes(32).toString('base64url')}`;
    const refresh = `czr_${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    const { accessTtlSeconds, refreshTtlSeconds } = this.settings;
    return {
      pair: {
        access_token: access,
        token_type: 'Bearer',
        expires_in: accessTtlSeconds,
        refresh_token: refresh,
        scope: '',
      },
      stored: [
        { hash: tokenHash(access), kind: 'access', expiresAt: new Date(now + accessTtlSeconds * 1000) },
        { hash: tokenHash(refresh), kind: 'refresh', expiresAt: new Date(now + refreshTtlSeconds * 1000) },
      ],
    };
  }

  listUsers(): Promise<User[]> {
    return this.repo.listUsers();
  }

  userById(id: string): Promise<User | undefined> {
    return this.repo.userById(id);
  }

  async setProduct(username: string, product: string): Promise<User> {
    if (!PRODUCTS.includes(product as Product))
      throw new Invalid(`product must be one of ${PRODUCTS.join(', ')}`, 'product');
    return this.change(username, { product: product as Product });
  }

  async setRole(username: string, role: string): Promise<User> {
    if (!USER_ROLES.includes(role as Role)) throw new Invalid(`role must be one of ${USER_ROLES.join(', ')}`, 'role');
    return this.change(username, { role: role as Role });
  }

  private async change(username: string, changes: Partial<Pick<User, 'role' | 'product'>>): Promise<User> {
    const found = await this.repo.credentialsByUsername(username);
    if (!found) throw new Invalid(`no user named "${username}"`, 'username');
    const user = (await this.repo.updateUser(found.user.id, changes))!;
    // Requests after this one see the new role or product.
    this.recentTokens.clear();
    return user;
  }
}

/** argon2id hash of a random password nobody knows; used to keep failed log-ins constant-time. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$Wk2Xj1+VulQeRGyUDek+Uw$lUaAppx5yWTwdI4tKHOguRyiv9x+QO5xMGY6WMZDXIc';
