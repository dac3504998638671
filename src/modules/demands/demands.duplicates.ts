import { and, eq, inArray, ne, or } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { demands } from '../../db/schema/index.ts'
import { findNearDuplicates } from '../retrieval/duplicates.ts'
import type { Demand } from './demands.schemas.ts'
import { demandSource } from './demands.search.ts'

// Near-duplicate demands (possibleDuplicates on create): the same need filed twice, by one
// enterprise or by its delegate. A warning, never a refusal. Same rule as for listings
// (retrieval/duplicates.ts).

const round = (value: number) => Math.round(value * 1000) / 1000

export async function findPossibleDemandDuplicates(tx: DbOrTx, demand: Demand, ownerId: string, limit = 5) {
  const visible = and(or(eq(demands.status, 'open'), and(eq(demands.ownerId, ownerId), eq(demands.status, 'draft'))), ne(demands.id, demand.id))
  const text = {
    title: demand.titleVi,
    names: [demand.titleEn ?? '', ...demand.keywords].join(' . '),
    body: [demand.problemVi, demand.problemEn ?? '', demand.desiredOutcomeVi ?? '', demand.desiredOutcomeEn ?? ''].join(' . '),
  }
  const near = await findNearDuplicates(tx, demandSource, text, visible, limit)
  if (near.length === 0) return []
  const titles = new Map(
    (
      await tx
        .select({ id: demands.id, title: demands.titleVi })
        .from(demands)
        .where(
          inArray(
            demands.id,
            near.map((duplicate) => duplicate.id),
          ),
        )
    ).map((row) => [row.id, row.title]),
  )
  return near.flatMap((duplicate) => {
    const title = titles.get(duplicate.id)
    return title === undefined ? [] : [{ id: duplicate.id, title, similarity: round(duplicate.similarity) }]
  })
}
