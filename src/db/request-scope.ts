import { AsyncLocalStorage } from 'node:async_hooks'
import { TransactionRollbackError } from 'drizzle-orm'
import type { Db, Tx } from './client.ts'

/**
 * A request's own transaction, which the services' `db` joins while it is open: every query runs in
 * it, and a service's `db.transaction(...)` becomes a savepoint in it (drizzle's nested
 * transaction). This is how an Idempotency-Key request (src/http/idempotency.ts) claims its key,
 * does its write and stores its answer in ONE transaction, while the services keep opening their
 * own transactions as they always do. Outside such a request (jobs, reads, requests without a key)
 * the handle is the pool's, unchanged.
 */
export type RequestScope = {
  /** The open transaction, or null: before it begins (a late claim) and after it ends. */
  tx: Tx | null
  /** A late claim (see idempotency.ts): begins the transaction at the first `transaction()` call. */
  begin?: () => Promise<Tx>
  /** A read replica the request reads from (src/http/replica-reads.ts), when it is a read that may. */
  read?: Db
}

const storage = new AsyncLocalStorage<RequestScope>()

/** Runs `fn` (and everything it starts) in `scope`: Fastify's hook chain goes on inside it. */
export const runInScope = <T>(scope: RequestScope, fn: () => T): T => storage.run(scope, fn)

/**
 * Runs `fn` outside any request's transaction, on the pool: for writes that must commit on their own
 * while the request goes on (an upload's pieces, stored as they stream in, before the claim).
 */
export const outsideRequestTransaction = <T>(fn: () => T): T => storage.exit(fn)

/**
 * The Db handed to the services: the pool's, the current request's transaction when one is open, or
 * the replica a read-only request was given.
 * `transaction()` on it is a savepoint in that transaction (its config, an isolation level, cannot
 * apply there and is dropped: the request's transaction is READ COMMITTED like every other).
 */
export function requestScopedDb(root: Db): Db {
  return new Proxy(root, {
    get(target, property, receiver) {
      const scope = storage.getStore()
      if (property === 'transaction' && scope && !scope.tx && scope.begin) {
        const begin = scope.begin
        return async (work: (tx: Tx) => Promise<unknown>) => (await begin()).transaction(work)
      }
      const base = scope?.tx ?? scope?.read ?? target
      const value = Reflect.get(base, property, base === target ? receiver : base) as unknown
      return typeof value === 'function' ? value.bind(base) : value
    },
  })
}

/**
 * A transaction held open across hooks: begun now, ended by `end`, which runs a last step in it (store
 * the answer) and commits, or rolls back. Drizzle's transaction() takes a callback, so the callback
 * waits for the decision; an error in the last step or in COMMIT rejects `end`'s promise.
 */
export async function openHeldTransaction(db: Db): Promise<{ tx: Tx; end: (last: ((tx: Tx) => Promise<void>) | 'rollback') => Promise<void> }> {
  let decide!: (last: ((tx: Tx) => Promise<void>) | 'rollback') => void
  const decided = new Promise<((tx: Tx) => Promise<void>) | 'rollback'>((resolve) => (decide = resolve))
  let opened!: (tx: Tx) => void
  const begun = new Promise<Tx>((resolve) => (opened = resolve))
  const done = db.transaction(async (tx) => {
    opened(tx)
    const last = await decided
    if (last === 'rollback') tx.rollback()
    else await last(tx)
  })
  // BEGIN failed (the database is unreachable): `done` rejects before the transaction opened.
  const tx = await Promise.race([begun, done.then(() => Promise.reject(new Error('the transaction ended before it began')))])
  let ending: Promise<void> | undefined
  return {
    tx,
    end: (last) => {
      ending ??=
        (decide(last),
        done.catch((error: unknown) => {
          if (last === 'rollback' && error instanceof TransactionRollbackError) return
          throw error
        }))
      return ending
    },
  }
}
