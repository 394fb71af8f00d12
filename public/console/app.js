// The operator console: sign-in, navigation and routing. Views live in their own modules.
import { api, session, SignedOut } from './api.js';
import { append, clear, field, h, message } from './dom.js';
import { overview } from './overview.js';
import { heldChanges } from './held.js';
import { pinsView } from './pins.js';
import { runDetail, runsView } from './runs.js';
import { modelView, modelsView } from './models.js';

const header = document.getElementById('top');
const main = document.getElementById('main');

const VIEWS = [
  ['#/overview', 'Overview'],
  ['#/held', 'Held changes'],
  ['#/pins', 'Pins'],
  ['#/runs', 'Runs'],
  ['#/models', 'Models'],
];

let caller = null;

function signOut(note) {
  session.signOut();
  caller = null;
  showSignIn(note ?? 'Signed out.');
}

function showSignIn(note) {
  append(clear(header), h('p', { class: 'brand' }, 'pricing-sync console'));
  const key = field('Admin key', { class: 'secret', spellcheck: 'false', autocomplete: 'off' });
  const form = h(
    'form',
    {
      class: 'sign-in',
      on: {
        submit: (event) => {
          event.preventDefault();
          const value = key.input.value.trim();
          if (!value) return;
          session.signIn(value);
          key.input.value = '';
          if (location.hash === '' || location.hash === '#/sign-in') location.hash = '#/overview';
          void route();
        },
      },
    },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      {},
      'The admin key (ADMIN_API_KEY, or a key of ADMIN_API_KEYS) stays in this tab only: it is kept in sessionStorage and sent as the bearer header.',
    ),
    note ? message(note, note === 'Signed out.' ? 'ok' : 'error') : null,
    key.element,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  append(clear(main), form);
  key.input.focus();
}

function showHeader() {
  const current = location.hash.split(/[/?]/)[1] ?? 'overview';
  append(
    clear(header),
    h('p', { class: 'brand' }, 'pricing-sync console'),
    h(
      'nav',
      { 'aria-label': 'Console' },
      h(
        'ul',
        {},
        VIEWS.map(([href, label]) =>
          h('li', {}, h('a', { href, 'aria-current': href.slice(2) === current ? 'page' : null }, label)),
        ),
      ),
    ),
    h(
      'p',
      { class: 'who' },
      caller ? h('span', {}, 'Signed in as ', h('strong', {}, caller)) : null,
      h('button', { type: 'button', class: 'link', on: { click: () => signOut() } }, 'Sign out'),
    ),
  );
}

/** The view for the hash: `#/runs/12`, `#/model?provider=p&model_id=m`, … */
function viewFor(hash) {
  const [path, search = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case 'held':
      return (root) => heldChanges(root);
    case 'pins':
      return (root) => pinsView(root, params);
    case 'runs':
      return parts[1] ? (root) => runDetail(root, parts[1]) : (root) => runsView(root, params);
    case 'models':
      return (root) => modelsView(root, params);
    case 'model':
      return (root) => modelView(root, params);
    default:
      return (root) => overview(root);
  }
}

async function route() {
  if (!session.key()) {
    showSignIn(null);
    return;
  }
  try {
    if (caller === null) {
      const status = await api('/admin/pricing/scheduler/status');
      caller = typeof status.body.caller === 'string' ? status.body.caller : 'admin key';
    }
    showHeader();
    const root = h('div', { class: 'view' });
    append(clear(main), root);
    await viewFor(location.hash)(root);
  } catch (error) {
    if (error instanceof SignedOut) {
      if (!session.key()) showSignIn(error.message);
      return;
    }
    append(main, message(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`));
  }
}

window.addEventListener('hashchange', () => void route());
window.addEventListener('console:signed-out', (event) => {
  caller = null;
  showSignIn(event.detail);
});
void route();
