// Talks to the gateway: who the user is (sign-in kept in sessionStorage), JSON requests with a
// bearer token when one is set, and a plain-words message for every refusal the API gives.

const SESSION_KEY = 'cinema.session';

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY)) || null;
  } catch {
    return null;
  }
}

export function signIn({ name, role, token }) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ name, role, token: token || '' }));
}

export function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
}

// An error the API answered (status, error code, message) or a network failure (status 0).
export class ApiError extends Error {
  constructor(status, code, message, body, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

// `anonymous`: without the signed-in user's token (the UI's own settings need none).
export async function api(method, path, { body, headers = {}, anonymous = false } = {}) {
  const current = session();
  const sent = { Accept: 'application/json', ...headers };
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  if (current?.token && !anonymous) sent.Authorization = `Bearer ${current.token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (failure) {
    throw new ApiError(0, 'network', 'The box office cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const code = parsed?.error || `http_${response.status}`;
    throw new ApiError(response.status, code, parsed?.message || response.statusText, parsed,
                       response.headers.get('Retry-After'));
  }
  return parsed;
}

// What to tell a person for each refusal (docs/API.md lists them).
export function explain(error) {
  if (!(error instanceof ApiError)) return `Something went wrong: ${error.message}`;
  const later = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : ' Try again in a moment.';
  const reason = error.body?.reason ? ` (${error.body.reason.replaceAll('_', ' ')})` : '';
  switch (error.code) {
    case 'seat_taken': return 'Sorry, one of those seats was just taken by someone else. The map now shows it; pick another seat.';
    case 'sold_out': return 'This screening is sold out.';
    case 'screening_started': return 'This screening has already started; it no longer sells seats.';
    case 'limit_reached': return 'You have reached the most reservations one person may hold. Cancel one to book another.';
    case 'payment_declined': return `Your card was declined${reason}. Nothing was reserved and nothing was charged.`;
    case 'payment_pending': return 'The card processor has not decided yet. Your seats are held and the reservation settles by itself: see My reservations.';
    case 'payment_unavailable': return `Payment is unavailable right now; nothing was reserved.${later}`;
    case 'idempotency_in_flight': return `This booking is still being paid.${later}`;
    case 'commit_outcome_unknown': return `We lost track of that step and it may have gone through: press the button again to learn what happened.${later}`;
    case 'idempotency_key_reused': return 'This click was already used for another booking. Please press the button again.';
    case 'amount_out_of_range': return 'The total is more than one payment may charge. Pick fewer seats.';
    case 'rate_limited': return `Too many requests.${later}`;
    case 'cancel_closed': return 'This reservation can no longer be cancelled: the screening is about to start.';
    case 'conflict': return `That cannot be done in its current state: ${error.message}`;
    case 'not_allowed': return 'Only customers who saw a screening of this movie may review it, once the screening has started.';
    case 'already_reviewed': return 'You have already reviewed this movie.';
    case 'unauthorized':
    case 'invalid_token':
    case 'invalid_request': return 'Please sign in again: your sign-in is missing or no longer valid.';
    case 'forbidden': return 'You are not allowed to do that. Managers sign in with the manager role.';
    case 'not_found': return `Not found: ${error.message}`;
    case 'bad_request': return `Please check the form: ${error.message}`;
    case 'bad_gateway':
    case 'gateway_timeout':
    case 'service_unavailable': return `A part of the box office is not answering.${later}`;
    case 'network': return error.message;
    default: return `The box office refused (${error.status} ${error.code}): ${error.message}`;
  }
}

// Prices are in the currency's smallest unit (KRW: won; EUR: cents).
export function money(amount, currency) {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(amount / 10 ** digits);
}

export function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}
