import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RevocationChange, RevocationList, type RevocationSource } from '../../src/core/streaming/revocations.js';

/** An in-memory source whose full load can be held open, and whose feed can drop changes or reset. */
class MemorySource implements RevocationSource {
  readonly table = new Set<string>();
  #onChange: ((change: RevocationChange) => void) | undefined;
  #onReset: (() => void) | undefined;
  /** When set, the next load answers the table as it is now, but only once released. */
  held: { release(): void } | undefined;
  loads = 0;

  async revoked(): Promise<string[]> {
    this.loads++;
    const snapshot = [...this.table];
    if (this.held === undefined) {
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      this.held = { release };
      await gate;
    }
    return snapshot;
  }

  async subscribe(onChange: (change: RevocationChange) => void, onReset: () => void) {
    this.#onChange = onChange;
    this.#onReset = onReset;
    return async () => {
      this.#onChange = undefined;
    };
  }

  /** A committed change; `announce: false` is one the feed lost. */
  change(trackId: string, revoked: boolean, announce = true): void {
    if (revoked) this.table.add(trackId);
    else this.table.delete(trackId);
    if (announce) this.#onChange?.({ trackId, revoked });
  }

  reset(): void {
    this.#onReset?.();
  }
}

/** Starts a list whose loads answer at once unless a test holds one. */
async function started(source: MemorySource, reloadMs = 60_000): Promise<RevocationList> {
  source.held = { release() {} };
  const list = new RevocationList(source, { reloadMs });
  await list.start();
  return list;
}

test('a change heard while a full load is in flight is not undone by its older snapshot', async () => {
  const source = new MemorySource();
  source.table.add('a');
  const list = await started(source);
  assert.equal(list.has('a'), true);

  source.held = undefined; // the next load takes its snapshot now and answers later
  const reloading = list.reload();
  source.change('a', false); // restored after the snapshot was taken
  source.change('b', true);
  assert.equal(list.has('a'), false, 'applied at once');
  source.held!.release();
  await reloading;
  assert.equal(list.has('a'), false, 'the snapshot still listed it; the change heard after wins');
  assert.equal(list.has('b'), true);
  await list.stop();
});

test('a reset of the feed reloads, finding what the feed missed', async () => {
  const source = new MemorySource();
  const list = await started(source);
  source.change('gone', true, false);
  assert.equal(list.has('gone'), false);
  source.reset();
  await new Promise((r) => setImmediate(r));
  assert.equal(list.has('gone'), true);
  await list.stop();
});

test('the periodic reload is the safety net for a change lost without a reset', async () => {
  const source = new MemorySource();
  const list = await started(source, 20);
  source.change('lost', true, false);
  const before = source.loads;
  while (source.loads < before + 2) await new Promise((r) => setTimeout(r, 5));
  assert.equal(list.has('lost'), true);
  await list.stop();
});
