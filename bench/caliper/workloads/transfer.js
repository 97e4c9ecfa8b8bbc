'use strict';
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- Caliper loads workloads as CommonJS */
// Transfer of 1 token from this worker's senders in turn to a sink account of the worker.
const { DataMarketWorkload } = require('./state.js');

class Transfer extends DataMarketWorkload {
  async submitTransaction() {
    const sink = `SinkMSP::/CN=sink${this.workerIndex}::/CN=bench`;
    await this.invoke(this.sender(), 'Transfer', [sink, '1']);
  }
}

module.exports.createWorkloadModule = () => new Transfer();
