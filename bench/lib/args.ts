import { parseArgs } from 'node:util'

// Command-line flags: every flag has a default, numbers are checked.

export type FlagSpec = Record<string, { default: string; help: string }>

export function readFlags<S extends FlagSpec>(spec: S, usage: string): { [K in keyof S]: string } {
  const { values } = parseArgs({
    options: { ...Object.fromEntries(Object.keys(spec).map((name) => [name, { type: 'string' as const }])), help: { type: 'boolean' as const } },
    allowPositionals: false,
  })
  if (values.help) {
    console.log(`${usage}\n\nFlags:`)
    for (const [name, flag] of Object.entries(spec)) console.log(`  --${name.padEnd(18)} ${flag.help} (default ${flag.default || 'none'})`)
    process.exit(0)
  }
  const given = values as Record<string, string | boolean | undefined>
  return Object.fromEntries(Object.entries(spec).map(([name, flag]) => [name, (given[name] as string | undefined) ?? flag.default])) as {
    [K in keyof S]: string
  }
}

export function integerFlag(name: string, value: string, minimum = 0): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < minimum) throw new Error(`--${name} must be an integer >= ${minimum}, got "${value}"`)
  return number
}
