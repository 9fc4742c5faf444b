/** Calendar dates as `YYYY-MM-DD` strings (UTC), instants as ISO 8601 UTC without milliseconds. */
export const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;

export function isRealDate(value: string): boolean {
  if (!isoDatePattern.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const isoDate = (instant: Date): string => instant.toISOString().slice(0, 10);

export const isoInstant = (instant: Date): string => `${instant.toISOString().slice(0, 19)}Z`;

export const addDays = (instant: Date, days: number): Date => new Date(instant.getTime() + days * 86_400_000);

export const epochSeconds = (instant: Date): number => Math.floor(instant.getTime() / 1000);
