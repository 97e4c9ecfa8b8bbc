import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway, type Identity } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { nativeSigning, type NativeSigning } from './native-signing.js';
import { orgOf, userMspDir, type NetworkDescription } from './network-description.js';

export interface OrgUser {
  org: string;
  /** cryptogen user name: Admin, User1, User2, ... */
  user: string;
}

export interface GatewayConnection {
  gateway: Gateway;
  client: grpc.Client;
  identity: Identity;
  close(): void;
}

async function onlyFileIn(dir: string): Promise<string> {
  const files = await readdir(dir);
  const first = files[0];
  if (files.length !== 1 || first === undefined) {
    throw new Error(`expected exactly one file in ${dir}, found ${files.length}`);
  }
  return path.join(dir, first);
}

export async function loadIdentity(mspId: string, mspDir: string): Promise<Identity> {
  const credentials = await readFile(await onlyFileIn(path.join(mspDir, 'signcerts')));
  return { mspId, credentials };
}

/** The user's signer and its hash (native-signing.ts), from the key in its MSP folder. */
export async function loadSigning(mspDir: string): Promise<NativeSigning> {
  const pem = await readFile(await onlyFileIn(path.join(mspDir, 'keystore')));
  return nativeSigning(createPrivateKey(pem));
}

/**
 * A gRPC client to an org's own peers over TLS. With one peer, a channel to it. With several,
 * one channel over all their addresses (gRPC's pick_first): calls go to the first that
 * answers, and when it dies the channel moves to the next, so the org's app fails over by
 * itself. Their TLS certificates share the org-wide name `peersTlsName` for this.
 */
export async function peerClient(network: NetworkDescription, org: string): Promise<grpc.Client> {
  const description = orgOf(network, org);
  const tlsRootCert = await readFile(description.tlsCa);
  const credentials = grpc.credentials.createSsl(tlsRootCert);
  const peers = description.peers ?? [];
  if (peers.length > 1 && description.peersTlsName) {
    return new grpc.Client(`ipv4:${peers.map((p) => p.endpoint).join(',')}`, credentials, {
      'grpc.ssl_target_name_override': description.peersTlsName,
      'grpc.default_authority': description.peersTlsName,
      // Notice a peer that went away without closing its connections.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
    });
  }
  return new grpc.Client(description.peerEndpoint, credentials, {
    'grpc.ssl_target_name_override': description.peerHostAlias,
  });
}

/**
 * Connects a user of an org to the Fabric Gateway service of that org's peer.
 * Timeouts are generous because endorsement on a 2-core machine can queue behind other work.
 */
export async function connectAs(
  network: NetworkDescription,
  { org, user }: OrgUser,
  client?: grpc.Client,
): Promise<GatewayConnection> {
  const description = orgOf(network, org);
  const mspDir = userMspDir(description, user);
  const identity = await loadIdentity(description.mspId, mspDir);
  const signing = await loadSigning(mspDir);
  const grpcClient = client ?? (await peerClient(network, org));
  const gateway = connect({
    client: grpcClient,
    identity,
    ...signing,
    evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 60_000 }),
    submitOptions: () => ({ deadline: Date.now() + 30_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 120_000 }),
  });
  return {
    gateway,
    client: grpcClient,
    identity,
    close() {
      gateway.close();
      if (!client) grpcClient.close();
    },
  };
}
