// Auditor: a block explorer over qscc, with each transaction decoded by the app.
import { api, ch, currentSession } from './api.js';
import { action, dataTable, field, h, keyValues, page } from './dom.js';

function transactionView(tx) {
  return h(
    'section',
    { class: 'panel', id: 'tx-detail', 'aria-labelledby': 'tx-h' },
    h('h2', { id: 'tx-h' }, `Transaction ${tx.txId.slice(0, 16)}…`),
    keyValues([
      ['id', h('code', {}, tx.txId)],
      ['type', tx.type],
      ['time', tx.timestamp ?? '—'],
      ['creator', tx.creatorMspId ?? '—'],
      ['validation', tx.validationCode ?? '—'],
      ['function', tx.function ?? '—'],
      [
        'arguments',
        h('pre', {}, tx.args.map((a) => (a.length > 300 ? `${a.slice(0, 300)}…` : a)).join('\n')),
      ],
      ['response', tx.response ? `${tx.response.status} ${tx.response.message}` : '—'],
      [
        'event',
        tx.event
          ? h('pre', {}, `${tx.event.name}\n${JSON.stringify(tx.event.payload, null, 2)}`)
          : '—',
      ],
    ]),
  );
}

export async function blocksPage() {
  const channel = currentSession().channels[0];
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const info = await api.get(`${ch(channel)}/audit/chain`);
  const height = Number(info.height);
  const detail = h('div', { id: 'block-detail' });
  const txField = field('Transaction id', {
    id: 'tx-search',
    value: query.get('tx') ?? '',
    pattern: '[0-9a-f]{64}',
  });
  const find = h('button', { type: 'button', id: 'tx-find' }, 'Show transaction');
  const showTx = async (txId) => {
    detail.replaceChildren(
      transactionView(await api.get(`${ch(channel)}/audit/transactions/${txId}`)),
    );
  };
  action(find, () => showTx(txField.input.value.trim()));
  const blocks = [];
  for (let n = height - 1; n >= Math.max(0, height - 15); n -= 1)
    blocks.push(await api.get(`${ch(channel)}/audit/blocks/${n}`));
  const showBlock = (block) => {
    detail.replaceChildren(
      dataTable(
        `Block ${block.number}`,
        ['transaction', 'type', 'creator', 'validation', 'function', 'event'],
        block.transactions.map((t) => [
          t.txId,
          t.type,
          t.creatorMspId ?? '',
          t.validationCode ?? '',
          t.function ?? '',
          t.event?.name ?? '',
        ]),
        {
          filename: `block-${block.number}.csv`,
          cells: (_r, i, v) =>
            i === 0 && v
              ? action(h('button', { type: 'button', class: 'link' }, `${v.slice(0, 12)}…`), () =>
                  showTx(v),
                )
              : null,
        },
      ),
    );
  };
  page(
    'Blocks',
    keyValues([
      ['channel', channel],
      ['height', info.height],
      ['current block hash', h('code', {}, info.currentBlockHash)],
    ]),
    h('div', { class: 'toolbar' }, txField.element, find),
    dataTable(
      'Latest blocks',
      ['block', 'transactions', 'functions', 'data hash'],
      blocks.map((b) => [
        b.number,
        b.transactions.length,
        b.transactions.map((t) => t.function ?? t.type).join(' '),
        b.dataHash,
      ]),
      {
        filename: `blocks-${channel}.csv`,
        cells: (r, i, v) =>
          i === 0
            ? action(h('button', { type: 'button', class: 'link' }, `#${v}`), () =>
                showBlock(blocks[r]),
              )
            : i === 3
              ? h('code', {}, `${v.slice(0, 16)}…`)
              : null,
      },
    ),
    detail,
  );
  if (query.get('tx')) await showTx(query.get('tx'));
}
