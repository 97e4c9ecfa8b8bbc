// Every role: the listings of the app's channels, with search and filters, and a listing page.
import { allPages, api, ch, currentSession, hasRole, webCh } from './api.js';
import { dataTable, field, h, keyValues, page, seconds, showError, who } from './dom.js';
import { purchasePanel, samplePanel } from './buyer.js';
import { allPools, poolCard, poolPolicyOf } from './pools.js';

const policyOf = (listing) => listing.computationPolicy?.mode ?? 'open';
const itemPolicy = (item) => (item.pool ? poolPolicyOf(item.pool) : policyOf(item));

async function allListings() {
  const lists = await Promise.all(
    currentSession().channels.map(async (channel) =>
      (await allPages(`${ch(channel)}/listings`)).map((listing) => ({ ...listing, channel })),
    ),
  );
  return lists.flat();
}

function select(label, values, id) {
  const f = field(label, { tag: 'select', id });
  f.input.append(
    h('option', { value: '' }, 'any'),
    ...values.map((v) => h('option', { value: v }, v)),
  );
  return f;
}

/** What a pool offers, in the listing fields the filters read; `pool` keeps the record. */
const asItem = (pool) => ({
  ...pool,
  pool,
  seller: pool.lead,
  sellers: pool.seats.map((seat) => seat.member?.account).filter(Boolean),
  state: pool.state === 'CLOSED' ? 'CLOSED' : 'ACTIVE',
});

async function poolItems() {
  try {
    return (await allPools()).map(asItem);
  } catch (error) {
    showError(error); // the listings still show
    return [];
  }
}

export async function catalogue() {
  const [listings, pools] = await Promise.all([allListings(), poolItems()]);
  const items = [...listings, ...pools];
  const unique = (values) => [...new Set(values)].sort();
  const search = field('Search title, description or id', { type: 'search', id: 'search' });
  const channel = select('Channel', currentSession().channels, 'filter-channel');
  const seller = select(
    'Seller',
    unique(items.flatMap((l) => [l.seller, ...(l.sellers ?? [])].map(who))),
    'filter-seller',
  );
  const maxPrice = field('Highest price', {
    type: 'number',
    min: '0',
    id: 'filter-price',
    inputmode: 'numeric',
  });
  const preset = select('CKKS preset', unique(items.map((l) => l.ckksPreset)), 'filter-preset');
  const policy = select('Computation policy', unique(items.map(itemPolicy)), 'filter-policy');
  const active = h('input', { type: 'checkbox', id: 'filter-active', checked: true });
  const list = h('ul', { class: 'cards', id: 'listings', 'aria-live': 'polite' });
  const count = h('p', { role: 'status' });
  const show = () => {
    const text = search.input.value.trim().toLowerCase();
    const shown = items.filter(
      (l) =>
        (!text || `${l.title} ${l.description} ${l.id}`.toLowerCase().includes(text)) &&
        (!channel.input.value || l.channel === channel.input.value) &&
        (!seller.input.value ||
          [l.seller, ...(l.sellers ?? [])].some((s) => who(s) === seller.input.value)) &&
        (!maxPrice.input.value || BigInt(l.price) <= BigInt(maxPrice.input.value)) &&
        (!preset.input.value || l.ckksPreset === preset.input.value) &&
        (!policy.input.value || itemPolicy(l) === policy.input.value) &&
        (!active.checked || l.state === 'ACTIVE'),
    );
    count.textContent = `${shown.length} of ${items.length} listings and pools`;
    list.replaceChildren(
      ...shown.map((l) =>
        l.pool
          ? poolCard(l.pool)
          : h(
              'li',
              {},
              h('h2', {}, h('a', { href: `#/listing/${l.channel}/${l.id}` }, l.title)),
              keyValues([
                ['price', `${l.price} tokens (+ ${l.deposit} deposit)`],
                ['data', `${l.schema.rowCount} rows × ${l.schema.columns.length} columns`],
                ['channel', l.channel],
                ['seller', who(l.seller)],
                ['preset', l.ckksPreset],
                ['policy', policyOf(l)],
                ['state', l.state],
              ]),
            ),
      ),
    );
  };
  for (const f of [search, channel, seller, maxPrice, preset, policy])
    f.input.addEventListener('input', show);
  active.addEventListener('change', show);
  page(
    'Catalogue',
    h(
      'form',
      { class: 'panel grid', role: 'search', onsubmit: (e) => e.preventDefault() },
      search.element,
      channel.element,
      seller.element,
      maxPrice.element,
      preset.element,
      policy.element,
      h(
        'div',
        {},
        h(
          'label',
          { class: 'check', for: 'filter-active' },
          active,
          'active listings and pools only',
        ),
      ),
    ),
    count,
    list,
  );
  show();
}

function computationsOf(listing) {
  const policy = listing.computationPolicy;
  if (!policy) return 'any computation within the leakage bound';
  if (policy.mode === 'open') return 'open: any computation within the leakage bound';
  return h(
    'ul',
    {},
    policy.computations.map((c) =>
      h('li', {}, c.kind === 'script' ? `${c.id} (script ${c.sha256.slice(0, 12)}…)` : c.id),
    ),
  );
}

async function sellerHistory(channel, listing) {
  const box = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'history-h' },
    h('h2', { id: 'history-h' }, "The seller's history"),
  );
  try {
    const { counts, complete } = await api.get(`${webCh(channel)}/seller-history`, {
      seller: listing.seller,
    });
    const n = (s) => counts[s] ?? 0;
    box.append(
      keyValues([
        ['settled', n('SETTLED')],
        ['refunded', n('REFUNDED')],
        ['rejected', n('REJECTED')],
        ['claimed by the seller', n('CLAIMED')],
        ['open', n('PAID') + n('DELIVERED') + n('RESULT_SUBMITTED')],
      ]),
      complete ? '' : h('p', { class: 'muted' }, 'counted over the first 2 000 trades'),
    );
  } catch (error) {
    box.append(h('p', { class: 'bad' }, error.message));
  }
  return box;
}

export async function listingPage(channel, datasetId) {
  const listing = await api.get(`${ch(channel)}/listings/${encodeURIComponent(datasetId)}`);
  const ranges = listing.columnRanges;
  const schema = dataTable(
    'Schema',
    ranges ? ['column', 'min', 'max', 'decimals'] : ['column'],
    listing.schema.columns.map((c, i) =>
      ranges ? [c, ranges[i]?.min, ranges[i]?.max, ranges[i]?.decimals] : [c],
    ),
    { filename: `${listing.id}-schema.csv` },
  );
  const terms = keyValues([
    ['dataset id', listing.id],
    ['channel', channel],
    ['seller', who(listing.seller)],
    ['state', listing.state],
    ['price', `${listing.price} tokens`],
    ['deposit', `${listing.deposit} tokens (returned unless the seller may claim it)`],
    ['rows', listing.schema.rowCount],
    ['seller delivers within', seconds(listing.deliverWithin)],
    ['buyer submits a result within', seconds(listing.resultWithin)],
    ['seller decrypts within', seconds(listing.decryptWithin)],
    ['leakage bound', `${listing.leakageBound} values per result`],
    [
      'decryption budget',
      listing.maxValuesPerKey === undefined
        ? undefined
        : `${listing.maxValuesPerKey} values per key`,
    ],
    ['CKKS preset', listing.ckksPreset],
    [
      'free sample',
      listing.freeSample ? `yes${listing.sampleKind ? ` (${listing.sampleKind})` : ''}` : 'no',
    ],
    ['sample kind', listing.sampleKind],
    ['approved computations', computationsOf(listing)],
    ['seller app', listing.sellerGatewayUrl],
    ['version', `${listing.version}, updated ${new Date(listing.updatedAt).toLocaleString()}`],
  ]);
  const buyer = hasRole('buyer') && listing.state === 'ACTIVE';
  page(
    listing.title,
    listing.description ? h('p', {}, listing.description) : '',
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'terms-h' },
      h('h2', { id: 'terms-h' }, 'Terms and deadlines'),
      terms,
    ),
    schema,
    await sellerHistory(channel, listing),
    buyer && listing.freeSample ? samplePanel(channel, listing) : '',
    buyer ? purchasePanel(channel, listing) : '',
  );
  if (!buyer && hasRole('buyer'))
    showError(`dataset ${listing.id} is ${listing.state}: it cannot be bought`);
}
