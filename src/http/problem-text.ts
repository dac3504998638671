import type { AppError, FieldError } from '../lib/problem.ts'
import type { Language } from './language.ts'
import { messages, nouns, titles } from './problem-text.vi.ts'

type Template = { pattern: RegExp; names: string[]; vietnamese: string; literal: number }

const placeholder = /\{(\w+)\}/g
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const exact = new Map<string, string>()
const templates: Template[] = []
for (const [english, vietnamese] of Object.entries(messages)) {
  const names = [...english.matchAll(placeholder)].map((found) => found[1]!)
  if (names.length === 0) {
    exact.set(english, vietnamese)
    continue
  }
  const literals = english.split(placeholder).filter((_, index) => index % 2 === 0)
  templates.push({
    pattern: new RegExp(`^${literals.map(escapeRegExp).join('(.*?)')}$`, 's'),
    names,
    vietnamese,
    literal: literals.join('').length,
  })
}
// The template that spells out more of a message is the closer one.
templates.sort((a, b) => b.literal - a.literal)

/** The Vietnamese for a word the English names; own entries only, so a value such as "constructor" is not an Object method. */
const nounFor = (value: string): string | undefined => (Object.hasOwn(nouns, value) ? nouns[value] : undefined)

/** The Vietnamese of one English message, or undefined when the catalogue lacks it. */
export function toVietnamese(english: string): string | undefined {
  const known = exact.get(english)
  if (known !== undefined) return known
  for (const template of templates) {
    const found = template.pattern.exec(english)
    if (!found) continue
    const values = new Map(template.names.map((name, index) => [name, found[index + 1]!]))
    let complete = true
    const text = template.vietnamese.replace(/\{(\w+)(?::(noun|code|message))?\}/g, (_, name: string, how?: string) => {
      const value = values.get(name) ?? ''
      const noun = nounFor(value)
      if (how === 'noun') return noun ?? value
      if (how === 'code') return noun !== undefined ? `${noun} (${value})` : value
      if (how !== 'message') return value
      const inner = toVietnamese(value)
      if (inner === undefined) complete = false
      return inner ?? value
    })
    if (complete) return text
  }
  return undefined
}

export type ProblemText = { language: Language; title: string; detail?: string; errors?: FieldError[] }

/**
 * A problem's title, detail and field details in the language asked for. The code writes them in
 * English; when the catalogue lacks any of them, the whole problem stays English (and says so in
 * Content-Language) rather than mixing two languages.
 */
export function problemText(error: AppError, language: Language): ProblemText & { untranslated?: string } {
  const english = { language: 'en' as const, title: error.title, detail: error.detail, errors: error.extensions.errors }
  if (language === 'en') return english
  const title = titles[error.title]
  if (title === undefined) return { ...english, untranslated: error.title }
  const detail = error.detail === undefined ? undefined : toVietnamese(error.detail)
  if (error.detail !== undefined && detail === undefined) return { ...english, untranslated: error.detail }
  const errors: FieldError[] = []
  for (const field of error.extensions.errors ?? []) {
    const text = toVietnamese(field.detail)
    if (text === undefined) return { ...english, untranslated: field.detail }
    errors.push({ pointer: field.pointer, detail: text })
  }
  return { language, title, detail, errors: error.extensions.errors ? errors : undefined }
}
