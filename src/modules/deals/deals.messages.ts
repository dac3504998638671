import type { Db } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden } from '../../lib/problem.ts'
import { writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { dealProcess, type DealRole } from './deals.process.ts'
import * as repo from './deals.repo.ts'
import type { DealMessage, DealMessageCreate, DealMessagePage, PageQuery } from './deals.schemas.ts'
import type { DealService } from './deals.service.ts'
import { sideOf, toMessage } from './deals.view.ts'

/** Messages between a deal's parties and their brokers (and the operator, settling a dispute). */
export function createDealMessageService(deps: { db: Db; clock: Clock; deals: DealService; recordEvents: RecordEvents; cursors: Cursors }) {
  const { db, clock, deals, recordEvents, cursors } = deps

  async function post(actor: Actor, dealId: string, input: DealMessageCreate): Promise<DealMessage> {
    return db.transaction(async (tx) => {
      const { deal, roles } = await deals.visibleDeal(tx, actor, dealId, { lock: true })
      if (!writesContent(actor)) throw forbidden('A reader key cannot write messages')
      if (dealProcess.terminalStates.includes(deal.state)) throw conflict('deal_closed', `The deal is ${deal.state}; its messages are read-only`)
      const now = clock.now()
      const message = await repo.insertMessage(tx, {
        dealId,
        authorOrganizationId: actor.organizationId,
        authorRole: roles[0]!,
        body: input.body.trim(),
        attachments: input.attachments ?? [],
        createdAt: now,
      })
      // One payload reaches both parties: the author stays unnamed while the other side may not know it.
      const author = sideOf(message.authorRole as DealRole)
      const otherSide: DealRole = author === 'provider' ? 'seeker' : 'provider'
      const unnamed = author !== undefined && (await deals.hiddenSides(tx, deal, [otherSide])).includes(author)
      await recordEvents(tx, [
        {
          type: 'deal.message_posted',
          subjectType: 'deal',
          subjectId: dealId,
          organizationIds: [deal.providerId, deal.seekerId],
          payload: { dealId, messageId: message.id, authorOrganizationId: unnamed ? null : message.authorOrganizationId, authorRole: message.authorRole },
          occurredAt: now,
        },
      ])
      return toMessage(message)
    })
  }

  /** Oldest first, so a client appends each page; the cursor is the last message's time and id. */
  async function list(actor: Actor, dealId: string, query: PageQuery): Promise<DealMessagePage> {
    const { deal, roles } = await deals.visibleDeal(db, actor, dealId)
    const hidden = await deals.hiddenSides(db, deal, roles)
    const limit = query.limit ?? 20
    const values = query.cursor ? cursors.decode(query.cursor, 'deal-messages', ['instant', 'uuid']) : undefined
    const after = values ? { createdAt: values[0], id: values[1] } : undefined
    const rows = await repo.listMessages(db, dealId, { after, limit: limit + 1 })
    const items = rows.slice(0, limit)
    const last = rows.length > limit ? items[items.length - 1]! : undefined
    return { items: items.map((row) => toMessage(row, hidden)), nextCursor: last ? cursors.encode('deal-messages', [last.createdAt, last.id]) : null }
  }

  return { post, list }
}

export type DealMessageService = ReturnType<typeof createDealMessageService>
