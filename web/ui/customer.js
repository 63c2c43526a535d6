// Customer pages: what is on, a screening's seat map, my reservations.
import { api, explain, money, session, when } from './api.js';
import { el, notify, busy } from './dom.js';

// The seat map asks reservation which seats are held this often. Polling, not server-sent events:
// the gateway forwards whole answers (no streaming through it), a seat map is ~100 bytes, and a
// poll below a second shows a seat someone else took within a second, which is all a picker needs.
const SEAT_POLL_MS = 700;
const LIST_POLL_MS = 2000;

// Keeps re-running `load` until the page is left; answers a stop function.
function poll(load, interval) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    await load();
    if (!stopped) timer = setTimeout(tick, interval);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

function heading(main, text) {
  const h1 = el('h1', { tabindex: '-1' }, text);
  main.append(h1);
  return h1;
}

// ---- What is on: /movieViews (the CQRS view), with seats left per screening.
export function moviesPage(main, settings) {
  heading(main, 'Now showing');
  const list = el('ul', { class: 'movies', 'aria-label': 'Movies' });
  const status = el('p', { class: 'muted' }, 'Loading the programme…');
  main.append(status, list);
  let last = '';
  return poll(async () => {
    try {
      const movies = await api('GET', '/movieViews');
      const fingerprint = JSON.stringify(movies);
      if (fingerprint === last) return;  // unchanged: keep the page (and the keyboard focus) as it is
      last = fingerprint;
      const focused = document.activeElement?.id;
      status.textContent = movies.length ? '' : 'Nothing is showing yet.';
      list.replaceChildren(...movies.map((movie) => movieCard(movie, settings)));
      if (focused) document.getElementById(focused)?.focus();
    } catch (error) {
      status.textContent = explain(error);
    }
  }, LIST_POLL_MS);
}

function movieCard(movie, settings) {
  const title = movie.title || movie.desc;
  const screenings = [...movie.screenings].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return el('li', { class: 'movie', 'data-movie': movie.movieId },
    el('h2', {}, title),
    movie.title ? el('p', {}, movie.desc) : null,
    el('p', { class: 'muted' }, movie.rating ? `Rated ${movie.rating.toFixed(1)} of 5 · ${movie.reviewCnt} reviews`
                                              : 'No reviews yet'),
    screenings.length
      ? el('ul', { class: 'screenings', 'aria-label': `Screenings of ${title}` },
           screenings.map((s) => el('li', { 'data-screening': s.screeningId },
             el('span', {}, when(s.startsAt)), el('span', {}, `Hall ${s.hall}`),
             el('span', { class: 'seats-left' }, s.seatsLeft ? `${s.seatsLeft} of ${s.seatsTotal} seats left` : 'Sold out'),
             el('span', {}, money(s.price, settings.currency)),
             s.seatsLeft ? el('a', { class: 'button', id: `choose-${s.screeningId}`, href: `#/screening/${s.screeningId}`,
                                     'aria-label': `Choose seats for ${title}, ${when(s.startsAt)}` }, 'Choose seats')
                         : null)))
      : el('p', { class: 'muted' }, 'No screenings scheduled.'));
}

// ---- A screening: the seat map (taken seats live), seat choice, card, pay.
const TEST_CARDS = [
  ['4111111111111111', 'approved'],
  ['4000000000000002', 'declined (card declined)'],
  ['4000000000009995', 'declined (insufficient funds)'],
  ['4000000000000119', 'the processor hangs: payment pending, then declined'],
];

export function screeningPage(main, screeningId, settings) {
  const title = heading(main, 'Choose your seats');
  const info = el('p', { class: 'muted', id: 'screening-info' }, 'Loading the seat map…');
  const grid = el('div', { class: 'seatmap', role: 'group', 'aria-label': 'Seats, screen at the top', id: 'seatmap' });
  const chosen = el('p', { id: 'chosen', 'aria-live': 'polite' }, 'No seats chosen.');
  const card = el('input', { id: 'card', name: 'card', inputmode: 'numeric', autocomplete: 'cc-number',
                             pattern: '[0-9 ]{12,23}', placeholder: '4111 1111 1111 1111', 'aria-describedby': 'cards' });
  const pay = el('button', { type: 'submit', id: 'pay' }, 'Pay and reserve');
  const form = el('form', { 'aria-labelledby': 'pay-legend' },
    el('fieldset', {},
      el('legend', { id: 'pay-legend' }, 'Payment'),
      el('label', { for: 'card' }, 'Card number'), card,
      el('div', { class: 'cards', id: 'cards' },
        el('p', {}, 'Test cards (this is a demonstration; no money moves). Leave empty to pay with an approved card.'),
        el('ul', {}, TEST_CARDS.map(([number, outcome]) => el('li', {}, el('code', {}, number), ` — ${outcome}`)))),
      el('p', {}, pay)));
  main.append(info, el('div', { class: 'screen', 'aria-hidden': 'true' }, 'SCREEN'),
              el('div', { class: 'seatmap-wrap' }, grid),
              el('div', { class: 'legend', 'aria-hidden': 'true' },
                 el('span', {}, el('i', { class: 'seat' }), 'free'),
                 el('span', {}, el('i', { class: 'seat', 'aria-pressed': 'true' }), 'your choice'),
                 el('span', {}, el('i', { class: 'seat taken' }), 'taken')),
              chosen, form);

  const selected = new Set();
  let taken = new Set();
  let seatMap = null;
  // One Idempotency-Key per booking attempt: every click of the same choice (a double click, a retry
  // after "try again") sends the same key, so the box office books it at most once; a new choice of
  // seats or card is a new attempt and gets a new key.
  let attemptKey = crypto.randomUUID();
  const newAttempt = () => { attemptKey = crypto.randomUUID(); };
  card.addEventListener('input', newAttempt);

  const price = () => (seatMap ? seatMap.price : 0);
  const describeChoice = () => {
    const seats = [...selected];
    chosen.textContent = seats.length
      ? `Chosen: ${seats.join(', ')} — ${money(price() * seats.length, settings.currency)}`
      : 'No seats chosen.';
  };

  const seatButton = (name) => grid.querySelector(`[data-seat="${name}"]`);
  const paintSeat = (button) => {
    const name = button.dataset.seat;
    const isTaken = taken.has(name);
    if (isTaken && selected.delete(name)) { describeChoice(); newAttempt(); }
    button.classList.toggle('taken', isTaken);
    button.setAttribute('aria-disabled', String(isTaken));
    button.setAttribute('aria-pressed', String(selected.has(name)));
    button.setAttribute('aria-label', `Seat ${name}, ${isTaken ? 'taken' : selected.has(name) ? 'chosen' : 'free'}`);
  };

  const toggle = (button) => {
    const name = button.dataset.seat;
    if (taken.has(name)) { notify(`Seat ${name} is taken.`, 'error'); return; }
    if (selected.has(name)) selected.delete(name); else selected.add(name);
    newAttempt();
    paintSeat(button);
    describeChoice();
  };

  // Arrow keys move between seats (one tab stop for the whole map); Space or Enter chooses.
  const moveFocus = (from, dRow, dCol) => {
    const row = Number(from.dataset.row) + dRow;
    const col = Number(from.dataset.col) + dCol;
    const target = grid.querySelector(`[data-row="${row}"][data-col="${col}"]`);
    if (!target) return;
    from.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  };
  grid.addEventListener('keydown', (event) => {
    const button = event.target.closest('.seat');
    if (!button) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[event.key]) { event.preventDefault(); moveFocus(button, ...moves[event.key]); }
  });
  grid.addEventListener('click', (event) => {
    const button = event.target.closest('.seat');
    if (button) toggle(button);
  });

  const build = (map) => {
    grid.style.gridTemplateColumns = `repeat(${map.cols}, auto)`;
    const buttons = [];
    for (let r = 0; r < map.rows; r++) {
      for (let c = 1; c <= map.cols; c++) {
        const name = `${String.fromCharCode(65 + r)}${c}`;
        buttons.push(el('button', { type: 'button', class: 'seat', 'data-seat': name, 'data-row': r, 'data-col': c,
                                    tabindex: r === 0 && c === 1 ? 0 : -1 }, name));
      }
    }
    grid.replaceChildren(...buttons);
  };

  const refresh = async () => {
    try {
      const map = await api('GET', `/seatMaps/${screeningId}`);
      if (!seatMap) {
        seatMap = map;
        build(map);
        title.textContent = `Choose your seats`;
        info.textContent = `Screening ${map.screeningId} · ${when(map.startsAt)} · ${money(map.price, settings.currency)} a seat`;
      }
      taken = new Set(map.taken);
      grid.querySelectorAll('.seat').forEach(paintSeat);
    } catch (error) {
      info.textContent = explain(error);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(pay, async () => {
      if (!selected.size) { notify('Choose at least one seat first.', 'error'); return; }
      const who = session();
      const body = { screeningId, seats: [...selected], customerId: who.name };
      const number = card.value.replaceAll(' ', '');
      if (number) body.cardNumber = number;
      try {
        const reservation = await api('POST', '/reservations', { body, headers: { 'Idempotency-Key': attemptKey } });
        newAttempt();
        notify(`Reserved and paid: seats ${reservation.seats.join(', ')} (reservation ${reservation.rsvId}).`, 'ok');
        selected.clear();
        describeChoice();
        await refresh();
      } catch (error) {
        // A definite refusal ends this attempt; an undecided one (pending, in flight) keeps its key so
        // that pressing again asks about the same booking instead of making a second one.
        if (!['payment_pending', 'idempotency_in_flight', 'commit_outcome_unknown', 'network', 'gateway_timeout', 'bad_gateway'].includes(error.code))
          newAttempt();
        notify(explain(error), 'error');
        await refresh();
      }
    });
  });

  return poll(refresh, SEAT_POLL_MS);
}

// ---- My reservations: the view's per-customer list with payment status; cancel; review.
export function reservationsPage(main, settings) {
  heading(main, 'My reservations');
  const status = el('p', { class: 'muted' }, 'Loading…');
  const body = el('tbody');
  const table = el('div', { class: 'table-wrap' },
    el('table', { 'aria-label': 'My reservations' },
      el('thead', {}, el('tr', {}, ['Reservation', 'Movie', 'Seats', 'Amount', 'Status', 'Payment', 'Actions']
        .map((name) => el('th', { scope: 'col' }, name)))),
      body));
  const review = el('div', { id: 'review-area' });
  main.append(status, table, review);
  let starts = new Map();
  let last = '';

  const load = async () => {
    const who = session();
    try {
      const [rows, movies] = await Promise.all([
        api('GET', `/reservationViews?customerId=${encodeURIComponent(who.name)}`),
        starts.size ? null : api('GET', '/movieViews'),
      ]);
      if (movies) starts = new Map(movies.flatMap((m) => m.screenings.map((s) => [s.screeningId, s.startsAt])));
      const fingerprint = JSON.stringify(rows);
      if (fingerprint === last) return;
      last = fingerprint;
      const focused = document.activeElement?.id;
      status.textContent = rows.length ? '' : 'You have no reservations yet.';
      body.replaceChildren(...rows.sort((a, b) => b.rsvId - a.rsvId).map((r) => row(r)));
      if (focused) document.getElementById(focused)?.focus();
    } catch (error) {
      status.textContent = explain(error);
    }
  };

  const row = (r) => {
    const started = starts.has(r.screeningId) && new Date(starts.get(r.screeningId)) <= new Date();
    const actions = el('div', { class: 'actions' });
    if (r.status === 'reserved' && !started) {
      actions.append(el('button', { type: 'button', class: 'secondary', id: `cancel-${r.rsvId}`,
        'aria-label': `Cancel reservation ${r.rsvId}`,
        onclick: (event) => busy(event.currentTarget, async () => {
          try {
            await api('PATCH', `/reservations/${r.rsvId}`, { body: { status: 'reqCancel' } });
            notify(`Reservation ${r.rsvId} is being cancelled; the refund follows.`, 'ok');
            await load();
          } catch (error) {
            notify(explain(error), 'error');
          }
        }) }, 'Cancel'));
    }
    if (r.status === 'reserved' && started)
      actions.append(el('button', { type: 'button', class: 'secondary', id: `review-${r.rsvId}`,
        onclick: () => reviewForm(review, r) }, 'Review'));
    return el('tr', { 'data-rsv': r.rsvId },
      el('td', {}, r.rsvId), el('td', {}, r.movieTitle || `Movie ${r.movieId}`), el('td', {}, (r.seats || []).join(', ')),
      el('td', {}, money(r.amount || 0, settings.currency)),
      el('td', { class: `status ${r.status}` }, r.status),
      el('td', { class: `status ${r.paymentStatus || ''}` }, r.paymentStatus || '—'),
      el('td', {}, actions));
  };

  return poll(load, LIST_POLL_MS);
}

function reviewForm(area, reservation) {
  const form = el('form', { 'aria-labelledby': 'review-title' },
    el('h2', { id: 'review-title', tabindex: '-1' }, `Review ${reservation.movieTitle || `movie ${reservation.movieId}`}`),
    el('label', { for: 'rating' }, 'Rating (1 to 5)'),
    el('select', { id: 'rating', name: 'rating' }, [5, 4, 3, 2, 1].map((n) => el('option', { value: n }, n))),
    el('label', { for: 'review-text' }, 'Your review'),
    el('textarea', { id: 'review-text', name: 'text', rows: 3, maxlength: 2000 }),
    el('p', {}, el('button', { type: 'submit' }, 'Send review')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form.querySelector('button'), async () => {
      const data = new FormData(form);
      try {
        await api('POST', `/movies/${reservation.movieId}/reviews`,
                  { body: { customerId: session().name, rating: Number(data.get('rating')), text: data.get('text') } });
        notify('Thank you for your review.', 'ok');
        area.replaceChildren();
      } catch (error) {
        notify(explain(error), 'error');
      }
    });
  });
  area.replaceChildren(form);
  form.querySelector('h2').focus();
}
