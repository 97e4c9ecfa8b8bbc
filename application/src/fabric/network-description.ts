import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One peer of an org: its node name (peer1.seller), address and TLS server name. */
export interface PeerDescription {
  name: string;
  endpoint: string;
  hostAlias: string;
}

/** An org's Fabric CA: where it listens, its TLS certificate, and its registrar's MSP. */
export interface CaDescription {
  name: string;
  url: string;
  tlsCert: string;
  registrarMspDir: string;
}

/** One org of the test network, as network.sh describes it in network.json. */
export interface OrgDescription {
  mspId: string;
  /** The org's first peer (peer, peerEndpoint, peerHostAlias); peers lists all of them. */
  peer: string;
  peerEndpoint: string;
  /** TLS server name of the peer (its certificate also names 127.0.0.1). */
  peerHostAlias: string;
  tlsCa: string;
  usersDir: string;
  peers?: PeerDescription[];
  /** A TLS server name every peer of the org has (for one client over all of them). */
  peersTlsName?: string;
  /** Absent when the network's identities came from cryptogen. */
  ca?: CaDescription;
}

export interface NetworkDescription {
  runDir: string;
  ordererTlsCa: string;
  orderers: { name: string; endpoint: string }[];
  orgs: Record<string, OrgDescription>;
}

/** Reads the network.json that `network.sh up` writes into the run directory. */
export async function readNetworkDescription(runDir: string): Promise<NetworkDescription> {
  const file = path.join(runDir, 'network.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no network description at ${file}: is the network up (network.sh up)?`);
  }
  return JSON.parse(text) as NetworkDescription;
}

export function orgOf(network: NetworkDescription, org: string): OrgDescription {
  const found = network.orgs[org];
  if (!found) {
    throw new Error(`unknown org '${org}' (known: ${Object.keys(network.orgs).join(', ')})`);
  }
  return found;
}

/** The directory of a user's MSP (signcerts/, keystore/) created by cryptogen. */
export function userMspDir(orgDescription: OrgDescription, user: string): string {
  const domain = orgDescription.peerHostAlias.replace(/^peer0\./, '');
  return path.join(orgDescription.usersDir, `${user}@${domain}`, 'msp');
}
