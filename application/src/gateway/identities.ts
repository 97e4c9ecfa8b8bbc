import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadIdentity, orgOf, userMspDir, type NetworkDescription } from '../fabric/index.js';
import type { SigningIdentity } from './auth.js';
import { forbidden } from './http/errors.js';
import type { OrgUsers } from './org-users.js';

const utf8 = new TextDecoder();

/** The CA certificates of every org of the network, by MSP id (for signed requests). */
export async function loadTrustedCas(
  network: NetworkDescription,
): Promise<Map<string, X509Certificate[]>> {
  const cas = new Map<string, X509Certificate[]>();
  for (const org of Object.values(network.orgs)) {
    const dir = path.join(path.dirname(org.usersDir), 'msp', 'cacerts');
    const certs: X509Certificate[] = [];
    for (const file of await readdir(dir)) {
      certs.push(new X509Certificate(await readFile(path.join(dir, file))));
    }
    cas.set(org.mspId, certs);
  }
  return cas;
}

/** A user's certificate and private key, to sign requests to other orgs' gateway apps. */
export async function userSigningIdentity(
  network: NetworkDescription,
  org: string,
  user: string,
): Promise<{ mspId: string; certificatePem: string; privateKey: KeyObject }> {
  const description = orgOf(network, org);
  const mspDir = userMspDir(description, user);
  const identity = await loadIdentity(description.mspId, mspDir);
  const keystore = path.join(mspDir, 'keystore');
  const [keyFile] = await readdir(keystore);
  if (!keyFile) throw new Error(`no private key in ${keystore}`);
  return {
    mspId: identity.mspId,
    certificatePem: utf8.decode(identity.credentials),
    privateKey: createPrivateKey(await readFile(path.join(keystore, keyFile))),
  };
}

/**
 * The signing identity of any user the app signs for: a runtime user's from the store
 * (custodial), otherwise one of the network's MSP files. A non-custodial user has none here.
 */
export function orgSigningIdentity(
  network: NetworkDescription,
  org: string,
  users: OrgUsers,
): (user: string) => Promise<SigningIdentity> {
  return async (user) => {
    if (!users.isConfigUser(user)) {
      const custodial = await users.custodialIdentity(user);
      if (custodial) {
        return {
          mspId: orgOf(network, org).mspId,
          certificatePem: custodial.certificatePem,
          privateKey: custodial.privateKey,
        };
      }
      if (await users.store.getAppUser(user)) {
        throw forbidden(`${user} signs its own requests: the app holds no key for it`);
      }
    }
    return userSigningIdentity(network, org, user);
  };
}
