import type * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { nativeSigning, orgOf, peerClient, type NetworkDescription } from '../../fabric/index.js';
import type { OrgUsers } from '../org-users.js';
import { FabricConnections, type ChannelSource } from './fabric-connections.js';

const options = {
  evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
  endorseOptions: () => ({ deadline: Date.now() + 60_000 }),
  submitOptions: () => ({ deadline: Date.now() + 30_000 }),
  commitStatusOptions: () => ({ deadline: Date.now() + 120_000 }),
};

/**
 * The org's connections for every kind of user: the config's users through the usual
 * FabricConnections (identities from the network's MSP files), users added at run time with
 * the identity in the store (custodial: the app signs), and gateways without a signer for
 * non-custodial users, whose messages the user signs (ledger/offline-transactions.ts).
 */
export class OrgUserConnections implements ChannelSource {
  private client?: Promise<grpc.Client>;
  private readonly gateways = new Map<string, Promise<Gateway>>();

  constructor(
    private readonly network: NetworkDescription,
    private readonly org: string,
    private readonly users: OrgUsers,
    private readonly base: ChannelSource = new FabricConnections(network, org),
  ) {}

  private sharedClient(): Promise<grpc.Client> {
    this.client ??= peerClient(this.network, this.org);
    return this.client;
  }

  private cached(key: string, open: () => Promise<Gateway>): Promise<Gateway> {
    let found = this.gateways.get(key);
    if (!found) {
      const pending = open();
      found = pending;
      this.gateways.set(key, pending);
      pending.catch(() => {
        if (this.gateways.get(key) === pending) this.gateways.delete(key);
      });
    }
    return found;
  }

  async channel(user: string, channel: string): Promise<Network> {
    const key = `user:${user}`;
    // The config's users, and the network's own ones the config does not list (the reader).
    if (this.users.isConfigUser(user)) return this.base.channel(user, channel);
    if (!this.gateways.has(key) && !(await this.users.store.getAppUser(user))) {
      return this.base.channel(user, channel);
    }
    const gateway = await this.cached(key, async () => {
      const identity = await this.users.custodialIdentity(user);
      if (!identity) throw new Error(`user ${user} signs its own transactions (non-custodial)`);
      return connect({
        client: await this.sharedClient(),
        identity: {
          mspId: orgOf(this.network, this.org).mspId,
          credentials: Buffer.from(identity.certificatePem),
        },
        ...nativeSigning(identity.privateKey),
        ...options,
      });
    });
    return gateway.getNetwork(channel);
  }

  /** A gateway with this certificate as identity and no signer: the user signs offline. */
  offlineGateway(certificatePem: string): Promise<Gateway> {
    return this.cached(`cert:${certificatePem}`, async () =>
      connect({
        client: await this.sharedClient(),
        identity: {
          mspId: orgOf(this.network, this.org).mspId,
          credentials: Buffer.from(certificatePem),
        },
        hash: hash.sha256,
        ...options,
      }),
    );
  }

  /** Drops a user's connection (after revocation). */
  forget(user: string): void {
    const found = this.gateways.get(`user:${user}`);
    this.gateways.delete(`user:${user}`);
    void found?.then(
      (gateway) => {
        gateway.close();
      },
      () => undefined,
    );
  }

  async close(): Promise<void> {
    const pending = [...this.gateways.values()];
    this.gateways.clear();
    for (const gateway of await Promise.allSettled(pending)) {
      if (gateway.status === 'fulfilled') gateway.value.close();
    }
    const client = this.client;
    this.client = undefined;
    await client?.then(
      (c) => {
        c.close();
      },
      () => undefined,
    );
    await this.base.close();
  }
}
