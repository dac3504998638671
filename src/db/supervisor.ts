// Keeps one process alive the way Erlang/OTP supervisors and PostgreSQL's postmaster do: restart it
// when it dies, but at most `maxRestarts` times within `periodMs`. One death more means something
// a restart does not fix (a corrupt data directory, a full disk, a crash on every start): then the
// supervisor gives up and says so through `failed`, and its owner exits non-zero so that the next
// supervisor up (Docker's restart policy, systemd) starts everything afresh and someone notices.
// Nothing here knows about PGlite: it supervises anything that can report its exit and be stopped.

export type Exit = { code: number | null; signal: NodeJS.Signals | null }

export type Supervisable = {
  /** Settles when the process has exited, for whatever reason. */
  exited: Promise<Exit>
  stop: () => Promise<void>
}

/** running; restarting after it died; failed once the supervisor gave up; stopped on request. */
export type SupervisedState = 'running' | 'restarting' | 'failed' | 'stopped'

export type RestartPolicy = { maxRestarts: number; periodMs: number }

export type SupervisorLog = {
  info: (details: object, message: string) => void
  error: (details: object, message: string) => void
}

export type Supervisor<T> = {
  readonly state: SupervisedState
  /** The live instance; undefined while restarting, after giving up or after stop(). */
  readonly current: T | undefined
  /** Settles, with the reason, only if the supervisor gives up. */
  failed: Promise<Error>
  stop: () => Promise<void>
}

export type SuperviseOptions<T> = {
  /** For log lines: 'embedded database'. */
  name: string
  /** Starts a fresh instance; undefined when a restart cannot bring back what died (an in-memory database). */
  restart: (() => Promise<T>) | undefined
  policy: RestartPolicy
  log?: SupervisorLog
}

export function supervise<T extends Supervisable>(first: T, options: SuperviseOptions<T>): Supervisor<T> {
  const { name, policy, log } = options
  let state: SupervisedState = 'running'
  let current: T | undefined = first
  let recovering: Promise<void> | undefined
  const restartedAt: number[] = []
  // A function, not a comparison TypeScript narrows: stop() may change the state across an await.
  const stopped = () => state === 'stopped'
  let giveUp!: (reason: Error) => void
  const failed = new Promise<Error>((resolve) => (giveUp = resolve))

  const watch = (instance: T) => {
    void instance.exited.then((exit) => {
      if (stopped() || instance !== current) return
      current = undefined
      state = 'restarting'
      const reason = `${name} exited unexpectedly (${exit.signal ?? `code ${exit.code}`})`
      log?.error({ exitCode: exit.code, signal: exit.signal }, reason)
      recovering = recover(reason)
    })
  }

  const fail = (reason: string) => {
    state = 'failed'
    log?.error({}, `${name}: giving up: ${reason}`)
    giveUp(new Error(reason))
  }

  const recover = async (reason: string): Promise<void> => {
    const restart = options.restart
    if (!restart) return fail(`${reason}, and what it held cannot be restarted`)
    for (;;) {
      if (stopped()) return
      const now = Date.now()
      while (now - (restartedAt[0] ?? now) > policy.periodMs) restartedAt.shift()
      if (restartedAt.length >= policy.maxRestarts) {
        return fail(`${reason}, after ${restartedAt.length} restart(s) within ${Math.round(policy.periodMs / 1000)} s`)
      }
      restartedAt.push(now)
      try {
        const instance = await restart()
        if (stopped()) return await instance.stop()
        current = instance
        state = 'running'
        watch(instance)
        log?.info({ restartMs: Date.now() - now, recentRestarts: restartedAt.length }, `${name} restarted`)
        return
      } catch (error) {
        log?.error({ err: error }, `${name} did not restart`)
        reason = `${name} did not restart: ${error instanceof Error ? error.message : String(error)}`
      }
    }
  }

  watch(first)
  return {
    get state() {
      return state
    },
    get current() {
      return current
    },
    failed,
    stop: async () => {
      state = 'stopped'
      // A restart under way finishes first (and stops what it started), so nothing outlives stop().
      await recovering
      const instance = current
      current = undefined
      await instance?.stop()
    },
  }
}
