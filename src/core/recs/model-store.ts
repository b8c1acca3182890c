/**
 * Where the fitting process leaves the live model for the API processes: one model file in the data
 * folder, replaced by rename so a reader never sees half of one. Its modification time is its version.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RecsModel } from './model.js';
import { decodeModel, encodeModel } from './model-file.js';

export interface ModelStore {
  save(model: RecsModel, fittedAt: number): Promise<void>;
  /** The saved model and when it was fitted, or undefined when there is none. */
  load(): Promise<{ model: RecsModel; fittedAt: number } | undefined>;
  /** When the saved model was fitted (0 when there is none), without reading it. */
  version(): Promise<number>;
}

export function fileModelStore(path: string): ModelStore {
  return {
    async save(model, fittedAt) {
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, encodeModel(model));
      await writeFile(`${temporary}.at`, String(fittedAt));
      await rename(`${temporary}.at`, `${path}.at`);
      await rename(temporary, path);
    },
    async load() {
      const bytes = await readFile(path).catch(() => undefined);
      if (!bytes) return undefined;
      const fittedAt = Number(await readFile(`${path}.at`, 'utf8').catch(() => '0')) || (await stat(path)).mtimeMs;
      return { model: decodeModel(bytes), fittedAt };
    },
    async version() {
      return (await stat(path).catch(() => undefined))?.mtimeMs ?? 0;
    },
  };
}
