import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaError } from '../../src/core/errors.js';
import { checkHeader, describeFile, resolveFolder } from '../../src/core/ingest/describe.js';
import type { ImportedFile } from '../../src/core/ingest/types.js';
import { type AudioHeader, type AudioTags, NO_TEXT_TAGS } from '../../src/ports/tags.js';

const NOW = Date.UTC(2025, 5, 15);
const ROOT = '/music';

const FLAC: AudioHeader = {
  container: 'FLAC',
  codec: 'FLAC',
  durationMs: 215_000,
  sampleRate: 44100,
  channels: 2,
  bitrate: 900_000,
  lossless: true,
};
const MP3: AudioHeader = { ...FLAC, container: 'MPEG', codec: 'MPEG 1 Layer 3', bitrate: 320_000, lossless: false };

function tags(over: Partial<AudioTags> = {}): AudioTags {
  return { ...NO_TEXT_TAGS, header: FLAC, ...over };
}

function file(path: string, over: Partial<AudioTags> = {}, root: string | undefined = ROOT): ImportedFile {
  const header = path.endsWith('.mp3') ? MP3 : FLAC;
  return describeFile({
    path,
    size: 1000,
    mtimeMs: 1_700_000_000_000.7,
    tags: tags({ header, ...over }),
    fingerprint: 'abcdef0123456789',
    maxTrackSeconds: 3600,
    root,
    nowMs: NOW,
  });
}

/** A fully tagged file of an album. */
function tagged(path: string, title: string, artist: string, over: Partial<AudioTags> = {}): ImportedFile {
  return file(path, { title, artists: [artist], album: 'Album', trackNumber: 1, ...over });
}

describe('untagged files: facts from the path', () => {
  test('title and track number come from the file name, without the number', () => {
    for (const [name, title, track] of [
      ['03 - Song.flac', 'Song', 3],
      ['03. Song.flac', 'Song', 3],
      ['3 Song.flac', 'Song', 3],
      ['07_Another_Song.flac', 'Another Song', 7],
      ['Song Without Number.flac', 'Song Without Number', 1],
    ] as const) {
      const f = file(`${ROOT}/Artist/Album/${name}`);
      assert.equal(f.title, title, name);
      assert.equal(f.trackNumber, track, name);
    }
  });

  test('"Artist - 03 - Song" and "03 - Artist - Song" give the artist, the number and the title', () => {
    for (const name of ['Nina Simone - 03 - Feeling Good.mp3', '03 - Nina Simone - Feeling Good.mp3']) {
      const f = file(`${ROOT}/Mixtape/${name}`);
      assert.deepEqual([f.artists, f.trackNumber, f.title], [['Nina Simone'], 3, 'Feeling Good'], name);
    }
  });

  test('a number that starts an artist name is not a track number', () => {
    const doors = file(`${ROOT}/Mix/3 Doors Down - Kryptonite.mp3`);
    assert.deepEqual([doors.artists, doors.title, doors.trackNumber], [['3 Doors Down'], 'Kryptonite', 1]);
    const cent = file(`${ROOT}/Mix/50 Cent - In Da Club.mp3`);
    assert.deepEqual([cent.artists, cent.title], [['50 Cent'], 'In Da Club']);
    const dashed = file(`${ROOT}/Mix/12 - Nina Simone - Feeling Good.mp3`);
    assert.deepEqual([dashed.artists, dashed.title, dashed.trackNumber], [['Nina Simone'], 'Feeling Good', 12]);
    const padded = file(`${ROOT}/Mix/03 Nina Simone - Feeling Good.mp3`);
    assert.deepEqual([padded.artists, padded.title, padded.trackNumber], [['Nina Simone'], 'Feeling Good', 3]);
  });

  test('the album is the folder, the artist the folder above it (Artist/Album/NN Title)', () => {
    const f = file(`${ROOT}/Radiohead/OK Computer/02 Paranoid Android.flac`);
    assert.equal(f.album, 'OK Computer');
    assert.deepEqual(f.artists, ['Radiohead']);
    assert.equal(f.albumArtist, 'Radiohead');
    assert.equal(f.albumType, 'album');
    assert.deepEqual(f.guessed, { artists: true, album: true, albumArtist: true });
  });

  test('an album folder directly in the library has no artist folder: Unknown Artist', () => {
    const f = file(`${ROOT}/OK Computer/02 Paranoid Android.flac`);
    assert.equal(f.album, 'OK Computer');
    assert.deepEqual(f.artists, ['Unknown Artist']);
    // Without the library's folder the layout cannot be trusted either.
    assert.deepEqual(file('/srv/Radiohead/OK Computer/02 X.flac', {}, undefined).artists, ['Unknown Artist']);
  });

  test('a "CD1" folder is a disc: the album is its parent folder', () => {
    for (const [folder, disc] of [
      ['CD1', 1],
      ['CD 2', 2],
      ['Disc 2', 2],
      ['disk 3', 3],
      ['CD02', 2],
    ] as const) {
      const f = file(`${ROOT}/Pink Floyd/The Wall/${folder}/04 Mother.flac`);
      assert.equal(f.album, 'The Wall', folder);
      assert.equal(f.discNumber, disc, folder);
      assert.deepEqual(f.artists, ['Pink Floyd'], folder);
      assert.equal(f.trackNumber, 4, folder);
    }
  });

  test('"1-03 Title" names the disc and the track', () => {
    const f = file(`${ROOT}/Artist/Album/2-03 Title.flac`);
    assert.deepEqual([f.discNumber, f.trackNumber, f.title], [2, 3, 'Title']);
  });

  test('untagged files without a number default to track 1 of disc 1', () => {
    const f = file(`${ROOT}/Artist/Album/Title.flac`);
    assert.deepEqual([f.discNumber, f.trackNumber], [1, 1]);
  });
});

describe('tagged files', () => {
  test('tags win over the path', () => {
    const f = file(`${ROOT}/x/y/01 - wrong.flac`, {
      title: 'Right',
      artists: ['Artist'],
      album: 'Album',
      albumArtist: 'Album Artist',
      trackNumber: 7,
      discNumber: 2,
      releaseDate: '1997-05-21',
    });
    assert.deepEqual(
      [f.title, f.artists, f.album, f.albumArtist, f.trackNumber, f.discNumber, f.releaseDate],
      ['Right', ['Artist'], 'Album', 'Album Artist', 7, 2, '1997-05-21'],
    );
    assert.deepEqual(f.guessed, { artists: false, album: false, albumArtist: false });
    assert.equal(f.mtimeMs, 1_700_000_000_000);
  });

  test('a disc number from a CD folder applies when the tags have none', () => {
    const f = tagged(`${ROOT}/A/Album/CD2/01 x.flac`, 'x', 'A');
    assert.equal(f.discNumber, 2);
  });

  test('without an album artist tag the main artist is the album artist', () => {
    const f = tagged(`${ROOT}/a.flac`, 'Song', 'Jay-Z feat. Alicia Keys');
    assert.equal(f.albumArtist, 'Jay-Z');
  });

  test('ReplayGain, MusicBrainz ids and lyrics are passed through', () => {
    const f = file(`${ROOT}/a.flac`, {
      replayGain: { trackGainDb: -7.5, trackPeak: 0.98 },
      musicBrainz: { recordingId: 'e758f48f-e4cc-4955-aedf-7c51c220be2a' },
      lyrics: '[00:01.00]First line',
    });
    assert.deepEqual(f.replayGain, { trackGainDb: -7.5, trackPeak: 0.98 });
    assert.deepEqual(f.musicBrainz, { recordingId: 'e758f48f-e4cc-4955-aedf-7c51c220be2a' });
    assert.equal(f.lyrics, '[00:01.00]First line');
    const bare = file(`${ROOT}/b.flac`);
    assert.deepEqual([bare.replayGain, bare.lyrics], [null, null]);
  });
});

describe('artists', () => {
  const artistsOf = (artist: string | string[], over: Partial<AudioTags> = {}) =>
    tagged(`${ROOT}/a.flac`, over.title ?? 'Song', '', {
      artists: Array.isArray(artist) ? artist : [artist],
      ...over,
    }).artists;

  test('featured artists are split from the artist tag, main artist first', () => {
    assert.deepEqual(artistsOf('Jay-Z feat. Alicia Keys'), ['Jay-Z', 'Alicia Keys']);
    assert.deepEqual(artistsOf('Jay-Z ft. Alicia Keys'), ['Jay-Z', 'Alicia Keys']);
    assert.deepEqual(artistsOf('Jay-Z Featuring Alicia Keys'), ['Jay-Z', 'Alicia Keys']);
    assert.deepEqual(artistsOf('Jay-Z (feat. Alicia Keys)'), ['Jay-Z', 'Alicia Keys']);
    assert.deepEqual(artistsOf('Jay-Z [ft Alicia Keys]'), ['Jay-Z', 'Alicia Keys']);
    assert.deepEqual(artistsOf('DJ Khaled feat. Drake, Rick Ross & Lil Wayne'), [
      'DJ Khaled',
      'Drake',
      'Rick Ross',
      'Lil Wayne',
    ]);
  });

  test('"Song (feat. B)" in the title adds B and keeps the title as tagged', () => {
    const f = tagged(`${ROOT}/a.flac`, 'Empire State of Mind (feat. Alicia Keys)', 'Jay-Z');
    assert.deepEqual(f.artists, ['Jay-Z', 'Alicia Keys']);
    assert.equal(f.title, 'Empire State of Mind (feat. Alicia Keys)');
  });

  test('"feat" inside a word splits nothing', () => {
    assert.deepEqual(artistsOf('Defeater'), ['Defeater']);
    assert.deepEqual(artistsOf('Soft Cell'), ['Soft Cell']);
    const f = tagged(`${ROOT}/a.flac`, 'Defeat the Featherweights', 'Band');
    assert.deepEqual(f.artists, ['Band']);
    assert.equal(f.title, 'Defeat the Featherweights');
  });

  test('a joint credit alone stays one artist', () => {
    assert.deepEqual(artistsOf('Simon & Garfunkel'), ['Simon & Garfunkel']);
    assert.deepEqual(artistsOf('Earth, Wind & Fire'), ['Earth, Wind & Fire']);
    assert.deepEqual(artistsOf('Florence and the Machine'), ['Florence and the Machine']);
    assert.deepEqual(artistsOf('AC/DC'), ['AC/DC']);
    assert.deepEqual(artistsOf('Simon & Garfunkel', { albumArtist: 'Simon & Garfunkel' }), ['Simon & Garfunkel']);
  });

  test('"&", ",", ";", " x ", " and " split when one part is the album artist', () => {
    assert.deepEqual(artistsOf('Jay-Z & Kanye West', { albumArtist: 'Jay-Z' }), ['Jay-Z', 'Kanye West']);
    assert.deepEqual(artistsOf('Calvin Harris, Dua Lipa', { albumArtist: 'Calvin Harris' }), [
      'Calvin Harris',
      'Dua Lipa',
    ]);
    assert.deepEqual(artistsOf('Skrillex x Diplo', { albumArtist: 'Diplo' }), ['Skrillex', 'Diplo']);
    assert.deepEqual(artistsOf('Bob; Alice', { albumArtist: 'alice' }), ['Bob', 'Alice']);
    assert.deepEqual(artistsOf('Kenny Rogers and Dolly Parton', { albumArtist: 'Kenny Rogers' }), [
      'Kenny Rogers',
      'Dolly Parton',
    ]);
  });

  test('a multi-valued artist tag lists the artists; repeats are dropped case-insensitively', () => {
    assert.deepEqual(artistsOf(['Jay-Z', 'Beyoncé']), ['Jay-Z', 'Beyoncé']);
    assert.deepEqual(artistsOf(['Jay-Z & Beyoncé', 'Jay-Z', 'Beyoncé']), ['Jay-Z', 'Beyoncé']);
    assert.deepEqual(artistsOf(['Jay-Z feat. Beyoncé', 'BEYONCÉ']), ['Jay-Z', 'Beyoncé']);
    assert.deepEqual(artistsOf('Jay-Z', { title: 'Song (feat. jay-z)' }), ['Jay-Z']);
  });

  test('an untagged "A feat. B - Title" file name splits the same way', () => {
    const f = file(`${ROOT}/Mix/05 - Artist feat. Guest - Title.mp3`);
    assert.deepEqual([f.artists, f.title, f.trackNumber], [['Artist', 'Guest'], 'Title', 5]);
  });
});

describe('compilations', () => {
  test('the compilation flag makes a Various Artists compilation', () => {
    const f = tagged(`${ROOT}/a.flac`, 'Song', 'Artist', { compilation: true });
    assert.deepEqual([f.albumArtist, f.albumType], ['Various Artists', 'compilation']);
    assert.deepEqual(f.artists, ['Artist']);
  });

  test('the compilation flag keeps a tagged album artist', () => {
    const f = tagged(`${ROOT}/a.flac`, 'Song', 'Artist', { compilation: true, albumArtist: 'DJ Mix' });
    assert.deepEqual([f.albumArtist, f.albumType], ['DJ Mix', 'compilation']);
  });

  test('"VA", "Various" and "Various Artists" album artists are one Various Artists', () => {
    for (const va of ['VA', 'Various', 'various artists', 'V.A.']) {
      const f = tagged(`${ROOT}/a.flac`, 'Song', 'Artist', { albumArtist: va });
      assert.deepEqual([f.albumArtist, f.albumType], ['Various Artists', 'compilation'], va);
    }
  });

  test('an untagged album under a "Compilations" folder is a compilation', () => {
    const f = file(`${ROOT}/Compilations/Summer Hits/04 - Artist - Song.mp3`);
    assert.deepEqual(
      [f.album, f.albumArtist, f.albumType, f.artists],
      ['Summer Hits', 'Various Artists', 'compilation', ['Artist']],
    );
  });
});

describe('release dates', () => {
  const dateOf = (releaseDate: string) => file(`${ROOT}/a.flac`, { releaseDate }).releaseDate;

  test('"0000", "0", years before 1860 or more than a year ahead are no date', () => {
    for (const d of ['0000', '0', '1000', '1859', '2027', '2099-01-01', '2026-12-31']) {
      assert.equal(dateOf(d), null, d);
    }
  });

  test('real dates are kept, invalid months and days cut back to what is valid', () => {
    assert.equal(dateOf('1860'), '1860');
    assert.equal(dateOf('1969-07-20'), '1969-07-20');
    assert.equal(dateOf('2026'), '2026');
    assert.equal(dateOf('2014-00-00'), '2014');
    assert.equal(dateOf('2014-05-00'), '2014-05');
  });

  test('an untagged album named after its folder has no release date', () => {
    const f = file(`${ROOT}/Artist/Album (0000)/01 Song.flac`, { releaseDate: '0000' });
    assert.equal(f.releaseDate, null);
  });
});

describe('header check', () => {
  const limits = { maxTrackSeconds: 600 };
  const fails = (header: Partial<AudioHeader>, ext: string, reason: RegExp) =>
    assert.throws(
      () => checkHeader({ ...FLAC, ...header }, ext, limits),
      (err: unknown) => err instanceof MediaError && reason.test(err.message),
    );

  test('a good header passes with its duration', () => {
    assert.equal(checkHeader(FLAC, '.flac', limits).durationMs, 215_000);
    assert.equal(checkHeader({ ...MP3, container: 'M4A/isom/iso2' }, '.M4A', limits).durationMs, 215_000);
    assert.equal(checkHeader({ ...MP3, container: 'Ogg' }, 'opus', limits).durationMs, 215_000);
  });

  test('an extension that does not match the container is refused', () => {
    fails({ container: 'FLAC' }, '.mp3', /extension \.mp3 does not match its content \(FLAC\)/);
    fails({ container: 'MPEG' }, '.m4a', /\.m4a does not match/);
    fails({ container: 'Ogg' }, '.flac', /\.flac does not match/);
  });

  test('unknown, too short or too long durations are refused', () => {
    fails({ durationMs: undefined }, '.flac', /does not say how long/);
    fails({ durationMs: 499 }, '.flac', /shorter than half a second/);
    fails({ durationMs: 600_001 }, '.flac', /too long: 600 s \(limit 600 s\)/);
    assert.equal(checkHeader({ ...FLAC, durationMs: 500 }, '.flac', limits).durationMs, 500);
  });

  test('a header without sample rate or channels, or no header at all, is refused', () => {
    fails({ sampleRate: undefined }, '.flac', /no sample rate/);
    fails({ channels: 0 }, '.flac', /no channel count/);
    fails({ container: '' }, '.flac', /could not be read/);
  });

  test('describeFile applies it', () => {
    assert.throws(() => file(`${ROOT}/a.mp3`, { header: FLAC }), MediaError);
  });
});

describe('folder rules', () => {
  test('one album tag, no album artist and several artists: one compilation, not one album per artist', () => {
    const folder = [
      tagged(`${ROOT}/Hits/01.flac`, 'One', 'Artist A'),
      tagged(`${ROOT}/Hits/02.flac`, 'Two', 'Artist B'),
      tagged(`${ROOT}/Hits/03.flac`, 'Three', 'Artist C feat. Artist A'),
    ];
    const resolved = resolveFolder(folder);
    for (const f of resolved) {
      assert.deepEqual([f.album, f.albumArtist, f.albumType], ['Album', 'Various Artists', 'compilation'], f.path);
    }
    assert.deepEqual(
      resolved.map((f) => f.artists[0]),
      ['Artist A', 'Artist B', 'Artist C'],
      'track artists are kept',
    );
  });

  test('an album by one artist with a guest on one track stays that artist`s album', () => {
    const folder = [
      tagged(`${ROOT}/x/01.flac`, 'One', 'Main'),
      tagged(`${ROOT}/x/02.flac`, 'Two', 'Main'),
      tagged(`${ROOT}/x/03.flac`, 'Three', 'Guest & Main'),
    ];
    assert.deepEqual(
      resolveFolder(folder).map((f) => [f.albumArtist, f.albumType]),
      [
        ['Main', 'album'],
        ['Main', 'album'],
        ['Main', 'album'],
      ],
    );
  });

  test('files without an album artist tag join the one album artist the album is tagged with', () => {
    const folder = [
      tagged(`${ROOT}/x/01.flac`, 'One', 'A', { albumArtist: 'The Band' }),
      tagged(`${ROOT}/x/02.flac`, 'Two', 'B'),
    ];
    assert.deepEqual(
      resolveFolder(folder).map((f) => f.albumArtist),
      ['The Band', 'The Band'],
    );
  });

  test('untagged files of one folder share one album', () => {
    const folder = [
      file(`${ROOT}/Party/01 - Nina Simone - Feeling Good.mp3`),
      file(`${ROOT}/Party/02 - Otis Redding - Respect.mp3`),
      file(`${ROOT}/Party/03 - Aretha Franklin - Think.mp3`),
    ];
    const resolved = resolveFolder(folder);
    assert.deepEqual(new Set(resolved.map((f) => `${f.albumArtist}/${f.album}`)), new Set(['Various Artists/Party']));
    assert.deepEqual(
      resolved.map((f) => [f.trackNumber, f.title, f.artists[0]]),
      [
        [1, 'Feeling Good', 'Nina Simone'],
        [2, 'Respect', 'Otis Redding'],
        [3, 'Think', 'Aretha Franklin'],
      ],
    );
  });

  test('tagged album artists, separate albums and duplicate track numbers are left as they are', () => {
    const folder = [
      tagged(`${ROOT}/x/01.flac`, 'One', 'A', { albumArtist: 'A', trackNumber: 1 }),
      tagged(`${ROOT}/x/01b.flac`, 'One again', 'B', { albumArtist: 'B', trackNumber: 1 }),
      tagged(`${ROOT}/x/02.flac`, 'Other', 'C', { album: 'Other Album' }),
    ];
    const resolved = resolveFolder(folder);
    assert.deepEqual(
      resolved.map((f) => [f.albumArtist, f.album, f.trackNumber]),
      [
        ['A', 'Album', 1],
        ['B', 'Album', 1],
        ['C', 'Other Album', 1],
      ],
    );
  });

  test('the discs of a multi-disc album (CD1, CD2 folders) resolve as one album', () => {
    const discs = [
      file(`${ROOT}/Various/Now 1/CD1/01 - X - One.flac`),
      file(`${ROOT}/Various/Now 1/CD2/01 - Y - Two.flac`),
    ];
    const resolved = resolveFolder(discs);
    assert.deepEqual(
      resolved.map((f) => [f.album, f.discNumber, f.trackNumber]),
      [
        ['Now 1', 1, 1],
        ['Now 1', 2, 1],
      ],
    );
    // Under a "Various" folder, an untagged album is a compilation.
    assert.deepEqual(
      new Set(resolved.map((f) => `${f.albumArtist}/${f.albumType}`)),
      new Set(['Various Artists/compilation']),
    );
    assert.deepEqual(
      resolved.map((f) => f.artists),
      [['X'], ['Y']],
    );
  });
});
