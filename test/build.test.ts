import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import t from 'tap'

// What `npm start` and the Docker image run: the bundle in dist/ (scripts/build.mjs), not the sources
// the other tests load through tsx. A bundled module that finds a file beside itself (reference CSVs,
// the thesaurus starter set, the migrations, the OpenAPI examples, the database thread's entry) would
// look in the wrong place, so this starts the built server on a new data directory and reads what
// those files feed.

const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { encoding: 'utf8' })
if (build.status !== 0) throw new Error(`the build failed: ${build.stderr}`)

t.test('the built server starts from the template, serves what its data files feed, and stops cleanly', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-build-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', JOBS_WORKER: 'false' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const exited = once(child, 'exit')
  t.teardown(() => child.kill('SIGKILL'))
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const listening = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s: ${stderr}`)), 60_000)
    child.stderr!.on('data', () => {
      const address = /listening on (http:\/\/\S+)\n/.exec(stderr)?.[1]
      if (address && stderr.includes('\n  docs ')) {
        clearTimeout(timer)
        resolve(address)
      }
    })
  })
  t.match(stderr, `embedded PostgreSQL (PGlite) in ${dataDir}, new: made from the built-in template`)
  t.match(stderr, /migrations {2}\d+ in all, none pending/)

  const health = await fetch(`${listening}/health`)
  t.equal(health.status, 200, '/health answers')

  const provinces = (await (await fetch(`${listening}/v1/reference/provinces`)).json()) as { items: Array<{ name: string }> }
  t.equal(provinces.items.length, 34, 'the provinces come from the reference CSVs')
  t.ok(
    provinces.items.some((province) => province.name === 'Hà Nội'),
    'with their names',
  )

  const thesaurus = (await (await fetch(`${listening}/v1/thesaurus?limit=1`)).json()) as { items: Array<{ starterKey: string | null }> }
  t.ok(thesaurus.items[0]?.starterKey, 'the template holds the thesaurus starter set')

  const served = (await (await fetch(`${listening}/openapi.json`)).json()) as Record<string, unknown>
  const checkedIn = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as Record<string, unknown>
  t.ok(isDeepStrictEqual(served.paths, checkedIn.paths), 'the served paths, with their examples, are the checked-in ones')
  t.ok(isDeepStrictEqual(served.components, checkedIn.components), 'so are the components')

  child.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0, 'SIGTERM stops it with exit code 0')
})
