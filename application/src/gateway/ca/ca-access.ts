import { readFile } from 'node:fs/promises';
import type { NetworkDescription } from '../../fabric/index.js';
import type { CaAccess } from './ca-client.js';

/** How network.json describes an org's CA (written by network.sh up when it runs CAs). */
interface CaDescription {
  url: string;
  caName: string;
  /** File of the certificate that signed the CA server's TLS certificate. */
  tlsCa: string;
  registrar?: { id: string; secret: string };
}

/** DATAMARKET_CA_REGISTRAR=id:secret, when set. */
function registrarFromEnv(): { id: string; secret: string } | undefined {
  const value = process.env.DATAMARKET_CA_REGISTRAR ?? '';
  const colon = value.indexOf(':');
  return colon > 0 ? { id: value.slice(0, colon), secret: value.slice(colon + 1) } : undefined;
}

/**
 * The org's CA from the network description, or undefined when the network has none
 * (cryptogen). The registrar's id and secret come from DATAMARKET_CA_REGISTRAR=id:secret, the
 * description, or Fabric CA's bootstrap default (admin:adminpw), in that order.
 */
export async function caAccessFor(
  network: NetworkDescription,
  org: string,
): Promise<CaAccess | undefined> {
  const described = (network.orgs[org] as { ca?: CaDescription } | undefined)?.ca;
  if (!described) return undefined;
  return {
    url: described.url,
    caName: described.caName,
    tlsCaPem: await readFile(described.tlsCa, 'utf8'),
    registrar: registrarFromEnv() ?? described.registrar ?? { id: 'admin', secret: 'adminpw' },
  };
}
