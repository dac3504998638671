// Timestamps relative to the anchor day, so the data looks the same age whenever it is generated.

const day = 86_400_000

export type Anchor = { now: Date; today: string }

/** The anchor: the first instant of `today` (YYYY-MM-DD) in Vietnam, so no row is stamped in the future. */
export function anchorOf(today: string): Anchor {
  return { now: new Date(`${today}T00:00:00+07:00`), today }
}

export const daysBefore = (anchor: Anchor, days: number) => new Date(anchor.now.getTime() - days * day)
export const plusDays = (instant: Date, days: number) => new Date(instant.getTime() + days * day)
export const dateOnly = (instant: Date) => new Date(instant.getTime() + 7 * 3600_000).toISOString().slice(0, 10)
export const minDate = (a: Date, b: Date) => (a < b ? a : b)
