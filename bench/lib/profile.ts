import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

// Where the API process spends its CPU: a summary of the V8 CPU profile (node --cpu-prof) the
// server writes on exit, by package and by function (self time). A frame in the bundle (dist/) is
// read back through its source map, so it is named by its source file and line, as under tsx.

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number }
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] }
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
  // drizzle-orm's published source maps name its repository's src/, which the bundle's map then
  // places at node_modules/src/: no other package does that.
  if (module) return module[1] === 'src' ? 'drizzle-orm' : module[1]!
  if (url.startsWith('node:')) return 'node internals'
  const own = /\/(src|bench)\/(.*)$/.exec(url)
  return own ? `${own[1]}/${own[2]!.split('/')[0]}` : url
}

const sourceMaps = new Map<string, SourceMap | undefined>()

/** The frame's place in its source, through the bundle's source map; the frame itself otherwise. */
function originalFrame(frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://')) return frame
  let map = sourceMaps.get(frame.url)
  if (!sourceMaps.has(frame.url)) {
    const mapFile = `${fileURLToPath(frame.url)}.map`
    map = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : undefined
    sourceMaps.set(frame.url, map)
  }
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber)
  if (!entry || !('originalSource' in entry)) return frame
  return { ...frame, url: entry.originalSource, lineNumber: entry.originalLine }
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
    const callFrame = originalFrame(byId.get(id)!.callFrame)
    if (callFrame.functionName === '(idle)') continue
    total += micros
    const name = packageOf(callFrame.url, callFrame.functionName)
    packages.set(name, (packages.get(name) ?? 0) + micros)
    const file = /\/((?:src|bench)\/.*)$/.exec(callFrame.url)?.[1] ?? name
    const label = `${callFrame.functionName || '(anonymous)'} ${file}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`
    functions.set(label, (functions.get(label) ?? 0) + micros)
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: Math.round((micros / total) * 1000) / 10 }))
  return { file, sampledMs: Math.round(total / 1000), byPackage: ranked(packages), topFunctions: ranked(functions) }
}
