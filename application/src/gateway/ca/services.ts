import type { GatewayConfig } from '../config.js';
import type { Sealer } from '../crypto/sealing.js';
import { CHAINCODE } from '../ledger/fabric-market-ledger.js';
import { OfflineTransactions } from '../ledger/offline-transactions.js';
import { OrgUserConnections } from '../ledger/org-user-connections.js';
import { OrgUsers } from '../org-users.js';
import type { SellerStore } from '../store/seller-store.js';
import type { NetworkDescription } from '../../fabric/index.js';
import { caAccessFor } from './ca-access.js';
import { FabricCaClient } from './ca-client.js';
import { networkScriptCrlPublisher } from './crl-publisher.js';
import { Onboarding, type CrlPublisher, type OnboardingServices } from './onboarding.js';

export type { CrlPublisher } from './onboarding.js';

/** The app's users, their connections, offline signing and (with a CA) onboarding. */
export async function onboardingServices(
  network: NetworkDescription,
  config: GatewayConfig,
  store: SellerStore,
  sealer: Sealer,
  publishCrl?: CrlPublisher,
): Promise<OnboardingServices> {
  const users = new OrgUsers(config.users, store, sealer);
  const connections = new OrgUserConnections(network, config.org, users);
  const offline = new OfflineTransactions(
    (certificatePem) => connections.offlineGateway(certificatePem),
    CHAINCODE,
  );
  const ca = await caAccessFor(network, config.org);
  const portBase = Number(process.env.DATAMARKET_PORT_BASE ?? Number.NaN);
  const publisher =
    publishCrl ??
    (Number.isInteger(portBase)
      ? networkScriptCrlPublisher({
          runDir: network.runDir,
          portBase,
          org: config.org,
          channels: config.channels,
        })
      : () => Promise.resolve([]));
  const admin = ca && new Onboarding(new FabricCaClient(ca), users, connections, publisher);
  return { users, offline, connections, ...(admin ? { admin } : {}) };
}
