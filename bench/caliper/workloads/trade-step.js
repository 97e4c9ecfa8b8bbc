'use strict';
/* global require, module, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports -- Caliper loads workloads as CommonJS */
// One step of the trades the Purchase round made, in order: the seller's ConfirmDelivery,
// the buyer's SubmitResult, the seller's DeliverResult with a pass-through result (every
// settlement of the round pays the same seller: credits must not conflict).
const { createHash } = require('node:crypto');
const { DataMarketWorkload, state } = require('./state.js');

const sha = (text) => createHash('sha256').update(text).digest('hex');

const STEPS = {
  ConfirmDelivery: {
    from: 'paid',
    to: 'delivered',
    by: 'seller',
    args: (t) => [t.tradeId, sha(`bundle ${t.tradeId}`), '4096'],
  },
  SubmitResult: {
    from: 'delivered',
    to: 'submitted',
    by: 'buyer',
    args: (t) => [t.tradeId, sha(`result ${t.tradeId}`), '1'],
  },
  DeliverResult: {
    from: 'submitted',
    to: null,
    by: 'seller',
    args: (t) => [
      t.tradeId,
      Buffer.from(JSON.stringify({ values: [1] })).toString('base64'),
      sha(t.tradeId),
    ],
  },
};

class TradeStep extends DataMarketWorkload {
  async submitTransaction() {
    const step = STEPS[this.roundArguments.step];
    const trade = state[step.from].shift();
    if (!trade) {
      // Fewer trades than transactions (Purchases failed at saturation). Caliper counts a
      // round's transactions by what is sent, so send a cheap read, labelled as such.
      await this.invoke(this.roundArguments.seller, 'ClientAccountID', [], true);
      return;
    }
    const who = step.by === 'seller' ? this.roundArguments.seller : trade.buyer;
    const status = await this.invoke(who, this.roundArguments.step, step.args(trade));
    if (step.to && status.GetStatus() === 'success') state[step.to].push(trade);
  }
}

module.exports.createWorkloadModule = () => new TradeStep();
