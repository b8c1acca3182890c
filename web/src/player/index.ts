import { PlaybackEngine } from './engine.js';
import type { Player, PlayerApi, PlayerSettings } from './types.js';
import { fetchNetwork, WebAudioOutput } from './web-audio.js';

export type * from './types.js';

const STORAGE_KEY = 'cadenza.player';

/** What tests and the player benchmark reach through `window.cadenza`. */
export interface PlayerHandle {
  player: Player;
  output: WebAudioOutput;
}

declare global {
  interface Window {
    cadenza?: PlayerHandle;
  }
}

/**
 * The engine wired to Web Audio, fetch and localStorage. Create it from a click: browsers only let an
 * AudioContext start after a user gesture.
 */
export function createBrowserPlayer(api: PlayerApi): Player {
  const output = new WebAudioOutput();
  const player = new PlaybackEngine({
    api,
    network: fetchNetwork,
    decoder: output.decoder(),
    output,
    clock: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    every: (ms, fn) => {
      const timer = setInterval(fn, ms);
      return () => clearInterval(timer);
    },
    saved: load(),
    mark: (stage) => performance.mark(`cadenza:${stage}`),
    save: (data) => localStorage.setItem(STORAGE_KEY, JSON.stringify(data)),
  });
  window.cadenza = { player, output };
  return player;
}

function load(): { volume?: number; settings?: Partial<PlayerSettings> } {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
  } catch {
    return {};
  }
}
