import { Type, type TSchema } from 'typebox'

// Field shapes shared by modules, so one rule (say, the longest title) is written once.

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const ShortText = (options: { description?: string; minLength?: number } = {}) =>
  Type.String({ minLength: options.minLength ?? 1, maxLength: 300, ...(options.description ? { description: options.description } : {}) })

export const LongText = (description?: string) => Type.String({ minLength: 1, maxLength: 20_000, ...(description ? { description } : {}) })

export const Url = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })
export const Email = Type.String({ format: 'email', maxLength: 254 })
export const Phone = Type.String({ pattern: '^[0-9+()\\-. ]{6,20}$', description: 'Digits, spaces and + ( ) - .' })

export const DateOnly = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' })
export const Timestamp = Type.String({ format: 'date-time' })

export const Vnd = Type.Integer({ minimum: 0, maximum: 1e15, description: 'An amount in Vietnamese dong' })

/** A list of codes from a vocabulary (an Enum), without repeats. */
export const CodeList = <T extends TSchema & { enum?: readonly unknown[] }>(code: T, description: string, maxItems = code.enum?.length) =>
  Type.Array(code, { uniqueItems: true, ...(maxItems === undefined ? {} : { maxItems }), description })

/**
 * A query filter that takes one value or several: the parameter repeated
 * (`kind=technology&kind=equipment`), OpenAPI's default for a query array (style form, explode),
 * which generated clients write. The values of one filter are alternatives (any matches); different
 * filters all apply. One value alone is written as before (src/http/validation.ts makes it a list).
 */
export const FilterValues = <T extends TSchema>(item: T, description: string, maxItems = 10) =>
  Type.Array(item, { minItems: 1, maxItems, description: `${description}. Repeat the parameter to give several (any of them matches; at most ${maxItems})` })

export const Keywords = Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 30, uniqueItems: true })

/**
 * One code of a vocabulary; the static type is the union of the codes. A `title` names it in the
 * OpenAPI document (src/http/openapi-components.ts), so a generated client has one type for the
 * vocabulary wherever it is used; give the same title wherever the same codes are.
 */
export const Enum = <C extends string>(codes: readonly C[], options: string | { title?: string; description?: string } = {}) => {
  const { title, description } = typeof options === 'string' ? { title: undefined, description: options } : options
  return Type.Unsafe<C>({ type: 'string', enum: [...codes], ...(title ? { title } : {}), ...(description ? { description } : {}) })
}
