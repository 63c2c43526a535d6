// Starts and stops a whole `cinema up` for a test file, on ports of its own and a fresh data
// directory, and talks to its gateway.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Cinema {
  constructor({ port = 18088, basePort = 18181, env = {}, args = [] } = {}) {
    this.port = port;
    this.basePort = basePort;
    this.env = env;
    this.args = args;
    this.url = `http://127.0.0.1:${port}`;
  }

  async start() {
    this.data = fs.mkdtempSync(path.join(os.tmpdir(), 'cinema-browser-'));
    this.log = fs.openSync(path.join(this.data, 'up.log'), 'a');
    this.process = spawn(process.env.CINEMA_BINARY,
      ['up', '--data', this.data, '--port', String(this.port), '--base-port', String(this.basePort), ...this.args],
      { env: { ...process.env, ...this.env }, stdio: ['ignore', this.log, this.log] });
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    const deadline = Date.now() + 60000;
    for (;;) {
      if (this.process.exitCode !== null) throw new Error(`cinema up exited: ${this.upLog()}`);
      try {
        // Under enforce, this test driver acts as a manager with a token (the secret exists once up runs).
        if (this.args.includes('enforce') && !this.headers) {
          if (!fs.existsSync(path.join(this.data, 'security', 'jwt.secret'))) throw new Error('no secret yet');
          this.headers = { Authorization: `Bearer ${this.token('manager', 'tester')}` };
        }
        const status = await this.json('GET', '/gateway/status');
        if (status.status === 200 && status.body.services.every((s) => s.instances.every((i) => i.status === 'UP'))) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`cinema up was not ready within 60 s: ${this.upLog()}`);
      await sleep(200);
    }
  }

  upLog() {
    try {
      return fs.readFileSync(path.join(this.data, 'up.log'), 'utf8').slice(-3000);
    } catch {
      return '';
    }
  }

  async stop() {
    if (!this.process) return;
    this.process.kill('SIGTERM');
    const timeout = sleep(20000).then(() => 'timeout');
    if ((await Promise.race([this.exited, timeout])) === 'timeout') this.process.kill('SIGKILL');
    fs.closeSync(this.log);
    fs.rmSync(this.data, { recursive: true, force: true });
  }

  // One request through the gateway: { status, headers, body (parsed JSON when it is JSON), text }.
  // A token signed with this system's secret (`cinema token`).
  token(role, sub) {
    const made = require('node:child_process').spawnSync(process.env.CINEMA_BINARY,
      ['token', '--role', role, '--sub', sub, '--data', this.data], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`cinema token: ${made.stderr}`);
    return made.stdout.trim();
  }

  async json(method, target, { body, headers = {} } = {}) {
    const sent = { ...(this.headers || {}), ...headers };
    if (body !== undefined) sent['Content-Type'] = 'application/json';
    const response = await fetch(this.url + target, {
      method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual',
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  // Waits until `check` returns a truthy value (tried every 100 ms), or fails after `ms`.
  async until(check, ms = 10000, what = 'a condition') {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  // A movie with one screening that reservation already knows (so it can be booked at once).
  async screening({ title = 'Test movie', startsAt, rows = 4, cols = 6, price = 12000, hall = '3' } = {}) {
    const movie = await this.json('POST', '/movies', { body: { title, desc: `${title}, a test` } });
    if (movie.status !== 201) throw new Error(`POST /movies: ${movie.status} ${movie.text}`);
    const when = startsAt || new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 19) + 'Z';
    const made = await this.json('POST', `/movies/${movie.body.movieId}/screenings`,
                                 { body: { startsAt: when, hall, rows, cols, price } });
    if (made.status !== 201) throw new Error(`POST screening: ${made.status} ${made.text}`);
    const id = made.body.screeningId;
    await this.until(async () => (await this.json('GET', `/seatMaps/${id}`)).status === 200, 10000, 'the seat map');
    await this.until(async () => {
      const view = await this.json('GET', `/movieViews/${movie.body.movieId}`);
      return view.status === 200 && view.body.screenings.some((s) => s.screeningId === id);
    }, 10000, 'the screening in the view');
    return { movieId: movie.body.movieId, screeningId: id, title };
  }
}

module.exports = { Cinema, sleep };
