import { readFileSync, readdirSync } from 'node:fs'
import { cpus } from 'node:os'

// Where the CPU time goes during a run, from /proc: the API's node process, the PostgreSQL processes
// serving the bench database (plus the server's own background processes), the load generator, and
// everything else on the machine (anything above zero there disturbed the measurement).

const ticksPerSecond = 100 // getconf CLK_TCK on Linux

function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined // the process has exited
  }
}

const processTicks = (pid: number) => {
  const fields = statFields(pid)
  return fields ? Number(fields[11]) + Number(fields[12]) : 0 // utime + stime
}

/** This process and its exited children (pgbench, once reaped, lands in cutime + cstime). */
const selfAndChildrenTicks = () => {
  const fields = statFields('self')!
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
}

// "postgres: [cluster_name: ]user database host(port) activity" (Debian sets cluster_name 15/main).
const clientBackend = /^postgres: (?:\S+: )?\S+ (\S+) (?:\[local\]|\S+\(\d+\))/

/** CPU ticks of postgres processes, per pid, leaving out backends of other databases. */
function postgresTicks(database: string): Map<number, number> {
  const ticks = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      const backend = clientBackend.exec(command)
      if (backend && backend[1] !== database) continue
      ticks.set(Number(entry), processTicks(Number(entry)))
    } catch {
      // gone between readdir and read
    }
  }
  return ticks
}

function machineTicks(): { busy: number; total: number } {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n')
  const values = cpu!.trim().split(/\s+/).slice(1, 9).map(Number)
  const idle = values[3]! + values[4]! // idle + iowait
  const total = values.reduce((sum, value) => sum + value, 0)
  return { busy: total - idle, total }
}

export type CpuSplit = { seconds: number; apiNode: number; postgres: number; loadGenerator: number; other: number; idle: number }

/**
 * Starts counting; `stop` returns each party's use in cores (1.0 = one core busy all the time).
 * The load generator is this process (autocannon) plus the children that exited meanwhile (pgbench).
 * PostgreSQL backends are sampled twice a second: pgbench's exit with it, and an exited process's
 * time can no longer be read, so the last sample stands for it.
 */
export function startCpuAccounting(options: { database: string; apiPid?: number }) {
  const started = performance.now()
  const machine = machineTicks()
  const initial = postgresTicks(options.database)
  const latest = new Map(initial)
  const sample = () => {
    for (const [pid, ticks] of postgresTicks(options.database)) latest.set(pid, ticks)
  }
  const timer = setInterval(sample, 500)
  const api = options.apiPid ? processTicks(options.apiPid) : 0
  const self = selfAndChildrenTicks()
  return {
    stop(): CpuSplit {
      clearInterval(timer)
      sample()
      const seconds = (performance.now() - started) / 1000
      const machineNow = machineTicks()
      let postgresUsed = 0
      for (const [pid, ticks] of latest) postgresUsed += ticks - (initial.get(pid) ?? 0)
      const apiUsed = options.apiPid ? processTicks(options.apiPid) - api : 0
      const loadUsed = selfAndChildrenTicks() - self
      const cores = (ticks: number) => Math.round((ticks / ticksPerSecond / seconds) * 100) / 100
      const busy = machineNow.busy - machine.busy
      const total = machineNow.total - machine.total
      return {
        seconds: Math.round(seconds * 10) / 10,
        apiNode: cores(apiUsed),
        postgres: cores(postgresUsed),
        loadGenerator: cores(loadUsed),
        other: cores(Math.max(0, busy - apiUsed - postgresUsed - loadUsed)),
        idle: cores(total - busy),
      }
    },
  }
}

/**
 * Waits (up to `maxSeconds`) until the machine is nearly idle: under 0.25 of a core busy over two
 * seconds. Other work on the two cores (a test suite, another benchmark) would skew the numbers.
 * Returns the cores that were still busy when it gave up waiting, or 0.
 */
export async function waitForQuietMachine(maxSeconds: number, log: (line: string) => void): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000
  let warned = false
  for (;;) {
    const before = machineTicks()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const after = machineTicks()
    const busyCores = ((after.busy - before.busy) / (after.total - before.total)) * cpus().length
    if (busyCores < 0.25) return 0
    if (Date.now() > deadline) return Math.round(busyCores * 100) / 100
    if (!warned) log(`  waiting for the machine to go quiet (${busyCores.toFixed(2)} cores busy with other work)...`)
    warned = true
  }
}
