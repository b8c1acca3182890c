import type { Player, PlayerApi } from './types.js';

export type * from './types.js';

/** The engine wired to Web Audio and fetch. Under construction: lands with the engine module. */
export function createBrowserPlayer(_api: PlayerApi): Player {
  throw new Error('the playback engine is not wired yet');
}
