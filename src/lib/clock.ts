export type Clock = { now: () => Date }

export const systemClock: Clock = { now: () => new Date() }

/** Vietnam's calendar date (UTC+7, no daylight saving) at an instant: validity dates are Vietnamese days. */
export function vietnamDate(instant: Date): string {
  return new Date(instant.getTime() + 7 * 3600_000).toISOString().slice(0, 10)
}

/** A calendar date (YYYY-MM-DD) `days` later, or earlier when negative. */
export const addDays = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

/** Whole days from one calendar date (YYYY-MM-DD) to another. */
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000)
