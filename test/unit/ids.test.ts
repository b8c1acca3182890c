import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, newId, uri } from '../../src/core/ids.js';

test('ids are 22 base62 characters and do not repeat', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newId();
    assert.ok(isId(id), id);
    seen.add(id);
  }
  assert.equal(seen.size, 2000);
});

test('uris name the entity type', () => {
  assert.equal(uri('track', '4uLU6hMCjMI75M1A2tKUQC'), 'cadenza:track:4uLU6hMCjMI75M1A2tKUQC');
  assert.equal(isId('4uLU6hMCjMI75M1A2tKUQ!'), false);
});
