import type pg from 'pg'

// Secondary indexes are dropped before the bulk load and rebuilt from their own definitions after:
// building an index once is far cheaper than maintaining it row by row (GIN trigram above all).

export type IndexDefinition = { table: string; name: string; definition: string }

/** Indexes of `tables` that back no constraint (the primary keys stay). */
export async function secondaryIndexes(client: pg.ClientBase, tables: readonly string[]): Promise<IndexDefinition[]> {
  const { rows } = await client.query<{ table: string; name: string; definition: string }>(
    `select i.tablename as table, i.indexname as name, i.indexdef as definition
       from pg_indexes i
      where i.schemaname = 'public' and i.tablename = any($1)
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
      order by i.tablename, i.indexname`,
    [tables],
  )
  return rows
}

export async function dropIndexes(client: pg.ClientBase, indexes: readonly IndexDefinition[]): Promise<void> {
  for (const index of indexes) await client.query(`drop index if exists "${index.name}"`)
}

/** Rebuilds each index, returning how long each took; `run` lets the caller use several connections. */
export async function createIndexes(
  clients: readonly pg.ClientBase[],
  indexes: readonly IndexDefinition[],
  onBuilt: (index: IndexDefinition, seconds: number) => void,
): Promise<void> {
  // GIN builds are single-threaded in PostgreSQL 15, so two at a time keep both cores busy.
  const queue = [...indexes]
  await Promise.all(
    clients.map(async (client) => {
      await client.query(`set maintenance_work_mem = '1GB'`)
      for (let index = queue.shift(); index; index = queue.shift()) {
        const started = performance.now()
        await client.query(index.definition)
        onBuilt(index, (performance.now() - started) / 1000)
      }
    }),
  )
}
