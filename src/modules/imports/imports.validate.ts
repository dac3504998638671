import { createHash } from 'node:crypto'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { badTextIn } from '../../http/text-guard.ts'
import { AppError, type FieldError } from '../../lib/problem.ts'
import { readOnlyFields } from './imports.columns.ts'
import type { RawRow } from './imports.rows.ts'

// A row checked as the create endpoint checks a body: the same TypeBox schema, errors with JSON
// pointers into the row. Two more fields are the import's own: externalId (the owner's reference,
// how a re-run finds the record again) and status (whether to publish or open the record).

export type ValidRow<I> = { line: number; key: string; status: string; input: I }
export type FailedRow = { line: number; errors: FieldError[] }
export type CheckedRow<I> = ValidRow<I> | FailedRow

export const failed = <I>(row: CheckedRow<I>): row is FailedRow => 'errors' in row

type SchemaIssue = { keyword: string; instancePath: string; message: string; params: Record<string, unknown> }

const escapePointer = (name: string) => name.replaceAll('~', '~0').replaceAll('/', '~1')

/** The fields that hold province codes, which a file may give as names instead. */
const provincePointer = /^#\/(provinceCode|provinceCodes\/\d+)$/

/**
 * TypeBox's issues as field errors, one per field: a value outside a vocabulary is "must be one of
 * ...", a nullable field of the wrong type "must be integer or null", the union's own summary is
 * left out when its branches said more.
 */
export function schemaErrors(issues: Iterable<SchemaIssue>): FieldError[] {
  const byPointer = new Map<string, { allowed: string[]; types: string[]; details: string[] }>()
  const at = (pointer: string) => {
    let entry = byPointer.get(pointer)
    if (!entry) byPointer.set(pointer, (entry = { allowed: [], types: [], details: [] }))
    return entry
  }
  for (const issue of issues) {
    const pointer = `#${issue.instancePath}`
    if (issue.keyword === 'boolean') continue
    if (issue.keyword === 'required' && Array.isArray(issue.params.requiredProperties)) {
      for (const name of issue.params.requiredProperties as string[]) at(`${pointer}/${escapePointer(name)}`).details.push('is required')
    } else if (issue.keyword === 'additionalProperties' && Array.isArray(issue.params.additionalProperties)) {
      for (const name of issue.params.additionalProperties as string[]) at(`${pointer}/${escapePointer(name)}`).details.push('is not a known field')
    } else if (issue.keyword === 'const') {
      at(pointer).allowed.push(String(issue.params.allowedValue))
    } else if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
      at(pointer).allowed.push(...(issue.params.allowedValues as unknown[]).map(String))
    } else if (issue.keyword === 'pattern' && provincePointer.test(pointer)) {
      // A province cell matched neither a code nor a name (imports.rows.ts reads names as codes).
      at(pointer).details.push('is not a province code or name (see /v1/reference/provinces)')
    } else if (issue.keyword === 'type') {
      at(pointer).types.push(String(issue.params.type))
    } else if (issue.keyword !== 'anyOf') {
      at(pointer).details.push(issue.message)
    }
  }
  const errors: FieldError[] = []
  for (const [pointer, entry] of byPointer) {
    const details = [...new Set(entry.details)]
    if (entry.allowed.length > 0) {
      const shown = entry.allowed.slice(0, 12).join(', ')
      details.unshift(`must be one of ${shown}${entry.allowed.length > 12 ? ', ...' : ''}`)
    } else if (entry.types.length > 0 && details.length === 0) {
      details.push(`must be ${[...new Set(entry.types)].join(' or ')}`)
    }
    // A nullable field's "must be null" adds nothing to its real complaint (a format, a range).
    for (const detail of details.length > 0 ? details : ['is invalid']) errors.push({ pointer, detail })
  }
  return errors.length > 0 ? errors : [{ pointer: '#', detail: 'does not match the schema' }]
}

/** An AppError's field errors (a rule the service applies), as a row's errors. */
export function errorsOf(error: unknown): FieldError[] {
  if (!(error instanceof AppError)) throw error
  return error.extensions.errors?.length ? error.extensions.errors : [{ pointer: '#', detail: error.detail ?? error.title }]
}

/** Canonical text for a content key: case, spacing and Unicode composition do not change it. */
const canonical = (value: unknown) => (typeof value === 'string' ? value.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase() : (value ?? null))

/**
 * The key of a row without an externalId: "auto:" and a hash of the fields that identify the
 * record (a listing's kind, title and description, say). Running the file again finds the record
 * by it, so nothing is created twice; change one of those fields and the row is a new record.
 */
export function contentKey(identity: unknown[]): string {
  return `auto:${createHash('sha256')
    .update(JSON.stringify(identity.map(canonical)))
    .digest('hex')
    .slice(0, 32)}`
}

export type RowValidator<I> = (row: RawRow) => CheckedRow<I>

/**
 * A validator for one kind: the create schema (compiled once), the statuses a row may ask for
 * (first: the default), and the fields a content key is made of.
 */
export function rowValidator<I>(schema: TSchema, statuses: readonly string[], identity: (input: I) => unknown[]): RowValidator<I> {
  const compiled = Compile(schema)
  return (row) => {
    if (row.errors.length > 0) return { line: row.line, errors: row.errors }
    const { externalId, status, ...rest } = row.values
    for (const field of readOnlyFields) delete rest[field]
    const errors: FieldError[] = badTextIn(row.values, '#')
    if (externalId !== undefined && (typeof externalId !== 'string' || externalId.trim() === '' || externalId.length > 200)) {
      errors.push({ pointer: '#/externalId', detail: 'must be text of 1 to 200 characters' })
    }
    if (status !== undefined && statuses.length === 0) errors.push({ pointer: '#/status', detail: 'is not a known field' })
    else if (status !== undefined && !statuses.includes(status as string)) errors.push({ pointer: '#/status', detail: `must be one of ${statuses.join(', ')}` })
    if (errors.length === 0 && !compiled.Check(rest)) errors.push(...schemaErrors(compiled.Errors(rest) as SchemaIssue[]))
    if (errors.length > 0) return { line: row.line, errors }
    const input = rest as I
    const key = typeof externalId === 'string' ? externalId.trim() : contentKey(identity(input))
    return { line: row.line, key, status: typeof status === 'string' ? status : (statuses[0] ?? ''), input }
  }
}
