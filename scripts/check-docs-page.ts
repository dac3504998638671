import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/client.ts'
import { migrateDatabase } from '../src/migrate.ts'

// Opens the API's docs page (/docs, Swagger UI) in headless Chromium, as a portal developer would,
// and fails when the page logs an error (a Content-Security-Policy violation among them), when the
// operations do not render, or when "Try it out" would call another server than this one.
//
//   npm run docs:check                       (CHROMIUM=/path/to/chromium; default /usr/bin/chromium)
//
// Chromium comes from Debian (`apt-get install chromium`); the script is not part of CI, which
// has no browser.

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'

const database = await openDatabase({ dataDir: 'memory://', poolSize: 1 })
await migrateDatabase(database)
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database })
await app.listen({ port: 0, host: '127.0.0.1' })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

const problems: string[] = []
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
try {
  const page = await browser.newPage()
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  await page.goto(`${origin}/docs`, { waitUntil: 'networkidle' })
  await page.waitForSelector('.opblock-tag-section', { timeout: 15_000 })
  const operations = await page.locator('.opblock').count()
  const server = await page.locator('.servers select option').first().textContent()
  console.log(`${operations} operations rendered; server: ${server ?? '(none)'}`)
  if (operations < 50) problems.push(`only ${operations} operations rendered`)
  if (!server?.includes(origin)) problems.push(`the server list names ${server}, not ${origin}`)
} finally {
  await browser.close()
  await app.close()
  await database.close()
}

for (const problem of problems) console.error(problem)
console.log(problems.length === 0 ? 'the docs page renders without errors' : `${problems.length} problem(s)`)
process.exitCode = problems.length === 0 ? 0 : 1
