import type { CapturedStatement } from './capture.ts'

// A captured statement with its parameter values written in as SQL literals, for pgbench scripts.
// Values become untyped quoted literals ('42', '{"a","b"}'), which PostgreSQL types from context
// exactly as it types a bound parameter, so the plan is the one the API gets for those values.

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`
const arrayElement = (item: unknown): string =>
  item === null || item === undefined ? 'NULL' : Array.isArray(item) ? arrayLiteral(item) : `"${textOf(item).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
const arrayLiteral = (items: unknown[]): string => `{${items.map(arrayElement).join(',')}}`

function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

export function literalOf(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (Array.isArray(value)) return quote(arrayLiteral(value))
  return quote(textOf(value))
}

/** The statement with $1, $2 ... replaced by literals of its values. */
export function inlineStatement(statement: CapturedStatement): string {
  return statement.text.replace(/\$(\d+)/g, (placeholder, index: string) => {
    const position = Number(index) - 1
    if (position >= statement.values.length)
      throw new Error(`Statement has ${placeholder} but only ${statement.values.length} values: ${statement.text.slice(0, 200)}`)
    return literalOf(statement.values[position])
  })
}
