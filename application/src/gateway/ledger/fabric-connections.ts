import type * as grpc from '@grpc/grpc-js';
import type { Network } from '@hyperledger/fabric-gateway';
import {
  connectAs,
  peerClient,
  type GatewayConnection,
  type NetworkDescription,
} from '../../fabric/index.js';

/** Where a MarketLedger gets a channel as one of its users sees it (tests pass a fake). */
export interface ChannelSource {
  channel(user: string, channel: string): Promise<Network>;
  close(): Promise<void>;
}

/**
 * One org's connections to its own peers: one gRPC client, shared, and one Fabric Gateway
 * connection per user, opened on first use (a failed attempt is forgotten, so the next call
 * tries again). With two or more peers the client spans all of them and moves to another
 * when one dies (peerClient), so the app fails over without reopening anything here.
 */
export class FabricConnections implements ChannelSource {
  private client?: Promise<grpc.Client>;
  private readonly connections = new Map<string, Promise<GatewayConnection>>();

  constructor(
    readonly network: NetworkDescription,
    readonly org: string,
  ) {}

  private sharedClient(): Promise<grpc.Client> {
    if (!this.client) {
      const pending = peerClient(this.network, this.org);
      this.client = pending;
      pending.catch(() => {
        if (this.client === pending) this.client = undefined;
      });
    }
    return this.client;
  }

  private connection(user: string): Promise<GatewayConnection> {
    let found = this.connections.get(user);
    if (!found) {
      const pending = this.sharedClient().then((client) =>
        connectAs(this.network, { org: this.org, user }, client),
      );
      found = pending;
      this.connections.set(user, pending);
      pending.catch(() => {
        if (this.connections.get(user) === pending) this.connections.delete(user);
      });
    }
    return found;
  }

  /** The channel as one of this org's users sees it. */
  async channel(user: string, channel: string): Promise<Network> {
    return (await this.connection(user)).gateway.getNetwork(channel);
  }

  async close(): Promise<void> {
    const pending = [...this.connections.values()];
    this.connections.clear();
    for (const connection of await Promise.allSettled(pending)) {
      if (connection.status === 'fulfilled') connection.value.close();
    }
    const client = this.client;
    this.client = undefined;
    await client?.then(
      (grpcClient) => {
        grpcClient.close();
      },
      () => undefined,
    );
  }
}
