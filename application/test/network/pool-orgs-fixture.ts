import type { GatewayConfig } from '../../src/gateway/config.js';
import { loadAddedOrgApp } from '../../src/gateway/added-org-app.js';
import type { StartOptions } from '../../src/gateway/server.js';
import { gatewayConfig, startApp, type AppHandle } from './e2e-support.js';
import { testNetwork } from './test-network-fixture.js';

/**
 * The co-seller orgs of the pool tests: two member orgs added to the shared network by
 * `network.sh addOrg` (their own CA, peer, MSP and gateway app config), next to the seller org.
 * Names that no other spec uses ('clinic' is zy-consortium's), so a removed name (which cannot
 * come back) never stands in another spec's way.
 */
export const CO_SELLER_ORGS = ['cosellera', 'cosellerb'] as const;

/** Adds each org that the network does not have yet, one after another (config updates). */
export async function addSellerOrgs(orgs: readonly string[], channel: string): Promise<void> {
  for (const org of orgs) {
    const network = await testNetwork.describe();
    if (network.orgs[org] === undefined) await testNetwork.addOrg(org, { channels: [channel] });
  }
}

/**
 * Takes the orgs out again, so the specs that follow find the network they expect (the three
 * orgs, MAJORITY endorsement 2 of 3). Skips an org the network does not have.
 */
export async function removeSellerOrgs(orgs: readonly string[]): Promise<void> {
  for (const org of [...orgs].reverse()) {
    const network = await testNetwork.describe();
    if (network.orgs[org] !== undefined) await testNetwork.removeOrg(org);
  }
}

/**
 * One org's seller app on `channel`, registering its URL on chain as the org's Admin (so the
 * buyer's app may call it): the seller org's from a fresh test config for `users`, an added
 * org's from the config and tokens addOrg wrote (its users Admin and User1), on a free port.
 */
export async function startSellerApp(
  org: string,
  channel: string,
  users: string[],
  extra: Partial<GatewayConfig> = {},
  options: StartOptions = {},
): Promise<AppHandle> {
  const runDir = testNetwork.runDir;
  if (org === 'seller') {
    const s = gatewayConfig(runDir, org, ['seller'], [channel], users, extra);
    return startApp(s.config, s.tokens, options);
  }
  // addOrg's config names the org's Admin as the user who registers the app (registerAppAs).
  const added = await loadAddedOrgApp(runDir, org, { port: 0, channels: [channel], ...extra });
  return startApp(added.config, added.tokens, options);
}
