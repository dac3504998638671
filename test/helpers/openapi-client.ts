import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

// What an integrator does with openapi/openapi.json: generate TypeScript types with
// openapi-typescript and call the API through openapi-fetch. The client program below is written
// to a temporary directory next to the generated types, type-checked there with tsc, and then
// imported and run against a live server by test/openapi.test.ts.

const run = promisify(execFile)
const projectRoot = path.resolve(import.meta.dirname, '../..')
const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name)

/** The client program. It only knows the API through the generated `paths` type. */
const clientProgram = `import createClient from 'openapi-fetch'
import type { components, paths } from './api.js'

// Bodies, vocabularies and responses have names of their own (no hand-written types).
type Schemas = components['schemas']

export type Scenario = Awaited<ReturnType<typeof runScenario>>

/**
 * The operator registers an organisation; the organisation (with a key the operator issued it,
 * which keyFor stands in for) lists a technology, publishes it, and anyone finds it by search.
 */
export async function runScenario(
  baseUrl: string,
  operatorKey: string,
  keyFor: (organizationId: string) => Promise<string>,
  searchWord: string,
) {
  const operator = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${operatorKey}\` } })
  const kind: Schemas['OrganizationKind'] = 'research_institute'
  const newOrganization: Schemas['CreateOrganizationRequest'] = { kind, name: 'Viện Công nghệ sinh học thử nghiệm', provinceCode: '01' }
  const organization = await operator.POST('/v1/organizations', { body: newOrganization })
  if (!organization.data) throw new Error(\`createOrganization: \${organization.response.status} \${JSON.stringify(organization.error)}\`)

  const member = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${await keyFor(organization.data.id)}\` } })
  const newListing: Schemas['CreateListingRequest'] = {
    kind: 'technology' satisfies Schemas['ListingKind'],
    titleVi: \`Quy trình \${searchWord} sản xuất phân bón hữu cơ vi sinh\`,
    descriptionVi: 'Quy trình ủ phân hữu cơ từ phụ phẩm nông nghiệp bằng chế phẩm vi sinh, quy mô hộ gia đình.',
  }
  const created = await member.POST('/v1/listings', { body: newListing })
  if (!created.data) throw new Error(\`createListing: \${created.response.status} \${JSON.stringify(created.error)}\`)

  const published = await member.POST('/v1/listings/{id}/publish', {
    params: { path: { id: created.data.id } },
  })
  if (!published.data) throw new Error(\`publishListing: \${published.response.status} \${JSON.stringify(published.error)}\`)

  // Public reads need no key.
  const anonymous = createClient<paths>({ baseUrl })
  const search = await anonymous.GET('/v1/listings', { params: { query: { q: searchWord } } })
  if (!search.data) throw new Error(\`searchListings: \${search.response.status} \${JSON.stringify(search.error)}\`)

  const missing = await anonymous.GET('/v1/listings/{id}', {
    params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
  })

  return {
    organization: { status: organization.response.status, id: organization.data.id },
    created: { status: created.response.status, id: created.data.id, state: created.data.status, owner: created.data.owner.id },
    published: { status: published.response.status, state: published.data.status },
    search: { status: search.response.status, ids: search.data.items.map((item) => item.id) },
    missing: { status: missing.response.status, code: missing.error?.code },
  }
}

// Never called: proves the generated types constrain requests. If the types were loose (any),
// these @ts-expect-error lines would themselves be errors and the type-check would fail.
export function typeErrors(client: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error an unknown path
  void client.GET('/v1/no-such-path')
  // @ts-expect-error a listing needs titleVi
  void client.POST('/v1/listings', { body: { kind: 'technology', descriptionVi: 'x' } })
  // @ts-expect-error getListing needs the id path parameter
  void client.GET('/v1/listings/{id}', {})
  // @ts-expect-error a vocabulary's type holds only its codes
  const kind: components['schemas']['ListingKind'] = 'machine'
  void kind
}
`

const tsconfig = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: [],
  },
  include: ['*.ts'],
}

export type GeneratedClient = {
  dir: string
  /** Absolute path of the client program, for a dynamic import(). */
  programFile: string
  cleanup: () => void
}

/**
 * Generates types from `documentFile` into a fresh temporary directory, writes the client program
 * beside them and type-checks both with tsc. Throws with the tool's output when a step fails.
 */
export async function generateClient(documentFile: string): Promise<GeneratedClient> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tech-exchange-client-'))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    // The program resolves openapi-fetch (and tsc its types) from the project's node_modules.
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module", "private": true }\n')
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    const programFile = path.join(dir, 'client.ts')
    writeFileSync(programFile, clientProgram)
    await step(bin('openapi-typescript'), [documentFile, '--output', path.join(dir, 'api.d.ts')], dir)
    await step(bin('tsc'), ['--project', path.join(dir, 'tsconfig.json')], dir)
    return { dir, programFile, cleanup }
  } catch (error) {
    cleanup()
    throw error
  }
}

async function step(file: string, args: string[], cwd: string) {
  try {
    await run(file, args, { cwd, timeout: 120_000 })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`${path.basename(file)} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error })
  }
}
