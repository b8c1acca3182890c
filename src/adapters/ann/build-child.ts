/**
 * Builds a USearch graph in a child process (build.ts buildVectorIndex): reads the ids and vectors
 * from the folder given, saves the graph beside them. Arguments: the folder, the index options (JSON).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_FILES } from './build.js';
import { type UsearchOptions, UsearchVectorIndex } from './usearch.js';

const [dir, optionsJson] = process.argv.slice(2) as [string, string];
const ids = (await readFile(join(dir, BUILD_FILES.ids), 'utf8')).split('\n');
const bytes = await readFile(join(dir, BUILD_FILES.vectors));
// Copied rather than viewed: a Buffer's offset need not be a multiple of four.
const vectors = new Float32Array(bytes.byteLength / Float32Array.BYTES_PER_ELEMENT);
new Uint8Array(vectors.buffer).set(bytes);
const index = new UsearchVectorIndex(JSON.parse(optionsJson) as UsearchOptions);
index.add(ids, vectors);
await index.save(join(dir, BUILD_FILES.graph));
