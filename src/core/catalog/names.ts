/**
 * The key under which names are merged: "Beyoncé", "BEYONCE " and "beyonce" are one artist. Case,
 * diacritics and runs of white space are folded; punctuation is kept ("AC/DC" is not "ACDC" here).
 */
export function nameKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function datePrecision(date: string | null): 'year' | 'month' | 'day' | null {
  if (!date) return null;
  return date.length >= 10 ? 'day' : date.length >= 7 ? 'month' : 'year';
}
