import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Db } from './client.ts'
import { sharedSecrets } from './schema/index.ts'

/**
 * The secret named `name`, 32 random bytes made by whichever process asks first. Two processes
 * starting at once both insert; the primary key keeps the first, and each then reads that one (a
 * second statement, so it sees the row the other committed).
 */
export async function sharedSecret(db: Db, name: string): Promise<Buffer> {
  await db
    .insert(sharedSecrets)
    .values({ name, value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing()
  const [row] = await db.select({ value: sharedSecrets.value }).from(sharedSecrets).where(eq(sharedSecrets.name, name))
  return Buffer.from(row!.value, 'base64url')
}
