'use strict';
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- Caliper loads workloads as CommonJS */
// Trades made in one round and carried to the next by this worker (a worker is one process
// for the whole benchmark, so this module's state lives across rounds).
const { WorkloadModuleBase } = require('@hyperledger/caliper-core');

const state = { paid: [], delivered: [], submitted: [] };

/** Base for every datamarket workload: identities of this worker, invoke helpers. */
class DataMarketWorkload extends WorkloadModuleBase {
  async initializeWorkloadModule(
    workerIndex,
    totalWorkers,
    roundIndex,
    roundArguments,
    sutAdapter,
    sutContext,
  ) {
    await super.initializeWorkloadModule(
      workerIndex,
      totalWorkers,
      roundIndex,
      roundArguments,
      sutAdapter,
      sutContext,
    );
    // Senders of this worker: every totalWorkers-th identity, so workers never share one.
    this.senders = (roundArguments.senders || []).filter(
      (_, i) => i % totalWorkers === workerIndex,
    );
    this.next = 0;
  }

  sender() {
    const s = this.senders[this.next % this.senders.length];
    this.next += 1;
    return s;
  }

  invoke(who, fn, args, readOnly = false) {
    return this.sutAdapter.sendRequests({
      contractId: 'datamarket',
      channel: 'market',
      contractFunction: fn,
      contractArguments: args,
      invokerMspId: who.mspId,
      invokerIdentity: who.name,
      readOnly,
    });
  }
}

module.exports = { state, DataMarketWorkload };
