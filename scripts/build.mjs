// `npm run build`: bundles src/ into dist/ with esbuild, copies the data files the code reads beside
// it, and builds the embedded template (a migrated PGlite data directory that a new DATA_DIR starts
// as a copy of). `--if-stale` does nothing when dist/ is newer than every source, so `npm start` can
// call it on every start for a few milliseconds. Plain JavaScript: it runs before anything is built.
//
// Why a bundle: Node 20 resolves, reads and compiles each ES module on every start, and the app with
// its dependencies is ~900 of them. One bundle loads in a third of the time (docs/operations.md). Type
// checking stays with `npm run typecheck` (tsc), which CI runs.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')
const stampFile = path.join(dist, '.build-stamp')
// scripts/start.sh checks the same paths with find: the two lists change together.
const sources = ['src', 'migrations', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs']

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
    if (entry.name === 'data') cpSync(source, path.join(dist, path.relative(src, source)), { recursive: true })
    else copyDataFiles(source)
  }
}

/**
 * A module that finds a file next to itself (`new URL('./data/x.csv', import.meta.url)`) would look
 * beside the bundle instead. Each such `import.meta.url` becomes the URL the module would have in
 * dist/, worked out from the bundle's own: the chunks of this build all sit at dist/'s top level.
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(src + path.sep)) return undefined
      const text = readFileSync(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' }
      const inDist = './' + path.relative(src, args.path).split(path.sep).join('/').replace(/\.ts$/, '.js')
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(inDist)}, import.meta.url).href`), loader: 'ts' }
    })
  },
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0)
const started = Date.now()
const esbuild = await import('esbuild')
// The template directories are kept: building one takes seconds, and buildEmbeddedTemplate replaces a stale one.
if (existsSync(dist)) for (const entry of readdirSync(dist)) if (!entry.startsWith('embedded-template-')) rmSync(path.join(dist, entry), { recursive: true })
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Mappings only: stack traces need no copy of the sources, and the maps are a tenth the size.
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  // Dependencies that read files from their own package folder at run time (PGlite's WebAssembly and
  // data, Swagger UI's static files, @fastify/swagger's package.json, pino's worker files) or that
  // are optional (pg-native) stay in node_modules, as does sharp (a native addon, with libvips).
  external: ['@electric-sql/*', '@fastify/swagger', '@fastify/swagger-ui', 'pino', 'pg-native', 'sharp'],
  // Bundled CommonJS modules call require() for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
}
await esbuild.build({
  ...common,
  entryPoints: { server: 'src/server.ts', cli: 'src/cli.ts', 'build-template': 'src/build-template.ts' },
  outdir: dist,
  splitting: true,
  chunkNames: '[name]-[hash]',
  plugins: [keepModuleUrls],
})
// The database process's entry, on its own: it shares nothing with the app but node_modules.
await esbuild.build({ ...common, entryPoints: { 'db/embedded-server': 'src/db/embedded-server.ts' }, outdir: dist })
copyDataFiles(src)
const { buildEmbeddedTemplate } = await import(path.join(dist, 'build-template.js'))
const template = await buildEmbeddedTemplate(dist)
writeFileSync(stampFile, new Date().toISOString() + '\n')
console.error(`build: dist/ and ${path.relative(root, template)} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
