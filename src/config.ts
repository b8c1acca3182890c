import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { MARKETS } from './core/markets.js';

/**
 * The one place environment variables are read. Every problem is collected and reported together,
 * so an operator fixes a bad deployment in one round. Nothing here looks at NODE_ENV.
 */

export type Role = 'api' | 'worker' | 'edge';
export const ROLES: readonly Role[] = ['api', 'worker', 'edge'];

/**
 * Who may read the Prometheus metrics: nobody (404), holders of CADENZA_METRICS_TOKEN, anyone on the main
 * port, or only a separate listener (loopback unless CADENZA_METRICS_HOST says otherwise).
 */
export type MetricsAccess =
  | { mode: 'off' }
  | { mode: 'open' }
  | { mode: 'token'; token: string }
  | { mode: 'port'; host: string; port: number };

export interface SigningKey {
  id: string;
  secret: Buffer;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Redis for the event bus between API processes; without it the bus stays inside this process. */
  redisUrl: string | undefined;
  /** NATS with JetStream for the listening-event log; without it the log is a PostgreSQL table. */
  natsUrl: string | undefined;
  /** The JetStream stream holding the events (NATS_STREAM), so deployments can share one NATS. */
  natsStream: string;
  roles: Role[];
  /** Public origin used in `href`, paging links and image URLs; derived from the request when unset. */
  publicUrl: string | undefined;
  logLevel: string;
  /** Keys that verify audio URLs; the first signs new ones unless CADENZA_SIGNING_KEY_ID names another. */
  signingKeys: SigningKey[];
  activeSigningKeyId: string | undefined;
  streamUrlTtlSeconds: number;
  /** How often the live gateway pings each socket; one that misses a ping is closed at the next. */
  liveHeartbeatMs: number;
  /**
   * How often sockets holding a Connect device are pinged (CADENZA_DEVICE_HEARTBEAT_MS); each pong
   * refreshes the device's presence, which lapses after three of these without one.
   */
  deviceHeartbeatMs: number;
  /** How long shutdown lets in-flight requests (and then the services) finish before forcing them. */
  shutdownGraceMs: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  workerConcurrency: number;
  transcodeConcurrency: number;
  maxUploadBytes: number;
  /** Memory the edge keeps hot audio blocks in. */
  edgeCacheBytes: number;
  maxTrackSeconds: number;
  loudnessTargetLufs: number;
  defaultCountry: string;
  /** Overrides of the search ranking weights (src/core/search/ranking.ts); unset ones keep their default. */
  searchWeights: Partial<Record<'text' | 'popularity' | 'affinity' | 'freshness', number>>;
  /** Worker threads answering searches, each with a replica of the index; 0 searches on the API thread. */
  searchThreads: number;
  /** Recommendation model refits (docs/recommendations.md, "Model lifecycle"). */
  recs: { refitSignals: number; refitHours: number; checkSeconds: number };
  ffmpegPath: string | undefined;
  ffprobePath: string | undefined;
  /**
   * Which peers' X-Forwarded-For / -Proto / -Host are believed (Fastify's trustProxy): `true`, `false`,
   * or addresses, CIDR ranges and the words loopback, linklocal, uniquelocal. The log-in throttle
   * counts the client address it gives, so trusting everyone would let a guesser pick their own.
   */
  trustProxy: boolean | string;
  /** CADENZA_METRICS: where and to whom `/metrics` answers; off unless configured. */
  metrics: MetricsAccess;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === '' ? undefined : v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }
}

function parseTrustProxy(r: Reader): boolean | string {
  const raw = r.string('CADENZA_TRUST_PROXY') ?? 'loopback';
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const bad = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => !/^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(s));
  if (bad.length > 0) r.problems.push(`CADENZA_TRUST_PROXY must be true, false or addresses/CIDRs (got "${raw}")`);
  return bad.length > 0 ? 'loopback' : raw;
}

function parseRoles(r: Reader): Role[] {
  const raw = r.string('CADENZA_ROLES');
  if (raw === undefined) return [...ROLES];
  const roles = raw.split(',').map((s) => s.trim());
  const bad = roles.filter((x) => !ROLES.includes(x as Role));
  if (bad.length > 0 || roles.length === 0) {
    r.problems.push(`CADENZA_ROLES must list some of ${ROLES.join(', ')} (got "${raw}")`);
    return [...ROLES];
  }
  return [...new Set(roles as Role[])];
}

/** `kid:base64secret,kid2:base64secret`; secrets must decode to at least 32 bytes. */
function parseSigningKeys(r: Reader): SigningKey[] {
  const raw = r.string('CADENZA_SIGNING_KEYS');
  if (raw === undefined) return [];
  const keys: SigningKey[] = [];
  for (const part of raw.split(',')) {
    const [id, secret] = part.split(':');
    if (!id || !secret || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      r.problems.push('CADENZA_SIGNING_KEYS must be a comma-separated list of kid:base64secret');
      return [];
    }
    const bytes = Buffer.from(secret, 'base64');
    if (bytes.length < 32) {
      r.problems.push(`CADENZA_SIGNING_KEYS key "${id}" must be at least 32 bytes of base64`);
      return [];
    }
    keys.push({ id, secret: bytes });
  }
  return keys;
}

/** `text=1,popularity=0.35,affinity=0.5,freshness=0.03`: any subset, each a number from 0 to 10. */
function parseWeights(r: Reader): Config['searchWeights'] {
  const raw = r.string('CADENZA_SEARCH_WEIGHTS');
  if (raw === undefined) return {};
  const out: Config['searchWeights'] = {};
  for (const part of raw.split(',')) {
    const [name, value] = part.split('=').map((x) => x.trim());
    const n = Number(value);
    if (
      !['text', 'popularity', 'affinity', 'freshness'].includes(name ?? '') ||
      !Number.isFinite(n) ||
      n < 0 ||
      n > 10
    ) {
      r.problems.push(
        'CADENZA_SEARCH_WEIGHTS must look like text=1,popularity=0.35,affinity=0.5,freshness=0.03 (0 to 10 each)',
      );
      return {};
    }
    out[name as keyof Config['searchWeights']] = n;
  }
  return out;
}

/** `off` (default), `open`, `token` (with CADENZA_METRICS_TOKEN) or `port:9464` (a listener of its own). */
function parseMetrics(r: Reader, mainPort: number): MetricsAccess {
  const raw = r.string('CADENZA_METRICS') ?? 'off';
  if (raw === 'off' || raw === 'open') return { mode: raw };
  if (raw === 'token') {
    const token = r.string('CADENZA_METRICS_TOKEN') ?? '';
    if (!/^[\x21-\x7e]{16,256}$/.test(token)) {
      r.problems.push(
        'CADENZA_METRICS_TOKEN must be 16 to 256 printable characters without spaces when CADENZA_METRICS=token',
      );
      return { mode: 'off' };
    }
    return { mode: 'token', token };
  }
  const port = /^port:(\d{1,5})$/.exec(raw)?.[1];
  if (port === undefined || Number(port) > 65535) {
    r.problems.push(`CADENZA_METRICS must be off, open, token or port:<number> (got "${raw}")`);
    return { mode: 'off' };
  }
  if (Number(port) !== 0 && Number(port) === mainPort) {
    r.problems.push(`CADENZA_METRICS port ${port} is the main PORT: metrics need a port of their own`);
  }
  return { mode: 'port', host: r.string('CADENZA_METRICS_HOST') ?? '127.0.0.1', port: Number(port) };
}

function parseUrl(r: Reader, name: string, protocols: string[]): string | undefined {
  const raw = r.string(name);
  if (raw === undefined) return undefined;
  try {
    const u = new URL(raw);
    if (!protocols.includes(u.protocol)) throw new Error('protocol');
    return raw.replace(/\/$/, '');
  } catch {
    r.problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${raw}")`);
    return undefined;
  }
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const r = new Reader(env);
  const cores = availableParallelism();
  const signingKeys = parseSigningKeys(r);
  const activeSigningKeyId = r.string('CADENZA_SIGNING_KEY_ID');
  if (activeSigningKeyId && !signingKeys.some((k) => k.id === activeSigningKeyId)) {
    r.problems.push(`CADENZA_SIGNING_KEY_ID "${activeSigningKeyId}" is not one of CADENZA_SIGNING_KEYS`);
  }
  const defaultCountry = (r.string('CADENZA_DEFAULT_COUNTRY') ?? 'US').toUpperCase();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(r.string('NATS_STREAM') ?? 'x'))
    r.problems.push('NATS_STREAM must be letters, digits, _ or -');
  if (!MARKETS.has(defaultCountry)) r.problems.push(`CADENZA_DEFAULT_COUNTRY must be an ISO 3166-1 alpha-2 code`);

  const port = r.int('PORT', 4533, 0, 65535);
  const config: Config = {
    host: r.string('HOST') ?? '0.0.0.0',
    port,
    dataDir: resolve(r.string('CADENZA_DATA_DIR') ?? 'data'),
    databaseUrl: parseUrl(r, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: parseUrl(r, 'REDIS_URL', ['redis:', 'rediss:']),
    natsUrl: parseUrl(r, 'NATS_URL', ['nats:']),
    natsStream: r.string('NATS_STREAM') ?? 'CADENZA_EVENTS',
    roles: parseRoles(r),
    publicUrl: parseUrl(r, 'CADENZA_PUBLIC_URL', ['http:', 'https:']),
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    signingKeys,
    activeSigningKeyId,
    // At most a day: migration 016 keeps a withdrawn track's revocation for 25 hours, longer than any URL.
    streamUrlTtlSeconds: r.int('CADENZA_STREAM_URL_TTL', 3600, 10, 86_400),
    liveHeartbeatMs: r.int('CADENZA_LIVE_HEARTBEAT_MS', 15_000, 100, 300_000),
    deviceHeartbeatMs: r.int('CADENZA_DEVICE_HEARTBEAT_MS', 5000, 50, 300_000),
    shutdownGraceMs: r.int('CADENZA_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    accessTokenTtlSeconds: r.int('CADENZA_ACCESS_TOKEN_TTL', 3600, 10, 86_400),
    refreshTokenTtlSeconds: r.int('CADENZA_REFRESH_TOKEN_TTL', 30 * 86_400, 60, 365 * 86_400),
    workerConcurrency: r.int('CADENZA_WORKER_CONCURRENCY', cores, 1, 64),
    transcodeConcurrency: r.int('CADENZA_TRANSCODE_CONCURRENCY', cores, 1, 64),
    maxUploadBytes: r.int('CADENZA_MAX_UPLOAD_BYTES', 512 * 1024 * 1024, 1024, 8 * 1024 * 1024 * 1024),
    edgeCacheBytes: r.int('CADENZA_EDGE_CACHE_MB', 128, 0, 1024 * 1024) * 1024 * 1024,
    maxTrackSeconds: r.int('CADENZA_MAX_TRACK_SECONDS', 4 * 3600, 1, 48 * 3600),
    loudnessTargetLufs: r.number('CADENZA_LOUDNESS_TARGET', -14, -40, 0),
    defaultCountry,
    searchWeights: parseWeights(r),
    searchThreads: r.int('CADENZA_SEARCH_THREADS', 0, 0, 64),
    recs: {
      refitSignals: r.int('CADENZA_RECS_REFIT_SIGNALS', 1000, 1, 100_000_000),
      refitHours: r.number('CADENZA_RECS_REFIT_HOURS', 24, 0.01, 24 * 365),
      checkSeconds: r.int('CADENZA_RECS_CHECK_SECONDS', 60, 1, 86_400),
    },
    ffmpegPath: r.string('CADENZA_FFMPEG'),
    ffprobePath: r.string('CADENZA_FFPROBE'),
    trustProxy: parseTrustProxy(r),
    metrics: parseMetrics(r, port),
    ...overrides,
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
