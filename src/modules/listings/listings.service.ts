import type { Db } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'

export function createListingService(_deps: { db: Db; clock: Clock }) {
  return {}
}
