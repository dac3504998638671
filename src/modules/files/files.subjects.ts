import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { dealMilestones, type FileSubjectType } from '../../db/schema/index.ts'
import { conflict, forbidden, notFound } from '../../lib/problem.ts'
import { accessTo, actsFor, assertManages, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { reachedOnDemand, reachedOnListing } from '../../core/disclosure.ts'
import { dealProcess } from '../deals/deals.process.ts'
import type { DealService } from '../deals/deals.service.ts'
import { accessRecord as demandAccess } from '../demands/demands.service.ts'
import { findDemand } from '../demands/demands.repo.ts'
import { findEvent } from '../exchange-events/exchange-events.repo.ts'
import { findListing } from '../listings/listings.repo.ts'
import { accessRecord as listingAccess } from '../listings/listings.view.ts'
import type { SuccessStoryService } from '../success-stories/success-stories.service.ts'
import type { TaskService } from '../tasks/tasks.service.ts'

// A file has the access of the record it belongs to: whoever may see the record may list and read
// its files, whoever may change the record may attach and remove them. On listings and demands a
// file may also wait for a deal stage (revealedAt), as their confidential fields do
// (core/disclosure.ts). This module is the one place that knows, for each kind of record, which
// rule that is; the file service asks it and nothing else.

export type FileSubject = {
  type: FileSubjectType
  id: string
  /** The organisation the record belongs to (a deal's, task's or event's: who the audit files it under). */
  ownerId: string
  /** Whether the caller acts for the record's owner: it reads every file, whatever its revealedAt. */
  seesAll: boolean
  /** Listings and demands: how far the caller's deals on the record got (what revealedAt is weighed against). */
  reached: () => Promise<string | null>
  /** Whether files may wait for a deal stage (listings and demands). */
  staged: boolean
  /** Deals: the ids of its milestones. */
  milestoneIds: Set<string>
}

const noDeal = async () => null

export function fileSubjects(deps: {
  deals: Pick<DealService, 'visibleDeal'>
  tasks: Pick<TaskService, 'visibleTask'>
  stories: Pick<SuccessStoryService, 'visible'>
}) {
  type WriteCheck = (writer: Actor, options: { removing?: boolean }) => Promise<void>

  /**
   * The record as the caller may read it (404 when it may not see it at all), with the check that it
   * may also change its files, made on the row already read.
   */
  async function inspect(db: DbOrTx, actor: Actor | null, type: FileSubjectType, id: string): Promise<{ subject: FileSubject; writeCheck: WriteCheck }> {
    const plain = { reached: noDeal, staged: false, milestoneIds: new Set<string>() }
    switch (type) {
      case 'listing': {
        const row = await findListing(db, id)
        if (!row) throw notFound('Listing', id)
        const record = listingAccess(row)
        const access = await accessTo(db, actor, record)
        if (!access.see) throw notFound('Listing', id)
        const seesAll = await actsFor(db, actor, record.ownerId, record.stewardId)
        return {
          subject: { type, id, ownerId: row.ownerId, seesAll, reached: () => reachedOnListing(db, actor, id), staged: true, milestoneIds: new Set() },
          writeCheck: async (writer, { removing }) => {
            await assertManages(db, writer, record, { resource: 'Listing', id, detail: refusal('listing') }, { retires: removing })
            if (row.status === 'withdrawn' && !removing) throw retired(`Listing ${id} was withdrawn`)
          },
        }
      }
      case 'demand': {
        const row = await findDemand(db, id)
        if (!row) throw notFound('Demand', id)
        const record = demandAccess(row)
        const access = await accessTo(db, actor, record)
        if (!access.see) throw notFound('Demand', id)
        const seesAll = await actsFor(db, actor, record.ownerId, record.stewardId)
        return {
          subject: { type, id, ownerId: record.ownerId, seesAll, reached: () => reachedOnDemand(db, actor, id), staged: true, milestoneIds: new Set() },
          writeCheck: async (writer, { removing }) => {
            await assertManages(db, writer, record, { resource: 'Demand', id, detail: refusal('demand') }, { retires: removing })
            if (row.status === 'closed' && !removing) throw retired(`Demand ${id} is closed`)
          },
        }
      }
      case 'deal': {
        if (!actor) throw notFound('Deal', id)
        const { deal } = await deps.deals.visibleDeal(db, actor, id)
        const milestones = await db.select({ id: dealMilestones.id }).from(dealMilestones).where(eq(dealMilestones.dealId, id))
        return {
          subject: { ...plain, type, id, ownerId: deal.providerId, seesAll: true, milestoneIds: new Set(milestones.map((milestone) => milestone.id)) },
          writeCheck: async (writer) => {
            if (!writesContent(writer)) throw forbidden('A reader key cannot attach or remove files')
            if (dealProcess.terminalStates.includes(deal.state)) throw conflict('deal_closed', `The deal is ${deal.state}; its files are read-only`)
          },
        }
      }
      case 'task': {
        const { loaded, roles } = await deps.tasks.visibleTask(db, actor, id)
        return {
          subject: { ...plain, type, id, ownerId: loaded.task.leadId, seesAll: roles.length > 0 },
          writeCheck: async (writer) => {
            const member = roles.some((role) => role === 'lead' || role === 'partner' || role === 'operator')
            if (!member || !writesContent(writer)) throw forbidden("A task's files are kept by the writing keys of its lead and partners, and the operator")
          },
        }
      }
      case 'exchange_event': {
        const event = await findEvent(db, id)
        if (!event) throw notFound('Event', id)
        return {
          subject: { ...plain, type, id, ownerId: event.organizerId, seesAll: true },
          writeCheck: async (writer) => {
            if (!writesContent(writer) || !(await actsFor(db, writer, event.organizerId)))
              throw forbidden("An event's files are kept by its organiser's writing keys, its delegates' or the operator")
          },
        }
      }
      case 'success_story': {
        const { row, sides } = await deps.stories.visible(db, actor, id)
        return {
          subject: { ...plain, type, id, ownerId: row.providerId, seesAll: true },
          writeCheck: async (writer, { removing }) => {
            if (sides.length === 0 || !writesContent(writer)) throw forbidden("A success story's photos are kept by the writing keys of the transfer's parties")
            // Both parties approve the story as they see it, photos included: once published, they stay.
            if (row.status !== 'draft' && !removing) throw conflict('invalid_state', `The story is ${row.status}: photos are added while it is a draft`)
          },
        }
      }
    }
  }

  /** The record as the caller may read it: 404 when it may not see the record at all. */
  async function readable(db: DbOrTx, actor: Actor | null, type: FileSubjectType, id: string): Promise<FileSubject> {
    return (await inspect(db, actor, type, id)).subject
  }

  /**
   * The record as the caller may change its files: 404 when it may not see it, 403 when it may see
   * but not change it, 409 when the record is retired (a withdrawn listing, a closed demand, a
   * finished deal) or its owner was merged.
   */
  async function writable(db: DbOrTx, actor: Actor, type: FileSubjectType, id: string, options: { removing?: boolean } = {}): Promise<FileSubject> {
    const { subject, writeCheck } = await inspect(db, actor, type, id)
    await writeCheck(actor, options)
    return subject
  }

  return { readable, writable }
}

export type FileSubjects = ReturnType<typeof fileSubjects>

const refusal = (record: 'listing' | 'demand') =>
  `Only the ${record} owner's admin or editor keys, its delegates' admin or editor keys, or the operator, may attach files to a ${record} or remove them`
const retired = (detail: string) => conflict('record_retired', `${detail}: it takes no new files (those it has stay until the retention sweep removes them)`)
