import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Db } from '../../src/db/client.ts'
import type { Clock } from '../../src/lib/clock.ts'
import { checkContract } from './contract.ts'
import { openTestDatabase } from './database.ts'

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  constructor(private current = new Date('2026-03-02T03:00:00Z')) {}
  now = () => new Date(this.current)
  set(instant: Date | string) {
    this.current = new Date(instant)
  }
  advanceDays(days: number) {
    this.current = new Date(this.current.getTime() + days * 86_400_000)
  }
}

export type TestContext = { app: FastifyInstance; db: Db; clock: TestClock }

/** The real app on a fresh database of its own; closed when the test ends. */
export async function buildTestApp(t: Test, env: Record<string, string> = {}, options: { poolSize?: number } = {}): Promise<TestContext> {
  const database = await openTestDatabase(options)
  const clock = new TestClock()
  // Each app keeps its uploads in a folder of its own, removed with it.
  const filesDir = mkdtempSync(path.join(tmpdir(), 'tx-files-'))
  // Jobs run when a test calls app.jobs.runPending(), not on a poller's schedule.
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', FILE_STORAGE_DIR: filesDir, ...env }), { database, clock })
  checkContract(app)
  t.teardown(async () => {
    await app.close()
    await database.close()
    rmSync(filesDir, { recursive: true, force: true })
  })
  return { app, db: database.db, clock }
}
