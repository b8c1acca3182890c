/**
 * The periods generated playlists belong to, in UTC (server time): listeners have a country but no
 * time zone, so "Monday" is the same instant for everyone. Discover Weekly's week starts on Monday,
 * Release Radar's on Friday (new music is released on Fridays), Daily Mixes' period is the day.
 */

const DAY_MS = 86_400_000;

export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The day `days` days before `at`. */
export function daysBefore(at: number, days: number): string {
  return utcDay(at - days * DAY_MS);
}

/** The UTC day the week containing `at` started on, for weeks starting on `weekday` (0 = Sunday). */
export function weekStarting(at: number, weekday: number): string {
  const back = (new Date(at).getUTCDay() - weekday + 7) % 7;
  return utcDay(at - back * DAY_MS);
}

export const MONDAY = 1;
export const FRIDAY = 5;
