import { spawn } from 'node:child_process'
import { once } from 'node:events'

// COPY ... FROM STDIN through psql: the fastest load without another npm dependency
// (pg-copy-streams is not installed). Rows are encoded in COPY's text format.

const escapeCopy = (text: string) => text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
const arrayElement = (item: unknown) => `"${String(item).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/** A value for a jsonb column (an array there is JSON, not a PostgreSQL array). */
export class Json {
  constructor(readonly value: unknown) {}
}
export const json = (value: unknown) => new Json(value)

/** One value in COPY text format: arrays as PostgreSQL array literals, Json as JSON text. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  if (value instanceof Json) return escapeCopy(JSON.stringify(value.value))
  if (Array.isArray(value)) return escapeCopy(`{${value.map(arrayElement).join(',')}}`)
  if (value instanceof Date) return value.toISOString()
  return escapeCopy(String(value))
}

export type CopyStream = { write: (row: readonly unknown[]) => Promise<void>; end: () => Promise<void> }

/** A COPY into `table`; write rows, then end() to commit them (one transaction per stream). */
export function openCopy(databaseUrl: string, table: string, columns: readonly string[]): CopyStream {
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', databaseUrl, '-c', `COPY ${table} (${columns.join(', ')}) FROM STDIN`], {
    stdio: ['pipe', 'inherit', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = once(child, 'exit') as Promise<[number | null]>
  // A failed COPY closes psql's stdin early; the error is reported by end() from psql's own message.
  child.stdin.on('error', () => {})
  let buffer = ''
  return {
    async write(row) {
      buffer += row.map(copyValue).join('\t') + '\n'
      if (buffer.length < 1 << 20) return
      const chunk = buffer
      buffer = ''
      if (!child.stdin.write(chunk)) await Promise.race([once(child.stdin, 'drain'), exited])
    },
    async end() {
      child.stdin.end(buffer)
      const [code] = await exited
      if (code !== 0) throw new Error(`COPY ${table} failed (psql exit ${code}): ${stderr.trim()}`)
    },
  }
}
