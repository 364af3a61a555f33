import type { EmulatorClock } from './types';

/**
 * The emulator's notion of "now". Tests move it to simulate months of scheduled runs in seconds;
 * everything with an expiry (tokens, refresh-token inactivity, PAT validity) must read it instead of Date.now().
 */
export function createClock(start: number = Date.now()): EmulatorClock {
  // Stored as an offset from real time so the clock keeps ticking between test steps.
  let offset = start - Date.now();
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      if (!Number.isFinite(ms)) throw new RangeError(`clock.advance: ${ms} is not a finite number of milliseconds`);
      offset += ms;
    },
    set(ms: number) {
      if (!Number.isFinite(ms)) throw new RangeError(`clock.set: ${ms} is not a finite epoch time`);
      offset = ms - Date.now();
    },
    offsetMs: () => offset,
  };
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Entra's timestamp format in error bodies: `2016-01-09 02:02:12Z`. */
export function entraTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
