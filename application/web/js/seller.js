// Seller pages: upload a CSV, preview its schema and ranges, choose terms and list it; update
// terms, delist, and each sale with what the seller app's event pump did for it.
import { allPages, api, ch, currentSession } from './api.js';
import { action, dataTable, field, h, keyValues, page, when, who } from './dom.js';
import { previewCsv } from './csv.js';

const PRESETS = ['n8192-d2', 'n8192-d4', 'n4096-d0', 'n4096-d1', 'n16384-d9'];
const SAMPLE_KINDS = [
  ['schema-uniform', 'synthetic: uniform over the schema'],
  ['marginals', 'synthetic: each column’s own distribution'],
];
const BUILTINS = ['column-means', 'column-sums', 'xtx', 'xty', 'lr-epochs'];
const round = (x) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : '—');

function channelSelect(id) {
  const f = field('Channel', { tag: 'select', id });
  f.input.append(...currentSession().channels.map((c) => h('option', { value: c }, c)));
  return f;
}

function termsFields(defaults = {}) {
  const make = (label, name, attrs = {}) =>
    field(label, { name, id: `term-${name}`, value: defaults[name], ...attrs });
  const num = { type: 'number', min: '1', inputmode: 'numeric', required: true };
  return {
    title: make('Title', 'title', { required: true, maxlength: '200' }),
    description: make('Description', 'description', { tag: 'textarea', rows: '2' }),
    price: make('Price (tokens)', 'price', { ...num, min: '0' }),
    deposit: make('Deposit (tokens)', 'deposit', { ...num, min: '0' }),
    deliverWithin: make('Deliver within (seconds)', 'deliverWithin', num),
    resultWithin: make('Buyer submits within (seconds)', 'resultWithin', num),
    decryptWithin: make('Decrypt within (seconds)', 'decryptWithin', num),
    leakageBound: make('Leakage bound (values per result)', 'leakageBound', num),
  };
}

const termsOf = (fields) => ({
  title: fields.title.input.value,
  description: fields.description.input.value,
  price: fields.price.input.value,
  deposit: fields.deposit.input.value || '0',
  deliverWithin: Number(fields.deliverWithin.input.value),
  resultWithin: Number(fields.resultWithin.input.value),
  decryptWithin: Number(fields.decryptWithin.input.value),
  leakageBound: Number(fields.leakageBound.input.value),
});

export function sellPage() {
  let csv = '';
  const file = field('CSV file (header line, numeric columns)', {
    type: 'file',
    accept: '.csv,text/csv',
    id: 'csv-file',
  });
  const preview = h('div', { id: 'csv-preview', 'aria-live': 'polite' });
  const channel = channelSelect('sell-channel');
  const id = field('Dataset id', {
    id: 'sell-id',
    required: true,
    pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,127}',
  });
  const terms = termsFields({
    price: '100',
    deposit: '10',
    deliverWithin: '900',
    resultWithin: '3600',
    decryptWithin: '900',
    leakageBound: '10',
  });
  const preset = field('CKKS preset', { tag: 'select', id: 'sell-preset' });
  preset.input.append(...PRESETS.map((p) => h('option', { value: p }, p)));
  const sample = h('input', { type: 'checkbox', id: 'sell-sample', checked: true });
  const sampleKind = field('Sample kind', { tag: 'select', id: 'sell-sample-kind' });
  sampleKind.input.append(...SAMPLE_KINDS.map(([v, label]) => h('option', { value: v }, label)));
  const budget = field('Decryption budget (values per key)', {
    type: 'number',
    min: '1',
    value: '64',
    id: 'sell-budget',
    inputmode: 'numeric',
  });
  const policy = field('Computation policy', { tag: 'select', id: 'sell-policy' });
  policy.input.append(
    h('option', { value: 'open' }, 'open: any computation within the leakage bound'),
    h('option', { value: 'approved' }, 'approved computations only'),
  );
  const approved = BUILTINS.map((id, i) =>
    h('input', { type: 'checkbox', id: `approve-${i}`, value: id, checked: id === 'column-means' }),
  );
  const approvedBox = h(
    'fieldset',
    { hidden: true },
    h('legend', {}, 'Approved computations'),
    approved.map((b) => h('label', { class: 'check', for: b.id }, b, b.value)),
  );
  policy.input.addEventListener('change', () => {
    approvedBox.hidden = policy.input.value !== 'approved';
  });
  const privacyTerms = () => ({
    sampleKind: sampleKind.input.value,
    maxValuesPerKey: Number(budget.input.value),
    computationPolicy:
      policy.input.value === 'approved'
        ? {
            mode: 'approved',
            computations: approved
              .filter((b) => b.checked)
              .map((b) => ({ id: b.value, kind: 'builtin' })),
          }
        : { mode: 'open' },
  });
  const standardize = h('input', { type: 'checkbox', id: 'sell-standardize' });
  const done = h('div', { id: 'sell-done', role: 'status' });
  let keep = [];

  const showPreview = () => {
    const p = previewCsv(csv);
    keep = p.header;
    const boxes = p.header.map((c, i) =>
      h('input', { type: 'checkbox', id: `keep-${i}`, value: c, checked: true }),
    );
    const ranges = h('div');
    const refresh = () => {
      keep = boxes.filter((b) => b.checked).map((b) => b.value);
      const q = previewCsv(csv, keep);
      ranges.replaceChildren(
        h('p', {}, `${q.rows} rows kept, ${q.dropped} dropped (empty, NA or non-numeric cells).`),
        dataTable(
          'Parsed schema',
          ['column', 'min', 'max', 'mean'],
          q.columns.map((c) => [c.name, round(c.min), round(c.max), round(c.mean)]),
          {
            filename: 'schema-preview.csv',
          },
        ),
      );
    };
    for (const b of boxes) b.addEventListener('change', refresh);
    preview.replaceChildren(
      h(
        'fieldset',
        {},
        h('legend', {}, 'Columns to keep'),
        boxes.map((b) => h('label', { class: 'check', for: b.id }, b, b.value)),
      ),
      ranges,
    );
    refresh();
    if (!id.input.value)
      id.input.value = (file.input.files[0]?.name ?? 'dataset')
        .replace(/\.csv$/i, '')
        .replace(/[^A-Za-z0-9._-]/g, '-');
    if (!terms.title.input.value) terms.title.input.value = id.input.value;
  };
  file.input.addEventListener('change', async () => {
    csv = (await file.input.files[0]?.text()) ?? '';
    try {
      showPreview();
    } catch (error) {
      preview.replaceChildren(h('p', { class: 'bad' }, error.message));
    }
  });
  const list = h('button', { type: 'submit', id: 'list-dataset' }, 'List the dataset');
  const form = h(
    'form',
    { id: 'sell-form' },
    h('section', { class: 'panel' }, h('h2', {}, '1. The data'), file.element, preview),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, '2. The terms'),
      h(
        'div',
        { class: 'grid' },
        channel.element,
        id.element,
        Object.values(terms).map((t) => t.element),
        preset.element,
      ),
      h('div', { class: 'grid' }, sampleKind.element, budget.element, policy.element),
      approvedBox,
      h('label', { class: 'check', for: 'sell-sample' }, sample, 'offer a free test sample'),
      h(
        'label',
        { class: 'check', for: 'sell-standardize' },
        standardize,
        'standardise columns (mean 0, sd 1)',
      ),
    ),
    h('p', {}, list),
    done,
  );
  form.addEventListener('submit', (event) => event.preventDefault());
  action(list, async () => {
    if (!csv) throw new Error('choose a CSV file first');
    const reply = await api.post(`${ch(channel.input.value)}/datasets`, {
      listing: {
        id: id.input.value,
        ...termsOf(terms),
        ...privacyTerms(),
        ckksPreset: preset.input.value,
        freeSample: sample.checked,
      },
      csv,
      columns: keep,
      standardize: standardize.checked,
    });
    const listing = reply.listing ?? reply;
    done.replaceChildren(
      h(
        'p',
        { class: 'good' },
        `Listed ${listing.id ?? id.input.value}${reply.droppedRows ? ` (${reply.droppedRows} rows dropped)` : ''}. `,
      ),
      h('a', { href: '#/listings' }, 'See my listings and sales'),
    );
  });
  page('Sell a dataset', form);
}

async function pumpJournal(channel, tradeId, box) {
  const { entries } = await api.get(`${ch(channel)}/trades/${tradeId}/pump-log`);
  box.replaceChildren(
    dataTable(
      'Pump journal',
      ['time', 'what', 'detail'],
      entries.map((e) => [when(e.at), e.action, e.detail]),
      {
        filename: `pump-${tradeId.slice(0, 12)}.csv`,
      },
    ),
  );
}

function updateForm(channel, listing, rerender) {
  const terms = termsFields({ ...listing, price: listing.price, deposit: listing.deposit });
  const save = h('button', { type: 'button', id: `update-${listing.id}` }, 'Save terms');
  action(save, async () => {
    await api.patch(`${ch(channel)}/datasets/${encodeURIComponent(listing.id)}`, {
      listing: termsOf(terms),
    });
    await rerender();
  });
  const delist = h(
    'button',
    { type: 'button', class: 'secondary', id: `delist-${listing.id}` },
    'Delist',
  );
  action(delist, async () => {
    if (!window.confirm(`Delist ${listing.id}? Open trades go on; no new purchases.`)) return;
    await api.delete(`${ch(channel)}/datasets/${encodeURIComponent(listing.id)}`);
    await rerender();
  });
  return h(
    'details',
    {},
    h('summary', {}, 'Update terms or delist'),
    h(
      'div',
      { class: 'grid' },
      Object.values(terms).map((t) => t.element),
    ),
    h('div', { class: 'toolbar' }, save, delist),
  );
}

export async function myListings() {
  const sections = [];
  for (const channel of currentSession().channels) {
    const me = (await api.get(`${ch(channel)}/account`)).accountId;
    const listings = (await allPages(`${ch(channel)}/listings`)).filter((l) => l.seller === me);
    const sales = await allPages(`${ch(channel)}/trades`, { as: 'seller' });
    const journal = h('div', { id: 'pump-journal' });
    sections.push(
      h('h2', {}, `Channel ${channel}`),
      h(
        'ul',
        { class: 'cards', id: 'my-listings' },
        listings.map((l) =>
          h(
            'li',
            {},
            h('h3', {}, h('a', { href: `#/listing/${channel}/${l.id}` }, l.title)),
            keyValues([
              ['id', l.id],
              ['state', l.state],
              ['price', `${l.price} (+ ${l.deposit})`],
              ['rows', l.schema.rowCount],
              ['sales', sales.filter((t) => t.datasetId === l.id).length],
            ]),
            l.state === 'ACTIVE' ? updateForm(channel, l, myListings) : '',
          ),
        ),
      ),
      dataTable(
        'Sales',
        ['trade', 'dataset', 'buyer', 'state', 'price', 'paid to me', 'paid at', 'journal'],
        sales.map((t) => [
          t.tradeId,
          t.datasetId,
          who(t.buyer),
          t.state,
          t.price,
          t.paidToSeller,
          when(t.paidAt),
          'show',
        ]),
        {
          filename: `sales-${channel}.csv`,
          cells: (r, i, v) => {
            if (i === 0) return h('code', {}, `${v.slice(0, 12)}…`);
            if (i !== 7) return null;
            const button = h(
              'button',
              { type: 'button', class: 'secondary', 'data-trade': sales[r].tradeId },
              'Pump journal',
            );
            return action(button, () => pumpJournal(channel, sales[r].tradeId, journal));
          },
        },
      ),
      journal,
    );
  }
  page(
    'My listings and sales',
    h('p', {}, h('a', { href: '#/sell' }, 'Sell a new dataset')),
    ...sections,
  );
}
