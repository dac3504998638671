/**
 * The layers of src/ and what each may import (docs/architecture.md, "What may import what").
 * `npm run lint` runs it: `depcruise src`.
 *
 *   lib  <-  db  <-  jobs  <-  core  <-  http  <-  modules/*  <-  app, services, server, cli, seed, openapi
 *
 * Modules import one another only downwards, so the folders form no cycle; what a lower module
 * needs from a higher one is handed to it by services.ts (as `catalogueEvent` and `requestMatches` are).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'An import cycle between files: split the shared part out, or hand it in through services.ts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'An import cycle between folders (modules, or a module and a layer).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'lib-imports-lib',
      comment: 'lib/ holds small pieces with no knowledge of the exchange: it imports nothing else of src/.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'db-below-the-rest',
      comment: 'db/ (connection, schema, embedded server) imports lib/ only.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(db|lib)/' },
    },
    {
      name: 'jobs-below-core',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/', pathNot: '^src/(jobs|db|lib)/' },
    },
    {
      name: 'core-below-modules',
      comment: 'core/ is what every module needs (the caller, access, audit, places); it imports no module.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|jobs|db|lib)/|^src/config[.]ts$' },
    },
    {
      name: 'http-below-modules',
      comment: 'http/ holds the cross-cutting plugins; what they need from a module is passed in by app.ts.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/', pathNot: '^src/(http|core|jobs|db|lib)/|^src/config[.]ts$' },
    },
    {
      name: 'modules-below-the-wiring',
      comment: 'Modules never import the files that wire them.',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/(app|services|server|cli|migrate)[.]ts$|^src/(cli|seed|openapi)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}
