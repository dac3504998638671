import { sql } from 'drizzle-orm'
import { bigint, boolean, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { id } from './columns.ts'
import { organizations } from './organizations.ts'

/** The records a file can belong to; what each allows is in src/modules/files/files.subjects.ts. */
export const fileSubjectTypes = ['listing', 'demand', 'deal', 'task', 'exchange_event', 'success_story'] as const
export type FileSubjectType = (typeof fileSubjectTypes)[number]

/**
 * A stored file (an attachment): its bytes live in the file store (a local directory or an S3
 * bucket, under `storage_key`), its facts here. A row is `pending` while its bytes are being
 * written and `stored` once they are; `removing` while they are being deleted. A crash at any
 * step leaves a pending or removing row, which the file sweep finishes (deletes the bytes, then
 * the row): the store never holds bytes no row names for longer than the sweep's period.
 */
export const files = pgTable(
  'files',
  {
    id: id(),
    subjectType: text('subject_type').$type<FileSubjectType>().notNull(),
    // No foreign key: the subject is one of several tables. A subject that goes away takes its
    // files with it through the retention sweep, not through a cascade.
    subjectId: uuid('subject_id').notNull(),
    // For deal files: the milestone (by its id in the deal's milestones) the file is evidence for.
    milestoneId: uuid('milestone_id'),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    // The deal stage from which those who do not act for the owner may read it (null: whoever sees the record).
    revealedAt: text('revealed_at'),
    storageKey: text('storage_key').notNull(),
    hasThumbnail: boolean('has_thumbnail').notNull().default(false),
    status: text('status').$type<'pending' | 'stored' | 'removing'>().notNull().default('pending'),
    uploadedByOrganizationId: uuid('uploaded_by_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    storedAt: timestamp('stored_at', { withTimezone: true, mode: 'date' }),
    // When a listing was withdrawn or a demand closed: set by triggers on those tables (migration
    // 0052), so the retention sweep reads the files due for removal from one index, however many
    // files and retired records the exchange holds.
    subjectRetiredAt: timestamp('subject_retired_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('files_subject_idx').on(table.subjectType, table.subjectId, table.createdAt),
    // The sweep's work: rows a crash left half-way.
    index('files_unfinished_idx')
      .on(table.createdAt)
      .where(sql`${table.status} <> 'stored'`),
    // The retention sweep's work: stored files of retired records, oldest retirement first.
    index('files_retired_idx')
      .on(table.subjectRetiredAt)
      .where(sql`${table.status} = 'stored' and ${table.subjectRetiredAt} is not null`),
    check('files_subject_type_check', sql`${table.subjectType} in ('listing', 'demand', 'deal', 'task', 'exchange_event', 'success_story')`),
    check('files_status_check', sql`${table.status} in ('pending', 'stored', 'removing')`),
    check('files_size_check', sql`${table.sizeBytes} >= 0`),
  ],
)
