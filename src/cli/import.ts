import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { importKinds } from '../modules/imports/imports.columns.ts'
import type { Import } from '../modules/imports/imports.schemas.ts'
import { CliError, UsageError, type Io, type LeafCommand } from './command.ts'

// `import <file> --kind listings`, with the key in TECHX_API_KEY or --key-file: uploads a file to a running API (POST /v1/imports)
// and follows the import (GET /v1/imports/{id}) with a progress bar on stderr until it ends. It
// talks HTTP, not to the database, so it imports into any exchange the key belongs to, and the
// rows are checked by the same rules as every other write.

const usage = `Usage: TECHX_API_KEY=<api key> npm run cli -- import <file> --kind listings|demands|organizations [options]

Uploads a CSV (UTF-8, a header line) or NDJSON file to the API and follows the import until it
ends, with a progress bar on stderr. Exits 1 when rows were refused (their errors are printed),
0 when every row was imported.

The API key to import with (admin or editor; operator for organisations) comes from the
environment variable TECHX_API_KEY, or from a file named by --key-file. --key <key> works too,
but leaves the key in the process list and the shell's history.

Options:
  --kind <kind>       listings, demands or organizations (organisations: operator keys only)
  --key-file <file>   a file holding the API key (its first line)
  --key <key>         the API key itself (not recommended: see above)
  --url <url>         the API's base URL (default http://localhost:3000)
  --format <format>   csv or ndjson (default: from the file's extension, .ndjson/.jsonl or .csv)
  --poll-ms <ms>      how often to ask for progress (default 1000)`

const contentTypes = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const

function formatOf(file: string, given: string | undefined): keyof typeof contentTypes {
  if (given !== undefined) {
    if (given !== 'csv' && given !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not "${given}"`)
    return given
  }
  return ['.ndjson', '.jsonl'].includes(path.extname(file).toLowerCase()) ? 'ndjson' : 'csv'
}

/** The API key: --key, else --key-file's first line, else TECHX_API_KEY; and a warning for --key. */
async function keyOf(values: { key?: string; 'key-file'?: string }, env: Record<string, string | undefined>, io: Io): Promise<string> {
  if (values.key !== undefined && values['key-file'] !== undefined) throw new UsageError('Give --key or --key-file, not both.')
  if (values.key !== undefined) {
    io.err('Warning: --key leaves the key in the process list and the shell history; use TECHX_API_KEY or --key-file.')
    return values.key
  }
  if (values['key-file'] !== undefined) {
    let text: string
    try {
      text = await readFile(values['key-file'], 'utf8')
    } catch (error) {
      throw new CliError(`Cannot read the key file ${values['key-file']}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    const key = text.split(/\r?\n/)[0]!.trim()
    if (!key) throw new CliError(`The key file ${values['key-file']} is empty.`)
    return key
  }
  const key = env.TECHX_API_KEY?.trim()
  if (!key) throw new UsageError('No API key: set TECHX_API_KEY, or give --key-file <file>.')
  return key
}

function readArgs(args: string[]) {
  let parsed
  try {
    parsed = parseArgs({
      args,
      options: {
        kind: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        url: { type: 'string' },
        format: { type: 'string' },
        'poll-ms': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) throw new UsageError(error.message)
    throw error
  }
  const { values, positionals } = parsed
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Name the file to import.' : `One file at a time, not ${positionals.length}.`)
  const kind = values.kind
  if (!kind || !(importKinds as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${importKinds.join(', ')}`)
  const pollMs = Number(values['poll-ms'] ?? 1000)
  if (!Number.isInteger(pollMs) || pollMs < 10 || pollMs > 60_000) throw new UsageError('--poll-ms must be a whole number of milliseconds, 10 to 60000')
  let baseUrl: URL
  try {
    baseUrl = new URL(values.url ?? 'http://localhost:3000')
  } catch {
    throw new UsageError(`--url is not a URL: ${values.url}`)
  }
  const file = positionals[0]!
  return { file, kind, keySources: { key: values.key, 'key-file': values['key-file'] }, baseUrl, format: formatOf(file, values.format), pollMs }
}

/** A plain-text progress bar: [#####.....]  50%  500/1000 rows  120 rows/s */
export function progressBar(done: number, total: number, rate: number | undefined, width = 30): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(fraction * width)
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
  const speed = rate === undefined ? '' : `  ${Math.round(rate)} rows/s`
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}  ${done}/${total} rows${speed}`
}

type Problem = { detail?: string; title?: string; code?: string; errors?: Array<{ pointer: string; detail: string }> }

async function request(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    throw new CliError(`Cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`)
  }
}

async function failure(response: Response, what: string): Promise<CliError> {
  const problem = (await response.json().catch(() => ({}))) as Problem
  const fields = (problem.errors ?? []).map((error) => `\n  ${error.pointer}: ${error.detail}`).join('')
  return new CliError(`${what}: ${response.status} ${problem.detail ?? problem.title ?? response.statusText}${fields}`)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What a finished import says: counts on stdout, the refused rows on stderr. */
function report(io: Io, ended: Import) {
  io.out(
    `Import ${ended.id} ${ended.status}: ${ended.totalRows} rows, ${ended.rowsCreated} created, ${ended.rowsUpdated} updated, ${ended.rowsUnchanged} unchanged, ${ended.rowsFailed} failed.`,
  )
  if (ended.warningCount > 0)
    io.out(`${ended.warningCount} new listing(s) look like listings already on the exchange (see warnings in GET /v1/imports/${ended.id}).`)
  if (ended.error) io.err(`The import stopped: ${ended.error}`)
  if (ended.rowsFailed === 0) return
  io.err(
    `Refused rows${ended.rowsFailed > ended.errors.length ? ` (the first ${ended.errors.length} of ${ended.rowsFailed}; all: GET /v1/imports/${ended.id}/errors)` : ''}:`,
  )
  for (const row of ended.errors) io.err(`  line ${row.line}: ${row.errors.map((error) => `${error.pointer} ${error.detail}`).join('; ')}`)
}

export const importCommand: LeafCommand = {
  summary: 'Import a CSV or NDJSON file through the API, with a progress bar',
  usage,
  run: async (args, { io, env = {} }) => {
    const options = readArgs(args)
    const key = await keyOf(options.keySources, env, io)
    let content: Buffer
    try {
      content = await readFile(options.file)
    } catch (error) {
      throw new CliError(`Cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    // The command speaks English, so it asks for the server's problems in English too.
    const headers = { authorization: `Bearer ${key}`, 'accept-language': 'en' }
    const uploaded = await request(new URL(`/v1/imports?kind=${options.kind}`, options.baseUrl), {
      method: 'POST',
      headers: { ...headers, 'content-type': contentTypes[options.format] },
      body: content,
    })
    if (uploaded.status !== 202) throw await failure(uploaded, 'The upload was refused')
    let current = (await uploaded.json()) as Import
    const location = new URL(uploaded.headers.get('location') ?? `/v1/imports/${current.id}`, options.baseUrl)
    io.err(`Uploaded ${path.basename(options.file)}: import ${current.id}, ${current.totalRows} rows.`)

    // A terminal redraws one line; a log gets a line whenever the count moves.
    const draw = io.progress ?? ((line: string) => io.err(line))
    let shown = -1
    let firstSeen: { at: number; done: number } | undefined
    for (;;) {
      if (current.status === 'running' && !firstSeen) firstSeen = { at: performance.now(), done: current.rowsDone }
      const seconds = firstSeen ? (performance.now() - firstSeen.at) / 1000 : 0
      const rate = firstSeen && seconds > 0 ? (current.rowsDone - firstSeen.done) / seconds : undefined
      if (current.rowsDone !== shown || current.status === 'completed' || current.status === 'failed') {
        draw(progressBar(current.rowsDone, current.totalRows, rate))
        shown = current.rowsDone
      }
      if (current.status === 'completed' || current.status === 'failed') break
      await sleep(options.pollMs)
      const polled = await request(location, { headers })
      if (polled.status !== 200) throw await failure(polled, 'Reading the import failed')
      current = (await polled.json()) as Import
    }
    if (io.progress) io.err('')
    report(io, current)
    if (current.status === 'failed') throw new CliError(`The import failed: ${current.error ?? 'see GET /v1/imports/' + current.id}`)
    if (current.rowsFailed > 0) throw new CliError(`${current.rowsFailed} of ${current.totalRows} rows were refused`)
  },
}
