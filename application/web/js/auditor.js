// Auditor pages: the supply dashboard (chart pushed from contract events), trades by state, and
// a trade's whole history as a timeline.
import { allPages, api, ch, currentSession, webCh } from './api.js';
import { dataTable, h, keyValues, page, stream, when, who } from './dom.js';

const STATES = [
  'PAID',
  'DELIVERED',
  'RESULT_SUBMITTED',
  'SETTLED',
  'REJECTED',
  'REFUNDED',
  'CLAIMED',
];

function channelPicker(onChange) {
  const select = h(
    'select',
    { id: 'audit-channel' },
    currentSession().channels.map((c) => h('option', { value: c }, c)),
  );
  select.addEventListener('change', () => onChange(select.value));
  return { select, element: h('div', {}, h('label', { for: 'audit-channel' }, 'Channel'), select) };
}

function supplyChart(canvas) {
  // Chart.js (npm chart.js), served by this app from node_modules.
  return new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: [],
      datasets: [
        {
          label: 'total supply',
          data: [],
          borderColor: '#0b4f9c',
          backgroundColor: '#0b4f9c',
          stepped: true,
        },
        {
          label: 'balances',
          data: [],
          borderColor: '#1b6e2a',
          backgroundColor: '#1b6e2a',
          stepped: true,
        },
        {
          label: 'escrow',
          data: [],
          borderColor: '#a4161a',
          backgroundColor: '#a4161a',
          stepped: true,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { title: { display: true, text: 'block' } },
        y: { title: { display: true, text: 'tokens' }, beginAtZero: true },
      },
    },
  });
}

async function tradesByState(channel, box) {
  const counts = [];
  const rows = [];
  for (const state of STATES) {
    const trades = await allPages(`${ch(channel)}/audit/trades`, { state });
    counts.push([state, trades.length]);
    rows.push(...trades);
  }
  box.replaceChildren(
    dataTable('Trades by state', ['state', 'trades'], counts, {
      filename: `trades-by-state-${channel}.csv`,
    }),
    dataTable(
      'All trades',
      ['trade', 'dataset', 'state', 'buyer', 'seller', 'price', 'escrow', 'paid at'],
      rows.map((t) => [
        t.tradeId,
        t.datasetId,
        t.state,
        who(t.buyer),
        who(t.seller),
        t.price,
        t.escrow,
        when(t.paidAt),
      ]),
      {
        filename: `trades-${channel}.csv`,
        cells: (_r, i, v) =>
          i === 0 ? h('a', { href: `#/audit/trade/${channel}/${v}` }, `${v.slice(0, 12)}…`) : null,
      },
    ),
  );
}

export async function auditPage(initial) {
  const channel = initial ?? currentSession().channels[0];
  const picker = channelPicker((c) => void auditPage(c));
  picker.select.value = channel;
  const canvas = h('canvas', {
    id: 'supply-chart',
    role: 'img',
    'aria-label': 'total supply, balances and escrow over block height',
  });
  const verdict = h(
    'p',
    { id: 'supply-verdict', role: 'status', 'aria-live': 'polite' },
    'reading the ledger…',
  );
  const points = h('div', { id: 'supply-table' });
  const trades = h('div', { id: 'audit-trades' }, h('p', {}, 'loading…'));
  page(
    'Supply and trades',
    picker.element,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'supply-h' },
      h('h2', { id: 'supply-h' }, 'Supply over block height'),
      h('div', { class: 'chart' }, canvas),
      verdict,
    ),
    points,
    h('section', { 'aria-labelledby': 'trades-h' }, h('h2', { id: 'trades-h' }, 'Trades'), trades),
  );
  const chart = supplyChart(canvas);
  stream(`${webCh(channel)}/supply/live`, {
    supply: ({ series, audit, height }) => {
      chart.data.labels = series.map((p) => p.block);
      chart.data.datasets[0].data = series.map((p) => Number(p.supply));
      chart.data.datasets[1].data = series.map((p) => Number(p.balances));
      chart.data.datasets[2].data = series.map((p) => Number(p.escrow));
      chart.update();
      const last = series.at(-1);
      const agrees = last && last.supply === audit.totalSupply && last.escrow === audit.sumOfEscrow;
      verdict.className = audit.balanced && agrees ? 'good' : 'bad';
      verdict.textContent =
        `AuditSupply at height ${height}: total supply ${audit.totalSupply} = balances ${audit.sumOfBalances} + escrow ${audit.sumOfEscrow}: ` +
        `${audit.balanced ? 'balanced' : 'NOT balanced'}; the chart (from events) ${agrees ? 'agrees' : 'is catching up'}.`;
      verdict.dataset.balanced = String(Boolean(audit.balanced && agrees));
      points.replaceChildren(
        dataTable(
          'Supply points',
          ['block', 'total supply', 'balances', 'escrow'],
          series.map((p) => [p.block, p.supply, p.balances, p.escrow]),
          {
            filename: `supply-${channel}.csv`,
          },
        ),
      );
    },
  });
  await tradesByState(channel, trades);
}

export async function auditTradePage(channel, tradeId) {
  const { history } = await api.get(`${ch(channel)}/audit/trades/${tradeId}/history`);
  const entries = history.filter((e) => e.trade);
  page(
    `Trade ${tradeId.slice(0, 12)}… history`,
    h(
      'ol',
      { class: 'timeline', id: 'timeline' },
      entries.map((e) =>
        h(
          'li',
          { 'data-state': e.trade.state },
          h('strong', {}, e.trade.state),
          ' · ',
          h('time', { datetime: new Date(e.timestamp).toISOString() }, when(e.timestamp)),
          keyValues([
            ['transaction', h('a', { href: `#/blocks?tx=${e.txId}` }, `${e.txId.slice(0, 16)}…`)],
            ['escrow', e.trade.escrow],
            ['to seller', e.trade.paidToSeller],
            ['to buyer', e.trade.paidToBuyer],
            ['reason', e.trade.rejectReason ?? e.trade.refundBasis ?? undefined],
          ]),
        ),
      ),
    ),
    dataTable(
      'History',
      ['#', 'transaction', 'time', 'state', 'escrow', 'to seller', 'to buyer'],
      entries.map((e, i) => [
        i + 1,
        e.txId,
        new Date(e.timestamp).toISOString(),
        e.trade.state,
        e.trade.escrow,
        e.trade.paidToSeller,
        e.trade.paidToBuyer,
      ]),
      { filename: `history-${tradeId.slice(0, 12)}.csv` },
    ),
  );
}
