'use strict';
// Payment server of the Node.js peer: POST /payments records a payment and its outbox row in one
// SQLite transaction; idempotent per rsvId (a repeat returns the first outcome with 200).
// Usage: node payment.js [--port 18096] [--data DIR]
const path = require('node:path');
const fs = require('node:fs');
const Fastify = require('fastify');
const Database = require('better-sqlite3');
const { arg } = require('./common');

const port = Number(arg('--port', '18096'));
const dataDir = arg('--data', path.join(__dirname, 'data'));
fs.mkdirSync(dataDir, { recursive: true });

const db = new Database(path.join(dataDir, 'payment.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.exec(`
  CREATE TABLE IF NOT EXISTS payments (
    pay_id INTEGER PRIMARY KEY,
    rsv_id INTEGER NOT NULL UNIQUE,
    movie_id INTEGER,
    amount INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL
  );
`);

const DECLINED = { '4000000000000002': 'card_declined', '4000000000009995': 'insufficient_funds' };

const findByRsv = db.prepare('SELECT * FROM payments WHERE rsv_id = ?');
const insertPayment = db.prepare(
  `INSERT INTO payments (rsv_id, movie_id, amount, customer_id, status, reason, created_at)
   VALUES (@rsvId, @movieId, @amount, @customerId, @status, @reason, @createdAt) RETURNING pay_id`);
const insertOutbox = db.prepare('INSERT INTO outbox (event_type, payload) VALUES (?, ?)');

function toJson(row) {
  return { payId: row.pay_id, rsvId: row.rsv_id, movieId: row.movie_id, amount: row.amount,
           customerId: row.customer_id, status: row.status, reason: row.reason };
}

// Returns [status, body]: 201 new payment, 200 replay, 402 declined, 409 replay with another amount.
const pay = db.transaction((req) => {
  const existing = findByRsv.get(req.rsvId);
  if (existing) {
    if (existing.amount !== req.amount) return [409, { error: 'conflict', message: 'rsvId paid with another amount' }];
    return [existing.status === 'paid' ? 200 : 402, toJson(existing)];
  }
  const reason = DECLINED[req.cardNumber] || null;
  const row = {
    rsvId: req.rsvId, movieId: req.movieId ?? null, amount: req.amount, customerId: req.customerId,
    status: reason ? 'declined' : 'paid', reason, createdAt: new Date().toISOString(),
  };
  row.payId = insertPayment.get(row).pay_id;
  insertOutbox.run(reason ? 'PaymentDeclined' : 'PaymentApproved', JSON.stringify(row));
  return [reason ? 402 : 201, toJson({ pay_id: row.payId, rsv_id: row.rsvId, movie_id: row.movieId,
                                       amount: row.amount, customer_id: row.customerId, status: row.status,
                                       reason })];
});

const app = Fastify({ logger: false });
app.post('/payments', async (request, reply) => {
  const b = request.body || {};
  if (!Number.isInteger(b.rsvId) || !Number.isInteger(b.amount) || typeof b.customerId !== 'string') {
    return reply.code(400).send({ error: 'bad_request', message: 'rsvId, amount and customerId are required' });
  }
  const [status, body] = pay(b);
  return reply.code(status).send(status === 402 ? { error: 'payment_declined', message: body.reason, payment: body } : body);
});
app.get('/health', async () => ({ status: 'UP' }));

app.listen({ port, host: '127.0.0.1' }).then(() => console.log(`payment peer on 127.0.0.1:${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => app.close().then(() => { db.close(); process.exit(0); }));
