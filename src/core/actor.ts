// The caller, as every service operation sees it. Part of the shared core (issue 17): the domain
// modules depend on it, and it depends on none of them.

export const roles = ['operator', 'admin', 'editor', 'reader'] as const
export type Role = (typeof roles)[number]

/** What a key stands for. */
export type KeyIdentity = {
  keyId: string
  organizationId: string
  organizationKind: string
  role: Role
  /** The key's last write, recorded only when read replicas are configured (src/http/replica-reads.ts). */
  lastWriteAt?: Date | null
}

/** Who is calling: every service operation takes one, so finer rules can be added in one place. */
export type Actor = KeyIdentity & {
  /** The request the call belongs to, recorded in the audit trail. */
  requestId: string
}
