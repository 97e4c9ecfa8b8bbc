import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contract } from '@hyperledger/fabric-gateway';
import { isProcessAlive, retryWhileEndorsersSettle, TestNetwork } from '../../src/fabric/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * The network the integration tests share: its own run directory and ports, so a developer's
 * network (npm run demo) can stay up while tests run.
 */
export const testNetwork = new TestNetwork({
  runDir: process.env.DATAMARKET_TEST_RUN_DIR ?? path.join(repoRoot, '.run', 'test-network'),
  portBase: Number(process.env.DATAMARKET_TEST_PORT_BASE ?? 27000),
  verbose: process.env.DATAMARKET_VERBOSE === '1',
});

let started = false;
let startedAs = { peers: 1, hosts: false };

export interface NetworkShape {
  /** Peers per org (default 1). */
  peers?: number;
  /** One network namespace per org (`up --hosts`). */
  hosts?: boolean;
}

/**
 * Brings the test network up once per test run, with the chaincode on channel 'market'. A
 * shape asked for (peers per org, hosts) that the running network does not have restarts it;
 * what is not asked for, any network has.
 */
export async function ensureTestNetwork(shape: NetworkShape = {}): Promise<TestNetwork> {
  const fits =
    (shape.peers === undefined || shape.peers === startedAs.peers) &&
    (shape.hosts === undefined || shape.hosts === startedAs.hosts);
  if (started && fits) return testNetwork;
  if (started) await stopTestNetwork();
  const leftovers = [...(await testNetwork.pids()).values()].filter(isProcessAlive);
  if (leftovers.length > 0) await testNetwork.down(); // from an earlier, interrupted run
  await testNetwork.run('down'); // clears stale state if any
  const wanted = { peers: shape.peers ?? 1, hosts: shape.hosts ?? false };
  await testNetwork.must(
    'up',
    '--peers',
    String(wanted.peers),
    ...(wanted.hosts ? ['--hosts'] : []),
  );
  await testNetwork.deployChaincode('market');
  started = true;
  startedAs = wanted;
  return testNetwork;
}

export async function stopTestNetwork(): Promise<void> {
  if (!started) return;
  started = false;
  await testNetwork.down();
}

export function markTestNetworkStopped(): void {
  started = false;
}

/** Initialises the token issuer (the auditor org) once per channel, whichever test comes first. */
export async function ensureInitialized(contract: Contract): Promise<void> {
  try {
    await contract.evaluateTransaction('GetConfig');
  } catch {
    // The first submit after a deploy may wait for discovery to see every org's chaincode.
    await retryWhileEndorsersSettle(() => contract.submitTransaction('Initialize', 'AuditorMSP'));
  }
}
