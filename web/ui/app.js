// The box office: a hash router over the customer pages (customer.js) and the manager console
// (manager.js). Plain ES modules, no build step: the gateway serves these files as they are.
import { api, session, signIn, signOut } from './api.js';
import { el, clearNotice } from './dom.js';
import { moviesPage, screeningPage, reservationsPage } from './customer.js';
import { managerPage } from './manager.js';

export const settings = { cinemaName: 'Box office', currency: 'KRW', securityMode: 'dev' };

let stopPage = () => {};

function applyTheme() {
  const root = document.documentElement.style;
  for (const [name, value] of Object.entries(settings.colors || {})) root.setProperty(`--${name}`, value);
  document.getElementById('brand').textContent = settings.cinemaName;
}

function renderWho() {
  const who = document.getElementById('who');
  const current = session();
  who.replaceChildren();
  document.querySelectorAll('.manager-only').forEach((item) => { item.hidden = current?.role !== 'manager'; });
  if (current) {
    who.append(el('span', {}, `Signed in as `, el('strong', { id: 'signed-in-name' }, current.name),
                  current.role === 'manager' ? ' (manager)' : ''),
               el('button', { class: 'secondary', type: 'button', onclick: () => { signOut(); route(); } }, 'Sign out'));
  }
}

function signInPage(main) {
  const enforce = settings.securityMode === 'enforce';
  const form = el('form', { class: 'signin', 'aria-labelledby': 'page-title' },
    el('label', { for: 'signin-name' }, 'Your name'),
    el('input', { id: 'signin-name', name: 'name', required: true, autocomplete: 'username', maxlength: 64,
                  pattern: '[A-Za-z0-9._@-]+', title: 'Letters, digits and . _ @ -' }),
    el('label', { for: 'signin-role' }, 'I am'),
    el('select', { id: 'signin-role', name: 'role' },
       el('option', { value: 'customer' }, 'a customer'), el('option', { value: 'manager' }, 'a manager')),
    enforce ? [el('label', { for: 'signin-token' }, 'Access token (JWT)'),
               el('textarea', { id: 'signin-token', name: 'token', rows: 3, required: true }),
               el('p', { class: 'muted' }, 'Your identity provider gives you a token; in development, ',
                  el('code', {}, 'cinema token --role customer --sub NAME'), ' prints one.')]
            : el('p', { class: 'muted' }, 'This box office runs in development mode: a name is enough.'),
    el('p', {}, el('button', { type: 'submit' }, 'Sign in')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    signIn({ name: data.get('name').trim(), role: data.get('role'), token: (data.get('token') || '').trim() });
    if (location.hash === '#/signin') location.hash = '#/';  // the hashchange routes
    else route();
  });
  main.append(el('h1', { id: 'page-title', tabindex: '-1' }, `Welcome to ${settings.cinemaName}`),
              el('p', {}, 'Sign in to book seats. Browsing the movies needs no sign-in: ',
                 el('a', { href: '#/' }, 'see what is on'), '.'),
              form);
}

async function route() {
  stopPage();
  stopPage = () => {};
  renderWho();
  const main = document.getElementById('main');
  main.replaceChildren();
  const hash = location.hash || '#/';
  const [, page, id] = hash.match(/^#\/([a-z]*)\/?(\d*)/) || [];
  const current = session();
  const needsSignIn = page === 'reservations' || page === 'manager' || page === 'screening';
  if (needsSignIn && !current) signInPage(main);
  else if (page === 'signin') signInPage(main);
  else if (page === 'screening') stopPage = screeningPage(main, Number(id), settings);
  else if (page === 'reservations') stopPage = reservationsPage(main, settings);
  else if (page === 'manager') stopPage = managerPage(main, settings);
  else stopPage = moviesPage(main, settings);
  document.title = `${main.querySelector('h1')?.textContent || 'Box office'} · ${settings.cinemaName}`;
  // Move focus to the new page's heading, so keyboard and screen reader users start there.
  (main.querySelector('h1') || main).focus();
}

window.addEventListener('hashchange', () => { clearNotice(); route(); });

try {
  Object.assign(settings, await api('GET', '/ui/config.json', { anonymous: true }));
} catch {
  // The defaults above still give a working box office.
}
applyTheme();
route();
