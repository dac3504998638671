import Negotiator from 'negotiator'
import type { FastifyReply, FastifyRequest } from 'fastify'

export const languages = ['vi', 'en'] as const
export type Language = (typeof languages)[number]

/**
 * The language an answer's own texts take, from Accept-Language (RFC 9110 12.5.4). Vietnamese,
 * the exchange's language, unless the caller prefers English; `en-US` counts as `en`.
 */
export const chooseLanguage = (request: FastifyRequest): Language => languageOf(request.headers['accept-language'])

/** The language for an Accept-Language header's value (absent: Vietnamese). */
export function languageOf(header: string | undefined): Language {
  if (!header) return 'vi'
  return (new Negotiator({ headers: { 'accept-language': header } }).language([...languages]) as Language | undefined) ?? 'vi'
}

/** Marks an answer whose text follows Accept-Language, for the client and for any cache on the way. */
export function declareLanguage(reply: FastifyReply, language: Language) {
  reply.header('content-language', language)
  const vary = reply.getHeader('vary')
  const listed = typeof vary === 'string' ? vary.split(',').map((name) => name.trim().toLowerCase()) : []
  if (!listed.includes('accept-language') && !listed.includes('*'))
    reply.header('vary', typeof vary === 'string' && vary ? `${vary}, Accept-Language` : 'Accept-Language')
}
