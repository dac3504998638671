import type { Db } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { forbidden, notFound, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import { organizationMerged } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { agentKinds, memberKinds } from '../../core/access.ts'
import type { DelegationScope } from '../../db/schema/index.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { currentProvinceCode, resolveProvince } from '../../core/places.ts'
import { mergeOrganization } from './organizations.merge.ts'
import { splitOrganization } from './organizations.split.ts'
import * as repo from './organizations.repo.ts'
import { toOrganization } from './organizations.view.ts'
import type { OrganizationHooks } from './organizations.hooks.ts'
import type { OrganizationCreate, OrganizationListQuery, OrganizationMerge, OrganizationSplit, OrganizationUpdate } from './organizations.schemas.ts'

// The profile is the organisation's admin's to keep. The fields that place it in the exchange's
// structure are the operator's: a member that could set its tax code could squat another firm's
// (unique among enterprises), one that could set its parent could attach itself under any DOST, and
// a connection point that could set its own delegation scope could reach members anywhere.
const canManage = (actor: Actor, organizationId: string) => actor.role === 'operator' || (actor.organizationId === organizationId && actor.role === 'admin')
const operatorOnlyFields = ['taxCode', 'parentId', 'delegationScope'] as const

/** A delegation scope as stored: provinces as their 2025 units; only connection points have one. */
function scopeOf(scope: DelegationScope | null, kind: string): DelegationScope | null {
  if (scope === null) return null
  if (kind !== 'connection_point') {
    throw unprocessable('invalid_scope', `Only connection points have a delegation scope; this organisation is a ${kind}`, [
      { pointer: '#/delegationScope', detail: 'is for connection points (a DOST serves its province)' },
    ])
  }
  const provinceCodes = scope.provinceCodes.map((code, index) => resolveProvince(code, `#/delegationScope/provinceCodes/${index}`))
  return { provinceCodes: [...new Set(provinceCodes)], sectors: scope.sectors }
}

export function createOrganizationService(deps: {
  db: Db
  clock: Clock
  recordEvents: RecordEvents
  catalogueEvent: CatalogueEvent
  hooks: OrganizationHooks
  exchangeId: string
  cursors: Cursors
}) {
  const { db, clock, recordEvents, catalogueEvent, hooks, exchangeId, cursors } = deps

  async function get(id: string) {
    const row = await repo.findOrganization(db, id)
    if (!row) throw notFound('Organization', id)
    return toOrganization(row, exchangeId)
  }

  async function create(actor: Actor, input: OrganizationCreate) {
    // The operator registers any organisation. A connection point or DOST onboards members: its
    // admin key registers an enterprise, centre, institute or university and starts acting for it.
    const onboarding = actor.role !== 'operator'
    if (onboarding) {
      if (actor.role !== 'admin' || !agentKinds.includes(actor.organizationKind)) {
        throw forbidden('Only the exchange operator, or admin keys of a connection point or authority onboarding a member, register organisations')
      }
      if (!memberKinds.includes(input.kind)) {
        throw unprocessable(
          'invalid_member',
          `A connection point or authority onboards enterprises, transfer centres, research institutes and universities, not a ${input.kind}`,
          [{ pointer: '#/kind', detail: `must be one of ${memberKinds.join(', ')}` }],
        )
      }
      // The parent places an organisation in the exchange's structure: an agent may only put its member under itself.
      if (input.parentId !== undefined && input.parentId !== null && input.parentId !== actor.organizationId) {
        throw forbidden('An onboarding agent may set only itself as the parent', [{ pointer: '#/parentId', detail: 'is set by the exchange operator' }])
      }
      if (input.delegationScope !== undefined) {
        throw forbidden('Only the operator declares a delegation scope', [{ pointer: '#/delegationScope', detail: 'is set by the exchange operator' }])
      }
    }
    const values = {
      ...input,
      contacts: input.contacts ?? [],
      sectors: input.sectors ?? [],
      delegationScope: scopeOf(input.delegationScope ?? null, input.kind),
      currentProvinceCode: input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null,
    }
    // The row, the onboarding delegation and their audit events commit together or not at all.
    return db.transaction(async (tx) => {
      const now = clock.now()
      const row = await repo.insertOrganization(tx, values)
      const organization = toOrganization(row, exchangeId)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: organization.id,
        operation: 'organization.create',
        targetType: 'organization',
        targetId: organization.id,
        after: organization,
        occurredAt: now,
      })
      await recordEvents(tx, [await catalogueEvent(tx, 'organization.created', organization.id, now)])
      if (onboarding) {
        const agent = await repo.findOrganization(tx, actor.organizationId)
        if (!agent) throw forbidden("The key's organisation no longer exists")
        await hooks.onboarded(tx, actor, agent, row, now)
      }
      return organization
    })
  }

  async function update(actor: Actor, id: string, input: OrganizationUpdate, expectedVersion?: number) {
    if (!canManage(actor, id)) {
      // Hide nothing here: organisations are public, so say plainly why the write is refused.
      if (!(await repo.findOrganization(db, id))) throw notFound('Organization', id)
      throw forbidden("Only the organisation's admin keys or the operator may change it")
    }
    const restricted = operatorOnlyFields.filter((field) => input[field] !== undefined)
    if (actor.role !== 'operator' && restricted.length > 0) {
      throw forbidden(
        `Only the operator changes ${restricted.join(' and ')}`,
        restricted.map((field) => ({ pointer: `#/${field}`, detail: 'is set by the exchange operator' })),
      )
    }
    if (input.parentId === id) {
      throw unprocessable('invalid_parent', 'An organisation cannot be its own parent', [{ pointer: '#/parentId', detail: 'is the organisation itself' }])
    }
    const { delegationScope, ...fields } = input
    const values: Partial<repo.OrganizationInsert> = { ...fields }
    if (input.provinceCode !== undefined) {
      values.currentProvinceCode = input.provinceCode === null ? null : resolveProvince(input.provinceCode, '#/provinceCode')
    }
    // Read under a row lock, so the audit's "before" is exactly the version being overwritten.
    return db.transaction(async (tx) => {
      const current = await repo.findOrganization(tx, id, { lock: true })
      if (!current) throw notFound('Organization', id)
      if (delegationScope !== undefined) values.delegationScope = scopeOf(delegationScope, current.kind)
      if (current.mergedIntoId !== null) throw organizationMerged(id, current.mergedIntoId)
      if (expectedVersion !== undefined && expectedVersion !== current.version) throw preconditionFailed()
      const now = clock.now()
      const row = await repo.updateOrganization(tx, { id, expectedVersion: current.version, values, now })
      // The row is locked, so the version cannot have moved; this is only a safety net.
      if (!row) throw preconditionFailed()
      const organization = toOrganization(row, exchangeId)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: id,
        operation: 'organization.update',
        targetType: 'organization',
        targetId: id,
        before: toOrganization(current, exchangeId),
        after: organization,
        occurredAt: now,
      })
      await recordEvents(tx, [await catalogueEvent(tx, 'organization.updated', id, now)])
      return organization
    })
  }

  async function list(query: OrganizationListQuery) {
    const limit = query.limit ?? 20
    const after = query.cursor ? cursors.decode(query.cursor, 'name', ['string', 'uuid']) : undefined
    const rows = await repo.listOrganizations(db, {
      kinds: query.kind,
      // An unknown code finds nothing, as it always has here.
      currentProvinceCodes: query.province?.map((code) => currentProvinceCode(code) ?? 'none'),
      parentId: query.parentId,
      q: query.q,
      merged: query.merged,
      after: after ? { name: after[0], id: after[1] } : undefined,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map((row) => toOrganization(row, exchangeId)),
      nextCursor: rows.length > limit && last ? cursors.encode('name', [last.name, last.id]) : null,
    }
  }

  const merge = (actor: Actor, id: string, input: OrganizationMerge, expectedVersion?: number) =>
    mergeOrganization({ db, clock, recordEvents, catalogueEvent, hooks, exchangeId }, actor, id, input, expectedVersion)

  const split = (actor: Actor, id: string, input: OrganizationSplit, expectedVersion?: number) =>
    splitOrganization({ db, clock, recordEvents, catalogueEvent, hooks, exchangeId }, actor, id, input, expectedVersion)
  return { get, create, update, list, merge, split }
}

export type OrganizationService = ReturnType<typeof createOrganizationService>
