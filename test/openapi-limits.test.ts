import t from 'tap'
import { buildTestApp } from './helpers/app.ts'
import { alternativesOf, documentOf, enumValuesOf, operationsOf, type JsonSchema } from './helpers/fuzz-schema.ts'

// Abuse limits written into the contract: every input the document describes is bounded. Every
// string has a maximum length (or a vocabulary, a fixed-size format, or an anchored pattern of
// bounded length), every array a maximum number of items, and every object in a body refuses
// unknown fields. Walks every request body, path, query and header schema of every operation.

const { app } = await buildTestApp(t)
const operations = operationsOf(await documentOf(app))

const boundedFormats = new Set(['uuid', 'date', 'date-time'])

/**
 * True when the pattern can only match strings of bounded length: anchored at both ends, with no
 * `*`, `+` or open-ended `{n,}` outside character classes. ^[0-9]{2}$ is bounded; \S is not.
 */
function isBoundedPattern(pattern: string): boolean {
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) return false
  const skeleton = pattern.replace(/\\./g, 'x').replace(/\[[^\]]*\]/g, 'x')
  return !/[*+]|\{\d*,\}/.test(skeleton)
}

/** Every way the schema at `pointer` leaves an input unbounded. */
function unbounded(schema: JsonSchema, pointer: string, inBody: boolean): string[] {
  const alternatives = alternativesOf(schema)
  if (alternatives.length > 1 || schema.anyOf || schema.oneOf) {
    return alternatives.flatMap((alternative, index) => unbounded(alternative, `${pointer}/anyOf/${index}`, inBody))
  }
  if (schema.allOf) return schema.allOf.flatMap((part, index) => unbounded(part, `${pointer}/allOf/${index}`, inBody))
  const types = schema.type === undefined ? ['any'] : [schema.type].flat()
  const offences: string[] = []
  for (const type of types) {
    if (type === 'any') offences.push(`${pointer}: no type, so any value is accepted`)
    if (type === 'string') {
      const bounded =
        schema.maxLength !== undefined ||
        enumValuesOf(schema) !== undefined ||
        (schema.format !== undefined && boundedFormats.has(schema.format)) ||
        (schema.pattern !== undefined && isBoundedPattern(schema.pattern))
      if (!bounded) offences.push(`${pointer}: a string without maxLength`)
    }
    if (type === 'array') {
      if (schema.maxItems === undefined) offences.push(`${pointer}: an array without maxItems`)
      offences.push(...unbounded(schema.items ?? {}, `${pointer}/items`, inBody))
    }
    if (type === 'object') {
      if (inBody && schema.additionalProperties !== false) offences.push(`${pointer}: an object that accepts unknown fields`)
      for (const [name, property] of Object.entries(schema.properties ?? {})) offences.push(...unbounded(property, `${pointer}/${name}`, inBody))
    }
  }
  return offences
}

t.test('isBoundedPattern', async (t) => {
  t.ok(isBoundedPattern('^[0-9]{2}$'))
  t.ok(isBoundedPattern('^[0-9]{10}(-[0-9]{3})?$'))
  t.ok(isBoundedPattern('^[0-9+()\\-. ]{6,20}$'))
  t.notOk(isBoundedPattern('\\S'), 'not anchored')
  t.notOk(isBoundedPattern('^https?://'), 'open at the end')
  t.notOk(isBoundedPattern('^[a-z]+$'), 'unbounded repetition')
  t.notOk(isBoundedPattern('^[a-z]{2,}$'), 'open-ended count')
  t.ok(isBoundedPattern('^[+*]{1,3}$'), 'quantifier characters inside a class are literals')
})

t.test('the walk finds each kind of unbounded input', async (t) => {
  const loose: JsonSchema = {
    type: 'object',
    properties: {
      note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      tags: { type: 'array', items: { type: 'string', maxLength: 20 } },
      contact: { type: 'object', additionalProperties: false, properties: { phone: { type: 'string', pattern: '^[0-9]+$' } } },
      id: { type: 'string', format: 'uuid' },
      kind: {
        anyOf: [
          { type: 'string', enum: ['a'] },
          { type: 'string', enum: ['b'] },
        ],
      },
    },
  }
  t.same(unbounded(loose, '#', true), [
    '#: an object that accepts unknown fields',
    '#/note/anyOf/0: a string without maxLength',
    '#/tags: an array without maxItems',
    '#/contact/phone: a string without maxLength',
  ])
  t.same(unbounded(loose, '#', false).length, 3, 'query objects are not required to refuse unknown fields here')
})

t.test('every input of every operation is bounded', async (t) => {
  t.ok(operations.length > 30, `the document has operations (${operations.length})`)
  let inputs = 0
  const offences: string[] = []
  for (const operation of operations) {
    for (const parameter of operation.parameters) {
      inputs += 1
      offences.push(...unbounded(parameter.schema, `${operation.operationId} ${parameter.in} ${parameter.name}`, false))
    }
    if (operation.body) {
      inputs += 1
      offences.push(...unbounded(operation.body, `${operation.operationId} body #`, true))
    }
  }
  t.same(offences, [], 'unbounded inputs (fix shared shapes in src/http/fields.ts or common.schemas.ts)')
  t.comment(`${inputs} inputs (parameters and bodies) of ${operations.length} operations checked`)
})
