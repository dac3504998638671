import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import path from 'node:path'
import { parse } from 'pg-connection-string'

/**
 * A TCP proxy in front of the test database, to take the database away from an app and give it back:
 * down() refuses new connections and breaks the open ones, as a database server that dies would;
 * hold() stops passing on what clients send, so a statement is caught in flight when down() follows.
 * The database may listen on TCP or on a Unix socket (the embedded one does); the proxy is on TCP.
 */
export async function startTcpProxy(targetUrl: string) {
  const target = parse(targetUrl)
  const targetPort = Number(target.port || 5432)
  const onSocket = target.host?.startsWith('/') ?? false
  const connectUpstream = () => (onSocket ? connect(path.join(target.host!, `.s.PGSQL.${targetPort}`)) : connect(targetPort, target.host ?? '127.0.0.1'))
  const sockets = new Set<Socket>()
  const clients = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  const up = async () => {
    const listening = createServer((client) => {
      const upstream = connectUpstream()
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
  const credentials = target.user ? `${encodeURIComponent(target.user)}${target.password ? `:${encodeURIComponent(target.password)}` : ''}@` : ''
  return { url: `postgresql://${credentials}127.0.0.1:${port}/${target.database ?? ''}`, up, down, hold }
}
