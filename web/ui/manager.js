// The manager console: movies and screenings (create, edit, delete), each service's health and
// circuit state, dead letters, the view's lag.
import { api, explain, money, when } from './api.js';
import { el, notify, busy } from './dom.js';

const STATUS_POLL_MS = 3000;

export function managerPage(main, settings) {
  main.append(el('h1', { tabindex: '-1' }, 'Manager console'));
  const health = el('div', { id: 'health', class: 'table-wrap' }, 'Loading…');
  const lag = el('p', { id: 'lag' }, 'Loading…');
  const movies = el('div', { id: 'movie-admin' });
  const stream = el('ol', { id: 'event-stream', class: 'events', reversed: true, 'aria-label': 'Latest events, newest first' });
  main.append(el('section', { 'aria-labelledby': 'movies-title' },
                 el('h2', { id: 'movies-title' }, 'Movies and screenings'), newMovieForm(() => loadMovies()), movies),
              el('section', { 'aria-labelledby': 'health-title' },
                 el('h2', { id: 'health-title' }, 'Services'), health),
              el('section', { 'aria-labelledby': 'lag-title' },
                 el('h2', { id: 'lag-title' }, 'View page'), lag),
              el('section', { 'aria-labelledby': 'events-title' },
                 el('h2', { id: 'events-title' }, 'Live events'),
                 el('p', { class: 'muted' }, 'Every event as the view page applies it (the newest 30).'), stream));

  const loadMovies = async () => {
    try {
      const [list, views] = await Promise.all([api('GET', '/movies?limit=1000'), api('GET', '/movieViews')]);
      const screenings = new Map(views.map((v) => [v.movieId, v.screenings]));
      movies.replaceChildren(...list.map((m) => movieBlock(m, screenings.get(m.movieId) || [], settings, loadMovies)));
      if (!list.length) movies.replaceChildren(el('p', { class: 'muted' }, 'No movies yet.'));
    } catch (error) {
      movies.replaceChildren(el('p', {}, explain(error)));
    }
  };
  loadMovies();

  let stopped = false;
  let timer = null;
  const loadStatus = async () => {
    try {
      const status = await api('GET', '/gateway/status');
      health.replaceChildren(statusTable(status));
    } catch (error) {
      health.textContent = explain(error);
    }
    try {
      const view = await api('GET', '/viewpage/lag');
      lag.textContent = `Lag: ${view.lagEvents ?? 'unknown'} events, ${Number(view.lagSeconds ?? 0).toFixed(1)} s behind the log` +
        ` (last event at offset ${view.lastEventOffset ?? '—'}${view.replaying ? '; rebuilding from the log' : ''}).`;
    } catch (error) {
      lag.textContent = explain(error);
    }
    if (!stopped) timer = setTimeout(loadStatus, STATUS_POLL_MS);
  };
  loadStatus();

  // The live event stream: asks for the events past the last one shown, every second.
  let lastOffset = null;
  let streamTimer = null;
  const loadEvents = async () => {
    try {
      const events = await api('GET', lastOffset === null ? '/viewpage/events' : `/viewpage/events?after=${lastOffset}`);
      for (const event of events) {
        stream.prepend(eventItem(event));
        lastOffset = event.offset;
      }
      while (stream.children.length > EVENTS_SHOWN) stream.lastChild.remove();
    } catch (error) {
      if (!stream.children.length) stream.replaceChildren(el('li', {}, explain(error)));
    }
    if (!stopped) streamTimer = setTimeout(loadEvents, EVENTS_POLL_MS);
  };
  loadEvents();
  return () => { stopped = true; clearTimeout(timer); clearTimeout(streamTimer); };
}

const EVENTS_POLL_MS = 1000;
const EVENTS_SHOWN = 30;

// One line of the stream: "#41 ReservationConfirmed  rsvId 3 · movieId 1 · status reserved".
function eventItem({ offset, eventType, event }) {
  const fields = ['movieId', 'rsvId', 'payId', 'screeningId', 'status', 'reason']
    .filter((name) => event[name] !== undefined && event[name] !== null)
    .map((name) => `${name} ${event[name]}`);
  return el('li', { 'data-offset': offset },
    el('span', { class: 'muted' }, `#${offset} `), el('strong', {}, eventType), ` ${fields.join(' · ')}`,
    event.timestamp ? el('span', { class: 'muted' }, ` (${event.timestamp})`) : null);
}

function statusTable(status) {
  const rows = status.services.flatMap((service) => service.instances.map((i) => el('tr', {},
    el('th', { scope: 'row' }, service.service), el('td', {}, i.address),
    el('td', { class: `status ${i.status}` }, i.status),
    el('td', { class: `status ${i.circuit || ''}` }, i.circuit ? `payment circuit ${i.circuit}` : '—'),
    el('td', {}, i.deadLettered ?? 0), el('td', {}, i.consumerLag ?? '—'), el('td', {}, i.outboxBacklog ?? '—'))));
  return el('table', { 'aria-label': 'Services' },
    el('thead', {}, el('tr', {}, ['Service', 'Instance', 'Health', 'Circuit', 'Dead letters', 'Consumer lag', 'Outbox']
      .map((name) => el('th', { scope: 'col' }, name)))),
    el('tbody', {}, rows));
}

function field(id, text, attributes = {}) {
  return [el('label', { for: id }, text), el('input', { id, name: id, ...attributes })];
}

function newMovieForm(reload) {
  const form = el('form', { class: 'inline-form', 'aria-label': 'New movie' },
    el('div', {}, field('new-title', 'Title', { maxlength: 200 })),
    el('div', {}, field('new-desc', 'Description', { required: true, maxlength: 2000 })),
    el('button', { type: 'submit' }, 'Add movie'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form.querySelector('button'), async () => {
      try {
        const movie = await api('POST', '/movies', { body: { title: form.elements['new-title'].value,
                                                             desc: form.elements['new-desc'].value } });
        notify(`Movie ${movie.movieId} added, with a default screening.`, 'ok');
        form.reset();
        await reload();
      } catch (error) {
        notify(explain(error), 'error');
      }
    });
  });
  return form;
}

function movieBlock(movie, screenings, settings, reload) {
  const id = movie.movieId;
  const edit = el('form', { class: 'inline-form', 'aria-label': `Edit movie ${id}` },
    el('div', {}, field(`title-${id}`, 'Title', { value: movie.title, maxlength: 200 })),
    el('div', {}, field(`desc-${id}`, 'Description', { value: movie.desc, required: true, maxlength: 2000 })),
    el('button', { type: 'submit' }, 'Save'),
    el('button', { type: 'button', class: 'secondary', id: `delete-${id}`, onclick: (event) => busy(event.currentTarget, async () => {
      if (!confirm(`Delete movie ${id}? Its coming reservations are cancelled and refunded.`)) return;
      try {
        await api('DELETE', `/movies/${id}`);
        notify(`Movie ${id} deleted.`, 'ok');
        await reload();
      } catch (error) {
        notify(explain(error), 'error');
      }
    }) }, 'Delete'));
  edit.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(edit.querySelector('button'), async () => {
      try {
        await api('PATCH', `/movies/${id}`, { body: { title: edit.elements[`title-${id}`].value,
                                                      desc: edit.elements[`desc-${id}`].value } });
        notify(`Movie ${id} saved.`, 'ok');
        await reload();
      } catch (error) {
        notify(explain(error), 'error');
      }
    });
  });

  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 16);
  const schedule = el('form', { class: 'inline-form', 'aria-label': `New screening of movie ${id}` },
    el('div', {}, field(`starts-${id}`, 'Starts (UTC)', { type: 'datetime-local', required: true, value: tomorrow })),
    el('div', {}, field(`hall-${id}`, 'Hall', { value: '1', size: 4, required: true })),
    el('div', {}, field(`rows-${id}`, 'Rows', { type: 'number', min: 1, max: 26, value: 8, required: true })),
    el('div', {}, field(`cols-${id}`, 'Seats a row', { type: 'number', min: 1, max: 100, value: 10, required: true })),
    el('div', {}, field(`price-${id}`, `Price (${settings.currency}, smallest unit)`, { type: 'number', min: 0, value: 10000, required: true })),
    el('button', { type: 'submit', id: `schedule-${id}` }, 'Add screening'));
  schedule.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name) => schedule.elements[`${name}-${id}`].value;
    busy(schedule.querySelector('button'), async () => {
      try {
        const made = await api('POST', `/movies/${id}/screenings`, { body: {
          startsAt: `${value('starts').slice(0, 16)}:00Z`,
          hall: value('hall'), rows: Number(value('rows')), cols: Number(value('cols')), price: Number(value('price')) } });
        notify(`Screening ${made.screeningId} added for movie ${id}.`, 'ok');
        await reload();
      } catch (error) {
        notify(explain(error), 'error');
      }
    });
  });

  return el('article', { class: 'movie', 'data-movie': id, 'aria-labelledby': `movie-${id}` },
    el('h3', { id: `movie-${id}` }, `${movie.title || movie.desc} (movie ${id}, ${movie.status}, ${movie.seatsLeft ?? '?'} seats left)`),
    edit,
    screenings.length
      ? el('ul', { class: 'screenings' }, screenings.map((s) => el('li', {},
          `Screening ${s.screeningId}: ${when(s.startsAt)}, hall ${s.hall}, ${s.seatsLeft}/${s.seatsTotal} seats left, ${money(s.price, settings.currency)}`)))
      : el('p', { class: 'muted' }, 'No screenings.'),
    schedule);
}
