// Buyer pages: the free sample, purchase, a trade followed live, compute, submit, result, refund.
import { allPages, api, ch, currentSession, webCh } from './api.js';
import { computationForm, resultView } from './computation.js';
import {
  action,
  countdown,
  dataTable,
  h,
  keyValues,
  onLeave,
  page,
  showError,
  stream,
  when,
  who,
} from './dom.js';

/** A computation on the buyer app's machine, its progress pushed by the app. */
function followJob(job, box, onDone) {
  const bar = h('progress', {
    max: '100',
    value: String(job.percent),
    'aria-label': 'computation progress',
  });
  const status = h('p', { role: 'status' }, job.message);
  box.replaceChildren(bar, status);
  const source = stream(`/web/jobs/${job.jobId}/live`, {
    progress: (view) => {
      bar.value = view.percent;
      status.textContent = `${view.percent} %: ${view.message}`;
      if (view.state === 'failed') {
        status.className = 'bad';
        status.textContent = view.error;
        source.close();
      }
      if (view.state === 'done') {
        source.close();
        onDone(view);
      }
    },
  });
}

export function samplePanel(channel, listing) {
  const form = computationForm(listing, listing.leakageBound, 'sample');
  const out = h('div', { id: 'sample-out' });
  const run = h('button', { type: 'button', id: 'try-sample' }, 'Try it on the free sample');
  action(run, async () => {
    const request = form.request();
    const job = await api.post(
      `${webCh(channel)}/listings/${encodeURIComponent(listing.id)}/sample/try`,
      request,
    );
    followJob(job, out, (view) => {
      out.append(resultView('Sample result', request, view.values, `${listing.id}-sample.csv`));
    });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'sample-h' },
    h('h2', { id: 'sample-h' }, 'Free test sample'),
    h(
      'p',
      {},
      `${listing.sampleKind ? `A ${listing.sampleKind} sample` : 'A sample'} with the real schema. Computed on this app, decrypted free by the seller.`,
    ),
    form.element,
    h('p', {}, run),
    out,
  );
}

export function purchasePanel(channel, listing) {
  const total = BigInt(listing.price) + BigInt(listing.deposit);
  const confirm = h('input', { type: 'checkbox', id: 'confirm-price' });
  const buy = h(
    'button',
    { type: 'button', id: 'buy', disabled: true },
    `Buy for ${listing.price} tokens`,
  );
  confirm.addEventListener('change', () => {
    buy.disabled = !confirm.checked;
  });
  action(buy, async () => {
    // The price shown is the price paid: the ledger refuses the purchase if the terms changed.
    const trade = await api.post(`${ch(channel)}/trades`, {
      datasetId: listing.id,
      expectedPrice: listing.price,
      expectedDeposit: listing.deposit,
    });
    location.hash = `#/trade/${channel}/${trade.tradeId}`;
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'buy-h' },
    h('h2', { id: 'buy-h' }, 'Purchase'),
    h(
      'p',
      { id: 'price' },
      `Price ${listing.price} tokens + deposit ${listing.deposit}: ${total} tokens go into escrow.`,
    ),
    h(
      'label',
      { class: 'check', for: 'confirm-price' },
      confirm,
      `I agree to pay ${listing.price} tokens (and ${listing.deposit} deposit)`,
    ),
    h('p', {}, buy),
  );
}

export async function myTrades() {
  const rows = [];
  for (const channel of currentSession().channels) {
    for (const t of await allPages(`${ch(channel)}/trades`, { as: 'buyer' }))
      rows.push({ ...t, channel });
  }
  page(
    'My trades',
    rows.length === 0 ? h('p', {}, 'No trades yet: buy from the catalogue.') : '',
    dataTable(
      'Trades',
      ['trade', 'dataset', 'channel', 'state', 'price', 'paid at'],
      rows.map((t) => [t.tradeId, t.datasetId, t.channel, t.state, t.price, when(t.paidAt)]),
      {
        filename: 'my-trades.csv',
        cells: (r, i, v) =>
          i === 0
            ? h('a', { href: `#/trade/${rows[r].channel}/${v}` }, `${v.slice(0, 12)}…`)
            : null,
      },
    ),
  );
}

const FLOW = ['PAID', 'DELIVERED', 'RESULT_SUBMITTED', 'SETTLED'];

/** Whether the buyer may ask for a refund now, and why not (the contract's rules). */
export function refundRule(trade, now) {
  if (trade.state === 'PAID') {
    return {
      allowed: true,
      why:
        now >= trade.deliverBy
          ? 'the seller missed the delivery deadline'
          : 'you may withdraw before delivery',
    };
  }
  if (trade.state === 'DELIVERED') {
    return now < trade.resultBy
      ? { allowed: true, why: 'you may withdraw before the result deadline' }
      : {
          allowed: false,
          why: 'the result deadline passed: the escrow is now the seller’s to claim',
        };
  }
  if (trade.state === 'RESULT_SUBMITTED') {
    return now >= trade.decryptBy
      ? { allowed: true, why: 'the seller missed the decryption deadline' }
      : {
          allowed: false,
          why: `the seller has until ${when(trade.decryptBy)} to decrypt your result; a refund is possible only after that`,
        };
  }
  return { allowed: false, why: `the trade is closed (${trade.state})` };
}

export async function tradePage(channel, tradeId) {
  const state = h(
    'p',
    { class: 'state', id: 'trade-state', role: 'status', 'aria-live': 'polite' },
    'connecting…',
  );
  const steps = h('ol', { class: 'timeline', id: 'trade-steps' });
  const facts = h('div');
  const refund = h('section', { class: 'panel', 'aria-labelledby': 'refund-h' });
  const work = h('section', { class: 'panel', id: 'work', 'aria-labelledby': 'work-h' });
  page(`Trade ${tradeId.slice(0, 12)}…`, state, steps, facts, work, refund);
  let listing;
  let shownState;
  let skew = 0;
  let refundTimer;
  onLeave(() => clearTimeout(refundTimer));

  const renderRefund = (trade) => {
    clearTimeout(refundTimer);
    const rule = refundRule(trade, Date.now() + skew);
    const button = h('button', { type: 'button', id: 'refund' }, 'Ask for a refund');
    action(button, async () => {
      await api.post(`${ch(channel)}/trades/${tradeId}/refund`);
    });
    refund.replaceChildren(
      h('h2', { id: 'refund-h' }, 'Refund'),
      h('p', { id: 'refund-why' }, rule.why),
      rule.allowed ? button : '',
    );
    const next = [trade.deliverBy, trade.resultBy, trade.decryptBy].filter(
      (d) => d && d > Date.now() + skew,
    );
    if (next.length > 0)
      refundTimer = setTimeout(
        () => renderRefund(trade),
        Math.min(...next) - Date.now() - skew + 500,
      );
  };

  const renderWork = async (trade) => {
    if (trade.state === shownState) return;
    shownState = trade.state;
    const heading = h('h2', { id: 'work-h' }, 'Computation and result');
    if (trade.state === 'DELIVERED') {
      listing ??= await api.get(`${ch(channel)}/listings/${encodeURIComponent(trade.datasetId)}`);
      const form = computationForm(listing, trade.terms.leakageBound, 'trade');
      const out = h('div', { id: 'compute-out' });
      const run = h('button', { type: 'button', id: 'run-computation' }, 'Run it on my machine');
      action(run, async () => {
        const request = form.request();
        const job = await api.post(`${webCh(channel)}/trades/${tradeId}/compute`, request);
        sessionStorage.setItem(`computation:${tradeId}`, JSON.stringify(request));
        followJob(job, out, (view) => {
          const submit = h(
            'button',
            { type: 'button', id: 'submit-result' },
            `Submit the encrypted result (${view.valueCount} values, ${view.resultBytes} bytes)`,
          );
          action(submit, async () => {
            await api.post(`/web/jobs/${view.jobId}/submit`);
            submit.remove();
          });
          out.append(h('p', {}, submit));
        });
      });
      work.replaceChildren(
        heading,
        h(
          'p',
          {},
          'This app fetches the bundle from the seller, checks it against the ledger and computes on it here; nothing is decrypted here.',
        ),
        form.element,
        h('p', {}, run),
        out,
      );
    } else if (trade.state === 'SETTLED') {
      const { result } = await api.get(`${ch(channel)}/trades/${tradeId}/result`);
      const request = JSON.parse(sessionStorage.getItem(`computation:${tradeId}`) ?? 'null');
      work.replaceChildren(
        heading,
        h('p', { class: 'good' }, 'Decrypted result, its digest checked against the ledger:'),
        resultView('Result', request, result.values, `trade-${tradeId.slice(0, 12)}-result.csv`),
      );
    } else if (trade.state === 'RESULT_SUBMITTED') {
      work.replaceChildren(
        heading,
        h(
          'p',
          {},
          'Submitted: the seller app checks and decrypts it, then the escrow is released.',
        ),
      );
    } else if (trade.state === 'PAID') {
      work.replaceChildren(
        heading,
        h('p', {}, 'Waiting for the seller app to encrypt the data under fresh keys.'),
      );
    } else {
      work.replaceChildren(
        heading,
        h(
          'p',
          {},
          trade.rejectReason ? `Rejected: ${trade.rejectReason}` : `Closed: ${trade.state}`,
        ),
      );
    }
  };

  const render = ({ trade, now }) => {
    skew = now - Date.now();
    state.textContent = `State: ${trade.state}`;
    const reached = FLOW.indexOf(trade.state);
    const closedOther = reached === -1 ? trade.state : null;
    const deadlines = {
      PAID: trade.deliverBy,
      DELIVERED: trade.resultBy,
      RESULT_SUBMITTED: trade.decryptBy,
    };
    const labels = {
      PAID: 'delivery by',
      DELIVERED: 'result by',
      RESULT_SUBMITTED: 'decryption by',
    };
    steps.replaceChildren(
      ...FLOW.map((s, i) =>
        h(
          'li',
          { class: i <= reached ? 'good' : 'muted', 'data-state': s },
          `${i <= reached ? '✓' : '○'} ${s}`,
          s === trade.state && deadlines[s]
            ? [' · ', labels[s], ' ', countdown(deadlines[s], skew)]
            : '',
        ),
      ),
      closedOther
        ? h(
            'li',
            { class: 'bad', 'data-state': closedOther },
            `✗ ${closedOther}${trade.refundBasis ? ` (${trade.refundBasis})` : ''}`,
          )
        : '',
    );
    facts.replaceChildren(
      keyValues([
        ['dataset', h('a', { href: `#/listing/${channel}/${trade.datasetId}` }, trade.datasetId)],
        ['seller', who(trade.seller)],
        ['price', trade.price],
        ['deposit', trade.deposit],
        ['escrow', trade.escrow],
        ['paid to seller', trade.paidToSeller],
        ['paid back to you', trade.paidToBuyer],
        ['leakage bound', trade.terms.leakageBound],
        [
          'computation',
          trade.computation
            ? `${trade.computation.computationId} (seller's re-execution: ${trade.computation.verification})`
            : undefined,
        ],
      ]),
    );
    renderRefund(trade);
    renderWork(trade).catch(showError);
  };
  stream(`${webCh(channel)}/trades/${tradeId}/live`, {
    trade: render,
    failure: (e) => showError(e.error),
  });
}
