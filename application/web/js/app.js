// The web app's shell: sign-in, the navigation for this app's roles, and hash routing.
import { ApiError, currentSession, hasRole, loadSession, signIn, signOut } from './api.js';
import { auditPage, auditTradePage } from './auditor.js';
import { blocksPage } from './blocks.js';
import { myTrades, tradePage } from './buyer.js';
import { catalogue, listingPage } from './catalogue.js';
import { clearError, field, h, leavePage, page, showError } from './dom.js';
import { poolPage } from './pools.js';
import { myListings, sellPage } from './seller.js';

const ID = '([A-Za-z0-9][A-Za-z0-9._-]{0,127})';
const TX = '([0-9a-f]{64})';
const routes = [
  { path: '#/catalogue', label: 'Catalogue', view: catalogue },
  { path: `#/listing/${ID}/${ID}`, view: listingPage },
  { path: `#/pool/${ID}/${ID}`, view: poolPage },
  { path: '#/trades', label: 'My trades', role: 'buyer', view: myTrades },
  { path: `#/trade/${ID}/${TX}`, view: tradePage },
  { path: '#/sell', label: 'Sell a dataset', role: 'seller', view: sellPage },
  { path: '#/listings', label: 'My listings and sales', role: 'seller', view: myListings },
  { path: '#/audit', label: 'Supply and trades', role: 'auditor', view: auditPage },
  { path: `#/audit/trade/${ID}/${TX}`, role: 'auditor', view: auditTradePage },
  { path: '#/blocks', label: 'Blocks', role: 'auditor', view: blocksPage },
];

/** Each role's main page. */
function home() {
  if (hasRole('auditor')) return '#/audit';
  if (hasRole('seller')) return '#/listings';
  return '#/catalogue';
}

function renderNav() {
  const nav = document.getElementById('nav');
  const session = currentSession();
  document.getElementById('org').textContent = session
    ? `· ${session.org} (${session.roles.join(', ')})`
    : '';
  if (!session) {
    nav.replaceChildren();
    return;
  }
  const here = location.hash.split('?')[0];
  const items = routes
    .filter((r) => r.label && (!r.role || hasRole(r.role)))
    .map((r) =>
      h(
        'li',
        {},
        h('a', { href: r.path, 'aria-current': r.path === here ? 'page' : undefined }, r.label),
      ),
    );
  const out = h(
    'button',
    { type: 'button', class: 'link', id: 'sign-out' },
    `Sign out ${session.user}`,
  );
  out.addEventListener('click', async () => {
    try {
      await signOut();
    } catch (error) {
      showError(error);
    }
    go('#/signin');
  });
  nav.replaceChildren(h('ul', {}, items, h('li', {}, out)));
}

function signInPage(message) {
  const token = field('API token of your org', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    required: true,
    id: 'token',
  });
  const form = h(
    'form',
    { class: 'panel', id: 'sign-in' },
    h(
      'p',
      {},
      'Sign in with the API token your org issued for this app. The session lasts 30 minutes.',
    ),
    token.element,
    h('p', {}, h('button', { type: 'submit' }, 'Sign in')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    try {
      await signIn(token.input.value.trim());
      go(home());
    } catch (error) {
      showError(error);
    }
  });
  page('Sign in', message ? h('p', { class: 'bad', role: 'status' }, message) : '', form);
  token.input.focus();
}

async function render() {
  leavePage();
  if (!currentSession()) await loadSession();
  renderNav();
  if (!currentSession()) {
    signInPage();
    return;
  }
  const hash = (location.hash || home()).split('?')[0];
  for (const route of routes) {
    const match = new RegExp(`^${route.path}$`).exec(hash);
    if (!match) continue;
    if (route.role && !hasRole(route.role)) break;
    clearError();
    try {
      await route.view(...match.slice(1).map(decodeURIComponent));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        renderNav();
        signInPage(error.message);
      } else showError(error);
    }
    return;
  }
  location.replace(home());
}

// One render at a time, in order: a slow page never overwrites the one asked for after it.
let rendering = Promise.resolve();
function schedule() {
  rendering = rendering.then(render, render);
}
/** Goes to a page (rendered by the hashchange, or now when the hash stays the same). */
function go(hash) {
  if (location.hash === hash) schedule();
  else location.hash = hash;
}

window.addEventListener('hashchange', schedule);
window.addEventListener('unhandledrejection', (event) => {
  if (event.reason instanceof ApiError && event.reason.status === 401) {
    renderNav();
    signInPage(event.reason.message);
  } else showError(event.reason);
});
schedule();
