/**
 * Wire formats of Azure DevOps values the emulator has to reproduce byte for byte:
 * SQL `datetime` timestamps (1/300 s) serialised the .NET way, and PAT values.
 */
import { randomBytes } from 'node:crypto';

/**
 * Rounds epoch milliseconds to the nearest 1/300 s, as a SQL `datetime` column stores it.
 * Returned as an integer count of 1/300 s ticks so nothing is lost to floating point.
 */
export function toSqlTicks(ms: number): number {
  // ms * 0.3, rounded half up; integer arithmetic keeps .5 cases exact.
  const tenths = Math.round(ms) * 3;
  return Math.floor(tenths / 10) + (tenths % 10 >= 5 ? 1 : 0);
}

export function sqlTicksToMs(ticks: number): number {
  return (ticks * 10) / 3;
}

/** Epoch ms rounded to what the service would store (still fractional: 1/300 s is not a whole ms). */
export function roundToSqlDatetime(ms: number): number {
  return sqlTicksToMs(toSqlTicks(ms));
}

/**
 * Formats 1/300 s ticks as .NET does a UTC DateTime: `2020-12-01T23:46:23.32Z`, with up to seven
 * fraction digits (`…52.1033333Z`), trailing zeros trimmed and no dot for whole seconds.
 */
export function formatSqlTicks(ticks: number): string {
  const wholeSeconds = Math.floor(ticks / 300);
  const rem = ticks - wholeSeconds * 300;
  const iso = new Date(wholeSeconds * 1000).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z
  const base = iso.slice(0, 19);
  // Fraction in 100 ns units, rounded half up: 31/300 s -> 1033333, 2/300 s -> 0066667.
  const hundredNs = Math.floor((rem * 10_000_000 + 150) / 300);
  if (hundredNs === 0) return `${base}Z`;
  const frac = String(hundredNs).padStart(7, '0').replace(/0+$/, '');
  return `${base}.${frac}Z`;
}

/** Formats epoch ms after rounding it to SQL `datetime` precision. */
export function formatDevOpsDate(ms: number): string {
  return formatSqlTicks(toSqlTicks(ms));
}

/**
 * Parses an ISO 8601 date-time as the service's JSON reader would. Returns epoch ms (sub-ms digits
 * kept as a fraction) or null. Values without a zone are taken as UTC.
 */
export function parseDateTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(base)) return null;
  const check = new Date(base);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null;
  let ms = base + (frac ? Number(`0.${frac}`) * 1000 : 0);
  if (zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(zm[2]) * 60 + Number(zm[3])) * 60_000;
    ms += zm[1] === '+' ? -offset : offset;
  }
  return ms;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomChars(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n)) {
      // 248 = 4 * 62: dropping the top bytes keeps every character equally likely.
      if (b < 248 && out.length < n) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export const PAT_LENGTH = 84;

/**
 * A new-format PAT: 84 characters with the `AZDO` signature at offset 76, as current Azure DevOps
 * issues them. The product must treat it as opaque; only the length and signature look real.
 */
export function generatePat(): string {
  return `${randomChars(76)}AZDO${randomChars(4)}`;
}
