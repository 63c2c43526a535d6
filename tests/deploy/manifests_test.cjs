// The Kubernetes manifests (deploy/k8s) against their schemas and against the binary:
//   node tests/deploy/manifests_test.cjs   (CINEMA_BINARY: the cinema to ask; NODE_PATH: the npm
//   packages of tests/deploy/package.json, installed by the ctest fixture)
// Every overlay renders with `kubectl kustomize`; every object validates against the Kubernetes,
// Istio or Gateway API schema of its apiVersion; every environment variable a Deployment sets is one
// its service reads (`cinema config show <service>` names it as the source of a setting), every
// ConfigMap key feeds one and every probe answers 200 on the port the service listens on.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '../..');
const binary = process.env.CINEMA_BINARY;
const overlays = ['local', 'prod'];
// Settings the binary does not read yet, set for another part of the system: the web UI reads the
// properties file the seed's ConfigMap names (issue of the web UI). Each must stay documented here.
const knownUiSettings = new Set(['UI_PROPERTIES_FILE_NAME']);
const autoscaled = ['gateway', 'reservation', 'payment', 'viewpage'];

function kubectl() {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
if (!kubectl()) {
  console.log('SKIPPED: kubectl is not installed (it renders Kustomize; Debian does not package it)');
  process.exit(77);
}
if (!binary) throw new Error('CINEMA_BINARY is not set');

const rendered = Object.fromEntries(overlays.map((overlay) => {
  const text = execFileSync('kubectl', ['kustomize', path.join(root, 'deploy/k8s/overlays', overlay)], { encoding: 'utf8' });
  return [overlay, YAML.parseAllDocuments(text).map((doc) => doc.toJS())];
}));
const ofKind = (objects, kind) => objects.filter((o) => o.kind === kind);
const named = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const container = (deployment) => deployment.spec.template.spec.containers[0];
const serviceOf = (deployment) => container(deployment).args[1];

// The model class of an object: kubernetes-models for the core groups, the Istio and Gateway API
// packages for theirs.
function modelOf(object) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module = group.endsWith('istio.io') ? `@kubernetes-models/istio/${group}/${version}`
    : group === 'gateway.networking.k8s.io' ? `@kubernetes-models/gateway-api/${group}/${version}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}`;
  const model = require(module)[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

// The environment a container gets, with ConfigMap and Secret references resolved from the same
// rendering (a Secret that the overlay leaves to the cluster resolves to a placeholder).
function environment(objects, deployment) {
  const env = {};
  for (const { name, value, valueFrom } of container(deployment).env) {
    if (value !== undefined) env[name] = value;
    else if (valueFrom.configMapKeyRef) {
      const ref = valueFrom.configMapKeyRef;
      const map = named(objects, 'ConfigMap', ref.name);
      assert.ok(map && ref.key in map.data, `${deployment.metadata.name}: ${name} from missing ConfigMap key ${ref.name}/${ref.key}`);
      env[name] = map.data[ref.key];
    } else if (valueFrom.secretKeyRef) {
      const ref = valueFrom.secretKeyRef;
      const secret = named(objects, 'Secret', ref.name);
      if (secret) {
        assert.ok(ref.key in secret.stringData, `${deployment.metadata.name}: ${name} from missing Secret key ${ref.name}/${ref.key}`);
        env[name] = secret.stringData[ref.key];
      } else {
        env[name] = name === 'SECURITY_JWT_SECRET' ? 'x'.repeat(32) : name === 'DATABASE_URL' ? 'postgresql://cinema@db:5432/cinema' : 'set';
      }
    }
  }
  return env;
}

// What `cinema config show <service>` says under exactly that environment: setting -> [value, source].
const shown = new Map();
function configShow(service, env) {
  const key = JSON.stringify([service, env]);
  if (!shown.has(key)) shown.set(key, runConfigShow(service, env));
  return shown.get(key);
}
function runConfigShow(service, env) {
  const text = execFileSync(binary, ['config', 'show', service], { encoding: 'utf8', env: { ...env, PATH: process.env.PATH } });
  const settings = {};
  for (const line of text.split('\n')) {
    const match = /^(\S+) = (.*?)\s+\((.*)\)$/.exec(line);
    if (match) settings[match[1]] = [match[2], match[3]];
  }
  return settings;
}

// The port each service listens on when http.port is 0, as the binary documents it.
function standardPorts() {
  const docs = execFileSync(binary, ['config', 'docs'], { encoding: 'utf8' });
  const ports = {};
  for (const [, name, port] of docs.matchAll(/(gateway|movie|reservation|payment|message|viewpage) (\d{4})/g)) ports[name] = Number(port);
  assert.equal(Object.keys(ports).length, 6, 'cinema config docs names the standard port of every service');
  return ports;
}

for (const overlay of overlays) {
  const objects = rendered[overlay];

  test(`${overlay}: every rendered object validates against its schema`, () => {
    assert.ok(objects.length > 20, `${overlay} renders ${objects.length} objects`);
    for (const object of objects) {
      const Model = modelOf(object);
      assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
      assert.equal(object.metadata.namespace ?? 'cinema', 'cinema', `${object.kind} ${object.metadata.name} is in namespace cinema`);
    }
  });

  test(`${overlay}: every Deployment runs one service enforcing security, non-root on a read-only root`, () => {
    const deployments = ofKind(objects, 'Deployment');
    assert.deepEqual(deployments.map(serviceOf).sort(), ['gateway', 'message', 'movie', 'payment', 'reservation', 'viewpage']);
    for (const deployment of deployments) {
      const name = deployment.metadata.name;
      const pod = deployment.spec.template.spec;
      const c = container(deployment);
      assert.deepEqual(c.args, ['serve', name]);
      assert.equal(c.env.find((e) => e.name === 'SECURITY_MODE')?.value, 'enforce', `${name}: security.mode enforce`);
      assert.equal(pod.securityContext.runAsNonRoot, true, `${name}: runAsNonRoot`);
      assert.ok(pod.securityContext.runAsUser > 0, `${name}: runAsUser`);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${name}: readOnlyRootFilesystem`);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${name}: allowPrivilegeEscalation`);
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${name}: resources`);
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, `${name}: maxUnavailable 0`);
      assert.equal(c.readinessProbe.httpGet.path, '/actuator/health/readiness', `${name}: readiness path`);
      assert.equal(c.livenessProbe.httpGet.path, '/actuator/health/liveness', `${name}: liveness path`);
      const mounts = new Set(c.volumeMounts.map((m) => m.mountPath));
      assert.ok(mounts.has('/data') && mounts.has('/tmp'), `${name}: writable /data and /tmp`);
    }
  });

  test(`${overlay}: terminationGracePeriodSeconds covers the preStop sleep and http.shutdown_grace_ms`, () => {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const c = container(deployment);
      const [, sleep] = c.lifecycle.preStop.exec.command;
      const settings = configShow(serviceOf(deployment), environment(objects, deployment));
      const graceSeconds = Number(settings['http.shutdown_grace_ms'][0]) / 1000;
      assert.ok(Number(sleep) >= 1, `${deployment.metadata.name}: preStop sleeps`);
      assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds >= Number(sleep) + graceSeconds + 1,
        `${deployment.metadata.name}: ${deployment.spec.template.spec.terminationGracePeriodSeconds}s >= ${sleep}s + ${graceSeconds}s + 1s`);
    }
  });

  test(`${overlay}: every environment variable is read by its service and every ConfigMap key feeds one`, () => {
    const used = new Set();
    for (const deployment of ofKind(objects, 'Deployment')) {
      const env = environment(objects, deployment);
      const settings = configShow(serviceOf(deployment), env);
      const sources = new Set(Object.values(settings).map(([, source]) => source));
      for (const name of Object.keys(env)) {
        if (knownUiSettings.has(name)) continue;
        assert.ok(sources.has(`env ${name}`), `${deployment.metadata.name}: ${name} is not a setting cinema serve ${serviceOf(deployment)} reads`);
      }
      for (const { name, valueFrom } of container(deployment).env) {
        const ref = valueFrom?.configMapKeyRef;
        if (!ref) continue;
        assert.equal(ref.key, name.toLowerCase(), `${deployment.metadata.name}: ConfigMap key ${ref.key} is the lower-case name of ${name}`);
        used.add(ref.key);
      }
    }
    for (const key of Object.keys(named(objects, 'ConfigMap', 'cinema-config').data))
      assert.ok(used.has(key), `cinema-config key ${key} feeds no environment variable`);
  });

  test(`${overlay}: probes and Services use the port each service listens on`, () => {
    const ports = standardPorts();
    for (const deployment of ofKind(objects, 'Deployment')) {
      const name = deployment.metadata.name;
      const settings = configShow(serviceOf(deployment), environment(objects, deployment));
      const port = Number(settings['http.port'][0]) || ports[serviceOf(deployment)];
      const c = container(deployment);
      // On the host's network (local) a container declares no ports: podman would try to publish them.
      if (deployment.spec.template.spec.hostNetwork) assert.equal(c.ports, undefined, `${name}: no ports on the host network`);
      else assert.equal(c.ports[0].containerPort, port, `${name}: containerPort`);
      assert.equal(c.readinessProbe.httpGet.port, port, `${name}: readiness port`);
      assert.equal(c.livenessProbe.httpGet.port, port, `${name}: liveness port`);
      const service = named(objects, 'Service', name);
      assert.equal(service.spec.ports[0].targetPort, port, `${name}: Service targetPort`);
      assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels, `${name}: Service selects its pods`);
    }
  });

  test(`${overlay}: the seed's platform pieces are there`, () => {
    const config = named(objects, 'ConfigMap', 'cinema-config').data;
    assert.equal(config.max_reservation_per_person, '100');
    assert.equal(config.ui_properties_file_name, 'user-interface.properties');
    const ui = named(objects, 'ConfigMap', 'cinema-ui');
    assert.ok(config.ui_properties_file_name in ui.data, 'the properties file is in the cinema-ui ConfigMap');
    const gateway = named(objects, 'Deployment', 'gateway').spec.template.spec;
    const uiVolume = gateway.volumes.find((v) => v.configMap?.name === 'cinema-ui');
    assert.ok(uiVolume && gateway.containers[0].volumeMounts.some((m) => m.name === uiVolume.name), 'gateway mounts cinema-ui');

    const hpas = ofKind(objects, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpas.map((h) => h.spec.scaleTargetRef.name).sort(), [...autoscaled].sort());
    for (const hpa of hpas) assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
    const pdbs = ofKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name).sort();
    assert.deepEqual(pdbs, ofKind(objects, 'Deployment').map((d) => d.metadata.name).sort());

    const rule = named(objects, 'DestinationRule', 'payment');
    assert.deepEqual(
      (({ consecutive5xxErrors, interval, baseEjectionTime }) => ({ consecutive5xxErrors, interval, baseEjectionTime }))(rule.spec.trafficPolicy.outlierDetection),
      { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m' });
    assert.equal(named(objects, 'Ingress', 'cinema').spec.rules[0].http.paths[0].backend.service.name, 'gateway');
    assert.equal(named(objects, 'HTTPRoute', 'cinema').spec.rules[0].backendRefs[0].name, 'gateway');

    // Network: everything denied, then the gateway from anywhere and payment from reservation only.
    const policies = ofKind(objects, 'NetworkPolicy');
    assert.ok(policies.some((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress), 'a default deny');
    const admitting = (service) => policies.filter((p) => {
      const s = p.spec.podSelector;
      return s.matchLabels?.['app.kubernetes.io/name'] === service || s.matchExpressions?.some((e) => e.values.includes(service));
    });
    assert.deepEqual(admitting('gateway').flatMap((p) => p.spec.ingress.map((i) => i.from)), [undefined], 'gateway from anywhere');
    assert.ok(admitting('payment').length > 0, 'a policy admits payment');
    for (const p of admitting('payment'))
      for (const rule of p.spec.ingress)
        assert.deepEqual(rule.from, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'reservation' } } }]);
    for (const service of ['movie', 'reservation', 'message', 'viewpage']) {
      assert.ok(admitting(service).length > 0, `a policy admits ${service}`);
      for (const p of admitting(service)) for (const rule of p.spec.ingress) assert.ok(rule.from, `${service} is not open to all`);
    }
  });
}

test('local: the seed ConfigMap and secrets are wired to what the binary reads, with a visible value', () => {
  const objects = rendered.local;
  const reservation = named(objects, 'Deployment', 'reservation');
  const settings = configShow('reservation', environment(objects, reservation));
  assert.deepEqual(settings.max_reservation_per_person, ['100', 'env MAX_RESERVATION_PER_PERSON']);
  assert.deepEqual(settings['security.mode'], ['enforce', 'env SECURITY_MODE']);
  assert.equal(settings['security.jwt.secret'][1], 'env SECURITY_JWT_SECRET');
  // One shared volume claim on one host; a claim per service that keeps files in a cluster.
  assert.ok(named(objects, 'PersistentVolumeClaim', 'cinema-data'));
  assert.ok(named(rendered.prod, 'PersistentVolumeClaim', 'message-data'));
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

// Each service started with its local overlay's environment (on a free port and a private data
// directory) answers both probe paths with 200.
test('local: every probe path answers 200 from the service it probes', async () => {
  const objects = rendered.local;
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'cinema-probes-'));
  try {
    for (const deployment of ofKind(objects, 'Deployment')) {
      const port = await freePort();
      const env = { ...environment(objects, deployment), PATH: process.env.PATH, HTTP_PORT: String(port), DATA_DIR: data };
      // ConfigMaps mounted as files (the UI's properties) are written where the pod would see them,
      // and the environment that names their mount path names that directory instead.
      for (const mount of container(deployment).volumeMounts || []) {
        const volume = (deployment.spec.template.spec.volumes || []).find((v) => v.name === mount.name);
        if (!volume || !volume.configMap) continue;
        const map = ofKind(objects, 'ConfigMap').find((m) => m.metadata.name === volume.configMap.name);
        const dir = fs.mkdtempSync(path.join(data, 'mount-'));
        for (const [file, text] of Object.entries((map && map.data) || {})) fs.writeFileSync(path.join(dir, file), text);
        for (const [key, value] of Object.entries(env)) if (value === mount.mountPath) env[key] = dir;
      }
      const child = spawn(binary, container(deployment).args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      try {
        const c = container(deployment);
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
          const url = `http://127.0.0.1:${port}${probe.httpGet.path}`;
          let status = 0;
          for (const deadline = Date.now() + 15000; Date.now() < deadline && status !== 200;) {
            status = await fetch(url).then((r) => r.status, () => 0);
            if (status !== 200) await new Promise((r) => setTimeout(r, 100));
          }
          assert.equal(status, 200, `${deployment.metadata.name}: ${probe.httpGet.path}\n${stderr}`);
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.exitCode !== null ? resolve() : child.on('exit', resolve));
      }
    }
  } finally {
    fs.rmSync(data, { recursive: true, force: true });
  }
});
