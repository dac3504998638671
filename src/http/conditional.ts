import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'

// Conditional requests.
//
// A record's ETag names its version, so that If-Match can guard a write (src/lib/etag.ts). What a
// caller sees of one version, though, depends on who asks and how far its deal went (redacted
// fields), so a validator a cache can trust must name the representation too. The ETag sent is
// therefore the version and a digest of the body, "3.k7Qw2mXa9rB0", and If-Match reads only the
// version in it. A GET answer without a version (a page, a report) gets a weak ETag, W/"<digest>".
// A GET whose If-None-Match names the ETag it would carry is answered 304 without a body: the
// record is still read (the digest is of what this caller would get), but not sent again.

const versionTag = /^"(\d{1,9})"$/

const digestOf = (payload: string) => createHash('sha256').update(payload).digest('base64url').slice(0, 12)

/** The entity tags If-None-Match lists, compared weakly (RFC 9110 13.1.2): W/ is ignored. */
const listed = (header: string) => header.split(',').map((tag) => tag.trim().replace(/^W\//, ''))

export function registerConditionalRequests(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 200 || reply.statusCode >= 300 || typeof payload !== 'string') return payload
    const given = reply.getHeader('etag')
    const version = typeof given === 'string' ? versionTag.exec(given)?.[1] : undefined
    const read = request.method === 'GET' || request.method === 'HEAD'
    let etag: string
    if (version !== undefined) etag = `"${version}.${digestOf(payload)}"`
    else if (read && reply.statusCode === 200 && given === undefined) etag = `W/"${digestOf(payload)}"`
    else return payload
    reply.header('etag', etag)

    const ifNoneMatch = request.headers['if-none-match']
    if (!read || reply.statusCode !== 200 || typeof ifNoneMatch !== 'string') return payload
    const current = etag.replace(/^W\//, '')
    if (ifNoneMatch.trim() !== '*' && !listed(ifNoneMatch).includes(current)) return payload
    reply.code(304)
    reply.removeHeader('content-type')
    reply.removeHeader('content-length')
    return ''
  })
}
