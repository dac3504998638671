import type { FastifyInstance } from 'fastify'

// The OpenAPI document as data: its operations, and the JSON schemas of their inputs. The fuzz,
// authorisation-matrix and schema-limit tests are all generated from it, so a new route is covered
// (or, in the matrix, must be declared) without anyone remembering to add it.

export type JsonSchema = {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  minProperties?: number
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  enum?: unknown[]
  const?: unknown
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  default?: unknown
}

export type Parameter = { in: 'path' | 'query' | 'header' | 'cookie'; name: string; required?: boolean; schema: JsonSchema }

export type Operation = {
  operationId: string
  method: string
  /** The documented path, e.g. /v1/listings/{id}. */
  path: string
  parameters: Parameter[]
  /** The content types of its success responses (application/json, or a file: text/csv, application/x-ndjson). */
  responseTypes: string[]
  /** The application/json request body schema, if the operation takes one. */
  body?: JsonSchema
  bodyRequired: boolean
  /** True when the operation declares it needs a key (bearer security). */
  needsKey: boolean
  isWrite: boolean
}

export type OpenApiDocument = {
  paths: Record<string, Record<string, RawOperation>>
  components?: { schemas?: Record<string, JsonSchema> }
}
type RawOperation = {
  operationId?: string
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> }
  security?: Array<Record<string, string[]>>
  responses?: Record<string, { content?: Record<string, unknown> }>
}

const httpMethods = ['get', 'put', 'post', 'delete', 'patch']

/**
 * The document the app serves. It is what `generateOpenApiDocument()` (src/openapi/generate.ts)
 * writes to openapi/openapi.json, built by the same buildApp, so it includes routes added since
 * the file was last regenerated; test/openapi.test.ts keeps the committed copy equal to it.
 */
export async function documentOf(app: FastifyInstance): Promise<OpenApiDocument> {
  await app.ready()
  return JSON.parse(JSON.stringify(app.swagger())) as OpenApiDocument
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = []
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!httpMethods.includes(method)) continue
      const body = raw.requestBody?.content?.['application/json']?.schema
      operations.push({
        operationId: raw.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: (raw.parameters ?? []).map((parameter) => ({ ...parameter, schema: inlineRefs(document, parameter.schema) })),
        body: body ? inlineRefs(document, body) : undefined,
        bodyRequired: raw.requestBody?.required ?? false,
        responseTypes: Object.entries(raw.responses ?? {}).flatMap(([status, response]) => (/^2/.test(status) ? Object.keys(response.content ?? {}) : [])),
        needsKey: (raw.security ?? []).some((entry) => 'apiKey' in entry),
        isWrite: method !== 'get',
      })
    }
  }
  return operations
}

/** Resolves a local $ref; the site's own annotations (a description beside the $ref) are kept. */
export function deref(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema
  for (let depth = 0; current.$ref && depth < 10; depth++) {
    const name = current.$ref.replace(/^#\/components\/schemas\//, '')
    const target = document.components?.schemas?.[name]
    if (!target) throw new Error(`Unresolvable $ref ${current.$ref}`)
    const { $ref: _ref, ...site } = current
    current = { ...target, ...site }
  }
  return current
}

/**
 * The schema with every local $ref replaced by what it names, at any depth: request bodies and
 * parameters name their enums and objects as components, and the generators here walk plain
 * schemas. Request schemas are not recursive; a cycle would throw rather than loop.
 */
export function inlineRefs(document: OpenApiDocument, schema: JsonSchema, depth = 0): JsonSchema {
  if (depth > 32) throw new Error('A request schema refers to itself')
  const resolved = deref(document, schema) as Record<string, unknown>
  const inline = (child: unknown) =>
    typeof child === 'object' && child !== null && !Array.isArray(child) ? inlineRefs(document, child as JsonSchema, depth + 1) : child
  const result: Record<string, unknown> = { ...resolved }
  for (const key of ['items', 'additionalProperties', 'not']) if (key in resolved) result[key] = inline(resolved[key])
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(resolved[key])) result[key] = (resolved[key] as unknown[]).map(inline)
  if (resolved.properties) result.properties = Object.fromEntries(Object.entries(resolved.properties as object).map(([name, child]) => [name, inline(child)]))
  return result as JsonSchema
}

/** The alternatives of a union (anyOf/oneOf), or the schema itself. */
export const alternativesOf = (schema: JsonSchema): JsonSchema[] => schema.anyOf ?? schema.oneOf ?? [schema]

/** Enum values of a schema, unions of single-value enums (TypeBox's literal unions) included. */
export function enumValuesOf(schema: JsonSchema): unknown[] | undefined {
  if (schema.enum) return schema.enum
  if ('const' in schema) return [schema.const]
  if (!schema.anyOf && !schema.oneOf) return undefined
  const values: unknown[] = []
  for (const alternative of alternativesOf(schema)) {
    const own = enumValuesOf(alternative)
    if (!own) return undefined
    values.push(...own)
  }
  return values
}

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object'
const allTypes: JsonType[] = ['string', 'integer', 'number', 'boolean', 'null', 'array', 'object']

/** The JSON types a schema may accept; a schema without `type` (say {}) accepts all. */
export function acceptedTypes(schema: JsonSchema): Set<JsonType> {
  const types = new Set<JsonType>()
  for (const alternative of alternativesOf(schema)) {
    if (alternative.anyOf || alternative.oneOf) {
      for (const type of acceptedTypes(alternative)) types.add(type)
      continue
    }
    const declared = alternative.type === undefined ? allTypes : [alternative.type].flat()
    for (const type of declared) types.add(type as JsonType)
    // An integer is also a number in JSON; a number schema accepts integers.
    if (declared.includes('number')) types.add('integer')
  }
  return types
}

/** The non-null alternative of a nullable field (the shape its real values take). */
export const nonNull = (schema: JsonSchema): JsonSchema => alternativesOf(schema).find((alternative) => alternative.type !== 'null') ?? schema

/** A field of a request body: where it is (a JSON path into the body) and its schema. */
export type Field = { path: Array<string | number>; schema: JsonSchema; required: boolean }

/**
 * The fields of a body schema, nested objects and the first element of arrays of objects included,
 * as paths that exist in `example` (so a mutation replaces a value the valid request really sends).
 */
export function fieldsOf(schema: JsonSchema, example: unknown, path: Array<string | number> = []): Field[] {
  const shape = nonNull(schema)
  const fields: Field[] = []
  if (shape.type === 'object' && shape.properties && example !== null && typeof example === 'object' && !Array.isArray(example)) {
    for (const [name, property] of Object.entries(shape.properties)) {
      const childPath = [...path, name]
      const value = (example as Record<string, unknown>)[name]
      fields.push({ path: childPath, schema: property, required: shape.required?.includes(name) ?? false })
      if (value !== undefined) fields.push(...fieldsOf(property, value, childPath))
    }
  } else if (shape.type === 'array' && shape.items && Array.isArray(example) && example.length > 0) {
    fields.push(...fieldsOf(shape.items, example[0], [...path, 0]))
  }
  return fields
}

export function valueAt(root: unknown, path: Array<string | number>): unknown {
  let current = root
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string | number, unknown>)[step]
  }
  return current
}

/**
 * `root` with the value at `path` replaced (or removed, with `remove`). Only the containers on the
 * path are copied: a body may be nested thousands deep, too deep for structuredClone.
 */
export function withValueAt(root: unknown, path: Array<string | number>, value: unknown, remove = false): unknown {
  if (path.length === 0) return value
  const [step, ...rest] = path as [string | number, ...Array<string | number>]
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, unknown>
  if (rest.length > 0) copy[step] = withValueAt(copy[step], rest, value, remove)
  else if (remove) delete copy[step]
  else copy[step] = value
  return copy
}

/**
 * A valid value for a schema, for operations no builder knows yet: enough to send a well-formed
 * request whose mutations are then each a single fault.
 */
export function exampleOf(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default
  const values = enumValuesOf(schema)
  if (values) return values[0]
  const shape = nonNull(schema)
  const type = [shape.type ?? 'string'].flat()[0]
  switch (type) {
    case 'object':
      return Object.fromEntries((shape.required ?? []).map((name) => [name, exampleOf(shape.properties?.[name] ?? {})]))
    case 'array':
      return Array.from({ length: shape.minItems ?? 0 }, () => exampleOf(shape.items ?? {}))
    case 'integer':
    case 'number':
      return shape.minimum ?? 1
    case 'boolean':
      return true
    case 'null':
      return null
    default:
      return exampleString(shape)
  }
}

const formatExamples: Record<string, string> = {
  uuid: '00000000-0000-4000-8000-000000000000',
  date: '2026-12-31',
  'date-time': '2026-12-31T00:00:00Z',
  email: 'fuzz@example.vn',
  uri: 'https://example.vn/',
}

function exampleString(schema: JsonSchema): string {
  if (schema.format && formatExamples[schema.format]) return formatExamples[schema.format]!
  return 'x'.repeat(Math.max(schema.minLength ?? 1, 1))
}
