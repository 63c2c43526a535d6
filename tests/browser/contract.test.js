// The API against its contract: every answer a real `cinema up` gives here is checked against
// docs/openapi.json (status documented for the operation, body valid for its schema), every
// operation of the document is exercised, and every route the code registers is in the document.
// A difference between code and contract fails a test.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Ajv2020 = require('ajv/dist/2020').default;
const { Cinema, sleep } = require('./cinema');

const source = process.env.CINEMA_SOURCE_DIR;
const doc = JSON.parse(fs.readFileSync(path.join(source, 'docs/openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc, 'openapi.json');
const cinema = new Cinema({ port: 18288, basePort: 18381 });
const exercised = new Map();  // "GET /movies/{movieId}" -> statuses seen
const validators = new Map();

before(async () => cinema.start());
after(async () => cinema.stop());

const pointer = (...parts) => parts.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

// The document's path for a concrete one: literal paths first, then templates with the fewest parameters.
function operationPath(concrete) {
  if (doc.paths[concrete]) return concrete;
  const candidates = Object.keys(doc.paths).filter((template) => {
    const pattern = template.replace(/\{file\}$/, '.*').replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(concrete);
  });
  candidates.sort((a, b) => (a.match(/\{/g) || []).length - (b.match(/\{/g) || []).length);
  return candidates[0];
}

function resolve(response) {
  if (!response?.$ref) return response;
  return resolve(response.$ref.split('/').slice(1).reduce((node, key) => node[key], doc));
}

// Calls the gateway and checks the answer against the document; returns it.
async function call(method, target, options = {}) {
  const answer = await cinema.json(method, target, options);
  const concrete = target.split('?')[0];
  const template = operationPath(concrete);
  const where = `${method} ${target} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  assert.ok(template, `${where}: no path of the document matches`);
  const operation = doc.paths[template][method.toLowerCase()];
  if (!operation && answer.status === 405) {
    // A method the path does not have: 405 with Allow and an error body, as every route answers it.
    assert.ok(answer.headers.get('allow'), `${where}: 405 without Allow`);
    const validate = ajv.compile({ $ref: 'openapi.json#/components/schemas/Error' });
    assert.ok(validate(answer.body), `${where}: ${ajv.errorsText(validate.errors)}`);
    return answer;
  }
  assert.ok(operation, `${where}: ${template} has no ${method} in the document`);
  const key = `${method} ${template}`;
  if (!exercised.has(key)) exercised.set(key, new Set());
  exercised.get(key).add(answer.status);
  const documented = resolve(operation.responses[String(answer.status)]);
  assert.ok(documented, `${where}: status ${answer.status} is not documented for ${key}`);
  const type = (answer.headers.get('content-type') || '').split(';')[0];
  if (!documented.content) {
    assert.equal(answer.text, '', `${where}: documented without a body`);
    return answer;
  }
  assert.ok(documented.content[type], `${where}: content type ${type} is not documented`);
  if (type === 'application/json') {
    const shared = operation.responses[String(answer.status)].$ref;  // "#/components/responses/404"
    const ref = shared ? `openapi.json${shared}/content/application~1json/schema`
      : `openapi.json#/paths/${pointer(template, method.toLowerCase())}/responses/${answer.status}/content/application~1json/schema`;
    if (!validators.has(ref)) validators.set(ref, ajv.compile({ $ref: ref }));
    const validate = validators.get(ref);
    assert.ok(validate(answer.body), `${where}: does not match ${ref}: ${ajv.errorsText(validate.errors)}`);
  }
  return answer;
}

async function expect(status, method, target, options) {
  const answer = await call(method, target, options);
  assert.equal(answer.status, status, `${method} ${target}: ${answer.text.slice(0, 300)}`);
  return answer;
}

test('every answer of a whole tour matches the contract', async () => {
  // The UI and the contract itself.
  const spec = await expect(200, 'GET', '/openapi.json');
  assert.deepEqual(spec.body, doc, 'the gateway serves docs/openapi.json as built');
  await expect(304, 'GET', '/openapi.json', { headers: { 'If-None-Match': spec.headers.get('etag') } });
  await expect(302, 'GET', '/');
  await expect(302, 'GET', '/ui');
  const index = await expect(200, 'GET', '/ui/', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.match(index.headers.get('cache-control'), /no-cache/);
  assert.equal(index.headers.get('content-encoding'), 'gzip');
  assert.equal(index.headers.get('vary'), 'Accept-Encoding');
  assert.match(index.headers.get('content-security-policy'), /default-src 'self'/);
  await expect(304, 'GET', '/ui/', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': index.headers.get('etag') } });
  const plain = await expect(200, 'GET', '/ui/app.js', { headers: { 'Accept-Encoding': 'identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.match(plain.headers.get('content-type'), /^text\/javascript/);
  assert.notEqual(plain.headers.get('etag'), (await cinema.json('GET', '/ui/app.js', { headers: { 'Accept-Encoding': 'gzip' } })).headers.get('etag'),
                  'each encoding has its own ETag');
  await expect(404, 'GET', '/ui/missing.js');
  await expect(405, 'POST', '/ui/app.js');
  const config = await expect(200, 'GET', '/ui/config.json');
  assert.equal(config.body.securityMode, 'dev');

  // Movies, screenings.
  const movie = (await expect(201, 'POST', '/movies', { body: { title: 'Contract', desc: 'A contract test' } })).body;
  await expect(400, 'POST', '/movies', { body: { desc: 5 } });
  await expect(200, 'GET', '/movies?limit=10');
  await expect(400, 'GET', '/movies?limit=0');
  await expect(200, 'GET', `/movies/${movie.movieId}`);
  await expect(404, 'GET', '/movies/999999');
  await expect(200, 'PUT', `/movies/${movie.movieId}`, { body: { title: 'Contract', desc: 'Replaced', status: 'available' } });
  await expect(200, 'PATCH', `/movies/${movie.movieId}`, { body: { title: 'Contract 2' } });
  await expect(400, 'PATCH', `/movies/${movie.movieId}`, { body: {} });
  await expect(200, 'GET', `/movies/${movie.movieId}/screenings`);
  const later = new Date(Date.now() + 86400000).toISOString().slice(0, 19) + 'Z';
  const screening = (await expect(201, 'POST', `/movies/${movie.movieId}/screenings`,
                                  { body: { startsAt: later, hall: '2', rows: 3, cols: 4, price: 9000 } })).body;
  await expect(400, 'POST', `/movies/${movie.movieId}/screenings`, { body: { startsAt: 'tomorrow', rows: 3, cols: 4 } });
  // Soon: a screening that starts in two seconds, to review after it.
  const soon = new Date(Date.now() + 2500).toISOString().slice(0, 19) + 'Z';
  const early = (await expect(201, 'POST', `/movies/${movie.movieId}/screenings`,
                              { body: { startsAt: soon, hall: '1', rows: 1, cols: 2, price: 100 } })).body;

  // Seat maps and reservations.
  await cinema.until(async () => (await cinema.json('GET', `/seatMaps/${screening.screeningId}`)).status === 200, 10000, 'seat map');
  await cinema.until(async () => (await cinema.json('GET', `/seatMaps/${early.screeningId}`)).status === 200, 10000, 'seat map');
  await expect(200, 'GET', `/seatMaps/${screening.screeningId}`);
  await expect(404, 'GET', '/seatMaps/999999');
  const body = { screeningId: screening.screeningId, seats: ['A1', 'A2'], customerId: 'kim' };
  const key = { 'Idempotency-Key': 'contract-1' };
  const reservation = (await expect(201, 'POST', '/reservations', { body, headers: key })).body;
  const replay = await expect(201, 'POST', '/reservations', { body, headers: key });
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  await expect(422, 'POST', '/reservations', { body: { ...body, seats: ['B1'] }, headers: key });
  await expect(409, 'POST', '/reservations', { body: { ...body, customerId: 'lee' } });
  await expect(402, 'POST', '/reservations',
               { body: { screeningId: screening.screeningId, seats: ['C1'], customerId: 'lee', cardNumber: '4000000000000002' } });
  await expect(400, 'POST', '/reservations', { body: { screeningId: screening.screeningId, seats: 'A1' } });
  await expect(404, 'POST', '/reservations', { body: { screeningId: 999999, seats: ['A1'], customerId: 'kim' } });
  await expect(201, 'POST', '/reservations', { body: { screeningId: early.screeningId, seats: ['A1'], customerId: 'kim' } });
  const seatMap = (await expect(200, 'GET', `/seatMaps/${screening.screeningId}`)).body;
  assert.deepEqual(seatMap.taken, ['A1', 'A2']);
  await expect(200, 'GET', '/reservations?customerId=kim');
  await expect(200, 'GET', `/reservations/${reservation.rsvId}`);
  await expect(404, 'GET', '/reservations/999999');
  await expect(200, 'PATCH', `/reservations/${reservation.rsvId}`, { body: { status: 'reqCancel' } });
  await expect(409, 'PATCH', `/reservations/${reservation.rsvId}`, { body: { status: 'reqCancel' } });
  await expect(400, 'PATCH', `/reservations/${reservation.rsvId}`, { body: { status: 'reserved' } });

  // Payments: read-only through the gateway.
  const payments = (await expect(200, 'GET', '/payments?customerId=kim')).body;
  await expect(200, 'GET', `/payments/${payments[0].payId}`);
  await expect(404, 'GET', '/payments/999999');
  await expect(405, 'POST', '/payments', { body: { rsvId: 1, amount: 1 } });
  await expect(405, 'POST', '/payments/void', { body: { rsvId: 1, amount: 1 } });

  // Messages and views (built from events: wait for them).
  const messages = await cinema.until(async () => {
    const answer = await call('GET', '/messages?customerId=kim');
    return answer.status === 200 && answer.body.length >= 3 && answer.body;
  }, 10000, 'messages');
  await expect(200, 'GET', `/messages/${messages[0].messageId}`);
  await expect(404, 'GET', '/messages/999999');
  await expect(400, 'GET', '/messages');
  await expect(200, 'GET', '/movieViews', { headers: { 'Accept-Encoding': 'gzip' } });
  await expect(200, 'GET', `/movieViews/${movie.movieId}`);
  await expect(404, 'GET', '/movieViews/999999');
  await cinema.until(async () => {
    const answer = await call('GET', '/reservationViews?customerId=kim');
    return answer.body.some((r) => r.status === 'cancelled' && r.paymentStatus === 'cancelled');
  }, 10000, 'the cancelled reservation in the view');
  await expect(200, 'GET', '/viewpage/lag');
  const recent = (await expect(200, 'GET', '/viewpage/events')).body;
  assert.ok(recent.some((e) => e.eventType === 'ReservationCancelled' && e.event.rsvId === reservation.rsvId),
            'the live event stream has the cancel');
  const newest = recent.at(-1).offset;
  assert.deepEqual((await expect(200, 'GET', `/viewpage/events?after=${newest}`)).body, []);
  await expect(400, 'GET', '/viewpage/events?after=x');

  // Reviews: after the screening started.
  await expect(200, 'GET', `/movies/${movie.movieId}/reviews`);
  await expect(403, 'POST', `/movies/${movie.movieId}/reviews`, { body: { customerId: 'lee', rating: 4 } });
  await sleep(Math.max(0, new Date(soon) - Date.now() + 200));
  await cinema.until(async () => {
    const answer = await call('POST', `/movies/${movie.movieId}/reviews`, { body: { customerId: 'kim', rating: 5, text: 'Fine' } });
    return answer.status === 201;
  }, 10000, 'a review after the screening');
  await expect(409, 'POST', `/movies/${movie.movieId}/reviews`, { body: { customerId: 'kim', rating: 3 } });
  await expect(400, 'POST', `/movies/${movie.movieId}/reviews`, { body: { customerId: 'kim', rating: 9 } });

  // Operations.
  await expect(200, 'GET', '/actuator/health');
  await expect(200, 'GET', '/actuator/health/liveness');
  await expect(200, 'GET', '/actuator/health/readiness');
  await expect(200, 'GET', '/actuator/echo');
  await expect(200, 'GET', '/actuator/info');
  await expect(200, 'GET', '/metrics');
  await expect(200, 'GET', '/actuator/prometheus');
  const status = (await expect(200, 'GET', '/gateway/status')).body;
  assert.deepEqual(status.services.map((s) => s.service).sort(), ['message', 'movie', 'payment', 'reservation', 'viewpage']);
  assert.equal(status.services.find((s) => s.service === 'reservation').instances[0].circuit, 'closed');
  await expect(200, 'PUT', '/actuator/down');
  await expect(503, 'GET', '/actuator/health');
  await expect(503, 'GET', '/actuator/health/readiness');
  await expect(200, 'PUT', '/actuator/up');
  await expect(202, 'POST', '/viewpage/replay');
  await cinema.until(async () => !(await cinema.json('GET', '/viewpage/lag')).body.replaying, 10000, 'the replay');

  // A token that does not verify is refused everywhere; an unknown route is 404.
  await expect(401, 'GET', '/movies', { headers: { Authorization: 'Bearer not-a-token' } });
  await expect(204, 'DELETE', `/movies/${movie.movieId}`);
  await expect(404, 'DELETE', `/movies/${movie.movieId}`);
});

test('every operation of the document was exercised with a success', () => {
  const missing = [];
  for (const [template, item] of Object.entries(doc.paths))
    for (const method of ['get', 'put', 'post', 'patch', 'delete']) {
      if (!item[method]) continue;
      const key = `${method.toUpperCase()} ${template}`;
      const seen = [...(exercised.get(key) || [])];
      // The charge routes answer only reservation's service token: through the gateway they are 405.
      const ok = item[method]['x-access'] === 'service' ? seen.includes(405) : seen.some((s) => s < 400);
      if (!ok) missing.push(`${key} (seen: ${seen.join(', ') || 'never called'})`);
    }
  assert.deepEqual(missing, []);
});

test('every route the code registers is in the document', () => {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.cpp')) files.push(full);
    }
  };
  walk(path.join(source, 'src'));
  const shape = (template) => template.replace(/\{[^}]+\}/g, '{}');
  const documented = new Set(Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.keys(item).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${shape(template)}`)));
  const routes = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/router\.add(?:_sync)?\("([A-Z]+)",\s*"([^"]+)"/g)) routes.push(`${match[1]} ${shape(match[2])}`);
  }
  assert.ok(routes.length > 30, `found only ${routes.length} routes: the pattern no longer matches the code`);
  const undocumented = routes.filter((route) => !documented.has(route));
  assert.deepEqual(undocumented, [], 'routes missing from docs/openapi.json');
  // The gateway's prefixes, each the start of a documented path.
  const upstreams = fs.readFileSync(path.join(source, 'src/services/gateway/upstreams.cpp'), 'utf8');
  for (const [, prefix] of upstreams.matchAll(/\{"(\/[A-Za-z]+)", "[a-z]+"/g))
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith(prefix)), `gateway prefix ${prefix} is not documented`);
});

// The command line against the same system: a URL for --gateway / CINEMA_GATEWAY, tables on a
// terminal, JSON with --json or when piped, errors on standard error with a non-zero exit code.
const { spawnSync } = require('node:child_process');

function cli(args, { env = {}, terminal = false } = {}) {
  const command = [process.env.CINEMA_BINARY, ...args];
  const run = terminal
    // `script` gives the command a terminal, as a person at a shell has.
    ? spawnSync('script', ['-qec', command.map((a) => `'${a}'`).join(' '), '/dev/null'],
                { env: { ...process.env, ...env }, encoding: 'utf8' })
    : spawnSync(command[0], command.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

test('the command line takes the gateway as a URL and prints tables, JSON and errors', async () => {
  const url = cinema.url;
  const { screeningId } = await cinema.screening({ title: 'Command Line' });

  const piped = cli(['movies', 'list', '--gateway', url]);
  assert.equal(piped.code, 0, piped.err);
  assert.ok(Array.isArray(JSON.parse(piped.out)), 'piped: JSON');

  const table = cli(['movies', 'list', '--gateway', `${url}/`], { terminal: true });
  assert.equal(table.code, 0, table.out);
  assert.match(table.out, /ID\s+TITLE\s+STATUS\s+SEATS LEFT\s+RATING/);
  assert.match(table.out, /Command Line\s+available/);

  const asJson = cli(['view', '--json'], { env: { CINEMA_GATEWAY: url }, terminal: true });
  assert.equal(asJson.code, 0, asJson.out);
  assert.ok(Array.isArray(JSON.parse(asJson.out)), '--json on a terminal: JSON');
  const view = cli(['view'], { env: { CINEMA_GATEWAY: url }, terminal: true });
  assert.match(view.out, /MOVIE\s+TITLE\s+SCREENING\s+STARTS\s+HALL\s+SEATS LEFT\s+RESERVED/);

  const reserved = cli(['reserve', '--gateway', url, '--screening', String(screeningId), '--seats', 'A1,A2',
                        '--customer', 'tess'], { terminal: true });
  assert.equal(reserved.code, 0, reserved.out);
  assert.match(reserved.out, /Reservation \d+: reserved\r?\n\s+movie \d+, screening \d+, seats A1, A2/);

  const declined = cli(['reserve', '--gateway', url, '--screening', String(screeningId), '--seats', 'B1',
                        '--customer', 'tess', '--card', '4000000000000002']);
  assert.equal(declined.code, 1);
  assert.equal(declined.out, '', 'nothing on standard output');
  assert.match(declined.err, /^error: payment declined: card_declined \(402 payment_declined\)\nReservation \d+: rejected/);

  const taken = cli(['reserve', '--gateway', url, '--screening', String(screeningId), '--seats', 'A1']);
  assert.equal(taken.code, 1);
  assert.match(taken.err, /\(409 seat_taken\)/);

  const https = cli(['movies', 'list', '--gateway', 'https://127.0.0.1:1']);
  assert.equal(https.code, 1);
  assert.match(https.err, /https is not served here/);
  const unreachable = cli(['movies', 'list', '--gateway', 'http://127.0.0.1:1']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err, /cannot reach the gateway at 127\.0\.0\.1:1/);
});
