import { createPrivateKey } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NetworkDescription } from '../../fabric/index.js';
import type { CaAccess, EnrolledIdentity } from './ca-client.js';

/** How network.json describes an org's CA (network.sh up writes it when it runs CAs). */
interface CaDescription {
  name: string;
  url: string;
  /** File of the certificate that signed the CA server's TLS certificate. */
  tlsCert: string;
  /** The CA registrar's enrolled MSP (signcerts/, keystore/), when network.sh enrolled it. */
  registrarMspDir?: string;
}

/** DATAMARKET_CA_REGISTRAR=id:secret, when set. */
function registrarFromEnv(): { id: string; secret: string } | undefined {
  const value = process.env.DATAMARKET_CA_REGISTRAR ?? '';
  const colon = value.indexOf(':');
  return colon > 0 ? { id: value.slice(0, colon), secret: value.slice(colon + 1) } : undefined;
}

async function onlyFile(dir: string): Promise<string> {
  const [file] = await readdir(dir);
  if (!file) throw new Error(`no file in ${dir}`);
  return path.join(dir, file);
}

/** The registrar's enrolled identity from its MSP directory. */
async function enrolledRegistrar(mspDir: string): Promise<EnrolledIdentity> {
  const certificatePem = await readFile(await onlyFile(path.join(mspDir, 'signcerts')), 'utf8');
  const key = await readFile(await onlyFile(path.join(mspDir, 'keystore')));
  return { certificatePem, privateKey: createPrivateKey(key) };
}

/**
 * The org's CA from the network description, or undefined when the network has none
 * (cryptogen). The registrar: DATAMARKET_CA_REGISTRAR=id:secret (enrolled by the app), else
 * the registrar network.sh enrolled, else Fabric CA's bootstrap default (admin:adminpw).
 */
export async function caAccessFor(
  network: NetworkDescription,
  org: string,
): Promise<CaAccess | undefined> {
  const described = (network.orgs[org] as { ca?: CaDescription } | undefined)?.ca;
  if (!described) return undefined;
  const fromEnv = registrarFromEnv();
  return {
    url: described.url,
    caName: described.name,
    tlsCaPem: await readFile(described.tlsCert, 'utf8'),
    registrar:
      fromEnv ??
      (described.registrarMspDir
        ? await enrolledRegistrar(described.registrarMspDir)
        : { id: 'admin', secret: 'adminpw' }),
  };
}
