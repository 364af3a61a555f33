/** The one place the product reads the time, so a run's decisions (due, expiry, days left) agree with each other. */
export function now(): Date {
  return new Date();
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function daysBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / DAY_MS;
}
