import type pg from 'pg'

// create-listing adds a draft listing (and an audit event) per request, through the API and through
// pgbench alike; pgbench's copies carry the captured values, not ids the audit trail could find. So
// what goes is every draft of the editor key's organisation created since the run started (and not
// after now): generated rows are dated before the start of their anchor day.

export async function removeCreatedListings(client: pg.ClientBase, ownerId: string, since: Date): Promise<number> {
  const { rowCount } = await client.query(`delete from listings where owner_id = $1 and status = 'draft' and created_at >= $2 and created_at <= now()`, [
    ownerId,
    since,
  ])
  await client.query(
    `delete from audit_events where operation = 'listing.create' and owning_organization_id = $1 and occurred_at >= $2 and occurred_at <= now()`,
    [ownerId, since],
  )
  await client.query('vacuum (analyze) listings, audit_events')
  return rowCount ?? 0
}
