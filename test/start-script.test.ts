import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'

// `npm start` (scripts/start.sh) rebuilds dist/ only when a source is newer than the last build, then
// runs the server. Tried on a stand-in project: a build that leaves a mark, a server that says so.
const project = mkdtempSync(path.join(tmpdir(), 'tx-start-script-'))
t.teardown(() => rmSync(project, { recursive: true, force: true }))
for (const dir of ['scripts', 'src', 'migrations', 'dist']) mkdirSync(path.join(project, dir))
cpSync('scripts/start.sh', path.join(project, 'scripts/start.sh'))
writeFileSync(
  path.join(project, 'scripts/build.mjs'),
  `import { writeFileSync } from 'node:fs'\nwriteFileSync('dist/.build-stamp', ''); writeFileSync('built', '')\n`,
)
writeFileSync(
  path.join(project, 'dist/server.js'),
  `process.stdout.write('served with MALLOC_ARENA_MAX=' + process.env.MALLOC_ARENA_MAX + ' ' + process.execArgv.join(' '))\n`,
)
const served = 'served with MALLOC_ARENA_MAX=2 --enable-source-maps --max-semi-space-size=4 --heap-growing-percent=20'
for (const file of ['src/app.ts', 'package-lock.json', 'tsconfig.json']) writeFileSync(path.join(project, file), '')

const hourAgo = new Date(Date.now() - 3_600_000)
/** Every file and folder of the stand-in an hour old, as after a build long ago. */
function ageEverything() {
  for (const file of ['scripts/build.mjs', 'src/app.ts', 'src', 'migrations', 'package-lock.json', 'tsconfig.json'])
    utimesSync(path.join(project, file), hourAgo, hourAgo)
}
function start(env: Record<string, string> = {}) {
  rmSync(path.join(project, 'built'), { force: true })
  const run = spawnSync('sh', [path.join(project, 'scripts/start.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } })
  return { built: existsSync(path.join(project, 'built')), output: run.stdout, status: run.status }
}

t.test('without a build stamp it builds, then serves', async (t) => {
  ageEverything()
  t.same(start(), { built: true, output: served, status: 0 })
})

t.test('with every source older than the stamp it only serves', async (t) => {
  ageEverything()
  writeFileSync(path.join(project, 'dist/.build-stamp'), '')
  t.same(start(), { built: false, output: served, status: 0 })
})

t.test('a source newer than the stamp, however deep, makes it build first', async (t) => {
  ageEverything()
  writeFileSync(path.join(project, 'dist/.build-stamp'), '')
  utimesSync(path.join(project, 'dist/.build-stamp'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
  writeFileSync(path.join(project, 'src/app.ts'), 'changed')
  t.same(start(), { built: true, output: served, status: 0 })
})

t.test('the heap is kept tight on the embedded database only, and NODE_HEAP_FLAGS replaces the flags', async (t) => {
  ageEverything()
  writeFileSync(path.join(project, 'dist/.build-stamp'), '')
  t.equal(start().output, served, 'no DATABASE_URL: the tight heap')
  t.equal(start({ DATABASE_URL: 'postgresql://techx@db/techx' }).output, 'served with MALLOC_ARENA_MAX=2 --enable-source-maps', 'a server: V8 sizes it')
  t.equal(start({ NODE_HEAP_FLAGS: '' }).output, 'served with MALLOC_ARENA_MAX=2 --enable-source-maps', 'set but empty: none')
  t.equal(start({ NODE_HEAP_FLAGS: '--max-old-space-size=512' }).output, 'served with MALLOC_ARENA_MAX=2 --enable-source-maps --max-old-space-size=512')
})
