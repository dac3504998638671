// `npm run build`: compiles src/ to dist/ with tsc, copies the data files the code reads beside it,
// and builds the embedded template (a migrated PGlite data directory that a new DATA_DIR starts as a
// copy of). `--if-stale` does nothing when dist/ is newer than every source, so `npm start` can call
// it on every start for a few milliseconds. Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = path.join(root, 'dist')
const stampFile = path.join(dist, '.build-stamp')
const sources = ['src', 'migrations', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']

function newestChange(file) {
  const stat = statSync(file)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(file)) newest = Math.max(newest, newestChange(path.join(file, entry)))
  return newest
}

function isStale() {
  if (!existsSync(stampFile)) return true
  const built = statSync(stampFile).mtimeMs
  return sources.some((source) => newestChange(path.join(root, source)) > built)
}

/** Every `data` directory under src/ (reference CSVs, the thesaurus starter set), to the same place in dist/. */
function copyDataFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const source = path.join(dir, entry.name)
    if (entry.name === 'data') cpSync(source, path.join(dist, path.relative(path.join(root, 'src'), source)), { recursive: true })
    else copyDataFiles(source)
  }
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0)
const started = Date.now()
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
})
if (tsc.status !== 0) {
  console.error('build: tsc failed')
  process.exit(1)
}
copyDataFiles(path.join(root, 'src'))
const { buildEmbeddedTemplate } = await import(path.join(dist, 'migrate.js'))
const template = await buildEmbeddedTemplate(dist)
writeFileSync(stampFile, new Date().toISOString() + '\n')
console.error(`build: dist/ and ${path.relative(root, template)} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
