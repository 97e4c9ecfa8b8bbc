import fabricNetwork from 'fabric-network';
import type { Contract, ContractEvent, Gateway, X509Identity } from 'fabric-network';
import { readFile } from 'node:fs/promises';
import {
  loadIdentity,
  orgOf,
  userMspDir,
  type NetworkDescription,
} from '../../src/fabric/index.js';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * An app written as an existing consortium member's would be with the fabric-network 2.2 SDK:
 * a wallet holding one user's X.509 identity, the org's connection profile, discovery on.
 * (A dev dependency, used only by this test.)
 */
export interface ProfileClient {
  gateway: Gateway;
  /** Resolves with the first contract event of the given transaction. */
  nextEventOf(contract: Contract, transactionId: string): Promise<ContractEvent>;
  close(): void;
}

export async function connectWithProfile(
  profilePath: string,
  network: NetworkDescription,
  org: string,
  user: string,
): Promise<ProfileClient> {
  const profile = JSON.parse(await readFile(profilePath, 'utf8')) as Record<string, unknown>;
  const description = orgOf(network, org);
  const mspDir = userMspDir(description, user);
  const identity = await loadIdentity(description.mspId, mspDir);
  const [keyFile] = await readdir(path.join(mspDir, 'keystore'));
  if (!keyFile) throw new Error(`no private key in ${mspDir}`);
  const wallet = await fabricNetwork.Wallets.newInMemoryWallet();
  const x509: X509Identity = {
    type: 'X.509',
    mspId: description.mspId,
    credentials: {
      certificate: identity.credentials.toString(),
      privateKey: await readFile(path.join(mspDir, 'keystore', keyFile), 'utf8'),
    },
  };
  await wallet.put(user, x509);
  const gateway = new fabricNetwork.Gateway();
  await gateway.connect(profile, {
    wallet,
    identity: user,
    discovery: { enabled: true, asLocalhost: false },
  });
  const listeners: { contract: Contract; listener: (event: ContractEvent) => Promise<void> }[] = [];
  return {
    gateway,
    nextEventOf(contract, transactionId) {
      return new Promise((resolve, reject) => {
        const listener = (event: ContractEvent) => {
          if (event.getTransactionEvent().transactionId === transactionId) resolve(event);
          return Promise.resolve();
        };
        listeners.push({ contract, listener });
        contract.addContractListener(listener).catch(reject);
      });
    },
    close() {
      for (const { contract, listener } of listeners) contract.removeContractListener(listener);
      gateway.disconnect();
    },
  };
}
