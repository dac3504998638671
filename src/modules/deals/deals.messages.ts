import type { Db } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { badRequest, conflict, forbidden } from '../../lib/problem.ts'
import { writesContent } from '../access/access.policy.ts'
import type { Actor } from '../api-keys/api-keys.service.ts'
import type { RecordEvents } from '../outbox/outbox.repo.ts'
import { terminalStates } from './deals.process.ts'
import * as repo from './deals.repo.ts'
import type { DealMessage, DealMessageCreate, DealMessagePage, PageQuery } from './deals.schemas.ts'
import type { DealService } from './deals.service.ts'
import { toMessage } from './deals.view.ts'

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Messages between a deal's parties and their brokers (and the operator, settling a dispute). */
export function createDealMessageService(deps: { db: Db; clock: Clock; deals: DealService; recordEvents: RecordEvents }) {
  const { db, clock, deals, recordEvents } = deps

  async function post(actor: Actor, dealId: string, input: DealMessageCreate): Promise<DealMessage> {
    return db.transaction(async (tx) => {
      const { deal, roles } = await deals.visibleDeal(tx, actor, dealId, { lock: true })
      if (!writesContent(actor)) throw forbidden('A reader key cannot write messages')
      if (terminalStates.includes(deal.state)) throw conflict('deal_closed', `The deal is ${deal.state}; its messages are read-only`)
      const now = clock.now()
      const message = await repo.insertMessage(tx, {
        dealId,
        authorOrganizationId: actor.organizationId,
        authorRole: roles[0]!,
        body: input.body.trim(),
        attachments: input.attachments ?? [],
        createdAt: now,
      })
      await recordEvents(tx, [
        {
          type: 'deal.message_posted',
          subjectType: 'deal',
          subjectId: dealId,
          organizationIds: [deal.providerId, deal.seekerId],
          payload: { dealId, messageId: message.id, authorOrganizationId: message.authorOrganizationId, authorRole: message.authorRole },
          occurredAt: now,
        },
      ])
      return toMessage(message)
    })
  }

  /** Oldest first, so a client appends each page; the cursor is the last message's time and id. */
  async function list(actor: Actor, dealId: string, query: PageQuery): Promise<DealMessagePage> {
    await deals.visibleDeal(db, actor, dealId)
    const limit = query.limit ?? 20
    const values = query.cursor ? decodeCursor(query.cursor, 'deal-messages', ['string', 'string']) : undefined
    // Only what encodeCursor wrote: a forged time the database cannot hold (year -271821) is a 400, not a 500.
    if (values && (!isoInstant.test(String(values[0])) || Number.isNaN(Date.parse(String(values[0]))) || !/^[0-9a-f-]{36}$/i.test(String(values[1])))) {
      throw badRequest('invalid_cursor', 'The cursor is malformed or belongs to another sort order; start again without it')
    }
    const after = values ? { createdAt: new Date(String(values[0])), id: String(values[1]) } : undefined
    const rows = await repo.listMessages(db, dealId, { after, limit: limit + 1 })
    const items = rows.slice(0, limit)
    const last = rows.length > limit ? items[items.length - 1]! : undefined
    return { items: items.map(toMessage), nextCursor: last ? encodeCursor('deal-messages', [last.createdAt.toISOString(), last.id]) : null }
  }

  return { post, list }
}

export type DealMessageService = ReturnType<typeof createDealMessageService>
