'use strict';
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- Caliper loads workloads as CommonJS */
// Purchase of the bench listing by this worker's senders in turn; the trades made are kept
// for the seller's rounds that follow.
const { DataMarketWorkload, state } = require('./state.js');

class Purchase extends DataMarketWorkload {
  async submitTransaction() {
    const buyer = this.sender();
    const status = await this.invoke(buyer, 'Purchase', [
      this.roundArguments.datasetId,
      this.roundArguments.resultKey,
    ]);
    if (status.GetStatus() === 'success') state.paid.push({ tradeId: status.GetID(), buyer });
  }
}

module.exports.createWorkloadModule = () => new Purchase();
