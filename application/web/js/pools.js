// Every role: the pools of the app's channels next to the listings, and a pool page.
import { allPages, api, ch, currentSession } from './api.js';
import { dataTable, h, keyValues, page, seconds, who } from './dom.js';

/** A pool's computation policy as the catalogue's filter names it (a listing's "open" = "any"). */
export function poolPolicyOf(pool) {
  const policy = pool.computationPolicy;
  const kind = typeof policy === 'object' && policy ? (policy.kind ?? policy.mode) : policy;
  return !kind || kind === 'any' ? 'open' : String(kind);
}

/** Every pool of every channel the app serves. */
export async function allPools() {
  const lists = await Promise.all(
    currentSession().channels.map(async (channel) =>
      (await allPages(`${ch(channel)}/pools`)).map((pool) => ({ ...pool, channel })),
    ),
  );
  return lists.flat();
}

const members = (pool) => pool.seats.filter((seat) => seat.member).length;
const rows = (pool) => pool.seats.reduce((sum, seat) => sum + (seat.member?.rowCount ?? 0), 0);

/** A pool's card in the catalogue's list. */
export function poolCard(pool) {
  return h(
    'li',
    { class: 'pool' },
    h('h2', {}, h('a', { href: `#/pool/${pool.channel}/${pool.id}` }, `Pool: ${pool.title}`)),
    keyValues([
      ['price', `${pool.price} tokens per round (+ ${pool.deposit} deposit)`],
      ['data', `${rows(pool)} rows × ${pool.schema.columns.length} columns`],
      ['members', `${members(pool)} of ${pool.seats.length} seats`],
      ['split rule', pool.splitRule],
      ['channel', pool.channel],
      ['lead', who(pool.lead)],
      ['preset', pool.ckksPreset],
      ['policy', poolPolicyOf(pool)],
      ['state', pool.state],
    ]),
  );
}

function inviteOf(seat) {
  const invite = seat.invite ?? {};
  if ('lead' in invite) return 'lead';
  if (invite.account) return who(invite.account);
  return invite.msp ? `any user of ${invite.msp}` : '—';
}

function policyDetail(pool) {
  const policy = pool.computationPolicy;
  if (poolPolicyOf(pool) === 'open') return 'open: any computation within the leakage bound';
  const list = typeof policy === 'object' && policy ? policy.computations : undefined;
  if (!Array.isArray(list)) return poolPolicyOf(pool);
  return h(
    'ul',
    {},
    list.map((c) => h('li', {}, typeof c === 'string' ? c : (c.id ?? c.kind ?? JSON.stringify(c)))),
  );
}

const DISCLOSED = {
  aggregate: "the sum over every member's rows, per round; no member's own part",
  'aggregate-and-coalition-aggregates':
    'the sum over every member, and (for the Shapley split) the sum over each coalition of members',
};

export async function poolPage(channel, poolId) {
  const base = `${ch(channel)}/pools/${encodeURIComponent(poolId)}`;
  const pool = await api.get(base);
  const terms = keyValues([
    ['pool id', pool.id],
    ['channel', channel],
    ['lead', who(pool.lead)],
    ['state', pool.state],
    ['price', `${pool.price} tokens per round`],
    ['deposit', `${pool.deposit} tokens`],
    ['rounds at most', pool.maxRounds],
    ['members deliver within', seconds(pool.deliverWithin)],
    ['buyer submits partials within', seconds(pool.partialsWithin)],
    ['members share within', seconds(pool.sharesWithin)],
    ['split rule', pool.splitRule],
    ['leakage bound', `${pool.leakageBound} values per trade, over all its rounds`],
    ['CKKS preset', pool.ckksPreset],
    ['computation policy', policyDetail(pool)],
    ['disclosed to the buyer', DISCLOSED[pool.disclosure] ?? pool.disclosure],
    ['version', `${pool.version}, updated ${new Date(pool.updatedAt).toLocaleString()}`],
  ]);
  const schema = dataTable(
    'Schema',
    ['column'],
    pool.schema.columns.map((c) => [c]),
    { filename: `${pool.id}-schema.csv` },
  );
  const seats = dataTable(
    'Members',
    ['seat', 'invited', 'member', 'rows', 'stake', 'joined'],
    pool.seats.map((seat, i) => [
      i,
      inviteOf(seat),
      seat.member ? who(seat.member.account) : 'open seat',
      seat.member?.rowCount ?? '',
      seat.stake ?? '—',
      seat.member ? new Date(seat.member.joinedAt).toLocaleString() : '',
    ]),
    { filename: `${pool.id}-members.csv` },
  );
  let trades;
  try {
    const records = await allPages(`${base}/trades`);
    trades = records.length
      ? dataTable(
          'Joint trades',
          ['trade', 'buyer', 'state', 'round', 'escrow', 'leakage used'],
          records.map((t) => [
            `${t.tradeId.slice(0, 12)}…`,
            who(t.buyer),
            t.state,
            `${t.round} of ${t.rounds}`,
            t.escrow,
            t.leakageUsed ?? '',
          ]),
          { filename: `${pool.id}-trades.csv` },
        )
      : h('section', { class: 'panel' }, h('h2', {}, 'Joint trades'), h('p', {}, 'none yet'));
  } catch (error) {
    trades = h('p', { class: 'bad' }, error.message);
  }
  page(
    `Pool: ${pool.title}`,
    pool.description ? h('p', {}, pool.description) : '',
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'pool-terms-h' },
      h('h2', { id: 'pool-terms-h' }, 'Terms, split rule and disclosure'),
      terms,
    ),
    schema,
    seats,
    trades,
  );
}
