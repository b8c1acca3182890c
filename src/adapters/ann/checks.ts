/**
 * What every vector index adapter checks and writes the same way: the input rules of the port, and the
 * ids file that `save` writes beside the vectors (a header line, then one id per line).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Invalid } from '../../core/errors.js';
import type { VectorIndexShape, VectorMetric } from '../../ports/vector-index.js';

const METRICS: readonly VectorMetric[] = ['cosine', 'inner-product'];

export function checkShape(shape: VectorIndexShape): void {
  if (!Number.isInteger(shape.dimensions) || shape.dimensions <= 0)
    throw new Invalid(`dimensions must be a positive integer, not ${shape.dimensions}`, 'dimensions');
  if (!METRICS.includes(shape.metric))
    throw new Invalid(`metric must be one of ${METRICS.join(', ')}, not ${shape.metric}`, 'metric');
}

/**
 * Checks a batch for `add`: the length, every value finite, and (for cosine, where a zero vector has
 * no direction) every vector non-zero; the ids non-empty, one line each, and new to `known` and to each
 * other.
 */
export function checkBatch(
  shape: VectorIndexShape,
  ids: readonly string[],
  vectors: Float32Array,
  known: ReadonlySet<string>,
): void {
  const d = shape.dimensions;
  if (vectors.length !== ids.length * d)
    throw new Invalid(
      `expected ${ids.length} vectors of ${d} numbers (${ids.length * d}), got ${vectors.length} numbers`,
      'vectors',
    );
  const seen = new Set<string>();
  for (const id of ids) {
    if (id === '' || id.includes('\n')) throw new Invalid(`id ${JSON.stringify(id)} is not usable`, 'ids');
    if (known.has(id) || seen.has(id)) throw new Invalid(`id ${id} is given twice`, 'ids');
    seen.add(id);
  }
  for (let row = 0; row < ids.length; row++) checkValues(shape, vectors, row * d, `vector of ${ids[row]}`);
}

/** Checks a query for `search`. */
export function checkQuery(shape: VectorIndexShape, vector: Float32Array, k: number): void {
  if (!Number.isInteger(k) || k <= 0) throw new Invalid(`k must be a positive integer, not ${k}`, 'k');
  if (vector.length !== shape.dimensions)
    throw new Invalid(`expected a vector of ${shape.dimensions} numbers, got ${vector.length}`, 'vector');
  checkValues(shape, vector, 0, 'query vector');
}

function checkValues(shape: VectorIndexShape, vectors: Float32Array, start: number, what: string): void {
  let squares = 0;
  for (let i = start; i < start + shape.dimensions; i++) {
    const x = vectors[i] as number;
    if (!Number.isFinite(x)) throw new Invalid(`${what} holds ${x}`, 'vectors');
    squares += x * x;
  }
  if (shape.metric === 'cosine' && squares === 0)
    throw new Invalid(`${what} is all zeros, which has no direction for cosine`, 'vectors');
}

/** The header of an ids file: which adapter wrote it, and the shape of what it holds. */
interface IdsHeader extends VectorIndexShape {
  kind: 'cadenza-vector-ids';
  adapter: string;
  count: number;
}

export const idsPath = (path: string): string => `${path}.ids`;

export async function writeIds(path: string, adapter: string, shape: VectorIndexShape, ids: string[]) {
  const header: IdsHeader = {
    kind: 'cadenza-vector-ids',
    adapter,
    dimensions: shape.dimensions,
    metric: shape.metric,
    count: ids.length,
  };
  await writeFile(
    idsPath(path),
    ids.length === 0 ? JSON.stringify(header) : `${JSON.stringify(header)}\n${ids.join('\n')}`,
  );
}

/** Reads the ids `writeIds` wrote; throws `Invalid` when another adapter or shape wrote them. */
export async function readIds(path: string, adapter: string, shape: VectorIndexShape): Promise<string[]> {
  const text = await readFile(idsPath(path), 'utf8');
  const lines = text.split('\n');
  let header: Partial<IdsHeader>;
  try {
    header = JSON.parse(lines[0] ?? '') as Partial<IdsHeader>;
  } catch {
    throw new Invalid(`${idsPath(path)} is not a vector index ids file`, 'path');
  }
  if (header.kind !== 'cadenza-vector-ids' || header.adapter !== adapter)
    throw new Invalid(`${path} was not written by the ${adapter} vector index`, 'path');
  if (header.dimensions !== shape.dimensions || header.metric !== shape.metric)
    throw new Invalid(
      `${path} holds ${header.dimensions}-dimensional ${header.metric} vectors, not ${shape.dimensions}-dimensional ${shape.metric}`,
      'path',
    );
  const ids = lines.slice(1);
  if (ids.length !== header.count)
    throw new Invalid(`${idsPath(path)} lists ${ids.length} ids, its header says ${header.count}`, 'path');
  return ids;
}
