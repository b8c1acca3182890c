import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editDistance, Rng } from '../../bench/search-catalogue.js';
import {
  addWord,
  cutInLastWord,
  droppedOrDoubled,
  garbleWord,
  neighbourKeys,
  neighbourTypo,
  realisticCase,
  shortWordTypo,
  spaceSlip,
  type Typed,
  transposition,
} from '../../bench/typing-errors.js';

const QUERIES = [
  'Water Runs Dry Boyz II Men',
  'up all night',
  'born for this the score',
  'closer to me',
  'kill her lana del rey',
  'Bohemian Rhapsody Queen',
  'nights in the city',
];

/** Every query given the mistake `make`, over many seeds (undefined ones left out). */
function draws(make: (text: string, rng: Rng) => Typed | undefined): { meant: string; typed: Typed }[] {
  const out: { meant: string; typed: Typed }[] = [];
  for (let seed = 1; seed <= 60; seed++) {
    const rng = new Rng(seed);
    for (const meant of QUERIES) {
      const typed = make(meant, rng);
      if (typed) out.push({ meant, typed });
    }
  }
  assert.ok(out.length > 100, 'the queries offer this mistake');
  return out;
}

/** The one word that differs between the query meant and as typed (the other words are unchanged). */
function changedWord(meant: string, typed: string): [string, string] {
  const [a, b] = [meant.split(' '), typed.split(' ')];
  assert.equal(b.length, a.length, `"${typed}" keeps the words of "${meant}"`);
  const changed = a.flatMap((w, i) => (w === b[i] ? [] : [[w, b[i]!] as [string, string]]));
  assert.equal(changed.length, 1, `one word of "${meant}" changed in "${typed}"`);
  return changed[0]!;
}

test('the same seed gives the same mistakes, another seed others', () => {
  const all = (seed: number) => {
    const rng = new Rng(seed);
    return QUERIES.flatMap((q) =>
      [spaceSlip, neighbourTypo, transposition, droppedOrDoubled, shortWordTypo, cutInLastWord, garbleWord].map(
        (make) => make(realisticCase(q, rng), rng)?.text,
      ),
    );
  };
  assert.deepEqual(all(7), all(7));
  assert.notDeepEqual(all(7), all(8));
});

test('a space slip moves, drops or adds a space and keeps every letter in order', () => {
  for (const kind of ['moved', 'dropped', 'inserted'] as const) {
    for (const { meant, typed } of draws((text, rng) => spaceSlip(text, rng, kind))) {
      assert.equal(typed.text.replaceAll(' ', ''), meant.replaceAll(' ', ''), `${meant} → ${typed.text}`);
      assert.notEqual(typed.text, meant);
      const spaces = (s: string) => s.split(' ').length - 1;
      const change = { moved: 0, dropped: -1, inserted: 1 }[kind];
      assert.equal(spaces(typed.text) - spaces(meant), change, `${kind}: ${meant} → ${typed.text}`);
      assert.ok(!typed.text.includes('  ') && typed.text.trim() === typed.text, `no empty word in "${typed.text}"`);
      if (kind === 'moved') {
        // By one letter: one word gains a letter at the gap, its neighbour loses it.
        const [a, b] = [meant.split(' '), typed.text.split(' ')];
        const i = a.findIndex((w, k) => w !== b[k]);
        assert.equal(Math.abs(a[i]!.length - b[i]!.length), 1, `${meant} → ${typed.text}`);
      }
    }
  }
  assert.equal(spaceSlip('closer', new Rng(1), 'dropped'), undefined, 'one word has no space to drop');
});

test('a neighbouring-key typo replaces one letter of a 4+ letter word by a key next to it', () => {
  assert.deepEqual(neighbourKeys('s').sort(), ['a', 'd', 'e', 'w', 'x', 'z']);
  assert.deepEqual(neighbourKeys('p').sort(), ['l', 'o']);
  for (const { meant, typed } of draws(neighbourTypo)) {
    const [word, wrong] = changedWord(meant, typed.text);
    assert.ok(word.length >= 4 && wrong.length === word.length, `${word} → ${wrong}`);
    const at = [...word].findIndex((c, i) => c !== wrong[i]);
    assert.equal(word.slice(at + 1), wrong.slice(at + 1), `one letter of ${word} differs in ${wrong}`);
    assert.ok(neighbourKeys(word[at]!).includes(wrong[at]!.toLowerCase()), `${wrong[at]} is next to ${word[at]}`);
  }
});

test('a transposition swaps two adjacent letters of a 4+ letter word', () => {
  for (const { meant, typed } of draws(transposition)) {
    const [word, wrong] = changedWord(meant, typed.text);
    const [w, x] = [word.toLowerCase(), wrong.toLowerCase()];
    const at = [...w].findIndex((c, i) => c !== x[i]);
    assert.ok(word.length >= 4, word);
    assert.equal(x, w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2), `${word} → ${wrong}`);
  }
});

test('a dropped or doubled letter makes the word one letter shorter or longer, the rest as it was', () => {
  const kinds = new Set<string>();
  for (const { meant, typed } of draws(droppedOrDoubled)) {
    const [word, wrong] = changedWord(meant, typed.text);
    assert.ok(word.length >= 4, word);
    const [w, x] = [word.toLowerCase(), wrong.toLowerCase()];
    if (x.length < w.length) {
      kinds.add('dropped');
      assert.ok(
        [...w].some((_, i) => w.slice(0, i) + w.slice(i + 1) === x),
        `${word} → ${wrong}`,
      );
    } else {
      kinds.add('doubled');
      assert.ok(
        [...w].some((c, i) => w.slice(0, i + 1) + c + w.slice(i + 1) === x),
        `${word} → ${wrong}`,
      );
    }
  }
  assert.deepEqual([...kinds].sort(), ['doubled', 'dropped']);
});

test('a short-word typo changes a 3-letter word by one edit, and needs one', () => {
  for (const { meant, typed } of draws(shortWordTypo)) {
    const [word, wrong] = changedWord(meant, typed.text);
    assert.equal(word.length, 3, `${word} → ${wrong}`);
    assert.equal(editDistance(word.toLowerCase(), wrong.toLowerCase()), 1, `${word} → ${wrong}`);
  }
  assert.equal(shortWordTypo('Bohemian Rhapsody Queen', new Rng(1)), undefined);
});

test('typeahead cuts the last word after 2 or more of its letters, and keeps a whole word before it', () => {
  for (const { meant, typed } of draws(cutInLastWord)) {
    const last = meant.split(' ').at(-1)!;
    const cut = typed.text.split(' ').at(-1)!;
    assert.ok(meant.startsWith(typed.text), `"${typed.text}" is how "${meant}" starts`);
    assert.ok(cut.length >= 2 && cut.length < last.length && last.startsWith(cut), `${last} → ${cut}`);
  }
  assert.equal(cutInLastWord('Closer', new Rng(1)), undefined);
});

test('a garbled word is far from the word meant; an added word leaves the others in order', () => {
  for (const { meant, typed } of draws(garbleWord)) {
    const [word, wrong] = changedWord(meant, typed.text);
    const distance = editDistance(word.toLowerCase(), wrong);
    assert.ok(distance >= 3 && distance >= word.length * 0.4, `${word} → ${wrong}`);
  }
  assert.equal(garbleWord('closer to me', new Rng(1))?.text.split(' ').length, 3);
  assert.equal(garbleWord('Bohemian Rhapsody', new Rng(1)), undefined, 'two words: none may go');
  const rng = new Rng(3);
  for (let i = 0; i < 50; i++) {
    const typed = addWord('water runs dry', 'lyrics', rng).text.split(' ');
    assert.deepEqual(
      typed.filter((w) => w !== 'lyrics'),
      ['water', 'runs', 'dry'],
    );
    assert.equal(typed.length, 4);
  }
});

test('realistic casing only changes case', () => {
  const rng = new Rng(5);
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const typed = realisticCase('Water Runs Dry', rng);
    assert.equal(typed.toLowerCase(), 'water runs dry');
    seen.add(typed);
  }
  assert.deepEqual([...seen].sort(), ['Water Runs Dry', 'Water runs dry', 'water runs dry']);
});
