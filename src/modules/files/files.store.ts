import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { AwsClient } from 'aws4fetch'
import type { Config } from '../../config.ts'
import { RetryLaterError } from '../../lib/problem.ts'

// Where a file's bytes live. The database holds every fact about a file (src/db/schema/files.ts);
// a store only keeps bytes under a key, and knows nothing else. Two kinds, chosen by FILE_STORAGE:
// a local directory (the default: `npm start` needs nothing more) and an S3-compatible bucket
// (MinIO, Ceph, a cloud's object storage), which every process behind a load balancer shares.

export interface FileStore {
  readonly kind: 'local' | 's3'
  /** Keeps the bytes under `key`, whole or not at all: a reader never sees half a file. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>
  /** The bytes under `key` (only those from `range.start` to `range.end`, both included, when given), or null when there are none. */
  get(key: string, range?: ByteRange): Promise<Readable | null>
  /** Deletes the bytes under `key`; nothing there is not an error (a sweep may repeat a removal). */
  remove(key: string): Promise<void>
}

/** Bytes `start` to `end` of a file, both included (as an HTTP Range has them). */
export type ByteRange = { start: number; end: number }

const storeUnavailable = (cause: string) => {
  const error = new RetryLaterError(503, 'file_store_unavailable', 'File store unavailable', 'The file store did not answer; try again shortly', 30)
  error.cause = cause
  return error
}

/**
 * Files in a directory: a key `listing/<uuid>` is kept as listing/<first two characters>/<uuid>, so
 * no directory grows past a few thousand entries. A write goes to a temporary name, is flushed, and is renamed into place:
 * a crash leaves a stray temporary file, never a truncated one under a real key; removing the key
 * (the sweep does, for the pending row the crash left) removes that temporary file too.
 */
export function localFileStore(directory: string): FileStore {
  const pathOf = (key: string) => {
    const name = path.posix.basename(key)
    return path.join(directory, path.posix.dirname(key), name.slice(0, 2), name)
  }
  return {
    kind: 'local',
    async put(key, bytes) {
      const target = pathOf(key)
      await mkdir(path.dirname(target), { recursive: true })
      const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`
      const handle = await open(temporary, 'wx', 0o640)
      try {
        await handle.writeFile(bytes)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, target)
    },
    async get(key, range) {
      const file = pathOf(key)
      try {
        await stat(file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw error
      }
      return createReadStream(file, range ? { start: range.start, end: range.end } : {})
    },
    async remove(key) {
      const file = pathOf(key)
      await rm(file, { force: true })
      // And what a write of this key left when its process died before the rename: the key is the
      // file's own id, so any temporary file named after it is that upload's.
      const name = path.basename(file)
      let siblings: string[]
      try {
        siblings = await readdir(path.dirname(file))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
        throw error
      }
      for (const sibling of siblings)
        if (sibling.startsWith(`${name}.`) && sibling.endsWith('.partial')) await rm(path.join(path.dirname(file), sibling), { force: true })
    },
  }
}

export type S3Settings = { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string }

/**
 * Objects in an S3-compatible bucket, addressed path-style (endpoint/bucket/key), which MinIO, Ceph
 * and the S3 services of Vietnamese clouds all accept. Requests are signed with AWS Signature V4
 * (aws4fetch); the API's bytes are few and whole, so a plain PUT suffices (no multipart upload).
 * A store that does not answer, or answers 5xx, is a 503 with Retry-After for the caller.
 */
export function s3FileStore(settings: S3Settings, timeoutMs = 30_000): FileStore {
  const client = new AwsClient({
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    service: 's3',
    region: settings.region,
  })
  const base = `${settings.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(settings.bucket)}`
  const urlOf = (key: string) => `${base}/${key.split('/').map(encodeURIComponent).join('/')}`
  async function send(key: string, init: RequestInit): Promise<Response> {
    let response: Response
    try {
      response = await client.fetch(urlOf(key), { ...init, signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      throw storeUnavailable((error as Error).message)
    }
    if (response.status >= 500) {
      await response.body?.cancel()
      throw storeUnavailable(`S3 answered ${response.status}`)
    }
    return response
  }
  const refused = async (response: Response, what: string) => new Error(`S3 ${what} refused: ${response.status} ${(await response.text()).slice(0, 500)}`)
  return {
    kind: 's3',
    async put(key, bytes, contentType) {
      const response = await send(key, { method: 'PUT', body: bytes, headers: { 'content-type': contentType } })
      if (!response.ok) throw await refused(response, 'PUT')
      await response.body?.cancel()
    },
    async get(key, range) {
      const response = await send(key, { method: 'GET', headers: range ? { range: `bytes=${range.start}-${range.end}` } : {} })
      if (response.status === 404) {
        await response.body?.cancel()
        return null
      }
      if (!response.ok || !response.body) throw await refused(response, 'GET')
      return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)
    },
    async remove(key) {
      const response = await send(key, { method: 'DELETE' })
      if (!response.ok && response.status !== 404) throw await refused(response, 'DELETE')
      await response.body?.cancel()
    },
  }
}

/** The store the configuration names. */
export function fileStoreFrom(config: Config): FileStore {
  if (config.FILE_STORAGE === 's3') {
    return s3FileStore({
      endpoint: config.S3_ENDPOINT!,
      bucket: config.S3_BUCKET!,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID!,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
    })
  }
  return localFileStore(config.FILE_STORAGE_DIR ?? path.join(config.DATA_DIR, 'files'))
}
