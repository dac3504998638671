/**
 * The version an ETag names: "3.k7Qw2mXa9rB0" is version 3 (src/http/conditional.ts adds the
 * digest of the body after it). NaN for anything else, so an equality check on it fails.
 */
export const versionOf = (etag: unknown) => Number(/^"(\d+)\.[A-Za-z0-9_-]+"$/.exec(String(etag))?.[1])
