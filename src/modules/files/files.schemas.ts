import { Type, type Static } from 'typebox'
import { Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Nullable, Timestamp } from '../../http/fields.ts'
import { mainPath } from '../../core/disclosure.ts'
import { fileSubjectTypes } from '../../db/schema/files.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

/** What a file on each kind of record may be. */
export const fileKinds = {
  listing: ['dossier', 'photo', 'brochure', 'certificate', 'other'],
  demand: ['specification', 'photo', 'other'],
  deal: ['contract', 'evidence', 'other'],
  task: ['report', 'evidence', 'photo', 'other'],
  exchange_event: ['programme', 'photo', 'report', 'other'],
  success_story: ['photo', 'other'],
} as const satisfies Record<(typeof fileSubjectTypes)[number], readonly string[]>

export const allFileKinds = [...new Set(Object.values(fileKinds).flat())]

const SubjectType = Enum(fileSubjectTypes, {
  title: 'FileSubjectType',
  description: 'The kind of record the file belongs to: listing, demand, deal, task (a joint task), exchange_event or success_story',
})
const Kind = Enum(allFileKinds, {
  title: 'FileKind',
  description:
    'What the file is. On a listing: dossier (hồ sơ công nghệ), photo, brochure, certificate, other; on a demand: specification, photo, other; on a deal: contract, evidence, other; on a task: report, evidence, photo, other; on an exchange event: programme, photo, report, other; on a success story: photo, other. A photo must be an image',
})
const RevealedAt = Enum(mainPath, {
  title: 'FileRevealedAt',
  description:
    "Listings and demands only: the deal stage from which those who do not act for the record's owner may read the file (a seeker's deal on the listing, a provider's on the demand). Absent: whoever sees the record reads it",
})

export const FileSubjectQuery = Type.Object(
  {
    subjectType: SubjectType,
    subjectId: Uuid,
  },
  { additionalProperties: false },
)
export type FileSubjectQuery = Static<typeof FileSubjectQuery>

/** The form fields of an upload besides the file (multipart/form-data), as the service takes them. */
export const FileUploadFields = Type.Object(
  {
    subjectType: SubjectType,
    subjectId: Uuid,
    kind: Kind,
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'What the file shows or holds' })),
    revealedAt: Type.Optional(RevealedAt),
    milestoneId: Type.Optional({ ...Uuid, description: "Deals only: the milestone (an id from the deal's milestones) this file is evidence for" }),
    sha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-fA-F]{64}$',
        description: "The file's SHA-256 as 64 hex digits: if given, a file whose bytes do not match is refused (422 checksum_mismatch)",
      }),
    ),
  },
  { additionalProperties: false },
)
export type FileUploadFields = Static<typeof FileUploadFields>

/** The upload as OpenAPI documents it: the fields and the file itself. */
export const FileUploadForm = Type.Object(
  {
    ...FileUploadFields.properties,
    file: Type.String({
      format: 'binary',
      contentMediaType: 'application/octet-stream',
      description:
        "The file itself (one per request). Its type is decided by its bytes, not by its name or the Content-Type sent with it: PDF, JPEG, PNG, WebP, GIF, MP4, Word, Excel, PowerPoint (Office Open XML, OpenDocument, or 97–2003 .doc/.xls/.ppt), UTF-8 text or CSV. Its name (the part's filename) is kept, without folders",
    }),
  },
  { title: 'FileUploadForm', additionalProperties: false },
)

export const StoredFile = Type.Object(
  {
    id: Uuid,
    subject: Type.Object({ type: SubjectType, id: Uuid }, { title: 'FileSubject', additionalProperties: false }),
    kind: Kind,
    name: Type.String({ description: 'The name it was uploaded under, without folders' }),
    description: Nullable(Type.String()),
    contentType: Type.String({ description: 'Its type as its bytes show it' }),
    sizeBytes: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'The SHA-256 of its bytes, 64 hex digits: also the ETag of its content' }),
    revealedAt: Nullable(RevealedAt),
    milestoneId: Nullable(Uuid),
    contentUrl: Type.String({ description: 'Where to download it: GET with the same key' }),
    thumbnailUrl: Nullable(Type.String({ description: 'Images: a WebP thumbnail, at most 320 px on its longer side' })),
    createdAt: Timestamp,
  },
  { $id: 'StoredFile', additionalProperties: false },
)
export type StoredFile = Static<typeof StoredFile>

export const FileList = Type.Object(
  {
    items: Type.Array(ref(StoredFile), { description: 'The files the caller may read, oldest first' }),
    withheld: Type.Array(
      Type.Object(
        {
          kind: Kind,
          revealedAt: RevealedAt,
          count: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false },
      ),
      {
        description:
          "Files the caller may not read yet, by kind and the deal stage that reveals them: a seeker learns that a dossier comes with agreement, without its name or size. Empty for those who act for the record's owner",
      },
    ),
  },
  { $id: 'FileList', additionalProperties: false },
)
export type FileList = Static<typeof FileList>

export const fileSchemas = [StoredFile, FileList]
