// The web UI in a real browser (Debian's chromium driven by playwright-core) against `cinema up`.
// CINEMA_SCREENSHOTS=DIR also saves a screenshot of each page there (docs/ui/ holds the committed ones).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { Cinema, sleep } = require('./cinema');

const cinema = new Cinema({
  port: 18088, basePort: 18181,
  env: { UI_PROPERTIES_FILE_NAME: path.join(__dirname, 'user-interface.properties') },
});
let browser;
const pageErrors = [];

before(async () => {
  await cinema.start();
  // Debian's chromium; no browser is downloaded. The machine has no network but loopback: the flags
  // keep chromium from trying its background services at start.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await cinema.stop();
});

async function screenshot(page, name) {
  if (!process.env.CINEMA_SCREENSHOTS) return;
  await page.screenshot({ path: path.join(process.env.CINEMA_SCREENSHOTS, `${name}.png`), fullPage: true });
}

// A browser context of its own (its own sessionStorage), signed in through the sign-in form.
async function signedIn(name, role = 'customer', options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
  await page.goto(`${cinema.url}/ui/#/signin`);
  await page.fill('#signin-name', name);
  await page.selectOption('#signin-role', role);
  await page.click('form.signin button[type=submit]');
  await page.waitForSelector('#signed-in-name');
  return { context, page };
}

async function openSeatMap(page, screeningId, system = cinema) {
  await page.goto(`${system.url}/ui/#/screening/${screeningId}`);
  await page.waitForSelector('#seatmap .seat');
}

const seat = (page, name) => page.locator(`#seatmap [data-seat="${name}"]`);
const notice = (page) => page.locator('#notice');

async function isTaken(page, name) {
  return (await seat(page, name).getAttribute('aria-disabled')) === 'true';
}

// Whether the seat map shows `name` taken within `ms` (the map refreshes itself after a refusal and
// every 0.7 s).
async function shownTakenWithin(page, name, ms) {
  return page.waitForFunction(
    (wanted) => document.querySelector(`#seatmap [data-seat="${wanted}"]`)?.getAttribute('aria-disabled') === 'true',
    name, { timeout: ms }).then(() => true, () => false);
}

test('the page shows the cinema named by UI_PROPERTIES_FILE_NAME, in its colours', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${cinema.url}/ui/`);
    await page.waitForFunction(() => document.getElementById('brand').textContent === 'Cinema Paradiso');
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('brand')).color), 'rgb(11, 93, 91)');
    assert.match(await page.title(), /Cinema Paradiso/);
  } finally {
    await context.close();
  }
});

test('two customers race for one seat: exactly one wins, the other sees it taken within a second', async () => {
  const { screeningId } = await cinema.screening({ title: 'The Race' });
  const ann = await signedIn('ann');
  const bob = await signedIn('bob');
  try {
    await Promise.all([openSeatMap(ann.page, screeningId), openSeatMap(bob.page, screeningId)]);
    await seat(ann.page, 'B3').click();
    await seat(bob.page, 'B3').click();
    // Both press pay at once.
    await Promise.all([ann.page.click('#pay'), bob.page.click('#pay')]);
    const texts = await Promise.all([ann, bob].map(async ({ page }) => {
      await page.waitForFunction(() => /Reserved and paid|taken/.test(document.getElementById('notice').textContent));
      return notice(page).textContent();
    }));
    const winners = texts.filter((text) => text.includes('Reserved and paid'));
    assert.equal(winners.length, 1, `exactly one wins: ${JSON.stringify(texts)}`);
    assert.equal(texts.filter((text) => text.includes('just taken')).length, 1, JSON.stringify(texts));
    const loser = texts[0].includes('Reserved and paid') ? bob.page : ann.page;
    assert.ok(await shownTakenWithin(loser, 'B3', 1000), 'the loser sees B3 taken within a second');
    const held = (await cinema.json('GET', `/seatMaps/${screeningId}`)).body.taken;
    assert.deepEqual(held, ['B3']);

    // Live: while bob only looks at the map, ann takes C5; bob's map shows it taken within a second.
    await seat(ann.page, 'C5').click();
    await ann.page.click('#pay');
    await ann.page.waitForFunction(() => /Reserved and paid: seats C5/.test(document.getElementById('notice').textContent));
    const booked = Date.now();
    await bob.page.waitForFunction(() => document.querySelector('[data-seat="C5"]').getAttribute('aria-disabled') === 'true',
                                   null, { timeout: 3000 });
    const seenAfter = Date.now() - booked;
    assert.ok(seenAfter <= 1000, `bob saw C5 taken after ${seenAfter} ms`);
    await screenshot(bob.page, 'seat-map');
  } finally {
    await ann.context.close();
    await bob.context.close();
  }
});

test('a declined card is told in plain words and holds nothing', async () => {
  const { screeningId } = await cinema.screening({ title: 'Declined' });
  const { context, page } = await signedIn('dana');
  try {
    await openSeatMap(page, screeningId);
    await seat(page, 'A2').click();
    await page.fill('#card', '4000 0000 0000 0002');
    await page.click('#pay');
    await page.waitForFunction(() => /declined/.test(document.getElementById('notice').textContent));
    assert.match(await notice(page).textContent(), /Your card was declined \(card declined\)\. Nothing was reserved/);
    assert.equal(await notice(page).getAttribute('role'), 'alert');
    assert.equal(await isTaken(page, 'A2'), false, 'the seat is free again');
    const mine = await cinema.json('GET', '/reservations?customerId=dana');
    assert.deepEqual(mine.body.map((r) => r.status), ['rejected']);
    await screenshot(page, 'declined-card');
  } finally {
    await context.close();
  }
});

test('a double click books once: one Idempotency-Key per attempt', async () => {
  const { screeningId } = await cinema.screening({ title: 'Double Click' });
  const { context, page } = await signedIn('dora');
  try {
    await openSeatMap(page, screeningId);
    await seat(page, 'A1').click();
    await page.dblclick('#pay');
    await page.waitForFunction(() => /Reserved and paid/.test(document.getElementById('notice').textContent));
    await sleep(500);
    const mine = await cinema.json('GET', '/reservations?customerId=dora');
    assert.equal(mine.body.length, 1, JSON.stringify(mine.body));
  } finally {
    await context.close();
  }
});

test('my reservations show payment status, and cancel refunds', async () => {
  const { screeningId } = await cinema.screening({ title: 'Cancel Me' });
  const { context, page } = await signedIn('carl');
  try {
    await openSeatMap(page, screeningId);
    await seat(page, 'D6').click();
    await page.click('#pay');
    await page.waitForFunction(() => /Reserved and paid/.test(document.getElementById('notice').textContent));
    await page.click('a[href="#/reservations"]');
    const row = page.locator('tbody tr').first();
    // The view hears of the payment and of the reservation from two services' events, in either
    // order: the row is whole once both have arrived.
    await page.waitForFunction(() => /D6.*reserved.*paid/.test(document.querySelector('tbody tr')?.textContent || ''),
                               null, { timeout: 10000 });
    assert.match(await row.textContent(), /Cancel Me.*D6.*reserved.*paid/);
    await screenshot(page, 'my-reservations');
    await row.locator('button', { hasText: 'Cancel' }).click();
    await page.waitForFunction(() => /cancelled.*cancelled/.test(document.querySelector('tbody tr')?.textContent || ''),
                               null, { timeout: 10000 });
    assert.match(await notice(page).textContent(), /being cancelled/);
    assert.equal(await row.locator('button', { hasText: 'Cancel' }).count(), 0, 'no cancel button once cancelled');
  } finally {
    await context.close();
  }
});

test('a manager adds a screening and a customer sees it', async () => {
  const { movieId } = await cinema.screening({ title: 'Managed' });
  const manager = await signedIn('mia', 'manager');
  const customer = await signedIn('cid');
  try {
    await customer.page.goto(`${cinema.url}/ui/#/`);
    await customer.page.waitForSelector(`[data-movie="${movieId}"]`);
    await manager.page.click('a[href="#/manager"]');
    await manager.page.waitForSelector(`#hall-${movieId}`);
    await manager.page.waitForSelector('#health table');
    await manager.page.fill(`#starts-${movieId}`, '2030-01-02T20:30');
    await manager.page.fill(`#hall-${movieId}`, 'IMAX');
    await manager.page.click(`#schedule-${movieId}`);
    await manager.page.waitForFunction(() => /Screening \d+ added/.test(document.getElementById('notice').textContent));
    // The live event stream shows it too.
    await manager.page.waitForFunction(() => /ScreeningScheduled/.test(document.getElementById('event-stream').textContent),
                                       null, { timeout: 5000 });
    await screenshot(manager.page, 'manager-console');
    // The customer's page refreshes by itself.
    await customer.page.waitForFunction((id) => /Hall IMAX/.test(document.querySelector(`[data-movie="${id}"]`).textContent),
                                        movieId, { timeout: 10000 });
    await screenshot(customer.page, 'movies');
  } finally {
    await manager.context.close();
    await customer.context.close();
  }
});

test('after the screening, a customer reviews the movie from my reservations', async () => {
  const startsAt = new Date(Date.now() + 4000).toISOString().slice(0, 19) + 'Z';
  const { movieId, screeningId } = await cinema.screening({ title: 'Reviewed', startsAt, rows: 1, cols: 2 });
  const booked = await cinema.json('POST', '/reservations', { body: { screeningId, seats: ['A1'], customerId: 'rae' } });
  assert.equal(booked.status, 201, booked.text);
  await sleep(Math.max(0, new Date(startsAt) - Date.now() + 300));
  const { context, page } = await signedIn('rae');
  try {
    await page.click('a[href="#/reservations"]');
    await page.click(`#review-${booked.body.rsvId}`);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'review-title', 'focus moves to the form');
    await screenshot(page, 'review');
    await page.selectOption('#rating', '4');
    await page.fill('#review-text', 'Worth the ticket');
    await page.click('#review-area button[type=submit]');
    await page.waitForFunction(() => /Thank you for your review/.test(document.getElementById('notice').textContent));
    const reviews = await cinema.json('GET', `/movies/${movieId}/reviews`);
    assert.deepEqual(reviews.body.map((r) => [r.customerId, r.rating, r.text]), [['rae', 4, 'Worth the ticket']]);
    // A second review is refused in plain words.
    await page.click(`#review-${booked.body.rsvId}`);
    await page.click('#review-area button[type=submit]');
    await page.waitForFunction(() => /already reviewed/.test(document.getElementById('notice').textContent));
  } finally {
    await context.close();
  }
});

// Presses Tab until the focused element matches `selector` (at most `limit` presses).
async function tabTo(page, selector, limit = 80) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('a reservation made with the keyboard only', async () => {
  const { screeningId } = await cinema.screening({ title: 'Keyboard' });
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${cinema.url}/ui/#/signin`);
    await tabTo(page, '#signin-name');
    await page.keyboard.type('kit');
    await tabTo(page, 'form.signin button[type=submit]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#signed-in-name');
    await tabTo(page, `#choose-${screeningId}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#seatmap .seat');
    await tabTo(page, '#seatmap .seat[tabindex="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.seat), 'B3');
    await page.keyboard.press('Space');
    assert.equal(await seat(page, 'B3').getAttribute('aria-pressed'), 'true');
    await tabTo(page, '#pay');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /Reserved and paid: seats B3/.test(document.getElementById('notice').textContent));
  } finally {
    await context.close();
  }
});

test('on a 360 px wide phone nothing overflows and a reservation works', async () => {
  const { screeningId } = await cinema.screening({ title: 'Phone', rows: 8, cols: 10 });
  const { context, page } = await signedIn('pia', 'customer', { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  try {
    await page.goto(`${cinema.url}/ui/#/`);
    await page.waitForSelector(`#choose-${screeningId}`);
    assert.equal(await overflow(), 0, 'the movie list fits');
    await screenshot(page, 'movies-360px');
    await openSeatMap(page, screeningId);
    assert.equal(await overflow(), 0, 'the seat map fits');
    await seat(page, 'H10').tap();
    await page.tap('#pay');
    await page.waitForFunction(() => /Reserved and paid: seats H10/.test(document.getElementById('notice').textContent));
    await screenshot(page, 'seat-map-360px');
  } finally {
    await context.close();
  }
});

// WCAG 2 contrast ratio of two CSS rgb() colours.
function contrast(a, b) {
  const luminance = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

test('accessibility basics: labels, names, one heading, contrast', async () => {
  const { screeningId } = await cinema.screening({ title: 'Access' });
  const { context, page } = await signedIn('alex', 'manager');
  try {
    for (const hash of ['#/', `#/screening/${screeningId}`, '#/reservations', '#/manager', '#/signin']) {
      await page.goto(`${cinema.url}/ui/${hash}`);
      await page.waitForTimeout(400);
      const problems = await page.evaluate(() => {
        const found = [];
        if (!document.documentElement.lang) found.push('no lang');
        if (document.querySelectorAll('h1').length !== 1) found.push('not one h1');
        for (const input of document.querySelectorAll('input, select, textarea'))
          if (!input.labels?.length && !input.getAttribute('aria-label')) found.push(`unlabelled ${input.id || input.name}`);
        for (const button of document.querySelectorAll('button, a'))
          if (!(button.getAttribute('aria-label') || button.textContent.trim())) found.push(`nameless ${button.outerHTML}`);
        return found;
      });
      assert.deepEqual(problems, [], hash);
      const pairs = await page.evaluate(() => {
        const background = (node) => {
          for (; node; node = node.parentElement) {
            const colour = getComputedStyle(node).backgroundColor;
            if (!/rgba\(0, 0, 0, 0\)|transparent/.test(colour)) return colour;
          }
          return 'rgb(255, 255, 255)';
        };
        return [...document.querySelectorAll('main p, main button:not(.seat), main a, main label, main td, nav a')]
          .filter((node) => node.textContent.trim() && node.offsetParent)
          .map((node) => [node.textContent.trim().slice(0, 30), getComputedStyle(node).color, background(node)]);
      });
      for (const [text, colour, back] of pairs)
        assert.ok(contrast(colour, back) >= 4.5, `${hash} "${text}": ${colour} on ${back} is ${contrast(colour, back).toFixed(2)}:1`);
    }
    await page.goto(`${cinema.url}/ui/#/signin`);
    await screenshot(page, 'sign-in');
  } finally {
    await context.close();
  }
});

test('with security enforced, sign-in takes a token and the API decides what it allows', async () => {
  const secured = new Cinema({ port: 18488, basePort: 18581, args: ['--security', 'enforce'] });
  await secured.start();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`enforce: ${error.message}`));
  try {
    const { screeningId } = await secured.screening({ title: 'Secured' });
    await page.goto(`${secured.url}/ui/#/signin`);
    await page.waitForSelector('#signin-token');
    await screenshot(page, 'sign-in-enforce');
    // A wrong token: the API refuses it, and the page says to sign in again.
    await page.fill('#signin-name', 'eve');
    await page.fill('#signin-token', 'not.a.token');
    await page.click('form.signin button[type=submit]');
    await page.waitForFunction(() => /Please sign in again/.test(document.querySelector('main').textContent));
    // A customer's token: booking works, as that customer.
    await page.click('#who button');
    await page.goto(`${secured.url}/ui/#/signin`);
    await page.fill('#signin-name', 'eve');
    await page.fill('#signin-token', secured.token('customer', 'eve'));
    await page.click('form.signin button[type=submit]');
    await openSeatMap(page, screeningId, secured);
    await seat(page, 'A1').click();
    await page.click('#pay');
    await page.waitForFunction(() => /Reserved and paid: seats A1/.test(document.getElementById('notice').textContent));
    const mine = await secured.json('GET', '/reservations', { headers: { Authorization: `Bearer ${secured.token('customer', 'eve')}` } });
    assert.deepEqual(mine.body.map((r) => [r.customerId, r.seats]), [['eve', ['A1']]]);
  } finally {
    await context.close();
    await secured.stop();
  }
});

test('no page raised a JavaScript error', () => {
  assert.deepEqual(pageErrors, []);
});
