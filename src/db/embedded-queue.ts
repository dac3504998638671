import type { PGlite } from '@electric-sql/pglite'

type Pending = {
  handlerId: number
  message: Uint8Array
  onData: (data: Uint8Array) => void
  resolve: (bytes: number) => void
  reject: (error: unknown) => void
}

/**
 * Shares PGlite's single backend among many client connections.
 *
 * pglite-socket 0.2.17's own queue hands the backend to whichever connection's next protocol
 * message is first in line. With the extended protocol a query is several messages (Parse, Bind,
 * Execute, Sync), so two connections' messages interleave and one Bind meets the other's Parse
 * ("unnamed prepared statement does not exist"). Here a connection owns the backend from its first
 * message until the backend answers ReadyForQuery with status Idle: the end of a query outside a
 * transaction, or the end of a whole transaction. Others wait their turn.
 *
 * Implements the interface PGLiteSocketHandler expects of its `queryQueue`.
 */
export class ConnectionSerialQueue {
  private queue: Pending[] = []
  private owner: number | null = null
  private processing = false

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject })
      void this.process()
    })
  }

  getQueueLength(): number {
    return this.queue.length
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((pending) => {
      if (pending.handlerId !== handlerId) return true
      pending.reject(new Error('Handler disconnected'))
      return false
    })
  }

  /** A connection that closes while owning the backend must not leave a transaction open. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK')
    this.owner = null
    void this.process()
  }

  private next(): Pending | undefined {
    if (this.owner === null) return this.queue.shift()
    const index = this.queue.findIndex((pending) => pending.handlerId === this.owner)
    return index === -1 ? undefined : this.queue.splice(index, 1)[0]
  }

  private async process(): Promise<void> {
    if (this.processing) return
    this.processing = true
    try {
      for (let pending = this.next(); pending; pending = this.next()) {
        this.owner = pending.handlerId
        let bytes = 0
        let tail: Uint8Array = new Uint8Array(0)
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(pending!.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length
                tail = lastBytes(tail, data, 6)
                pending!.onData(data)
              },
            }),
          )
        } catch (error) {
          this.owner = null
          pending.reject(error)
          continue
        }
        if (endsWithIdleReadyForQuery(tail)) this.owner = null
        pending.resolve(bytes)
      }
    } finally {
      this.processing = false
    }
  }
}

function lastBytes(previous: Uint8Array, data: Uint8Array, count: number): Uint8Array {
  if (data.length >= count) return data.slice(data.length - count)
  const joined = new Uint8Array(previous.length + data.length)
  joined.set(previous)
  joined.set(data, previous.length)
  return joined.slice(Math.max(0, joined.length - count))
}

// ReadyForQuery: 'Z', int32 length 5, status byte 'I' (idle), 'T' (in transaction) or 'E' (failed).
function endsWithIdleReadyForQuery(tail: Uint8Array): boolean {
  return tail.length === 6 && tail[0] === 0x5a && tail[1] === 0 && tail[2] === 0 && tail[3] === 0 && tail[4] === 5 && tail[5] === 0x49
}
