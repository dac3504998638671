export type Clock = { now: () => Date }

export const systemClock: Clock = { now: () => new Date() }

/** Vietnam's calendar date (UTC+7, no daylight saving) at an instant: validity dates are Vietnamese days. */
export function vietnamDate(instant: Date): string {
  return new Date(instant.getTime() + 7 * 3600_000).toISOString().slice(0, 10)
}
