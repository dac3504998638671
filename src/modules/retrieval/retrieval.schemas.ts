import { Type, type Static } from 'typebox'
import { ref } from '../../http/common.schemas.ts'

// How a text search read its q: the words it corrected and the thesaurus entries it applied.

export const SearchCorrection = Type.Object(
  {
    from: Type.String({ description: 'A word of q (folded: lower case, no diacritics) that no record holds' }),
    to: Type.String({ description: 'The indexed word searched in its place, alongside the rest of q' }),
  },
  { $id: 'SearchCorrection' },
)

export const SearchThesaurusUse = Type.Object(
  {
    entryId: Type.String({ format: 'uuid' }),
    matched: Type.String({ description: 'The phrase of the query (folded) the entry applies to' }),
    added: Type.Array(Type.Object({ phrase: Type.String({ description: 'Folded' }), weight: Type.Number() }), {
      description: 'What it added to the query, each with its weight',
    }),
  },
  { $id: 'SearchThesaurusUse' },
)

export const SearchInterpretation = Type.Object(
  {
    corrections: Type.Array(ref(SearchCorrection)),
    thesaurus: Type.Array(ref(SearchThesaurusUse)),
  },
  {
    $id: 'SearchInterpretation',
    description:
      'How q was read, only when q is given: every word of q counts and none is required; misspelt words are searched corrected as well; thesaurus entries add their phrases',
  },
)
export type SearchInterpretation = Static<typeof SearchInterpretation>

/** The similarity of a possible duplicate (listings and demands alike: see duplicates.ts). */
export const DuplicateSimilarity = Type.Number({
  minimum: 0,
  maximum: 1,
  description:
    "How alike the two are, at least 0.5: the geometric mean of their title similarity (the terms the two titles share over the heavier title) and the share of this record's whole text the other holds, each term weighed by how rare it is (with or without diacritics, in any order)",
})

export const retrievalSchemas = [SearchCorrection, SearchThesaurusUse, SearchInterpretation]
