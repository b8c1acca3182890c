/**
 * Content for playlist models: each track's artist, read from a catalogue at fitting time and kept in
 * the model, and the two parts that use it. Both score only tracks of the training matrix: a catalogue
 * may list tracks that appear only in held-back playlists, so offering tracks the training data never
 * held would reveal which those are.
 *
 *   artist      the seeds' own artists: track j of artist a scores w_a^γ · n_j / N_a^β, where w_a is
 *               how many seeds are by a, n_j the playlists holding j, N_a the playlists holding any track
 *               of a (β 1: the share of a's playlists that hold j)
 *   artistrp3   RP3beta started from the seeds' artists instead of the seed tracks: seed artist a →
 *               each playlist u holding a, weight N_a^−α · deg_u^−α → every track j of u, and each
 *               track's sum times n_j^−β. It reaches the artists playlists put beside the seeds' own.
 *
 * Seeds never held in training still count through their artist, which is most of the content's use:
 * the collaborative parts ignore them. Plain data (typed arrays, lists of ids), so fitting runs in a
 * worker thread.
 */
import { type Csr, csrFromCoordinates, mapValues } from './matrix.js';

/** A catalogue's rows as read from its file: the artist of each track. */
export interface CatalogueRows {
  tracks: string[];
  artists: string[];
}

/** Which artist made each track the model knows, by artist index into `names`. */
export interface TrackArtists {
  names: string[];
  /** The artist of each model item; −1 when the catalogue does not list it. */
  ofItem: Int32Array;
  /** Catalogue tracks that are not items (never in training): kept so that a seed among them has an artist. */
  otherTracks: string[];
  ofOther: Int32Array;
}

export interface ArtistPartParams {
  alpha: number;
  beta: number;
  /** The artist part's exponent on the number of seeds by an artist (1: each seed counts once). */
  gamma: number;
}

export interface ArtistModel {
  type: 'artist';
  variant: 'same' | 'walk';
  params: ArtistPartParams;
}

/** Numbers the catalogue's artists and gives each item its artist; a track listed twice keeps its first. */
export function trackArtists(items: string[], catalogue: CatalogueRows): TrackArtists {
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const artistIndex = new Map<string, number>();
  const ofItem = new Int32Array(items.length).fill(-1);
  const seen = new Set<string>();
  const otherTracks: string[] = [];
  const ofOther: number[] = [];
  for (let r = 0; r < catalogue.tracks.length; r++) {
    const track = catalogue.tracks[r]!;
    if (seen.has(track)) continue;
    seen.add(track);
    const name = catalogue.artists[r]!;
    let artist = artistIndex.get(name);
    if (artist === undefined) {
      artist = artistIndex.size;
      artistIndex.set(name, artist);
    }
    const item = itemIndex.get(track);
    if (item !== undefined) ofItem[item] = artist;
    else {
      otherTracks.push(track);
      ofOther.push(artist);
    }
  }
  return { names: [...artistIndex.keys()], ofItem, otherTracks, ofOther: Int32Array.from(ofOther) };
}

/** What both artist parts read, derived from the model when it is loaded (never stored). */
export interface ArtistGraph {
  /** Artist × item: each artist's training tracks. */
  tracks: Csr;
  /** Artist × user, binary: the rows (playlists) holding any track of the artist. */
  holders: Csr;
}

export function artistGraph(artists: TrackArtists, history: Csr): ArtistGraph {
  const count = artists.names.length;
  const known = artists.ofItem.filter((a) => a >= 0).length;
  const artistOf = new Int32Array(known);
  const itemOf = new Int32Array(known);
  let n = 0;
  for (let j = 0; j < artists.ofItem.length; j++) {
    if (artists.ofItem[j]! < 0) continue;
    artistOf[n] = artists.ofItem[j]!;
    itemOf[n++] = j;
  }
  const tracks = csrFromCoordinates(count, history.cols, artistOf, itemOf, new Float32Array(known).fill(1));
  // Every (artist, row) pair once per entry, summed by the CSR build, then made binary.
  const entries = history.indices.length;
  const rowOf = new Int32Array(entries);
  const artistOfEntry = new Int32Array(entries);
  let m = 0;
  for (let u = 0; u < history.rows; u++) {
    for (let e = history.indptr[u]!; e < history.indptr[u + 1]!; e++) {
      const a = artists.ofItem[history.indices[e]!]!;
      if (a < 0) continue;
      artistOfEntry[m] = a;
      rowOf[m++] = u;
    }
  }
  const byArtist = csrFromCoordinates(
    count,
    history.rows,
    artistOfEntry.subarray(0, m),
    rowOf.subarray(0, m),
    new Float32Array(m).fill(1),
  );
  return { tracks, holders: mapValues(byArtist, () => 1) };
}

/** The artist index of each seed (known items through the model, other catalogue tracks by id); −1 unknown. */
export function seedArtists(
  artists: TrackArtists,
  otherIndex: Map<string, number>,
  itemIndex: Map<string, number>,
  seedIds: string[],
): Int32Array {
  return Int32Array.from(seedIds, (id) => {
    const item = itemIndex.get(id);
    if (item !== undefined) return artists.ofItem[item]!;
    const other = otherIndex.get(id);
    return other === undefined ? -1 : artists.ofOther[other]!;
  });
}

/** The artist part: adds w_a^γ · n_j / N_a^β to every training track j of each seed artist a. */
export function scoreSameArtist(
  graph: ArtistGraph,
  popularity: Float32Array,
  seeds: Int32Array,
  params: ArtistPartParams,
  out: Float32Array,
): void {
  const { tracks, holders } = graph;
  const seedsBy = new Map<number, number>();
  for (const a of seeds) if (a >= 0) seedsBy.set(a, (seedsBy.get(a) ?? 0) + 1);
  for (const [a, count] of seedsBy) {
    const weight = count ** params.gamma * (holders.indptr[a + 1]! - holders.indptr[a]!) ** -params.beta;
    for (let e = tracks.indptr[a]!; e < tracks.indptr[a + 1]!; e++) {
      const j = tracks.indices[e]!;
      out[j]! += popularity[j]! * weight;
    }
  }
}

/** The artistrp3 part: the walk seed artist → playlist → track, damped as RP3beta (module comment). */
export function scoreArtistWalk(
  graph: ArtistGraph,
  byUser: Csr,
  popularity: Float32Array,
  seeds: Int32Array,
  params: ArtistPartParams,
  out: Float32Array,
): void {
  const { holders } = graph;
  const toRow = new Float64Array(byUser.rows);
  for (const a of seeds) {
    if (a < 0) continue;
    const from = (holders.indptr[a + 1]! - holders.indptr[a]!) ** -params.alpha;
    for (let e = holders.indptr[a]!; e < holders.indptr[a + 1]!; e++) toRow[holders.indices[e]!]! += from;
  }
  for (let u = 0; u < byUser.rows; u++) {
    if (toRow[u] === 0) continue;
    const start = byUser.indptr[u]!;
    const end = byUser.indptr[u + 1]!;
    const w = toRow[u]! * (end - start) ** -params.alpha;
    for (let e = start; e < end; e++) out[byUser.indices[e]!]! += w;
  }
  for (let j = 0; j < out.length; j++) if (out[j]! > 0) out[j]! *= popularity[j]! ** -params.beta;
}
