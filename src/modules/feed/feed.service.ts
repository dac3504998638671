import type { Db } from '../../db/client.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { badRequest } from '../../lib/problem.ts'
import { feedEventTypes, isTombstone } from '../../core/catalogue-events.ts'
import * as repo from './feed.repo.ts'
import type { FeedEvent, FeedEventPage, FeedEventQuery } from './feed.schemas.ts'

const cursorTag = 'events'
/** Before every event: transaction ids start above 0, event ids at 1. */
const start: repo.FeedPosition = { transactionId: '0', id: 0 }
const maxTransactionId = 2n ** 64n - 1n

const invalidCursor = () => badRequest('invalid_cursor', 'The cursor is malformed or belongs to another list; start again without it')

/** The position a cursor carries: a transaction id (a decimal xid8, as text) and an event id. */
function decodePosition(cursors: Cursors, cursor: string): repo.FeedPosition {
  const [transactionId, id] = cursors.decode(cursor, cursorTag, ['string', 'integer'])
  if (!/^(0|[1-9][0-9]{0,19})$/.test(transactionId) || BigInt(transactionId) > maxTransactionId) throw invalidCursor()
  return { transactionId, id }
}

/** The requested types, each one the feed can carry; anything else is a 400 naming it. */
function typesOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const types = [...new Set(value.split(','))]
  const unknown = types.filter((type) => !(feedEventTypes as readonly string[]).includes(type))
  if (unknown.length > 0) {
    const detail = `names ${unknown.map((type) => `'${type}'`).join(', ')}, not a feed event type (${feedEventTypes.join(', ')})`
    throw badRequest('validation_failed', `Query parameter types ${detail}`, [{ pointer: '#/query/types', detail }])
  }
  return types
}

export function toFeedEvent(row: repo.FeedRow): FeedEvent {
  return {
    id: String(row.id),
    type: row.type,
    occurredAt: row.occurredAt.toISOString(),
    subject: { type: row.subjectType as FeedEvent['subject']['type'], id: row.subjectId },
    tombstone: isTombstone(row.type),
    data: row.payload as Record<string, unknown>,
  }
}

export function createFeedService(deps: { db: Db; cursors: Cursors }) {
  const { db, cursors } = deps
  const encodePosition = (position: repo.FeedPosition) => cursors.encode(cursorTag, [position.transactionId, position.id])

  async function list(query: FeedEventQuery): Promise<FeedEventPage> {
    const after = query.after === undefined ? start : decodePosition(cursors, query.after)
    const rows = await repo.listPublicEvents(db, { after, types: typesOf(query.types), limit: query.limit ?? 100 })
    const last = rows.at(-1)
    // Always a cursor: a mirror keeps polling with it, and an empty page leaves it where it was.
    return { items: rows.map(toFeedEvent), nextCursor: last ? encodePosition(last) : (query.after ?? encodePosition(start)) }
  }

  return { list }
}

export type FeedService = ReturnType<typeof createFeedService>
