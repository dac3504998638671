import { preconditionFailed } from './problem.ts'

/**
 * The ETag of a version as a handler sets it. src/http/conditional.ts adds a digest of the body
 * before it is sent ("3.k7Qw2mXa9rB0"), so a cache can tell what one caller saw from another's.
 */
export const etagOf = (version: number) => `"${version}"`

/**
 * Reads If-Match. Returns the version the client expects, or undefined when it sent none (or `*`).
 * Only the version counts, not the digest after it: the record is what a write must not lose,
 * whatever this caller was shown of it. Anything that does not name a version cannot match: 412.
 */
export function expectedVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined
  const match = /^\s*(?:W\/)?"(\d{1,9})(?:\.[A-Za-z0-9_-]{12})?"\s*$/.exec(ifMatch)
  if (!match) throw preconditionFailed('If-Match must be an ETag this API returned, such as "3"')
  return Number(match[1])
}
