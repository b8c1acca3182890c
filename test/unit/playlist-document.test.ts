import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Conflict, Invalid } from '../../src/core/errors.js';
import { PlaylistDocument } from '../../src/core/playlists/document.js';
import type { ItemEdit } from '../../src/core/playlists/types.js';

/** A document holding tracks `names` at version 1, and helpers to edit it and read its track order. */
function playlist(names: string) {
  let n = 0;
  const doc = new PlaylistDocument([], 0, [], 0);
  const edit = (e: ItemEdit, base = doc.version) =>
    doc.apply(e, base, { userId: 'u', now: 0, newItemId: () => `i${n++}` });
  if (names) edit({ type: 'add', trackIds: names.split('') });
  const order = () => doc.items.map((it) => it.trackId).join('');
  return { doc, edit, order };
}

describe("Spotify's reorder (range_start, range_length, insert_before)", () => {
  const cases: [string, number, number, number, string][] = [
    ['first to the end', 0, 1, 5, 'BCDEA'],
    ['last to the start', 4, 1, 0, 'EABCD'],
    ['a range forwards', 1, 2, 4, 'ADBCE'],
    ['a range backwards', 3, 2, 1, 'ADEBC'],
    ['onto itself (insert_before inside the range)', 1, 2, 2, 'ABCDE'],
    ['onto its own end', 1, 2, 3, 'ABCDE'],
  ];
  for (const [name, rangeStart, rangeLength, insertBefore, expected] of cases) {
    test(name, () => {
      const p = playlist('ABCDE');
      p.edit({ type: 'move', rangeStart, rangeLength, insertBefore });
      assert.equal(p.order(), expected);
    });
  }

  test('out of range values are refused naming the field, and change nothing', () => {
    const p = playlist('ABC');
    for (const [edit, field] of [
      [{ type: 'move', rangeStart: 3, rangeLength: 1, insertBefore: 0 }, 'range_start'],
      [{ type: 'move', rangeStart: 1, rangeLength: 3, insertBefore: 0 }, 'range_length'],
      [{ type: 'move', rangeStart: 0, rangeLength: 1, insertBefore: 4 }, 'insert_before'],
      [{ type: 'add', index: 4, trackIds: ['X'] }, 'position'],
      [{ type: 'add', index: -1, trackIds: ['X'] }, 'position'],
    ] as [ItemEdit, string][]) {
      assert.throws(
        () => p.edit(edit),
        (err: Invalid) => err instanceof Invalid && err.field === field,
      );
    }
    assert.equal(p.order(), 'ABC');
    assert.equal(p.doc.version, 1);
  });
});

describe('concurrent edits made against the same version', () => {
  test('two inserts at the same index both land, the first applied first', () => {
    const p = playlist('AB');
    p.edit({ type: 'add', index: 1, trackIds: ['X'] }, 1);
    p.edit({ type: 'add', index: 1, trackIds: ['Y'] }, 1);
    assert.equal(p.order(), 'AXYB');
  });

  test('removing an item someone moved removes it where it now is', () => {
    const p = playlist('ABCD');
    p.edit({ type: 'move', rangeStart: 0, rangeLength: 1, insertBefore: 4 }, 1);
    p.edit({ type: 'remove', tracks: [{ trackId: 'A', positions: [0] }] }, 1);
    assert.equal(p.order(), 'BCD');
  });

  test('overlapping moves: both apply in server order and nothing is duplicated or lost', () => {
    const p = playlist('ABCDE');
    p.edit({ type: 'move', rangeStart: 0, rangeLength: 2, insertBefore: 5 }, 1); // CDEAB
    // Moves B and C to the front, in the order the first move left them.
    p.edit({ type: 'move', rangeStart: 1, rangeLength: 2, insertBefore: 0 }, 1);
    assert.equal(p.order(), 'CBDEA');
  });

  test('moving items that were removed since is refused with a conflict', () => {
    const p = playlist('ABC');
    p.edit({ type: 'remove', tracks: [{ trackId: 'B', positions: [1] }] }, 1);
    assert.throws(
      () => p.edit({ type: 'move', rangeStart: 1, rangeLength: 1, insertBefore: 0 }, 1),
      (err) => err instanceof Conflict,
    );
  });

  test('an insert after a concurrent insert earlier in the list keeps its neighbour', () => {
    const p = playlist('ABC');
    p.edit({ type: 'add', index: 0, trackIds: ['X', 'Y'] }, 1);
    p.edit({ type: 'add', index: 2, trackIds: ['Z'] }, 1);
    assert.equal(p.order(), 'XYABZC');
  });

  test('a replace against an old version keeps tracks added since', () => {
    const p = playlist('AB');
    p.edit({ type: 'add', trackIds: ['C'] }, 1);
    p.edit({ type: 'replace', trackIds: ['X'] }, 1);
    assert.equal(p.order(), 'XC');
  });
});

describe('duplicates and removal', () => {
  test('removing a track without positions removes every occurrence', () => {
    const p = playlist('ABAB');
    p.edit({ type: 'remove', tracks: [{ trackId: 'A' }] });
    assert.equal(p.order(), 'BB');
  });

  test('removing by position removes only that occurrence', () => {
    const p = playlist('ABAB');
    p.edit({ type: 'remove', tracks: [{ trackId: 'A', positions: [2] }] });
    assert.equal(p.order(), 'ABB');
  });

  test('a position that does not hold the track: 400 on the current snapshot, 409 on an older one', () => {
    const p = playlist('AB');
    assert.throws(() => p.edit({ type: 'remove', tracks: [{ trackId: 'A', positions: [1] }] }), Invalid);
    p.edit({ type: 'add', index: 0, trackIds: ['C'] });
    assert.throws(() => p.edit({ type: 'remove', tracks: [{ trackId: 'A', positions: [1] }] }, 1), Conflict);
    assert.equal(p.order(), 'CAB');
  });

  test('an edit re-sent with the same client id is applied once', () => {
    const p = playlist('A');
    const context = { userId: 'u', now: 0, newItemId: () => 'x', clientOpId: 'c1' };
    const first = p.doc.apply({ type: 'add', trackIds: ['B'] }, 1, context);
    const again = p.doc.apply({ type: 'add', trackIds: ['B'] }, 1, context);
    assert.equal(first.kind, 'applied');
    assert.deepEqual(again, { kind: 'duplicate', version: 2 });
    assert.equal(p.order(), 'AB');
  });
});

test('a playlist holds at most 10,000 tracks', () => {
  const p = playlist('');
  for (let i = 0; i < 100; i++) p.edit({ type: 'add', trackIds: Array.from({ length: 100 }, (_, j) => `t${i}.${j}`) });
  assert.equal(p.doc.items.length, 10_000);
  assert.throws(() => p.edit({ type: 'add', trackIds: ['one more'] }), /at most 10000 tracks/);
  const keys = p.doc.items.map((it) => it.sortKey);
  assert.deepEqual([...keys].sort(), keys);
});

test('a snapshot from the future or another playlist is a conflict', () => {
  const p = playlist('A');
  assert.throws(() => p.edit({ type: 'add', trackIds: ['B'] }, 7), Conflict);
});
