import { stopTestNetwork } from './test-network-fixture.js';

/** Mocha root hooks: whatever happens, the test network is stopped at the end of the run. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await stopTestNetwork();
  },
};
