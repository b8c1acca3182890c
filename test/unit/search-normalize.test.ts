import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze, foldText, splitTitle, tokenize } from '../../src/core/search/normalize.js';

test('folding drops case and accents and spells out special letters', () => {
  assert.equal(foldText('Beyoncé'), 'beyonce');
  assert.equal(foldText('Mötley Crüe'), 'motley crue');
  assert.equal(foldText('Straße'), 'strasse');
  assert.equal(foldText('Æther Ørsted Œuvre Łódź Đorđe Þór'), 'aether orsted oeuvre lodz dorde thor');
  assert.equal(foldText('ılık İstanbul'), 'ilik istanbul');
  assert.equal(foldText('ΟΔΟΣ Σίσυφος'), 'οδοσ σισυφοσ');
  assert.equal(foldText('ＡＢＣ  ﬁx\t'), 'abc fix');
  assert.equal(foldText('Ёлка'), 'елка');
});

test('kana voicing marks and Hangul syllables survive folding', () => {
  assert.equal(foldText('ガンダム'), 'ガンダム');
  assert.equal(foldText('방탄소년단'), '방탄소년단');
});

test('punctuation inside a word splits it and the joined parts are one more token', () => {
  assert.deepEqual(tokenize('AC/DC'), ['ac', 'dc', 'acdc']);
  assert.deepEqual(tokenize('t.A.T.u.'), ['t', 'a', 't', 'u', 'tatu']);
  assert.deepEqual(tokenize('blink-182'), ['blink', '182', 'blink182']);
  assert.deepEqual(tokenize('Hello, Goodbye'), ['hello', 'goodbye']);
});

test('apostrophes split like punctuation: the word without them is a token, and so are its parts', () => {
  assert.deepEqual(tokenize("Don't Stop"), ['don', 't', 'dont', 'stop']);
  assert.deepEqual(tokenize('L’amour'), ['l', 'amour', 'lamour']);
  assert.deepEqual(tokenize("Guns N' Roses"), ['guns', 'n', 'roses']);
});

test('leetspeak letters are read as letters', () => {
  assert.deepEqual(tokenize('P!nk'), ['pink']);
  assert.deepEqual(tokenize('Ke$ha'), ['kesha']);
  assert.deepEqual(tokenize('R@ven'), ['raven']);
  assert.deepEqual(tokenize('$uicideboy$'), ['suicideboy']);
  assert.deepEqual(tokenize('Wham!'), ['wham']);
});

test('Han and kana runs become overlapping bigrams; one character stays itself', () => {
  assert.deepEqual(tokenize('米津玄師'), ['米津', '津玄', '玄師']);
  assert.deepEqual(tokenize('米津玄'), ['米津', '津玄']);
  assert.deepEqual(tokenize('米'), ['米']);
  assert.deepEqual(tokenize('ポリリズム'), ['ポリ', 'リリ', 'リズ', 'ズム']);
});

test('space-separated scripts give words, and a change of script splits a word', () => {
  assert.deepEqual(tokenize('방탄소년단 BTS'), ['방탄소년단', 'bts']);
  assert.deepEqual(tokenize('Кино — Группа крови'), ['кино', 'группа', 'крови']);
  assert.deepEqual(tokenize('Σίσυφος'), ['σισυφοσ']);
  assert.deepEqual(tokenize('Perfumeポリリズム'), ['perfume', 'ポリ', 'リリ', 'リズ', 'ズム']);
  assert.deepEqual(tokenize('abc-где'), ['abc', 'где']);
});

test('a name of symbols only is its own token', () => {
  assert.deepEqual(tokenize('!!!'), ['!!!']);
  assert.deepEqual(tokenize('   '), []);
});

test('tokens carry positions, aliases span their parts', () => {
  assert.deepEqual(analyze('AC/DC Back'), [
    { text: 'ac', pos: 0, span: 1 },
    { text: 'dc', pos: 1, span: 1 },
    { text: 'acdc', pos: 0, span: 2 },
    { text: 'back', pos: 2, span: 1 },
  ]);
});

test("a title's tails are split from its core", () => {
  assert.deepEqual(splitTitle('Hello (feat. Drake) - Remastered 2011'), {
    core: 'Hello',
    tail: ' (feat. Drake) - Remastered 2011',
  });
  assert.deepEqual(splitTitle('Bohemian Rhapsody - Live'), { core: 'Bohemian Rhapsody', tail: ' - Live' });
  assert.deepEqual(splitTitle('(Intro)'), { core: '(Intro)', tail: '' });
  assert.deepEqual(splitTitle('Jay-Z'), { core: 'Jay-Z', tail: '' });
});
