import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { buildVectorIndex } from './adapters/ann/build.js';
import { ExactVectorIndex } from './adapters/ann/exact.js';
import { Argon2Hasher } from './adapters/argon2-hasher.js';
import { FfmpegAudioAnalyser } from './adapters/audio-features/analyser.js';
import { MemoryEventBus } from './adapters/event-bus/memory.js';
import { RedisEventBus } from './adapters/event-bus/redis.js';
import { FfmpegTranscoder } from './adapters/ffmpeg.js';
import { findFfmpeg } from './adapters/ffmpeg-binaries.js';
import { JetStreamEventLog } from './adapters/jetstream/event-log.js';
import { MemorySearchIndex } from './adapters/memory-search/index.js';
import { SearchWorkerPool } from './adapters/memory-search/pool.js';
import { mosaicCovers } from './adapters/mosaic.js';
import { MusicMetadataTags } from './adapters/music-metadata-tags.js';
import { PgAccountsRepository } from './adapters/postgres/accounts-repo.js';
import { PgAudioFeaturesRepository } from './adapters/postgres/audio-features-repo.js';
import { PgRevocationSource } from './adapters/postgres/audio-revocations.js';
import { PgCatalogRepository } from './adapters/postgres/catalog-repo.js';
import { consumerLease } from './adapters/postgres/consumer-progress.js';
import { type DatabaseHandle, openDatabase } from './adapters/postgres/database.js';
import { PgEventLog } from './adapters/postgres/event-log.js';
import { PgHomeReads } from './adapters/postgres/home-repo.js';
import { PgIngestRepository } from './adapters/postgres/ingest-repo.js';
import { PgJamRepository } from './adapters/postgres/jam-repo.js';
import { PgJobQueue } from './adapters/postgres/job-queue.js';
import { PgLibraryRepository } from './adapters/postgres/library-repo.js';
import { PgListeningRepository } from './adapters/postgres/listening-repo.js';
import { PgListeningWrites } from './adapters/postgres/listening-writes-repo.js';
import { PgLoginThrottleRepository } from './adapters/postgres/login-throttle-repo.js';
import { PgMadeForYouStore } from './adapters/postgres/made-for-you-repo.js';
import { PgPlaybackRepository } from './adapters/postgres/playback-repo.js';
import { PgPlayerRepository } from './adapters/postgres/player-repo.js';
import { PgPlaylistEditsRepository } from './adapters/postgres/playlist-edits-repo.js';
import { PgPlaylistRepository } from './adapters/postgres/playlists-repo.js';
import { PgRecsStore } from './adapters/postgres/recs-store.js';
import { PgRoyaltiesRepository } from './adapters/postgres/royalties-repo.js';
import { PgCatalogChanges, PgSearchDocs } from './adapters/postgres/search-docs.js';
import { PgSocialRepository } from './adapters/postgres/social-repo.js';
import { PgStudioRepository } from './adapters/postgres/studio-repo.js';
import { PgTasteSource } from './adapters/postgres/taste-repo.js';
import { SharpImages } from './adapters/sharp-images.js';
import { fitInWorker } from './cli/recs.js';
import type { Config, SigningKey } from './config.js';
import { AccountsService } from './core/accounts/accounts-service.js';
import { LoginThrottle } from './core/accounts/login-throttle.js';
import { BrowseService } from './core/catalog/browse-service.js';
import { CatalogService } from './core/catalog/catalog-service.js';
import { ConsumerRunner } from './core/events/consumer-runner.js';
import { listeningConsumers } from './core/events/consumers.js';
import { EventIntake } from './core/events/intake.js';
import { ListeningService } from './core/events/listening-service.js';
import { AudioFeatureService } from './core/features/service.js';
import { AUDIO_FEATURES_JOB, type AudioFeaturesPayload } from './core/features/types.js';
import {
  HomeService,
  MADE_FOR_YOU_JOB,
  MADE_FOR_YOU_SWEEP_JOB,
  type MadeForYouPayload,
  type MadeForYouSweepPayload,
} from './core/home/home-service.js';
import { MadeForYouGenerator } from './core/home/made-for-you.js';
import { LibraryImporter } from './core/ingest/library-import.js';
import { IngestPipeline } from './core/ingest/pipeline.js';
import { INGEST_JOB, type IngestPayload, type MediaPaths } from './core/ingest/types.js';
import { JamService } from './core/jam/jam-service.js';
import { playerChangeOf } from './core/jam/player-link.js';
import { Worker } from './core/jobs/worker.js';
import { LibraryService } from './core/library/library-service.js';
import { PlayContexts } from './core/player/contexts.js';
import { PlayerService } from './core/player/player-service.js';
import { PlaylistEditor } from './core/playlists/editor.js';
import { PlaylistService } from './core/playlists/playlist-service.js';
import { PlaylistTransfer } from './core/playlists/playlist-transfer.js';
import { RecsEngine } from './core/recs/engine.js';
import { fileModelStore } from './core/recs/model-store.js';
import { RoyaltyService } from './core/royalties/royalty-service.js';
import { ROYALTY_RUN_JOB, type RoyaltyRunPayload } from './core/royalties/types.js';
import { cachedAffinity } from './core/search/affinity.js';
import { DEFAULT_WEIGHTS } from './core/search/ranking.js';
import { SearchService } from './core/search/search-service.js';
import { FollowService } from './core/social/follow-service.js';
import { SocialService } from './core/social/social-service.js';
import { PlaybackService } from './core/streaming/playback-service.js';
import { RevocationList } from './core/streaming/revocations.js';
import { RungBuilds } from './core/streaming/rung-builds.js';
import { UrlSigner } from './core/streaming/signer.js';
import { StudioService } from './core/studio/studio-service.js';
import { devicesShape, playbackShape } from './http/player-shapes.js';
import { renderJam } from './http/routes/jam.js';
import { Shapes } from './http/shapes.js';
import type { EventBus } from './ports/event-bus.js';
import type { EventLog } from './ports/event-log.js';
import type { JobQueue } from './ports/job-queue.js';

/**
 * The composition root: the only place that constructs adapters and wires them into services.
 * Embedded versus at-scale is decided here, from configuration.
 */

export interface Metrics {
  registry: Registry;
  jobsFinished: Counter<'name' | 'outcome'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export interface Services {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  paths: MediaPaths;
  accounts: AccountsService;
  catalog: CatalogService;
  playback: PlaybackService;
  studio: StudioService;
  search: SearchService;
  browse: BrowseService;
  library: LibraryService;
  /** Follows of artists and users, public profiles, blocks. */
  follows: FollowService;
  /** Friend activity: shared playback, the friend feed, private sessions, live push to followers. */
  social: SocialService;
  importer: LibraryImporter;
  ingestRepo: PgIngestRepository;
  pipeline: IngestPipeline;
  /** Rungs of lazy libraries made on their first request; the edge role serves them as they are written. */
  rungBuilds: RungBuilds;
  jobs: JobQueue;
  worker: Worker;
  signer: UrlSigner;
  /** Tracks withdrawn since their URLs were signed; the edge role starts it and refuses those URLs. */
  revocations: RevocationList;
  /** Playlists' details, followers, collaborators, covers and share links (items: playlistEditor). */
  playlists: PlaylistService;
  /** Import and export of playlists as M3U8 and XSPF. */
  playlistTransfer: PlaylistTransfer;
  /** Live fan-out (playlist edits, friend activity) between the processes serving the gateway. */
  bus: EventBus;
  /** The one writer of playlist items (REST edits and live editors). */
  playlistEditor: PlaylistEditor;
  /** Listening events: intake into the log, the log itself, and its consumers (run by the worker role). */
  events: EventIntake;
  eventLog: EventLog;
  consumers: ConsumerRunner;
  /** Recently played, top lists and Wrapped, from what the consumers derived. */
  listening: ListeningService;
  /** Royalty runs per period, prices, rights holders, splits and statements. */
  royalties: RoyaltyService;
  /** Audio features computed in the background from each track's audio; `start` (worker role) queues them. */
  audioFeatures: AudioFeatureService;
  /** Jam sessions: members follow the host's playback and share a queue (published on topics.jam). */
  jams: JamService;
  /** Connect: the listener's devices, the stored player state, commands to devices and their reports. */
  player: PlayerService;
  /** The personalised home and the made-for-you playlists (Discover Weekly, Daily Mixes, Release Radar). */
  home: HomeService;
  /** The online recommendation engine; `start` begins its model lifecycle (serve does, per role). */
  recommendations: RecsEngine;
  metrics: Metrics;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination(2));
}

/**
 * Signing keys come from CADENZA_SIGNING_KEYS; without them a key is generated once and kept in the
 * data folder, so URLs survive restarts and every process on that folder agrees.
 */
async function signingKeys(config: Config): Promise<SigningKey[]> {
  if (config.signingKeys.length > 0) return config.signingKeys;
  const file = join(config.dataDir, 'signing-key.json');
  if (!existsSync(file)) {
    const key = { id: `k${Date.now().toString(36)}`, secret: randomBytes(32).toString('base64') };
    await writeFile(file, JSON.stringify(key), { mode: 0o600, flag: 'wx' }).catch(() => {});
  }
  const stored = JSON.parse(await readFile(file, 'utf8')) as { id: string; secret: string };
  return [{ id: stored.id, secret: Buffer.from(stored.secret, 'base64') }];
}

export async function createServices(config: Config, logger: Logger = createLogger(config)): Promise<Services> {
  await mkdir(config.dataDir, { recursive: true });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 20 });
  const { db } = database;
  const mediaRoot = join(config.dataDir, 'media');
  const paths: MediaPaths = {
    audio: join(mediaRoot, 'audio'),
    images: join(mediaRoot, 'images'),
    sources: join(mediaRoot, 'sources'),
  };
  await Promise.all(Object.values(paths).map((p) => mkdir(p, { recursive: true })));

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: Metrics = {
    registry,
    jobsFinished: new Counter({
      name: 'cadenza_jobs_finished_total',
      help: 'Jobs finished',
      labelNames: ['name', 'outcome'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'cadenza_http_request_duration_seconds',
      help: 'API request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
  };

  const signer = new UrlSigner({
    keys: await signingKeys(config),
    activeKeyId: config.activeSigningKeyId,
    ttlSeconds: config.streamUrlTtlSeconds,
  });
  const loginThrottle = new LoginThrottle(new PgLoginThrottleRepository(db));
  const accounts = new AccountsService(new PgAccountsRepository(db), new Argon2Hasher(), loginThrottle, {
    accessTtlSeconds: config.accessTokenTtlSeconds,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    defaultCountry: config.defaultCountry,
  });
  const jobs = new PgJobQueue(db);
  const tags = new MusicMetadataTags();
  const ingestRepo = new PgIngestRepository(db);
  const binaries = findFfmpeg({ ffmpeg: config.ffmpegPath, ffprobe: config.ffprobePath });
  // One transcoder per process: its concurrency limit holds across the pipeline's jobs (first-request
  // builds bypass it; they are bounded by listeners asking).
  const transcoder = new FfmpegTranscoder({
    binaries,
    concurrency: config.transcodeConcurrency,
    maxDurationMs: config.maxTrackSeconds * 1000,
  });
  const rungBuilds = new RungBuilds({ media: transcoder, audioRoot: paths.audio });
  const pipeline = new IngestPipeline({
    repo: ingestRepo,
    media: transcoder,
    tags,
    artwork: new SharpImages(),
    paths,
    loudnessTargetLufs: config.loudnessTargetLufs,
    maxTrackSeconds: config.maxTrackSeconds,
  });
  const worker = new Worker(jobs, logger, {
    concurrency: config.workerConcurrency,
    onFinished: (job, ok) => metrics.jobsFinished.inc({ name: job.name, outcome: ok ? 'done' : 'failed' }),
  });
  worker.register(INGEST_JOB, (payload: IngestPayload, context) => pipeline.run(payload, context));
  const royalties = new RoyaltyService(new PgRoyaltiesRepository(database.pool));
  worker.register(ROYALTY_RUN_JOB, async (payload: RoyaltyRunPayload) => {
    const summary = await royalties.run(payload.period, { close: payload.close });
    logger.info({ period: summary.period, digest: summary.digest, lines: summary.lines }, 'royalty run finished');
  });
  const audioFeatures = new AudioFeatureService({
    repo: new PgAudioFeaturesRepository(database),
    analyser: new FfmpegAudioAnalyser(binaries),
    jobs,
    paths,
    poke: () => worker.poke(),
    onError: (err, what) => logger.warn({ err }, what),
  });
  worker.register(AUDIO_FEATURES_JOB, (payload: AudioFeaturesPayload, context) => audioFeatures.run(payload, context));

  const bus: EventBus = config.redisUrl
    ? new RedisEventBus(config.redisUrl, { onError: (err) => logger.warn({ err }, 'event bus') })
    : new MemoryEventBus();
  const catalogRepo = new PgCatalogRepository(db);
  const playlistRepo = new PgPlaylistRepository(db);
  const searchOptions = { weights: { ...DEFAULT_WEIGHTS, ...config.searchWeights } };
  const search = new SearchService(
    config.searchThreads > 0
      ? new SearchWorkerPool(config.searchThreads, searchOptions)
      : new MemorySearchIndex(searchOptions),
    new PgSearchDocs(db),
    new PgCatalogChanges(database),
    catalogRepo,
    playlistRepo,
    logger,
    cachedAffinity(new PgTasteSource(db)),
  );
  const playlists = new PlaylistService(playlistRepo, catalogRepo, (image) => pipeline.storeArtwork(image), bus, {
    onPublishError: (err) => logger.warn({ err }, 'playlist access notice failed'),
  });
  const playlistEditor = new PlaylistEditor(new PgPlaylistEditsRepository(db), bus, {
    onPublishError: (err) => logger.warn({ err }, 'playlist edit broadcast failed'),
  });
  const playlistTransfer = new PlaylistTransfer(playlists, playlistRepo, playlistEditor);
  const social = new SocialService(new PgSocialRepository(db), catalogRepo, bus);
  const eventLog: EventLog = config.natsUrl
    ? await JetStreamEventLog.connect(config.natsUrl, { stream: config.natsStream })
    : new PgEventLog(db);
  const listeningRepo = new PgListeningRepository(db);
  const events = new EventIntake(eventLog, (ids) => listeningRepo.trackDurations(ids));
  // Consumers in this process step back while its intake is busy, and catch up when it is not.
  const consumers = new ConsumerRunner(eventLog, logger, {
    lease: consumerLease(database),
    yieldWhile: () => events.busy(),
  });
  // Friend activity pushed by the consumer carries absolute hrefs like the REST answers.
  const activityShapes = new Shapes(config.publicUrl ?? `http://localhost:${config.port}`);
  const nowPlaying = async (userId: string, report: { trackId: string; progressMs: number; isPlaying: boolean }) => {
    await social.report(userId, report, (activity) => activityShapes.friendActivity(activity));
  };
  for (const consumer of listeningConsumers(new PgListeningWrites(db), nowPlaying)) consumers.register(consumer);
  const revocations = new RevocationList(new PgRevocationSource(database), {
    onError: (err) => logger.warn({ err }, 'audio revocation list reload failed'),
  });
  const recommendations = new RecsEngine({
    store: new PgRecsStore(db),
    models: fileModelStore(join(config.dataDir, 'recs', 'live.model')),
    fit: fitInWorker,
    makeIndex: (shape) => new ExactVectorIndex(shape),
    buildIndex: buildVectorIndex,
    bus,
    log: logger,
    ...config.recs,
    catalogueSeconds: 30,
  });
  const listening = new ListeningService(listeningRepo, catalogRepo);
  const homeReads = new PgHomeReads(db);
  const madeForYouStore = new PgMadeForYouStore(db);
  const home = new HomeService(homeReads, madeForYouStore, catalogRepo, playlistRepo, listening, recommendations, {
    queue: jobs,
    poke: () => worker.poke(),
  });
  const madeForYou = new MadeForYouGenerator(
    madeForYouStore,
    recommendations,
    catalogRepo,
    playlistEditor,
    mosaicCovers(paths.images, (image) => pipeline.storeArtwork(image)),
  );
  worker.register(MADE_FOR_YOU_JOB, async ({ userId, remixToday }: MadeForYouPayload) =>
    madeForYou.refresh(userId, await homeReads.market(userId), remixToday),
  );
  worker.register(MADE_FOR_YOU_SWEEP_JOB, async ({ day }: MadeForYouSweepPayload) => {
    logger.info({ day, listeners: await home.sweep(day) }, 'made-for-you refresh queued');
  });
  const catalog = new CatalogService(catalogRepo);
  const player = new PlayerService({
    repo: new PgPlayerRepository(db),
    bus,
    catalog,
    contexts: new PlayContexts({ catalog, playlists }),
    present: (playback) => (playback ? playbackShape(activityShapes, playback) : null),
    presentDevices: devicesShape,
    // Reports from the active device are what friends see (as PUT /v1/me/player/now-playing is).
    shareActivity: (userId, report) => nowPlaying(userId, report),
    privateSession: async (userId) => (await social.privateSession(userId)).enabled,
    heartbeatMs: config.deviceHeartbeatMs,
    onError: (err, what) => logger.warn({ err }, what),
  });
  const jams = new JamService({
    repo: new PgJamRepository(db),
    bus,
    knownTracks: async (ids) => new Set((await catalogRepo.tracks(ids)).map((t) => t.id)),
    present: (jam) => renderJam(activityShapes, (ids) => catalogRepo.tracks(ids), jam),
    onPublishError: (err) => logger.warn({ err }, 'jam broadcast failed'),
  });
  // The host's player drives the Jam it hosts; tracks added to a Jam go onto the host's player queue.
  jams.connectPlayer({
    current: async (userId) => {
      const state = await player.state(userId);
      return state && playerChangeOf(state);
    },
    enqueue: async (userId, trackIds) => {
      for (const id of trackIds) await player.enqueue(userId, `cadenza:track:${id}`);
    },
  });
  player.onChange((userId, state) => void jams.playerChanged(userId, playerChangeOf(state)).catch(() => {}));
  const studio = new StudioService(new PgStudioRepository(db), pipeline, paths, () => worker.poke());
  return {
    config,
    logger,
    database,
    paths,
    accounts,
    catalog,
    browse: new BrowseService(catalogRepo),
    library: new LibraryService(new PgLibraryRepository(db), catalogRepo),
    follows: new FollowService(new PgSocialRepository(db), catalogRepo),
    social,
    search,
    playback: new PlaybackService(new PgPlaybackRepository(db), signer),
    studio,
    importer: new LibraryImporter(ingestRepo, tags, {
      paths,
      loudnessTargetLufs: config.loudnessTargetLufs,
      maxTrackSeconds: config.maxTrackSeconds,
    }),
    ingestRepo,
    pipeline,
    rungBuilds,
    jobs,
    worker,
    signer,
    revocations,
    playlists,
    playlistTransfer,
    bus,
    playlistEditor,
    events,
    eventLog,
    consumers,
    listening,
    royalties,
    audioFeatures,
    home,
    jams,
    player,
    recommendations,
    metrics,
    async close() {
      home.stopDailySweep();
      await recommendations.stop();
      await search.stop();
      await consumers.stop();
      await worker.stop();
      await audioFeatures.stop();
      await eventLog.close();
      await bus.close();
      await revocations.stop();
      await database.close();
    },
  };
}
