import { Type, type Static } from 'typebox'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Nullable, Timestamp } from '../../http/fields.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

export const thesaurusKinds = ['synonym', 'expansion'] as const

/** The limits of an entry; counts per kind are checked by the service (422), lengths here (400). */
export const limits = {
  phraseLength: 120,
  synonymPhrases: { min: 2, max: 20 },
  expansionTargets: { min: 1, max: 10 },
  exceptions: 20,
  noteLength: 1000,
} as const

/** The weight an entry gets when none is given: a synonym says the same thing, an expansion something related. */
export const defaultWeights = { synonym: 1, expansion: 0.6 } as const

const Phrase = Type.String({ minLength: 1, maxLength: limits.phraseLength, description: `A word or phrase as written, 1-${limits.phraseLength} characters` })

const editable = {
  trigger: { ...Phrase, description: 'expansion only: the phrase that sets it off in a query (a symptom, a plain-language need)' },
  phrases: Type.Array(Phrase, {
    minItems: 1,
    maxItems: limits.synonymPhrases.max,
    description: `synonym: its ${limits.synonymPhrases.min}-${limits.synonymPhrases.max} equivalent phrases, any of which brings in the others; expansion: the ${limits.expansionTargets.min}-${limits.expansionTargets.max} phrases its trigger brings in. No two the same once folded (case, diacritics, spacing)`,
  }),
  exceptions: Type.Array(Phrase, {
    maxItems: limits.exceptions,
    description:
      'Phrases a match must not sit inside: "bắp cải" (cabbage) keeps "bắp" from bringing in "ngô". Each contains one of the phrases that set the entry off',
  }),
  weight: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1,
    description: `How much an added phrase counts next to the query's own words, 0 < w <= 1; default ${defaultWeights.synonym} for a synonym, ${defaultWeights.expansion} for an expansion`,
  }),
  note: Nullable(Type.String({ minLength: 1, maxLength: limits.noteLength, description: 'Why the entry exists, its source' })),
}

export const ThesaurusEntryCreate = Type.Object(
  {
    kind: Enum(thesaurusKinds, {
      title: 'ThesaurusKind',
      description: 'synonym: equivalent phrases, each bringing in the others (multi-way); expansion: a trigger bringing in its phrases (one-way)',
    }),
    trigger: Type.Optional(editable.trigger),
    phrases: editable.phrases,
    exceptions: Type.Optional(editable.exceptions),
    weight: Type.Optional(editable.weight),
    note: Type.Optional(editable.note),
  },
  { additionalProperties: false },
)
export type ThesaurusEntryCreate = Static<typeof ThesaurusEntryCreate>

export const ThesaurusEntryUpdate = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 })
export type ThesaurusEntryUpdate = Static<typeof ThesaurusEntryUpdate>

export const ThesaurusListQuery = Type.Object(
  {
    kind: Type.Optional(Enum(thesaurusKinds, { title: 'ThesaurusKind' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: limits.phraseLength,
        description: 'Entries with a phrase (trigger, phrases) containing this text, folded: "sau rieng" finds "sầu riêng"',
      }),
    ),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ThesaurusListQuery = Static<typeof ThesaurusListQuery>

export const ThesaurusPreviewQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 2000, description: 'A query, as a user would type it' }) },
  { additionalProperties: false },
)
export type ThesaurusPreviewQuery = Static<typeof ThesaurusPreviewQuery>

// Responses

export const ThesaurusEntry = Type.Object(
  {
    id: Uuid,
    kind: Enum(thesaurusKinds, { title: 'ThesaurusKind' }),
    trigger: Nullable(Type.String({ description: "An expansion's trigger; null for a synonym" })),
    phrases: Type.Array(Type.String()),
    exceptions: Type.Array(Type.String()),
    folded: Type.Object(
      { trigger: Nullable(Type.String()), phrases: Type.Array(Type.String()), exceptions: Type.Array(Type.String()) },
      {
        title: 'FoldedPhrases',
        description: 'The same phrases folded (lower case, no diacritics, đ as d, one space between syllables): the form queries are matched in',
      },
    ),
    weight: Type.Number(),
    note: Nullable(Type.String()),
    starterKey: Nullable(Type.String({ description: 'The starter set entry it came from (docs/thesaurus.md); null for one the operator added' })),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'ThesaurusEntry' },
)
export type ThesaurusEntry = Static<typeof ThesaurusEntry>

export const ThesaurusPage = Type.Object({ items: Type.Array(ref(ThesaurusEntry)), nextCursor: Nullable(Type.String()) }, { $id: 'ThesaurusPage' })
export type ThesaurusPage = Static<typeof ThesaurusPage>

const PhraseForm = { phrase: Type.String({ description: 'As written in the entry' }), folded: Type.String() }

export const ThesaurusApplication = Type.Object(
  {
    entryId: Uuid,
    kind: Enum(thesaurusKinds, { title: 'ThesaurusKind' }),
    matched: Type.Object(
      {
        ...PhraseForm,
        start: Type.Integer({ description: 'The syllable it starts at in the folded query, from 0' }),
        length: Type.Integer({ description: 'Its number of syllables' }),
      },
      { description: 'The phrase of the entry found in the query (its first occurrence; the longest when several start there)' },
    ),
    subsumed: Type.Boolean({
      description: "The match lies inside a longer match of another entry (Lucene's greedy synonym parsing would drop it); it still applies",
    }),
    weight: Type.Number(),
    add: Type.Array(Type.Object({ ...PhraseForm, weight: Type.Number() }), {
      description: 'The phrases it adds to the query, with their weight: those not already in the query',
    }),
  },
  { $id: 'ThesaurusApplication' },
)
export type ThesaurusApplication = Static<typeof ThesaurusApplication>

export const ThesaurusPreview = Type.Object(
  {
    q: Type.String(),
    folded: Type.String({ description: 'The query folded: what the phrases are matched in' }),
    applied: Type.Array(ref(ThesaurusApplication), { description: 'The entries that apply, in the order of their match in the query' }),
  },
  { $id: 'ThesaurusPreview' },
)
export type ThesaurusPreview = Static<typeof ThesaurusPreview>

export const thesaurusSchemas = [ThesaurusEntry, ThesaurusPage, ThesaurusApplication, ThesaurusPreview]
