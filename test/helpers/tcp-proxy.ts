import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy in front of the test database, to take the database away from an app and give it back:
 * down() refuses new connections and breaks the open ones, as a database server that dies would;
 * hold() stops passing on what clients send, so a statement is caught in flight when down() follows.
 */
export async function startTcpProxy(targetUrl: string) {
  const target = new URL(targetUrl)
  const sockets = new Set<Socket>()
  const clients = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  const up = async () => {
    const listening = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname)
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      clients.add(client)
      client.on('close', () => clients.delete(client))
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject)
      listening.listen(port, '127.0.0.1', resolve)
    })
    port = (listening.address() as AddressInfo).port
    server = listening
  }
  const down = async () => {
    const closing = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    if (closing) await new Promise((resolve) => closing.close(resolve))
  }

  const hold = () => {
    for (const client of clients) {
      client.unpipe()
      client.pause()
    }
  }

  await up()
  const url = new URL(targetUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return { url: url.toString(), up, down, hold }
}
