import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import type { RequestParts } from './authz-requests.ts'
import { acceptedTypes, enumValuesOf, exampleOf, fieldsOf, nonNull, valueAt, withValueAt, type Field, type JsonSchema, type Operation } from './fuzz-schema.ts'
import * as values from './fuzz-values.ts'

// A fuzz case is a valid request (from authz-requests.ts) broken by one to three mutations. Every
// mutation of a write is one that must be refused, so a write that succeeds is a finding.

export type FuzzCase = {
  labels: string[]
  params: Record<string, string>
  /** Path values inserted as they are, not percent-encoded (malformed escapes, dot segments). */
  rawParams: Record<string, string>
  query: Array<[string, string]>
  /** Query pairs appended as they are. */
  rawQuery: string[]
  headers: Record<string, string>
  body?: unknown
  /** Sent as is instead of `body`. */
  rawBody?: string
  /** undefined: application/json when there is a body; null: no Content-Type header. */
  contentType?: string | null
  /** Whose key signs it (unless a mutation replaced the Authorization header). */
  caller: 'operator' | 'own:admin'
}

type Mutation = { name: string; apply: (c: FuzzCase) => FuzzCase }
/**
 * `refuses`: the mutation makes any request invalid, so it may be applied to writes. `weight`: how
 * often it is picked against the others (field-level mutations more than generic ones).
 */
type MutationSource = { refuses: boolean; weight: number; arbitrary: fc.Arbitrary<Mutation> }

export function baselineCase(parts: RequestParts): FuzzCase {
  return {
    labels: [],
    params: { ...parts.params },
    rawParams: {},
    query: Object.entries(parts.query ?? {}),
    rawQuery: [],
    headers: { ...parts.headers },
    body: parts.body,
    // A file upload is sent as it is: its mutations are the content type and the parameters, not its text.
    ...(parts.file ? { rawBody: parts.file.text, contentType: parts.file.contentType } : {}),
    caller: 'own:admin',
  }
}

const mutation = (name: string, apply: (c: FuzzCase) => FuzzCase): Mutation => ({ name, apply })

/** Sets a body value, unless an earlier mutation replaced what holds it. */
function setBody(c: FuzzCase, path: Array<string | number>, value: unknown, remove = false): FuzzCase {
  const parent = valueAt(c.body, path.slice(0, -1))
  if (path.length > 0 && (parent === null || typeof parent !== 'object')) return c
  return { ...c, body: withValueAt(c.body, path, value, remove) }
}

const pointer = (path: Array<string | number>) => `#/${path.join('/')}`
const isText = (field: Field) => nonNull(field.schema).type === 'string' || (enumValuesOf(field.schema)?.every((value) => typeof value === 'string') ?? false)
const textOf = (value: unknown, field: Field) => (typeof value === 'string' ? value : String(exampleOf(field.schema)))

function bodyMutations(operation: Operation, baseline: FuzzCase): MutationSource[] {
  const sources: MutationSource[] = []
  const add = (arbitrary: fc.Arbitrary<Mutation> | undefined, weight = 3) => arbitrary && sources.push({ refuses: true, weight, arbitrary })
  const pick = <T>(items: T[]) => (items.length > 0 ? fc.constantFrom(...items) : undefined)

  add(
    values.malformedJson.map((text) => mutation('malformed JSON', (c) => ({ ...c, rawBody: text, contentType: 'application/json' }))),
    1,
  )
  add(
    values.wrongContentTypes.map((type) =>
      mutation(`content type ${type}`, (c) => ({ ...c, rawBody: c.rawBody ?? JSON.stringify(c.body ?? {}), contentType: type })),
    ),
    2,
  )
  if (!operation.body) return sources

  const fields = fieldsOf(operation.body, baseline.body)
  const texts = fields.filter(isText)
  const objects = [{ path: [] as Array<string | number>, schema: operation.body }, ...fields.filter((field) => nonNull(field.schema).type === 'object')].filter(
    (entry) => valueAt(baseline.body, entry.path) !== undefined,
  )

  add(
    pick(fields.filter((field) => values.wrongTypedValues(field.schema).length > 0))?.chain((field) =>
      fc
        .constantFrom(...values.wrongTypedValues(field.schema))
        .map((value) => mutation(`wrong type at ${pointer(field.path)}`, (c) => setBody(c, field.path, value))),
    ),
  )
  add(
    pick(fields.filter((field) => field.required))?.map((field) => mutation(`missing ${pointer(field.path)}`, (c) => setBody(c, field.path, undefined, true))),
  )
  add(
    pick(objects)?.chain((object) => {
      const known = new Set(Object.keys(nonNull(object.schema).properties ?? {}))
      const names = fc.oneof(
        fc.constantFrom('unknownField', 'ownerId', 'owner', 'organizationId', 'status', 'id', 'version', 'role', 'isAdmin', 'createdAt'),
        fc.string({ minLength: 1, maxLength: 12 }),
      )
      return fc
        .tuple(
          names.filter((name) => !known.has(name) && name !== '__proto__'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([name, value]) => mutation(`unknown field ${pointer([...object.path, name])}`, (c) => setBody(c, [...object.path, name], value)))
    }),
  )
  add(
    pick(texts)?.chain((field) =>
      values.tooLongString(field.schema).map((text) => mutation(`${text.length} chars at ${pointer(field.path)}`, (c) => setBody(c, field.path, text))),
    ),
  )
  add(
    pick(texts)?.chain((field) =>
      values
        .nulIn(textOf(valueAt(baseline.body, field.path), field))
        .map((text) => mutation(`NUL at ${pointer(field.path)}`, (c) => setBody(c, field.path, text))),
    ),
  )
  add(
    pick(texts)?.chain((field) =>
      values
        .loneSurrogateIn(textOf(valueAt(baseline.body, field.path), field))
        .map((text) => mutation(`lone surrogate at ${pointer(field.path)}`, (c) => setBody(c, field.path, text))),
    ),
  )
  // Injection text where the schema allows only a format or a vocabulary (free text may hold it).
  add(
    pick(texts.filter((field) => nonNull(field.schema).format || enumValuesOf(field.schema)))?.chain((field) =>
      values
        .badFormatted(field.schema)
        .map((text) => mutation(`bad value ${JSON.stringify(text.slice(0, 30))} at ${pointer(field.path)}`, (c) => setBody(c, field.path, text))),
    ),
  )
  add(
    pick(fields.filter((field) => acceptedTypes(field.schema).size < 7))?.chain((field) =>
      values.deeplyNested.map((value) => mutation(`deep nesting at ${pointer(field.path)}`, (c) => setBody(c, field.path, value))),
    ),
  )
  add(
    pick(fields.filter((field) => nonNull(field.schema).type === 'array'))?.chain((field) =>
      values.overlongArray(field.schema).map((list) => mutation(`${list.length} items at ${pointer(field.path)}`, (c) => setBody(c, field.path, list))),
    ),
  )
  add(
    fc
      .constantFrom<unknown>([], [baseline.body], 42, 'text', null, true)
      .map((body) => mutation(`body ${JSON.stringify(body)?.slice(0, 30)}`, (c) => ({ ...c, body, rawBody: undefined }))),
    1,
  )
  add(
    values.deeplyNested.map((body) => mutation('deeply nested body', (c) => ({ ...c, body, rawBody: undefined }))),
    1,
  )
  return sources
}

/** Whether a path value meets its parameter's schema (one of its values; a string's length, pattern and uuid format; an integer's digits and range). */
function fitsSchema(schema: JsonSchema, value: string): boolean {
  const shape = nonNull(schema)
  const choices = enumValuesOf(schema)
  if (choices) return choices.includes(value)
  if (shape.type === 'integer') {
    const number = Number(value)
    return /^-?[0-9]+$/.test(value) && !(shape.minimum !== undefined && number < shape.minimum) && !(shape.maximum !== undefined && number > shape.maximum)
  }
  const length = [...value].length
  if (shape.minLength !== undefined && length < shape.minLength) return false
  if (shape.maxLength !== undefined && length > shape.maxLength) return false
  if (shape.pattern !== undefined && !new RegExp(shape.pattern, 'u').test(value)) return false
  if (shape.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false
  return true
}

function paramMutations(operation: Operation): MutationSource[] {
  const sources: MutationSource[] = []
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'path')) {
    const name = parameter.name
    const any = fc.oneof(
      values.badFormatted(parameter.schema),
      values.nastyString,
      values.nulIn('00000000-0000-4000-8000-000000000000'),
      ...(parameter.schema.format === 'uuid' ? [fc.uuid({ version: 4 })] : []),
    )
    // A PUT's path names the record it creates (an upsert by external id): another valid name is
    // another record, rightly created. Only names its schema refuses must be refused.
    const decoded = operation.method === 'PUT' ? any.filter((value) => !fitsSchema(parameter.schema, value)) : any
    sources.push({
      refuses: true,
      weight: 4,
      arbitrary: decoded.map((value) =>
        mutation(`path ${name}=${JSON.stringify(value.slice(0, 40))}`, (c) => ({ ...c, params: { ...c.params, [name]: value } })),
      ),
    })
    const raw = fc.constantFrom('%00', '..', '.', '%2e%2e', '%2F', '..%2F..%2Fetc%2Fpasswd', '%zz', '%', '%E0%A4%A', '%ED%A0%80', '%C0%AE%C0%AE')
    sources.push({
      refuses: true,
      weight: 2,
      arbitrary: raw.map((value) => mutation(`raw path ${name}=${value}`, (c) => ({ ...c, rawParams: { ...c.rawParams, [name]: value } }))),
    })
  }
  return sources
}

function queryMutations(operation: Operation): MutationSource[] {
  const parameters = operation.parameters.filter((candidate) => candidate.in === 'query')
  const setQuery =
    (name: string, value: string) =>
    (c: FuzzCase): FuzzCase => ({ ...c, query: [...c.query.filter(([key]) => key !== name), [name, value]] })
  // Reads only: an unknown parameter or a garbled pair may be ignored, rightly.
  const sources: MutationSource[] = [
    {
      refuses: false,
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('unknown', 'owner_id', 'select', '__proto__', 'limit[]'), values.nastyString)
        .map(([name, value]) => mutation(`unknown query ${name}`, setQuery(name, value))),
    },
    {
      refuses: false,
      weight: 1,
      arbitrary: fc
        .constantFrom('%zz', '%', 'a=%ED%A0%80', '&&&', '=', 'a[b]=1', 'a[__proto__][x]=1')
        .map((raw) => mutation(`raw query ${raw}`, (c) => ({ ...c, rawQuery: [...c.rawQuery, raw] }))),
    },
  ]
  if (parameters.length === 0) return sources
  const parameter = fc.constantFrom(...parameters)
  // A NUL in any parameter is refused, so this one may break writes too.
  sources.push({
    refuses: true,
    weight: 2,
    arbitrary: parameter.map(({ name }) =>
      mutation(`NUL in query ${name}`, (c) => ({ ...c, query: c.query.filter(([key]) => key !== name), rawQuery: [...c.rawQuery, `${name}=a%00b`] })),
    ),
  })
  const wrongValue = (schema: JsonSchema) =>
    fc.oneof(
      values.nastyString,
      values.badFormatted(schema),
      values.tooLongString(schema),
      fc.constantFrom('', 'abc', '1.5', '-1', '0', 'NaN', 'Infinity', '1e400', '0x10', ' 1', '99999999999999999999', 'true', 'yes', 'null', '[]', '{}'),
    )
  sources.push({
    refuses: false,
    weight: 6,
    arbitrary: parameter.chain(({ name, schema }) =>
      wrongValue(schema).map((value) => mutation(`query ${name}=${JSON.stringify(value.slice(0, 40))}`, setQuery(name, value))),
    ),
  })
  sources.push({
    refuses: false,
    weight: 1,
    arbitrary: fc
      .tuple(parameter, values.nastyString, values.nastyString)
      .map(([{ name }, first, second]) =>
        mutation(`query ${name} twice`, (c) => ({ ...c, query: [...c.query.filter(([key]) => key !== name), [name, first], [name, second]] })),
      ),
  })
  if (parameters.some(({ name }) => name === 'cursor')) {
    sources.push({
      refuses: false,
      weight: 4,
      arbitrary: values.badCursors.map((cursor) => mutation(`cursor ${cursor.slice(0, 40)}`, setQuery('cursor', cursor))),
    })
  }
  return sources
}

function headerMutations(operation: Operation, currentVersion: number): MutationSource[] {
  const sources: MutationSource[] = [
    {
      refuses: true,
      weight: 1,
      arbitrary: values.badAuthorization.map((value) =>
        mutation(`authorization ${JSON.stringify(value.slice(0, 30))}`, (c) => ({ ...c, headers: { ...c.headers, authorization: value } })),
      ),
    },
    {
      refuses: false,
      weight: 1,
      arbitrary: fc
        .constantFrom('../../etc/passwd', '<script>', 'x'.repeat(129), 'ok-id.1:2', "' or 1=1 --", 'a b', '')
        .map((value) => mutation(`x-request-id ${JSON.stringify(value.slice(0, 20))}`, (c) => ({ ...c, headers: { ...c.headers, 'x-request-id': value } }))),
    },
  ]
  if (operation.parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'if-match')) {
    sources.push({
      refuses: true,
      weight: 4,
      arbitrary: values
        .badIfMatch(currentVersion)
        .map((value) => mutation(`if-match ${JSON.stringify(value.slice(0, 30))}`, (c) => ({ ...c, headers: { ...c.headers, 'if-match': value } }))),
    })
  }
  if (operation.parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key')) {
    sources.push({
      refuses: true,
      weight: 2,
      arbitrary: values.badIdempotencyKeys.map((value) =>
        mutation(`idempotency-key ${JSON.stringify(value.slice(0, 30))}`, (c) => ({ ...c, headers: { ...c.headers, 'idempotency-key': value } })),
      ),
    })
  }
  return sources
}

/**
 * Malformed variants of a valid request: for a write only mutations that must be refused, for a
 * read any (it may answer 200, never 5xx). Signed by the operator or by the owner's admin key.
 * `leftOut` names mutations not to make (known findings outside the HTTP layer).
 */
export function fuzzCases(operation: Operation, baseline: FuzzCase, currentVersion: number, leftOut: string[] = []): fc.Arbitrary<FuzzCase> {
  const sources = [
    ...bodyMutations(operation, baseline),
    ...paramMutations(operation),
    ...queryMutations(operation),
    ...headerMutations(operation, currentVersion),
  ]
  const usable = sources
    .filter((source) => !operation.isWrite || source.refuses)
    .map((source) => ({
      weight: source.weight,
      arbitrary: leftOut.length ? source.arbitrary.filter((candidate) => !leftOut.includes(candidate.name)) : source.arbitrary,
    }))
  return fc
    .tuple(fc.array(fc.oneof(...usable), { minLength: 1, maxLength: 3 }), fc.constantFrom<FuzzCase['caller']>('operator', 'own:admin'))
    .map(([mutations, caller]) => mutations.reduce((c, step) => ({ ...step.apply(c), labels: [...c.labels, step.name] }), { ...baseline, caller }))
}

/** Percent-encodes text; a lone surrogate (which encodeURIComponent refuses) as the bytes of one. */
function encodeText(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return [...text].map((char) => (/[\uD800-\uDFFF]/.test(char) ? '%ED%A0%80' : encodeURIComponent(char))).join('')
  }
}

export function fuzzInjectOptions(operation: Operation, c: FuzzCase, auth: Record<string, string>): InjectOptions {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => c.rawParams[name] ?? encodeText(c.params[name] ?? ''))
  const query = [...c.query.map(([name, value]) => `${encodeText(name)}=${encodeText(value)}`), ...c.rawQuery].join('&')
  const headers: Record<string, string> = { ...auth, ...c.headers }
  const options: InjectOptions = { method: operation.method as InjectOptions['method'], url: query ? `${path}?${query}` : path, headers }
  const text = c.rawBody ?? (c.body === undefined ? undefined : JSON.stringify(c.body))
  if (text !== undefined) {
    options.payload = Buffer.from(text)
    const type = c.contentType === undefined ? 'application/json' : c.contentType
    if (type !== null) headers['content-type'] = type
  }
  return options
}
