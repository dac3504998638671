import type { Db } from '../../db/client.ts'
import { outsideRequestTransaction } from '../../db/request-scope.ts'
import type { Clock } from '../../lib/clock.ts'
import { unstorableText } from '../../lib/text.ts'
import { AppError, badRequest, unprocessable } from '../../lib/problem.ts'
import * as repo from './imports.repo.ts'

// An uploaded file goes to the database while it arrives, in pieces of text (import_chunks), and
// the job reads it back the same way: no process ever holds a whole file, however many are
// uploaded at once. Each piece is its own short statement, never one long transaction: the event
// feed waits for nothing while a slow client sends 100 MB.

/**
 * Characters per stored piece: a 100 MB file is a few hundred rows, and an upload in progress holds
 * about one piece (half a megabyte as UTF-16 text, up to three quarters as the statement's UTF-8).
 */
export const pieceChars = 32 * 1024

export const fileTooLarge = (maxBytes: number) =>
  new AppError(
    413,
    'body_too_large',
    'Payload too large',
    `The file is larger than this exchange accepts (IMPORT_MAX_BYTES, ${maxBytes} bytes); split it into smaller files`,
  )

const notUtf8 = () => unprocessable('invalid_encoding', 'The file is not UTF-8 text: save it as "CSV UTF-8" (or convert it to UTF-8) and upload it again')

export type StoreOptions = {
  maxBytes: number
  now: Date
  /** Sees each piece of text as it arrives, before it is stored; throws to refuse the file. */
  read: (text: string) => void
}

/**
 * Stores a file as it streams in, under the id its import will have: decoded as UTF-8 (422 if it is
 * not), free of NUL characters (400, as for any other text), no larger than maxBytes (413 as soon as
 * it goes past), each piece shown to `read` first. A refused or broken upload leaves nothing behind.
 */
export async function storeFile(
  db: Db,
  importId: string,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: StoreOptions,
): Promise<{ bytes: number }> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let bytes = 0
  let seq = 0
  let pending = ''
  // One piece is written while the next arrives; a failed write shows at the next one, or the end.
  let writing: Promise<void> = Promise.resolve()
  const store = async (content: string) => {
    await writing
    // Each piece commits on its own, never in an Idempotency-Key request's transaction: an upload
    // as slow as its client must not hold one open (src/http/idempotency.ts, 'at-write').
    const piece = { importId, seq: seq++, content, createdAt: options.now }
    writing = outsideRequestTransaction(() => repo.insertChunk(db, piece))
    writing.catch(() => {})
  }
  const take = async (text: string) => {
    if (text === '') return
    const bad = unstorableText(text)
    if (bad)
      throw badRequest('validation_failed', 'Text must be valid Unicode without NUL characters; see errors', [{ pointer: '#', detail: `The file ${bad}` }])
    options.read(text)
    pending += text
    while (pending.length >= pieceChars) {
      // Never between the two halves of a surrogate pair: each piece must be text on its own.
      const cut = isHighSurrogate(pending.charCodeAt(pieceChars - 1)) ? pieceChars - 1 : pieceChars
      await store(pending.slice(0, cut))
      pending = pending.slice(cut)
    }
  }
  try {
    for await (const chunk of source) {
      bytes += chunk.byteLength
      if (bytes > options.maxBytes) throw fileTooLarge(options.maxBytes)
      await take(decodeOrRefuse(() => decoder.decode(chunk, { stream: true })))
    }
    await take(decodeOrRefuse(() => decoder.decode()))
    if (pending !== '') await store(pending)
    await writing
    return { bytes }
  } catch (error) {
    await writing.catch(() => {})
    await repo.deleteChunks(db, importId)
    throw error
  }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

function decodeOrRefuse(decode: () => string): string {
  try {
    return decode()
  } catch (error) {
    if (error instanceof TypeError) throw notUtf8()
    throw error
  }
}

/** A stored file's text, piece by piece, one query each: what the job reads rows from. */
export async function* readFile(db: Db, importId: string): AsyncGenerator<string> {
  for (let seq = 0; ; seq++) {
    const piece = await repo.findChunk(db, importId, seq)
    if (piece === undefined) return
    yield piece
  }
}

/** An upload begun this long ago without becoming an import was cut off (a crash, a lost client). */
const abandonedAfterHours = 24

/** Deletes the pieces of abandoned uploads (a maintenance job, hourly); returns how many uploads. */
export async function sweepAbandonedUploads(db: Db, clock: Clock): Promise<number> {
  return repo.deleteAbandonedChunks(db, new Date(clock.now().getTime() - abandonedAfterHours * 3_600_000))
}
