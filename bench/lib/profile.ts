import { readFileSync, readdirSync, statSync } from 'node:fs'

// Where the API process spends its CPU: a summary of the V8 CPU profile (node --cpu-prof) the
// server writes on exit, by package and by function (self time).

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export type ProfileSummary = {
  file: string
  sampledMs: number
  byPackage: { name: string; percent: number }[]
  topFunctions: { name: string; percent: number }[]
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (module) return module[1]!
  if (url.startsWith('node:')) return 'node internals'
  const own = /\/(src|bench)\/(.*)$/.exec(url)
  return own ? `${own[1]}/${own[2]!.split('/')[0]}` : url
}

/** The main thread's profile of the newest run: node writes one per thread (tsx's loader has its own). */
export function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))
  const newest = files.sort((a, b) => statSync(`${dir}/${b}`).mtimeMs - statSync(`${dir}/${a}`).mtimeMs)[0]
  const pid = newest && /^CPU\.\d+\.\d+\.(\d+)\./.exec(newest)?.[1]
  const ofRun = files.filter((name) => name.split('.')[3] === pid)
  ofRun.sort((a, b) => statSync(`${dir}/${b}`).size - statSync(`${dir}/${a}`).size)
  return ofRun[0] && `${dir}/${ofRun[0]}`
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
  let total = 0
  const packages = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)!
    if (callFrame.functionName === '(idle)') continue
    total += micros
    const name = packageOf(callFrame.url, callFrame.functionName)
    packages.set(name, (packages.get(name) ?? 0) + micros)
    const label = `${callFrame.functionName || '(anonymous)'} ${name}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`
    functions.set(label, (functions.get(label) ?? 0) + micros)
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: Math.round((micros / total) * 1000) / 10 }))
  return { file, sampledMs: Math.round(total / 1000), byPackage: ranked(packages), topFunctions: ranked(functions) }
}
