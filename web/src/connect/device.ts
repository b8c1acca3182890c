/**
 * This browser as a Connect device: an id made once per browser profile (22 letters and digits, like
 * the server's ids) and a name the listener may change. The id lives under `cadenza.device`, where
 * listening events also read it (an older `web-…` id from before Connect is replaced); the name under
 * `cadenza.device.name`.
 */

const ID_KEY = 'cadenza.device';
const NAME_KEY = 'cadenza.device.name';
const ID = /^[A-Za-z0-9]{22}$/;
export const NAME_MAX = 64;

/** Random letters and digits (crypto.randomUUID needs a secure origin; a LAN server may be plain http). */
function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function deviceId(): string {
  let id = localStorage.getItem(ID_KEY);
  if (!id || !ID.test(id)) {
    id = randomId(22);
    localStorage.setItem(ID_KEY, id);
  }
  return id;
}

/** "Chrome on macOS", from the user agent. */
export function defaultDeviceName(agent = navigator.userAgent): string {
  const browser =
    [
      ['Edg/', 'Edge'],
      ['OPR/', 'Opera'],
      ['Firefox/', 'Firefox'],
      ['Chromium/', 'Chromium'],
      ['Chrome/', 'Chrome'],
      ['Safari/', 'Safari'],
    ].find(([mark]) => agent.includes(mark!))?.[1] ?? 'Web browser';
  const system =
    [
      ['Android', 'Android'],
      ['iPhone', 'iPhone'],
      ['iPad', 'iPad'],
      ['Mac OS X', 'macOS'],
      ['Windows', 'Windows'],
      ['CrOS', 'ChromeOS'],
      ['Linux', 'Linux'],
    ].find(([mark]) => agent.includes(mark!))?.[1] ?? null;
  return system ? `${browser} on ${system}` : browser;
}

export function deviceName(): string {
  const saved = localStorage.getItem(NAME_KEY)?.trim();
  return saved ? saved.slice(0, NAME_MAX) : defaultDeviceName();
}

/** Keeps a new name (1–64 characters after trimming); an empty one goes back to the default. */
export function saveDeviceName(name: string): string {
  const trimmed = name.trim().slice(0, NAME_MAX);
  if (trimmed) localStorage.setItem(NAME_KEY, trimmed);
  else localStorage.removeItem(NAME_KEY);
  return deviceName();
}
