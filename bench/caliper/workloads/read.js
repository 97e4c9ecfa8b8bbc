'use strict';
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- Caliper loads workloads as CommonJS */
// Evaluations (no commit): BalanceOf, GetListing, ListTradesByState, as the round names them.
const { DataMarketWorkload } = require('./state.js');

class Read extends DataMarketWorkload {
  async submitTransaction() {
    const { fn, args } = this.roundArguments;
    await this.invoke(this.sender(), fn, args, true);
  }
}

module.exports.createWorkloadModule = () => new Read();
