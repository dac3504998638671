import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { parse, parseAllDocuments } from 'yaml'
import { ConfigMap, Service } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { loadConfig } from '../src/config.ts'

// The deployment files (docker-compose.yml, deploy/kubernetes/) are checked like code: the manifests
// against Kubernetes' API schemas (kubernetes-models: types and required fields), and both for the
// rules the API itself imposes: API replicas leave the jobs to the worker, every setting is one the
// server accepts, and the orchestrators' grace periods outlast the server's own.

const models = { ConfigMap, Service, Deployment, PodDisruptionBudget }
const manifestsDir = 'deploy/kubernetes'
const manifests = readdirSync(manifestsDir)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(path.join(manifestsDir, file), 'utf8')).map((document) => ({ file, object: document.toJSON() })))

type Manifest = { kind: keyof typeof models; metadata: { name: string }; data?: Record<string, string>; spec?: DeploymentSpec }
type Container = { env?: { name: string; value?: string }[] }
type DeploymentSpec = { template: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } } }

t.test('every Kubernetes manifest is valid against its schema', async (t) => {
  t.ok(manifests.length >= 5, `${manifests.length} manifests`)
  for (const { file, object } of manifests as { file: string; object: Manifest }[]) {
    const Model = models[object.kind]
    t.ok(Model, `${file}: ${object.kind} is a kind this test knows`)
    t.doesNotThrow(() => new Model(object as never).validate(), `${file}: ${object.kind} ${object.metadata.name}`)
  }
  // The check can fail: a manifest with a wrong type is refused.
  t.throws(() =>
    new Deployment({ metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: { spec: { containers: [] } } } } as never).validate(),
  )
})

t.test('the manifests set only settings the server accepts, and give it time to shut down', async (t) => {
  const all = manifests.map(({ object }) => object as Manifest)
  const configMap = all.find((object) => object.kind === 'ConfigMap')!
  const config = loadConfig({ ...configMap.data })
  for (const deployment of all.filter((object) => object.kind === 'Deployment')) {
    const spec = deployment.spec!.template.spec
    const env = Object.fromEntries((spec.containers[0]!.env ?? []).filter((entry) => entry.value !== undefined).map((entry) => [entry.name, entry.value!]))
    loadConfig({ ...configMap.data, ...env })
    t.ok(spec.terminationGracePeriodSeconds! > config.SHUTDOWN_GRACE_SECONDS, `${deployment.metadata.name}: the kubelet waits longer than the server's grace`)
    t.equal(env.JOBS_WORKER, deployment.metadata.name.endsWith('-worker') ? 'true' : 'false', `${deployment.metadata.name}: JOBS_WORKER`)
  }
})

t.test('docker-compose.yml: API replicas behind one port leave the jobs to one worker', async (t) => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; ports?: string[]; stop_grace_period?: string; deploy?: { replicas: string } }>
  }
  const { api, worker, proxy } = compose.services
  t.equal(api!.environment!.JOBS_WORKER, 'false')
  t.equal(worker!.environment!.JOBS_WORKER, 'true')
  t.same(api!.ports, undefined, 'the replicas publish no port: the proxy does')
  t.same(proxy!.ports, ['3000:3000'])
  // As compose reads them with nothing set in the shell: ${NAME:-default} is the default, ${NAME} empty.
  const interpolated = Object.fromEntries(
    Object.entries(api!.environment!).map(([name, value]) => [name, value.replace(/\$\{\w+(?::-([^}]*))?\}/g, (_whole, fallback?: string) => fallback ?? '')]),
  )
  const config = loadConfig(interpolated)
  t.ok(Number.parseInt(api!.stop_grace_period!, 10) > config.SHUTDOWN_GRACE_SECONDS, "Docker waits longer than the server's grace")
  t.match(readFileSync('deploy/nginx.conf', 'utf8'), /server api:3000/, 'the proxy forwards to the api service')
})
