/**
 * Splits and metrics of the recommendation evaluation (bench/eval-recs.ts). Splits are drawn with a
 * seeded generator from the training file only; labels are the held-back part and nothing else.
 */
import { seededRandom } from '../../src/core/recs/matrix.js';

export interface Row {
  user: string;
  item: string;
  weight: string;
}

/** Per user with at least `minItems` items, `share` of them (at least 1) held back at random. */
export function holdOut(rows: Row[], share: number, minItems: number, seed: number) {
  const random = seededRandom(seed);
  const byUser = new Map<string, Row[]>();
  for (const r of rows) {
    const list = byUser.get(r.user) ?? [];
    byUser.set(r.user, list);
    list.push(r);
  }
  const train: Row[] = [];
  const held = new Map<string, Set<string>>();
  for (const [user, list] of byUser) {
    if (list.length < minItems) {
      train.push(...list);
      continue;
    }
    const shuffled = shuffle(list, random);
    const n = Math.max(1, Math.round(share * list.length));
    held.set(user, new Set(shuffled.slice(0, n).map((r) => r.item)));
    train.push(...shuffled.slice(n));
  }
  return { train, held };
}

/** Playlists split into training ones and `count` hidden ones (with ≥ minTracks) cut after their seeds. */
export function hidePlaylistTails(
  playlists: Map<string, string[]>,
  count: number,
  seedCounts: number[],
  minTracks: number,
  seed: number,
) {
  const random = seededRandom(seed);
  const eligible = shuffle(
    [...playlists.keys()].filter((pid) => playlists.get(pid)!.length >= minTracks),
    random,
  ).slice(0, count);
  const hidden = new Set(eligible);
  const train = new Map<string, string[]>();
  for (const [pid, tracks] of playlists) if (!hidden.has(pid)) train.set(pid, tracks);
  const seeds = new Map<string, string[]>();
  const held = new Map<string, Set<string>>();
  eligible.forEach((pid, n) => {
    const tracks = playlists.get(pid)!;
    const s = seedCounts[n % seedCounts.length]!;
    seeds.set(pid, tracks.slice(0, s));
    const seen = new Set(tracks.slice(0, s));
    held.set(pid, new Set(tracks.slice(s).filter((t) => !seen.has(t))));
  });
  return { train, seeds, held };
}

function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const discount = (rank: number) => 1 / Math.log2(rank + 1);

/** NDCG@k, precision@k and hit rate@k of one ranked list against its held-back items. */
export function topKMetrics(list: string[], held: Set<string>, k: number) {
  let dcg = 0;
  let hits = 0;
  list.slice(0, k).forEach((item, r) => {
    if (held.has(item)) {
      dcg += discount(r + 1);
      hits++;
    }
  });
  let ideal = 0;
  for (let r = 1; r <= Math.min(k, held.size); r++) ideal += discount(r);
  return { ndcg: ideal > 0 ? dcg / ideal : 0, precision: hits / k, hit: hits > 0 ? 1 : 0 };
}

/**
 * RecSys Challenge 2018 metrics (track level; the challenge also credits a right artist in
 * R-precision, which this data set's playlist file cannot tell): R-precision over the first |G|
 * items, NDCG over the whole list, and clicks = ⌊(rank of the first relevant item − 1) / 10⌋, 51 if none.
 */
export function challengeMetrics(list: string[], held: Set<string>) {
  let inR = 0;
  for (const t of list.slice(0, held.size)) if (held.has(t)) inR++;
  let dcg = 0;
  let first = -1;
  list.forEach((t, r) => {
    if (held.has(t)) {
      dcg += discount(r + 1);
      if (first < 0) first = r + 1;
    }
  });
  let ideal = 0;
  for (let r = 1; r <= Math.min(held.size, list.length); r++) ideal += discount(r);
  return {
    rprecision: held.size > 0 ? inR / held.size : 0,
    ndcg: ideal > 0 ? dcg / ideal : 0,
    clicks: first < 0 ? 51 : Math.floor((first - 1) / 10),
  };
}

/** Mean of each field over a list of metric records. */
export function mean<T extends Record<string, number>>(records: T[]): T {
  const out = {} as Record<string, number>;
  for (const r of records) for (const [key, v] of Object.entries(r)) out[key] = (out[key] ?? 0) + v / records.length;
  return out as T;
}
