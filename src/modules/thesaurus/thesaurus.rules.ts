import type { ThesaurusKind } from '../../db/schema/index.ts'
import { unprocessable, type FieldError } from '../../lib/problem.ts'
import { foldPhrase, headOf } from './thesaurus.fold.ts'
import { defaultWeights, limits } from './thesaurus.schemas.ts'

/** An entry as the API and the starter file give it. */
export type EntryInput = {
  kind: ThesaurusKind
  trigger?: string | null
  phrases: string[]
  exceptions?: string[]
  weight?: number
  note?: string | null
}

/** The stored columns of an entry, folded forms and index keys included. */
export type EntryValues = {
  kind: ThesaurusKind
  trigger: string | null
  phrases: string[]
  foldedTrigger: string | null
  foldedPhrases: string[]
  keys: string[]
  heads: string[]
  exceptions: string[]
  foldedExceptions: string[]
  weight: number
  note: string | null
}

const tidy = (text: string) => text.trim().replace(/\s+/g, ' ')

/**
 * Checks an entry and folds it: counts per kind, phrases with letters or digits, no two phrases
 * the same once folded, exceptions that contain a phrase that sets the entry off. A 422
 * invalid_thesaurus_entry naming each offending field otherwise.
 */
export function entryValues(input: EntryInput): EntryValues {
  const errors: FieldError[] = []
  const { kind } = input
  const trigger = input.trigger == null ? null : tidy(input.trigger)
  const phrases = input.phrases.map(tidy)
  const exceptions = (input.exceptions ?? []).map(tidy)

  if (kind === 'synonym' && trigger !== null)
    errors.push({ pointer: '#/trigger', detail: 'a synonym has no trigger: each of its phrases brings in the others' })
  if (kind === 'expansion' && trigger === null) errors.push({ pointer: '#/trigger', detail: 'an expansion needs the phrase that sets it off' })
  const count = kind === 'synonym' ? limits.synonymPhrases : limits.expansionTargets
  if (phrases.length < count.min || phrases.length > count.max) {
    errors.push({ pointer: '#/phrases', detail: `a ${kind} has ${count.min}-${count.max} phrases, not ${phrases.length}` })
  }

  // Every phrase folded, each compared with those before it.
  const seen = new Map<string, string>()
  const fold = (text: string, pointer: string, group: Map<string, string>) => {
    const folded = foldPhrase(text)
    if (folded === '') errors.push({ pointer, detail: 'has no letters or digits' })
    else if (group.has(folded)) errors.push({ pointer, detail: `is the same as ${group.get(folded)} once folded ("${folded}")` })
    else group.set(folded, pointer)
    return folded
  }
  const foldedTrigger = trigger === null ? null : fold(trigger, '#/trigger', seen)
  const foldedPhrases = phrases.map((phrase, index) => fold(phrase, `#/phrases/${index}`, seen))
  const keys = (kind === 'synonym' ? foldedPhrases : [foldedTrigger ?? '']).filter((key) => key !== '')

  const seenExceptions = new Map<string, string>()
  const foldedExceptions = exceptions.map((exception, index) => {
    const pointer = `#/exceptions/${index}`
    const folded = fold(exception, pointer, seenExceptions)
    if (folded !== '' && !keys.some((key) => key !== folded && ` ${folded} `.includes(` ${key} `))) {
      errors.push({ pointer, detail: 'does not contain, as a longer phrase, any phrase that sets the entry off: it could never apply' })
    }
    return folded
  })

  if (errors.length > 0) throw unprocessable('invalid_thesaurus_entry', 'The thesaurus entry breaks a rule; see errors', errors)
  return {
    kind,
    trigger,
    phrases,
    foldedTrigger,
    foldedPhrases,
    keys,
    heads: [...new Set(keys.map(headOf))],
    exceptions,
    foldedExceptions,
    weight: input.weight ?? defaultWeights[kind],
    note: input.note ?? null,
  }
}
