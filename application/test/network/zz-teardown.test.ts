import { expect } from 'chai';
import { createConnection } from 'node:net';
import { isProcessAlive } from '../../src/fabric/index.js';
import { ensureTestNetwork, markTestNetworkStopped, testNetwork } from './test-network-fixture.js';

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

// Runs last (files run in name order): tearing down must leave no process of ours behind.
describe('network teardown', function () {
  this.timeout(120_000);

  it('down stops every process it started and frees their ports', async () => {
    await ensureTestNetwork();
    const pids = await testNetwork.pids();
    expect([...pids.keys()]).to.include.members(['orderer1', 'peer0.seller']);
    expect(
      [...pids.keys()].some((name) => name.startsWith('cc-')),
      'a chaincode server',
    ).to.equal(true);
    await testNetwork.down();
    markTestNetworkStopped();
    for (const [node, pid] of pids) {
      expect(isProcessAlive(pid), `${node} (pid ${pid}) still running`).to.equal(false);
    }
    const base = testNetwork.portBase;
    for (const port of [
      base + 50,
      base + 60,
      base + 70,
      base + 100,
      base + 110,
      base + 120,
      base + 200,
    ]) {
      expect(await portAcceptsConnections(port), `port ${port} still open`).to.equal(false);
    }
    const status = await testNetwork.run('status');
    expect(status.code).to.not.equal(0);
  });
});
