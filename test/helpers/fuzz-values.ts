import fc from 'fast-check'
import { acceptedTypes, enumValuesOf, nonNull, type JsonSchema, type JsonType } from './fuzz-schema.ts'

// Hostile values for the fuzz test: what a careless or malicious client sends.

export const injectionStrings = [
  "' or 1=1 --",
  "'; drop table listings; --",
  '" or ""="',
  '1); select pg_sleep(5); --',
  "' union select secret_hash from api_keys --",
  '%',
  '%_',
  '_%_%',
  '\\',
  '\\%',
  "%' or name like '%",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '{{7*7}}',
  '${7*7}',
  '$(reboot)',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(40),
  ' ',
  '\t\r\n',
  '\u202etxet',
  '\ufeffBOM',
  '\uffff',
  '𝕏 🇻🇳 Tiếng Việt',
]

export const hugeString = 'a'.repeat(200 * 1024)

/** An injection string, a huge one, or plain random text. */
export const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...injectionStrings) },
  { weight: 1, arbitrary: fc.constant(hugeString) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
)

/** `text` with `insert` spliced in somewhere. */
export const spliced = (text: string, insert: string) => fc.nat({ max: text.length }).map((at) => `${text.slice(0, at)}${insert}${text.slice(at)}`)

export const nulIn = (text: string) => spliced(text, '\u0000')
export const loneSurrogateIn = (text: string) => fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff').chain((half) => spliced(text, half))

const typeOfValue = (value: unknown): JsonType => {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value as JsonType
}

const typeSamples: unknown[] = [42, -1, 0, 1.5, 1e308, -1e308, true, false, null, 'text', '', '42', [], [1, 2], ['a'], {}, { a: 1 }]

/** Values of a JSON type the schema does not accept; empty when it accepts everything. */
export function wrongTypedValues(schema: JsonSchema): unknown[] {
  const accepted = acceptedTypes(schema)
  return typeSamples.filter((value) => {
    const type = typeOfValue(value)
    // A number schema accepts integers too; an integer schema refuses 1.5.
    return !accepted.has(type) && !(type === 'integer' && accepted.has('number'))
  })
}

/** Arrays or objects nested `depth` deep. */
export const deeplyNested = fc.tuple(fc.integer({ min: 20, max: 2000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 1
  for (let level = 0; level < depth; level++) value = arrays ? [value] : { a: value }
  return value
})

/** A string longer than the schema allows (when it sets maxLength), or 200 KB. */
export function tooLongString(schema: JsonSchema) {
  const max = nonNull(schema).maxLength
  const over =
    max === undefined
      ? fc.constant(hugeString)
      : fc.oneof(
          fc.integer({ min: 1, max: 50 }).map((extra) => 'x'.repeat(max + extra)),
          fc.constant(hugeString),
        )
  return over
}

/** A list longer than maxItems, of distinct valid-looking items where it can. */
export function overlongArray(schema: JsonSchema) {
  const shape = nonNull(schema)
  const max = shape.maxItems ?? 1000
  const items = shape.items ?? {}
  const codes = enumValuesOf(items)
  const item = (index: number): unknown => {
    if (codes) return codes[index % codes.length]
    if (nonNull(items).type === 'string') return `item-${index}`
    if (nonNull(items).type === 'integer') return index + 1
    return { index }
  }
  return fc.integer({ min: 1, max: 10 }).map((extra) => Array.from({ length: max + extra }, (_, index) => item(index)))
}

export const badUuids = [
  '',
  '42',
  'not-a-uuid',
  '00000000-0000-4000-8000-00000000000',
  '00000000-0000-4000-8000-0000000000000',
  '00000000_0000_4000_8000_000000000000',
  '{00000000-0000-4000-8000-000000000000}',
  'gggggggg-gggg-gggg-gggg-gggggggggggg',
  '00000000-0000-4000-8000-000000000000 ',
  ' 00000000-0000-4000-8000-000000000000',
  '00000000-0000-4000-8000-000000000000\n',
  "00000000-0000-4000-8000-000000000000' or '1'='1",
]

/** A value that breaks the string format or enum it must follow. */
export function badFormatted(schema: JsonSchema) {
  const shape = nonNull(schema)
  const byFormat: Record<string, string[]> = {
    uuid: badUuids,
    // Year 0 and a leap second pass the formats, but neither PostgreSQL nor JavaScript takes them.
    date: ['2026-02-30', '2026-13-01', '0000-00-00', '0000-01-01', '2026-1-1', '26-01-01', 'yesterday', '2026-01-01T00:00:00Z', '+002026-01-01'],
    'date-time': [
      '2026-02-30T00:00:00Z',
      '2026-01-01',
      '2026-01-01T25:00:00Z',
      '2026-12-31T23:59:60Z',
      '0000-01-01T00:00:00Z',
      'now',
      '1700000000',
      '2026-01-01 00:00:00',
    ],
    email: ['@', 'a@', 'a b@c.vn', 'a@b@c', '<a@b.vn>'],
    uri: ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://x.vn', 'http//x', '//evil.example', 'data:text/html,<script>'],
  }
  const own = shape.format ? (byFormat[shape.format] ?? []) : []
  return fc.oneof(fc.constantFrom(...injectionStrings), fc.constantFrom(...badUuids), ...(own.length ? [fc.constantFrom(...own)] : []))
}

// Cursor values: random base64url, non-base64 text, and well-encoded JSON of the wrong shape.
const sortNames = ['name', 'newest', 'relevance', 'created', 'id', 'deals', 'deal-history', 'deal-messages']
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const uuid = '00000000-0000-4000-8000-000000000000'

export const badCursors = fc.oneof(
  fc.base64String({ maxLength: 200 }).map((text) => text.replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')),
  fc.constantFrom('!!!', '====', '%', 'a', '.', 'x'.repeat(2049)),
  fc.constantFrom(
    encode([]),
    encode({}),
    encode('name'),
    encode(null),
    encode([null]),
    encode(['name', 1, 2]),
    encode(['name', "' or 1=1 --", uuid]),
    encode(['name', 'x', "'; drop table listings; --"]),
    encode(['name', 'a\u0000b', uuid]),
    encode(['name', 'x', 'not-a-uuid']),
    encode(['newest', '9999-99-99T99:99:99.000000Z', uuid]),
    encode(['newest', "2026-01-01 00:00:00+00' or 1=1 --", uuid]),
    encode(['newest', '2026-01-01T00:00:00.000000Z', '\u0000']),
    encode(['relevance', 1e308, uuid]),
    encode(['relevance', '1e999999', uuid]),
    encode(['relevance', -1, 'x']),
    encode(['created', 'not a date', uuid]),
    encode(['created', '275760-09-13T00:00:00.001Z', uuid]),
    encode(['id', -1]),
    encode(['id', 1.5]),
    encode(['id', 1e300]),
    encode(['id', '1']),
    encode(['deals', '-271821-04-20T00:00:00.000Z', uuid]),
    encode(['deals', '2026-01-01T00:00:00.000Z', "' or 1=1 --"]),
    encode(['deal-history', 1e300]),
    encode(['deal-history', 1.5]),
    encode(['deal-messages', '-271821-04-20T00:00:00.000Z', uuid]),
    encode(['deal-messages', '+275760-09-13T00:00:00.000Z', uuid]),
    encode(['deal-messages', '2026-01-01T00:00:00.000Z', '-'.repeat(36)]),
    Buffer.from('not json').toString('base64url'),
    Buffer.from([0xff, 0xfe, 0x00]).toString('base64url'),
  ),
  fc.tuple(fc.constantFrom(...sortNames), fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })).map((values) => encode(values)),
)

/** If-Match values that cannot match version `current`: garbage, stale, malformed, too long. */
export function badIfMatch(current: number) {
  const values = fc.oneof(
    fc.constantFrom(
      'garbage',
      '""',
      '"x"',
      'W/"x"',
      '"-1"',
      '"1.0"',
      '"1e3"',
      `"${'9'.repeat(30)}"`,
      '"99999"',
      `"${current + 1}"`,
      '"0"',
      `${current}`,
      `'${current}'`,
      `"${current}", "${current + 1}"`,
      'x'.repeat(65),
      '\'" or 1=1 --',
    ),
    fc.string({ minLength: 1, maxLength: 20, unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)) }),
  )
  // Never the current version, however spelled, nor the wildcard: those would be accepted.
  return values.filter((value) => {
    if (value.trim() === '*') return false
    const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(value)
    return !match || Number(match[1]) !== current
  })
}

/**
 * Idempotency-Key values that are refused before the key is claimed: empty, too long, or not
 * visible ASCII (spaces, Latin-1 letters; Node refuses control characters in headers outright).
 */
export const badIdempotencyKeys = fc.oneof(
  fc.constantFrom('', 'a b', 'clé-1', '\u00a0', 'x'.repeat(256), `${'k'.repeat(253)} x`, "' or 1=1 --"),
  fc.integer({ min: 256, max: 4096 }).map((length) => 'k'.repeat(length)),
)

/** Authorization headers that are not a valid key. */
export const badAuthorization = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'bearer txk_',
    `Bearer txk_${'a'.repeat(12)}_${'b'.repeat(43)}`,
    `Bearer ${'x'.repeat(8000)}`,
    "Bearer ' or 1=1 --",
    'Bearer a b',
    'Token abc',
  ),
  fc
    .string({ minLength: 1, maxLength: 60, unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)) })
    .map((text) => `Bearer ${text}`),
)

/** Content types that are not JSON (null: no Content-Type header at all). */
export const wrongContentTypes = fc.constantFrom<string | null>(
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
  'application/json-patch+json',
  'application/vnd.api+json',
  'json',
  null,
)

/** Bodies that are not valid JSON, or not JSON at all. */
export const malformedJson = fc.constantFrom(
  '{',
  '{"a":',
  "{'a':1}",
  '[1,]',
  '{"a":1}}',
  'nul',
  'undefined',
  '<a/>',
  '   ',
  '',
  '{"a":"\\x41"}',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '\u0000',
)
