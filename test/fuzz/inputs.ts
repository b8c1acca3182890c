import fc from 'fast-check';

/**
 * Generated input for the fuzz suites: values shaped by a route's JSON schema, with hostile values
 * mixed in at any depth. JSON bodies are written by `toJson`, which can emit number tokens that
 * `JSON.stringify` never would (`1e309` parses as Infinity) and lone surrogates.
 */

/** A literal piece of JSON text, emitted as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

// biome-ignore lint/suspicious/noExplicitAny: JSON schema nodes are read field by field
export type Schema = Record<string, any>;

/** Values known to have broken parsers, validators or databases somewhere. */
const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ufeff',
  '\u202e',
  '%00',
  '%',
  '%zz',
  '\\',
  '"',
  "'; drop table users; --",
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '-1e309',
  '1e308',
  '-1',
  '0',
  '-0',
  '1.5',
  '9007199254740993',
  '99999999999999999999',
  '0x10',
  'true',
  'null',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'cadenza:track:',
  'cadenza:track:0000000000000000000000',
  'spotify:track:4iV5W9uYEdYUVa79Axb7Rh',
  'from_token',
  'ZZ',
  '2026-13-45',
  '💥'.repeat(50),
  'a'.repeat(5000),
];

const NASTY_NUMBERS = [
  '1e309',
  '-1e309',
  '1e308',
  '-1e308',
  '-1',
  '-0',
  '0',
  '1.5',
  '9007199254740993',
  '1e-400',
  '2147483648',
];

/** Any UTF-16 code unit, lone surrogates and NUL included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const anyText = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

/** Anything at all, as JSON. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyText,
    fc.constantFrom(...NASTY_NUMBERS).map((n) => new RawJson(n)),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyText, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Strings the target knows are valid ids, so that requests reach past the "not found" checks. */
export interface Known {
  ids: string[];
  userIds: string[];
  other: string[];
  /** Playlists, which live frames name. */
  playlists: string[];
}

function stringFor(schema: Schema, known: Known): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.pattern === '^[0-9A-Za-z]{22}$' && known.ids.length > 0) {
    return fc.oneof(fc.constantFrom(...known.ids, ...known.userIds), fc.stringMatching(/^[0-9A-Za-z]{22}$/));
  }
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // A pattern fast-check cannot invert: fall back to text.
    }
  }
  return fc.oneof(
    fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) }),
    fc.constantFrom(...known.ids, ...known.other, 'cadenza:track:'.concat(known.ids[0] ?? '')),
  );
}

/** A value that satisfies `schema` as far as this generator understands it. */
export function valid(schema: Schema | undefined, known: Known, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 8) return anyJson;
  if (schema.anyOf || schema.oneOf) {
    const options = (schema.anyOf ?? schema.oneOf) as Schema[];
    return fc.oneof(...options.map((s) => valid(s, known, depth + 1)));
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return stringFor(schema, known);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1_000_000, 2 ** 31 - 1) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valid(schema.items, known, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 5, 5)),
      });
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(schema.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, s] of Object.entries(properties)) shape[name] = valid(s, known, depth + 1);
      return fc.record(shape, { requiredKeys: Object.keys(shape).filter((k) => required.has(k)) });
    }
    default:
      return anyJson;
  }
}

/** One hostile value; each class of trouble is drawn about as often as the others. */
export const nastyLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', 'name\u0000'),
  fc.constantFrom('\ud800', 'x\udfff', 'a\udc00b'),
  fc.constantFrom('1e309', '-1e309', '1e308', '-1e308').map((n) => new RawJson(n)),
  fc.constantFrom(...NASTY_NUMBERS).map((n) => new RawJson(n)),
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ unit: codeUnit, maxLength: 20 }),
  anyJson,
);

/** Every node of a JSON value, root first, as [parent, key] pairs (the root's parent is undefined). */
function nodes(
  value: unknown,
  parent?: object,
  key?: string | number,
): [object | undefined, string | number | undefined][] {
  const out: [object | undefined, string | number | undefined][] = [[parent, key]];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) out.push(...nodes(value[i], value, i));
  } else if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    for (const [k, v] of Object.entries(value)) out.push(...nodes(v, value, k));
  }
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value === null || typeof value !== 'object' || value instanceof RawJson) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
}

/** `value` with its `n`-th node (modulo their count) replaced by `leaf`. */
function replaceOne(value: unknown, leaf: unknown, n: number): unknown {
  const all = nodes(value);
  const [parent, key] = all[n % all.length] as [object | undefined, string | number | undefined];
  if (parent === undefined || key === undefined) return leaf;
  (parent as Record<string | number, unknown>)[key] = leaf;
  return value;
}

/**
 * Mostly a valid value with exactly one node made hostile, so that the bad part is what the server
 * meets (a request wrong everywhere is refused at its first field and tests nothing deeper).
 */
export function hostile(schema: Schema | undefined, known: Known): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(valid(schema, known), nastyLeaf, fc.nat())
        .map(([v, leaf, n]) => replaceOne(clone(v), leaf, n)),
    },
    { weight: 2, arbitrary: valid(schema, known) },
    { weight: 1, arbitrary: anyJson },
  );
}

/** JSON text for a value, writing RawJson pieces verbatim. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  }
  if (typeof value === 'string') return rawString(value);
  return JSON.stringify(value) ?? 'null';
}

/** Like JSON.stringify for a string, but lone surrogates are written as \u escapes (still valid JSON). */
function rawString(value: string): string {
  return JSON.stringify(value).replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** A query-string value: text, a number token, or a known id. */
export function queryValue(schema: Schema | undefined, known: Known): fc.Arbitrary<string> {
  const fromSchema = valid(schema, known).map((v) => (typeof v === 'string' ? v : toJson(v)));
  return fc.oneof(
    { weight: 3, arbitrary: fromSchema },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'Infinity', '-Infinity', '1e309') },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_NUMBERS, ...NASTY_TEXT.slice(0, 30)) },
    { weight: 1, arbitrary: anyText },
  );
}

/** Bodies no schema would produce: broken JSON, deep nesting, binary, forms. */
export const brokenBody = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '[',
    '{"a":',
    'null',
    '"x"',
    '1e309',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '['.repeat(5000),
    '{"a":'.repeat(2000),
    '\u0000',
    'a=1&a=2&b=%00',
  ),
  fc.string({ unit: codeUnit, maxLength: 200 }),
  anyJson.map(toJson),
);

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'image/jpeg',
  'application/octet-stream',
  'audio/x-mpegurl',
  'application/xspf+xml',
];
