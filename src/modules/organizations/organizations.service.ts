import type { Db } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { forbidden, notFound, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import type { Actor } from '../api-keys/api-keys.service.ts'
import { currentProvinceCode } from '../reference/provinces.ts'
import * as repo from './organizations.repo.ts'
import type { Organization, OrganizationCreate, OrganizationListQuery, OrganizationUpdate } from './organizations.schemas.ts'

export function toOrganization(row: repo.OrganizationRow): Organization {
  return {
    id: row.id,
    kind: row.kind as Organization['kind'],
    name: row.name,
    nameEn: row.nameEn,
    shortName: row.shortName,
    parentId: row.parentId,
    provinceCode: row.provinceCode,
    currentProvinceCode: row.currentProvinceCode,
    address: row.address,
    website: row.website,
    email: row.email,
    phone: row.phone,
    taxCode: row.taxCode,
    description: row.description,
    contacts: row.contacts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

/** Resolves a filed province code to its 2025 unit; an unknown code is a 422 on `pointer`. */
export function resolveProvince(code: string, pointer: string): string {
  const current = currentProvinceCode(code)
  if (!current) {
    throw unprocessable('unknown_province', `Province code ${code} is neither a 2025 nor a legacy unit; see /v1/reference/provinces`, [
      { pointer, detail: 'is not a known province code' },
    ])
  }
  return current
}

const canManage = (actor: Actor, organizationId: string) =>
  actor.role === 'operator' || (actor.organizationId === organizationId && (actor.role === 'admin' || actor.role === 'editor'))

export function createOrganizationService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps

  async function get(id: string) {
    const row = await repo.findOrganization(db, id)
    if (!row) throw notFound('Organization', id)
    return toOrganization(row)
  }

  async function create(actor: Actor, input: OrganizationCreate) {
    // Onboarding is the operator's job for now; delegation to connection points comes with roles.
    if (actor.role !== 'operator') throw forbidden('Only the exchange operator registers organisations')
    const row = await repo.insertOrganization(db, {
      ...input,
      contacts: input.contacts ?? [],
      currentProvinceCode: input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null,
    })
    return toOrganization(row)
  }

  async function update(actor: Actor, id: string, input: OrganizationUpdate, expectedVersion?: number) {
    if (!canManage(actor, id)) {
      // Hide nothing here: organisations are public, so say plainly why the write is refused.
      if (!(await repo.findOrganization(db, id))) throw notFound('Organization', id)
      throw forbidden('Only the organisation itself (admin or editor key) or the operator may change it')
    }
    if (input.parentId === id) {
      throw unprocessable('invalid_parent', 'An organisation cannot be its own parent', [{ pointer: '#/parentId', detail: 'is the organisation itself' }])
    }
    const values: Partial<repo.OrganizationInsert> = { ...input }
    if (input.provinceCode !== undefined) {
      values.currentProvinceCode = input.provinceCode === null ? null : resolveProvince(input.provinceCode, '#/provinceCode')
    }
    const row = await repo.updateOrganization(db, { id, expectedVersion, values, now: clock.now() })
    if (row) return toOrganization(row)
    if (!(await repo.findOrganization(db, id))) throw notFound('Organization', id)
    throw preconditionFailed()
  }

  async function list(query: OrganizationListQuery) {
    const limit = query.limit ?? 20
    const after = query.cursor ? decodeCursor(query.cursor, 'name', ['string', 'string']) : undefined
    const rows = await repo.listOrganizations(db, {
      kind: query.kind,
      currentProvinceCode: query.province ? currentProvinceCode(query.province) ?? 'none' : undefined,
      parentId: query.parentId,
      q: query.q,
      after: after ? { name: after[0] as string, id: after[1] as string } : undefined,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map(toOrganization),
      nextCursor: rows.length > limit && last ? encodeCursor('name', [last.name, last.id]) : null,
    }
  }

  return { get, create, update, list }
}

export type OrganizationService = ReturnType<typeof createOrganizationService>
