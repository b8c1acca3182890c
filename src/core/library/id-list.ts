import { Invalid } from '../errors.js';
import { isId } from '../ids.js';

/** Spotify's limit on ids in one library or follow request. */
export const MAX_IDS = 50;

/**
 * Checks a list of ids from a request: 1 to 50 base62 ids, else Invalid naming `field`. Returns the
 * list as given (order and repeats kept, as `contains` answers one boolean per id asked).
 */
export function idList(ids: readonly string[], field = 'ids'): string[] {
  if (ids.length === 0) throw new Invalid(`${field} must list at least one id`, field);
  if (ids.length > MAX_IDS) throw new Invalid(`${field} may list at most ${MAX_IDS} ids, got ${ids.length}`, field);
  const bad = ids.find((id) => !isId(id));
  if (bad !== undefined) throw new Invalid(`${field} has "${bad}", which is not a 22-character base62 id`, field);
  return [...ids];
}

/** The first id of `wanted` missing from `found`, to name it in a NotFound. */
export function firstMissing(wanted: readonly string[], found: Iterable<string>): string | undefined {
  const have = new Set(found);
  return wanted.find((id) => !have.has(id));
}
