import { asc, eq, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../db/client.ts'
import { migrateDatabase } from '../migrate.ts'
import { organizations } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import { findKey } from '../modules/api-keys/api-keys.repo.ts'
import { toApiKey } from '../modules/api-keys/api-keys.service.ts'
import { createApiKey, type CreatedKey } from '../core/keys.ts'
import { roles, type Role } from '../core/actor.ts'
import { recordAudit } from '../core/audit.ts'
import { organizationFields } from '../modules/organizations/organizations.view.ts'
import { CliError, parseCommandArgs, UsageError, withDatabase, type CommandGroup, type Io } from './command.ts'

export const defaultOperatorName = 'Sàn giao dịch công nghệ'

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const maxExpiryDays = 3650

export type KeyOptions = { label?: string; expiresInDays?: number }

const expiryFrom = (clock: Clock, days?: number) => (days === undefined ? undefined : new Date(clock.now().getTime() + days * 86_400_000))

/**
 * Records a key made from the command line, as the API records one (its API shape, never the
 * secret). No API key acted (actor null): the trail shows it came from someone with access to the server.
 */
async function auditKeyCreated(tx: DbOrTx, clock: Clock, created: CreatedKey) {
  const now = clock.now()
  await recordAudit(tx, {
    actor: null,
    owningOrganizationId: created.organizationId,
    operation: 'api_key.create',
    targetType: 'api_key',
    targetId: created.id,
    after: toApiKey((await findKey(tx, created.id))!, now),
    occurredAt: now,
  })
}

/** Prints a new key. The secret is shown here once: only its hash is stored. */
function printKey(io: Io, created: CreatedKey, organization: { name: string; kind: string }, expiresAt?: Date) {
  io.out(`Created an API key for ${organization.name} (${organization.kind}, ${created.organizationId}).`)
  io.out(`  key id:   ${created.id}`)
  io.out(`  role:     ${created.role}`)
  io.out(`  expires:  ${expiresAt ? expiresAt.toISOString() : 'never'}`)
  io.out('')
  io.out(`  ${created.key}`)
  io.out('')
  io.out('Copy this key now: it is shown only this once. The exchange stores only a hash of it and cannot show it again;')
  io.out('a lost key cannot be recovered, only replaced. Send it as "Authorization: Bearer <key>".')
}

/** `keys create --org`: a key for an organisation that exists. */
export async function createOrganizationKey(db: Db, clock: Clock, io: Io, options: KeyOptions & { organizationId: string; role: Role }): Promise<CreatedKey> {
  const [organization] = await db
    .select({ name: organizations.name, kind: organizations.kind, mergedIntoId: organizations.mergedIntoId })
    .from(organizations)
    .where(eq(organizations.id, options.organizationId))
  if (!organization) throw new CliError(`No organisation has id ${options.organizationId}.`)
  // A merged organisation no longer acts: its successor's keys manage what it left.
  if (organization.mergedIntoId) {
    throw new CliError(`${organization.name} was merged into ${organization.mergedIntoId}; create the key for that organisation.`)
  }
  // An operator key may do anything on the exchange: it belongs to the operator organisation only.
  if (options.role === 'operator' && organization.kind !== 'exchange_operator') {
    throw new CliError(`The operator role is reserved for the exchange operator; ${organization.name} is a ${organization.kind}.`)
  }
  const expiresAt = expiryFrom(clock, options.expiresInDays)
  // The key and its audit event commit together or not at all.
  const created = await db.transaction(async (tx) => {
    const key = await createApiKey(tx, { organizationId: options.organizationId, role: options.role, label: options.label, expiresAt })
    await auditKeyCreated(tx, clock, key)
    return key
  })
  printKey(io, created, organization, expiresAt)
  return created
}

/**
 * `keys create --operator`: the bootstrap of a fresh install. Creates the exchange operator
 * organisation unless one exists (then it is reused) and gives it an operator key.
 */
export async function createOperatorKey(
  db: Db,
  clock: Clock,
  io: Io,
  options: KeyOptions & { name?: string } = {},
): Promise<CreatedKey & { organizationCreated: boolean }> {
  const expiresAt = expiryFrom(clock, options.expiresInDays)
  const result = await db.transaction(async (tx) => {
    // Two bootstraps at once must not create two operators: serialise them.
    await tx.execute(sql`select pg_advisory_xact_lock(727275)`)
    const [existing] = await tx
      .select({ id: organizations.id, name: organizations.name })
      .from(organizations)
      .where(eq(organizations.kind, 'exchange_operator'))
      .orderBy(asc(organizations.createdAt), asc(organizations.id))
      .limit(1)
    let organization = existing
    if (!organization) {
      const [row] = await tx
        .insert(organizations)
        .values({ kind: 'exchange_operator', name: options.name ?? defaultOperatorName })
        .returning()
      // The command line has no EXCHANGE_ID: the trail keeps the fields; provenance is derived from them.
      const operator = organizationFields(row!)
      await recordAudit(tx, {
        actor: null,
        owningOrganizationId: operator.id,
        operation: 'organization.create',
        targetType: 'organization',
        targetId: operator.id,
        after: operator,
        occurredAt: clock.now(),
      })
      organization = { id: operator.id, name: operator.name }
    }
    const created = await createApiKey(tx, { organizationId: organization.id, role: 'operator', label: options.label, expiresAt })
    await auditKeyCreated(tx, clock, created)
    return { created, organization, organizationCreated: !existing }
  })
  if (result.organizationCreated) {
    io.out(`Created the exchange operator organisation ${result.organization.name} (${result.organization.id}).`)
  } else {
    const ignored = options.name !== undefined && options.name !== result.organization.name ? '; --name was ignored' : ''
    io.out(`Using the existing exchange operator organisation ${result.organization.name} (${result.organization.id})${ignored}.`)
  }
  printKey(io, result.created, { name: result.organization.name, kind: 'exchange_operator' }, expiresAt)
  return { ...result.created, organizationCreated: result.organizationCreated }
}

function parseExpiry(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const days = Number(value)
  if (!/^[0-9]+$/.test(value) || days < 1 || days > maxExpiryDays) {
    throw new UsageError(`--expires-in-days must be a whole number of days from 1 to ${maxExpiryDays}, not "${value}".`)
  }
  return days
}

function parseRole(value: string | undefined): Role {
  if (value === undefined) return 'admin'
  if (!(roles as readonly string[]).includes(value)) throw new UsageError(`--role must be one of ${roles.join(', ')}, not "${value}".`)
  return value as Role
}

function parseLabel(value: string | undefined): string | undefined {
  if (value !== undefined && (value.trim() === '' || value.length > 200)) throw new UsageError('--label must be 1 to 200 characters.')
  return value
}

const createUsage = [
  'Usage: npm run cli -- keys create --org <uuid> [--role admin|editor|reader|operator] [--label <text>] [--expires-in-days <n>]',
  '       npm run cli -- keys create --operator [--name <text>] [--label <text>] [--expires-in-days <n>]',
  '',
  'Creates an API key and prints it once; only its hash is stored.',
  '',
  'Options:',
  '  --org <uuid>             the organisation the key acts for (it must exist)',
  '  --role <role>            admin (default), editor or reader; operator only for the exchange operator',
  '  --operator               bootstrap: create the exchange operator organisation if there is none',
  '                           (reuse it if there is) and an operator key for it',
  `  --name <text>            with --operator: the operator organisation's name (default "${defaultOperatorName}")`,
  '  --label <text>           a note to recognise the key by, e.g. "portal Nam Định"',
  `  --expires-in-days <n>    the key stops working after n days (1-${maxExpiryDays}); default: never`,
].join('\n')

export const keysCommand: CommandGroup = {
  summary: 'API keys (create)',
  subcommands: {
    create: {
      summary: 'Create an API key for an organisation, or bootstrap the exchange operator',
      usage: createUsage,
      run: async (args, context) => {
        const { values } = parseCommandArgs(args, {
          org: { type: 'string' },
          role: { type: 'string' },
          operator: { type: 'boolean' },
          name: { type: 'string' },
          label: { type: 'string' },
          'expires-in-days': { type: 'string' },
        })
        const common = { label: parseLabel(values.label), expiresInDays: parseExpiry(values['expires-in-days']) }
        if (values.operator) {
          if (values.org !== undefined || values.role !== undefined) throw new UsageError('--operator cannot be combined with --org or --role.')
          if (values.name !== undefined && (values.name.trim() === '' || values.name.length > 300)) throw new UsageError('--name must be 1 to 300 characters.')
          await withDatabase(context, async ({ database }) => {
            await migrateDatabase(database) // a fresh install: the server may never have run
            await createOperatorKey(database.db, context.clock, context.io, { ...common, name: values.name })
          })
          return
        }
        if (values.org === undefined) throw new UsageError('Say which organisation: --org <uuid>, or --operator to bootstrap the operator.')
        if (!uuidPattern.test(values.org)) throw new UsageError(`--org must be an organisation id (a UUID), not "${values.org}".`)
        if (values.name !== undefined) throw new UsageError('--name goes with --operator only.')
        const role = parseRole(values.role)
        await withDatabase(context, async ({ database }) => {
          await migrateDatabase(database)
          await createOrganizationKey(database.db, context.clock, context.io, { ...common, organizationId: values.org!, role })
        })
      },
    },
  },
}
