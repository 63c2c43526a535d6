'use strict';
// Reservation server of the Node.js peer: movies, screenings, reservations with seats held by a
// UNIQUE(screening, seat) constraint, a synchronous payment call, an outbox row per change in the
// same transaction, and the movie views read from its own SQLite file.
// The request and response shapes follow cinema's API (docs/API.md) so the same load scripts run
// against both.
// Usage: node reservation.js [--port 18095] [--payment 127.0.0.1:18096] [--data DIR]
const path = require('node:path');
const fs = require('node:fs');
const Fastify = require('fastify');
const Database = require('better-sqlite3');
const { arg, postJson } = require('./common');

const port = Number(arg('--port', '18095'));
const [payHost, payPort] = arg('--payment', '127.0.0.1:18096').split(':');
const dataDir = arg('--data', path.join(__dirname, 'data'));
const maxPerPerson = Number(process.env.MAX_RESERVATION_PER_PERSON || 100);
fs.mkdirSync(dataDir, { recursive: true });

const db = new Database(path.join(dataDir, 'reservation.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.exec(`
  CREATE TABLE IF NOT EXISTS movies (
    movie_id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    desc TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'available',
    last_action TEXT NOT NULL DEFAULT 'register',
    n_req_reserve INTEGER NOT NULL DEFAULT 0,
    n_reserved INTEGER NOT NULL DEFAULT 0,
    n_rejected INTEGER NOT NULL DEFAULT 0,
    n_req_cancel INTEGER NOT NULL DEFAULT 0,
    n_cancelled INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS screenings (
    screening_id INTEGER PRIMARY KEY,
    movie_id INTEGER NOT NULL REFERENCES movies(movie_id),
    starts_at TEXT NOT NULL,
    hall TEXT NOT NULL,
    rows INTEGER NOT NULL,
    cols INTEGER NOT NULL,
    price INTEGER NOT NULL,
    seats_left INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS screenings_by_movie ON screenings(movie_id, starts_at);
  CREATE TABLE IF NOT EXISTS reservations (
    rsv_id INTEGER PRIMARY KEY,
    movie_id INTEGER NOT NULL,
    screening_id INTEGER NOT NULL,
    seats TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    pay_id INTEGER,
    amount INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS reservations_by_customer ON reservations(customer_id, status);
  CREATE TABLE IF NOT EXISTS seat_holds (
    screening_id INTEGER NOT NULL,
    seat TEXT NOT NULL,
    rsv_id INTEGER NOT NULL,
    UNIQUE (screening_id, seat)
  );
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL
  );
`);

class HttpError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

// ---- movies and screenings -------------------------------------------------------------------
const insertMovie = db.prepare('INSERT INTO movies (title, desc) VALUES (?, ?) RETURNING *');
const insertScreening = db.prepare(
  `INSERT INTO screenings (movie_id, starts_at, hall, rows, cols, price, seats_left)
   VALUES (@movieId, @startsAt, @hall, @rows, @cols, @price, @rows * @cols) RETURNING *`);
const movieById = db.prepare('SELECT * FROM movies WHERE movie_id = ?');
const insertOutbox = db.prepare('INSERT INTO outbox (event_type, payload) VALUES (?, ?)');

function screeningJson(s) {
  return { screeningId: s.screening_id, movieId: s.movie_id, startsAt: s.starts_at, hall: s.hall,
           rows: s.rows, cols: s.cols, price: s.price };
}

// A new movie gets a default screening (tomorrow, 10x10 seats at 10000), as cinema's does.
const createMovie = db.transaction((title, desc) => {
  const m = insertMovie.get(title, desc);
  const tomorrow = new Date(Date.now() + 24 * 3600e3);
  tomorrow.setUTCMinutes(0, 0, 0);
  insertScreening.get({ movieId: m.movie_id, startsAt: tomorrow.toISOString().replace('.000', ''), hall: '1',
                        rows: 10, cols: 10, price: 10000 });
  insertOutbox.run('MovieRegistered', JSON.stringify({ movieId: m.movie_id, desc }));
  return m;
});

const createScreening = db.transaction((s) => {
  const row = insertScreening.get(s);
  insertOutbox.run('ScreeningScheduled', JSON.stringify(screeningJson(row)));
  return row;
});

// ---- reservations ----------------------------------------------------------------------------
const screeningById = db.prepare('SELECT * FROM screenings WHERE screening_id = ?');
const activeOf = db.prepare(
  "SELECT count(*) AS n FROM reservations WHERE customer_id = ? AND status IN ('reqReserve', 'reserved', 'reqCancel')");
const insertReservation = db.prepare(
  `INSERT INTO reservations (movie_id, screening_id, seats, customer_id, status, amount)
   VALUES (?, ?, ?, ?, 'reqReserve', ?) RETURNING rsv_id`);
const insertHold = db.prepare('INSERT INTO seat_holds (screening_id, seat, rsv_id) VALUES (?, ?, ?)');
const deleteHolds = db.prepare('DELETE FROM seat_holds WHERE rsv_id = ?');
const setStatus = db.prepare('UPDATE reservations SET status = ?, pay_id = ? WHERE rsv_id = ?');
const takeSeats = db.prepare('UPDATE screenings SET seats_left = seats_left - ? WHERE screening_id = ?');
const countReserved = db.prepare('UPDATE movies SET n_reserved = n_reserved + 1 WHERE movie_id = ?');
const countRejected = db.prepare('UPDATE movies SET n_rejected = n_rejected + 1 WHERE movie_id = ?');

function parseSeats(seats, s) {
  if (!Array.isArray(seats) || seats.length === 0 || seats.length > 10) {
    throw new HttpError(400, 'bad_request', 'seats: 1 to 10 seats like "A1"');
  }
  const seen = new Set();
  for (const seat of seats) {
    const m = typeof seat === 'string' && /^([A-Z])([1-9][0-9]{0,2})$/.exec(seat);
    if (!m || m[1].charCodeAt(0) - 65 >= s.rows || Number(m[2]) > s.cols || seen.has(seat)) {
      throw new HttpError(400, 'bad_request', `seats: '${seat}' is not a seat of screening ${s.screening_id}`);
    }
    seen.add(seat);
  }
}

// Transaction 1: the reservation in reqReserve and its seats, all or none.
const hold = db.transaction((screeningId, seats, customerId) => {
  const s = screeningById.get(screeningId);
  if (!s) throw new HttpError(404, 'not_found', `screening ${screeningId} does not exist`);
  if (Date.parse(s.starts_at) <= Date.now()) throw new HttpError(409, 'screening_started', 'screening has started');
  parseSeats(seats, s);
  if (activeOf.get(customerId).n >= maxPerPerson) throw new HttpError(409, 'limit_reached', 'too many reservations');
  const amount = s.price * seats.length;
  const rsvId = insertReservation.get(s.movie_id, s.screening_id, JSON.stringify(seats), customerId, amount).rsv_id;
  try {
    for (const seat of seats) insertHold.run(s.screening_id, seat, rsvId);
  } catch (e) {
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE') throw new HttpError(409, 'seat_taken', 'a seat is taken');
    throw e;
  }
  return { rsvId, movieId: s.movie_id, screeningId: s.screening_id, seats, customerId, amount };
});

// Transaction 2: the payment's outcome, with its events in the outbox.
const confirm = db.transaction((r, payId) => {
  setStatus.run('reserved', payId, r.rsvId);
  takeSeats.run(r.seats.length, r.screeningId);
  countReserved.run(r.movieId);
  const payload = JSON.stringify({ ...r, status: 'reserved', payId });
  insertOutbox.run('ReservationCreated', payload);
  insertOutbox.run('ReservationConfirmed', payload);
});
const reject = db.transaction((r) => {
  setStatus.run('rejected', null, r.rsvId);
  deleteHolds.run(r.rsvId);
  countRejected.run(r.movieId);
  insertOutbox.run('ReservationRejected', JSON.stringify({ ...r, status: 'rejected' }));
});
const deleteReservation = db.prepare('DELETE FROM reservations WHERE rsv_id = ?');
const release = db.transaction((r) => {
  deleteReservation.run(r.rsvId);
  deleteHolds.run(r.rsvId);
});

async function reserve(body) {
  const { screeningId, seats, customerId = 'guest', cardNumber } = body || {};
  if (!Number.isInteger(screeningId)) throw new HttpError(400, 'bad_request', 'screeningId is required');
  const r = hold(screeningId, seats, String(customerId));
  let paid;
  try {
    paid = await postJson(payHost, Number(payPort), '/payments',
                          { rsvId: r.rsvId, movieId: r.movieId, amount: r.amount, customerId: r.customerId, cardNumber },
                          3000);
  } catch (e) {
    release(r);
    throw new HttpError(503, 'payment_unavailable', String(e.message || e));
  }
  if (paid.status === 201 || paid.status === 200) {
    confirm(r, paid.body.payId);
    return [201, { ...r, status: 'reserved', payId: paid.body.payId }];
  }
  if (paid.status === 402) {
    reject(r);
    return [402, { error: 'payment_declined', message: 'card declined', reservation: { ...r, status: 'rejected' } }];
  }
  release(r);
  throw new HttpError(503, 'payment_unavailable', `payment answered ${paid.status}`);
}

// ---- views -----------------------------------------------------------------------------------
const allMovies = db.prepare('SELECT * FROM movies ORDER BY movie_id');
const allScreenings = db.prepare('SELECT * FROM screenings ORDER BY movie_id, starts_at, screening_id');
const screeningsOf = db.prepare('SELECT * FROM screenings WHERE movie_id = ? ORDER BY starts_at, screening_id');

function board(m, screenings) {
  return {
    movieId: m.movie_id, title: m.title, desc: m.desc, status: m.status, reviewCnt: 0, rating: null,
    lastAction: m.last_action,
    screenings: screenings.map((s) => ({ screeningId: s.screening_id, startsAt: s.starts_at, hall: s.hall,
                                         seatsTotal: s.rows * s.cols, seatsLeft: s.seats_left, price: s.price })),
    reservations: { reqReserve: m.n_req_reserve, reserved: m.n_reserved, rejected: m.n_rejected,
                    reqCancel: m.n_req_cancel, cancelled: m.n_cancelled },
  };
}

function movieViews() {
  const byMovie = new Map();
  for (const s of allScreenings.all()) {
    if (!byMovie.has(s.movie_id)) byMovie.set(s.movie_id, []);
    byMovie.get(s.movie_id).push(s);
  }
  return allMovies.all().map((m) => board(m, byMovie.get(m.movie_id) || []));
}

// ---- HTTP ------------------------------------------------------------------------------------
const app = Fastify({ logger: false });
app.setErrorHandler((err, request, reply) => {
  if (err instanceof HttpError) return reply.code(err.status).send({ error: err.code, message: err.message });
  if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: 'bad_request', message: err.message });
  request.log.error(err);
  return reply.code(500).send({ error: 'internal', message: String(err.message || err) });
});

app.post('/movies', async (request, reply) => {
  const { desc, title = '' } = request.body || {};
  if (typeof desc !== 'string' || desc.length === 0) throw new HttpError(400, 'bad_request', 'desc is required');
  const m = createMovie(String(title), desc);
  return reply.code(201).header('location', `/movies/${m.movie_id}`)
    .send({ movieId: m.movie_id, title: m.title, desc: m.desc, status: m.status });
});
app.post('/movies/:id/screenings', async (request, reply) => {
  const movieId = Number(request.params.id);
  if (!movieById.get(movieId)) throw new HttpError(404, 'not_found', `movie ${movieId} does not exist`);
  const { startsAt, hall = '1', rows, cols, price } = request.body || {};
  if (!(rows >= 1 && rows <= 26 && cols >= 1 && cols <= 100 && Number.isInteger(price)) || Number.isNaN(Date.parse(startsAt))) {
    throw new HttpError(400, 'bad_request', 'startsAt, rows 1-26, cols 1-100 and price are required');
  }
  const s = createScreening({ movieId, startsAt, hall: String(hall), rows, cols, price });
  return reply.code(201).send(screeningJson(s));
});
app.post('/reservations', async (request, reply) => {
  const [status, body] = await reserve(request.body);
  return reply.code(status).send(body);
});
app.get('/movieViews', async () => movieViews());
app.get('/movieViews/:id', async (request) => {
  const m = movieById.get(Number(request.params.id));
  if (!m) throw new HttpError(404, 'not_found', 'no such movie');
  return board(m, screeningsOf.all(m.movie_id));
});
app.get('/health', async () => ({ status: 'UP' }));

app.listen({ port, host: '127.0.0.1' }).then(() => console.log(`reservation peer on 127.0.0.1:${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => app.close().then(() => { db.close(); process.exit(0); }));
