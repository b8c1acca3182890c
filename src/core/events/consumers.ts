import type { PlaybackReport } from '../social/types.js';
import type { EventConsumer } from './consumer-runner.js';
import type { Consumed, ListeningWrites, LoggedEvent } from './types.js';

/** A playback event older than this says nothing about what is playing now. */
export const NOW_PLAYING_FRESH_MS = 2 * 60_000;
/** The same track in the same state is told to followers again only after this long (progress). */
export const NOW_PLAYING_REPEAT_MS = 15_000;
const STOPPED = new Set(['pause', 'skip', 'complete']);
const REPORTS_AT_ONCE = 4;

/** What this process last told followers about a user, to skip repeating it. */
interface Told {
  state: string;
  at: number;
}

/** Reports a user's playback to the social domain (SocialService.report with the HTTP presenter). */
export type NowPlayingSink = (userId: string, report: PlaybackReport) => Promise<void>;

/**
 * Every consumer of the event log, by name, in one place. Names are durable: they key offsets and
 * applied progress, so renaming one rebuilds it from the start of the log.
 */
export function listeningConsumers(
  writes: ListeningWrites,
  nowPlaying: NowPlayingSink,
  now = Date.now,
): EventConsumer[] {
  const told = new Map<string, Told>();
  return [
    {
      name: 'history',
      apply: (entries) => writes.recordHistory('history', entries),
      clear: () => writes.clear('history', 'history'),
    },
    {
      name: 'popularity',
      apply: (entries) => writes.countPlays('popularity', entries),
      clear: () => writes.clear('popularity', 'popularity'),
    },
    {
      name: 'plays',
      apply: (entries) => writes.recordPlays('plays', entries),
      clear: () => writes.clear('plays', 'plays'),
    },
    {
      name: 'now-playing',
      apply: (entries) => reportNowPlaying(entries, nowPlaying, now(), told),
      // Only the latest state matters and it is not derived from the whole log: nothing to clear.
      clear: async () => {},
    },
  ];
}

/**
 * The latest fresh playback event of each user in the batch becomes what their friends see, unless it
 * was played in a private session. Replaying it is harmless (the same state again), and stale ones are
 * dropped so a rebuild never shows old playback as current.
 */
async function reportNowPlaying(
  entries: Consumed[],
  sink: NowPlayingSink,
  now: number,
  told: Map<string, Told>,
): Promise<void> {
  const latest = new Map<string, LoggedEvent>();
  for (const { event } of entries) {
    if (!event.track || event.type === 'search' || event.type === 'follow') continue;
    if (event.at < now - NOW_PLAYING_FRESH_MS) continue;
    const seen = latest.get(event.user);
    if (!seen || event.at >= seen.at) latest.set(event.user, event);
  }
  if (told.size > 100_000) told.clear();
  const reports = [...latest.values()].flatMap((e) => {
    // Played in a private session: followers are not told, not even that the last play stopped.
    if (e.private) return [];
    const state = `${e.track}:${!STOPPED.has(e.type)}`;
    const last = told.get(e.user);
    // Progress within the same play changes nothing friends see until the repeat interval passes.
    if (last && last.state === state && e.type !== 'play_start' && now - last.at < NOW_PLAYING_REPEAT_MS) return [];
    told.set(e.user, { state, at: now });
    return [e];
  });
  // A few at a time: each report is several queries, and a whole batch's users at once would take the
  // database connections that intake and the other consumers need.
  for (let i = 0; i < reports.length; i += REPORTS_AT_ONCE) {
    await Promise.all(
      reports.slice(i, i + REPORTS_AT_ONCE).map((e) =>
        // A track removed since, or a position past its end, is that user's problem, not the batch's.
        sink(e.user, { trackId: e.track!, progressMs: e.position, isPlaying: !STOPPED.has(e.type) }).catch(() => {}),
      ),
    );
  }
}
