// Small DOM helpers: elements, tables with CSV export, errors, times and countdowns.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const main = () => document.getElementById('main');

/** Replaces the page's content and moves focus to its heading (for keyboard and screen readers). */
export function page(title, ...children) {
  const heading = h('h1', { tabindex: '-1' }, title);
  main().replaceChildren(heading, ...children);
  document.title = `${title} · datamarket`;
  heading.focus();
  return main();
}

export function showError(error) {
  const toast = document.getElementById('toast');
  toast.textContent = error ? String(error.message ?? error) : '';
}

export const clearError = () => showError(null);

/** Runs an action from a button: the API's message is shown if it fails. */
export function action(button, run) {
  button.addEventListener('click', async () => {
    clearError();
    button.disabled = true;
    try {
      await run();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

const csvCell = (value) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function toCsv(columns, rows) {
  return [columns.map(csvCell).join(','), ...rows.map((row) => row.map(csvCell).join(','))].join(
    '\n',
  );
}

/** A table (one card per row on narrow screens) with a CSV export of exactly what it shows. */
export function dataTable(caption, columns, rows, { filename = 'table.csv', cells } = {}) {
  const table = h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row, r) =>
        h(
          'tr',
          {},
          row.map((value, i) =>
            h('td', { 'data-label': columns[i] }, cells?.(r, i, value) ?? String(value ?? '')),
          ),
        ),
      ),
    ),
  );
  const exportButton = h(
    'button',
    { type: 'button', class: 'secondary' },
    `Export ${caption} as CSV`,
  );
  exportButton.addEventListener('click', () => {
    const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv' });
    const link = h('a', { href: URL.createObjectURL(blob), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  });
  return h('section', { class: 'table' }, table, h('div', { class: 'toolbar' }, exportButton));
}

export function keyValues(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs.filter(([, v]) => v !== undefined).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

export const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
export const seconds = (s) =>
  s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${s} s`;
/** The short name of a ledger account: its CN. */
export const who = (account) => /CN=([^/:]+)/.exec(account ?? '')?.[1] ?? account ?? '—';

/** A live countdown to a deadline; `skew` is the server's clock minus the browser's. */
export function countdown(deadline, skew = 0) {
  const element = h('time', { datetime: new Date(deadline).toISOString() });
  const tick = () => {
    if (!element.isConnected && element.dataset.started) return clearInterval(timer);
    element.dataset.started = '1';
    const left = deadline - (Date.now() + skew);
    if (left <= 0) {
      element.textContent = `passed (${when(deadline)})`;
      element.className = 'bad';
      return;
    }
    const s = Math.floor(left / 1000);
    const parts = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
    element.textContent = `${parts.map((p) => String(p).padStart(2, '0')).join(':')} left`;
  };
  const timer = setInterval(tick, 1000);
  tick();
  return element;
}

/** An input with its label. */
export function field(label, attributes) {
  const id = attributes.id ?? `f-${Math.random().toString(36).slice(2)}`;
  const input = h(attributes.tag ?? 'input', { ...attributes, id, tag: undefined });
  return { input, element: h('div', {}, h('label', { for: id }, label), input) };
}

/** What to undo when the user leaves the page (event streams, timers). */
const leaving = [];
export function onLeave(cleanup) {
  leaving.push(cleanup);
}
export function leavePage() {
  while (leaving.length > 0) leaving.pop()();
}

/** A server-sent events stream, closed when the page is left. */
export function stream(url, handlers) {
  const source = new EventSource(url, { withCredentials: true });
  for (const [name, handle] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch (error) {
        showError(error);
      }
    });
  }
  onLeave(() => {
    source.close();
  });
  return source;
}
