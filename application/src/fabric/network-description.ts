import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One org of the test network, as network.sh describes it in network.json. */
export interface OrgDescription {
  mspId: string;
  peer: string;
  peerEndpoint: string;
  /** TLS server name of the peer (its certificate also names 127.0.0.1). */
  peerHostAlias: string;
  tlsCa: string;
  usersDir: string;
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
