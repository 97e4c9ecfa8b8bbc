/**
 * Bench identities: an account can have one debit per block (MVCC on its balance base), so an
 * open-loop load of Transfers or Purchases needs many senders. The network has two users per
 * org; this issues more client certificates from the org's own CA (its key in the run
 * directory, from cryptogen or the org's Fabric CA server), with OU=client so the MSP's NodeOUs accept them, laid out as cryptogen
 * lays out its users (users/<name>@<domain>/msp), so the apps and connectAs can use them too.
 * Bench-only: the network's configuration is untouched.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NetworkDescription, OrgDescription } from '../src/fabric/index.js';

export interface BenchIdentity {
  org: string;
  mspId: string;
  name: string;
  certPath: string;
  keyPath: string;
}

function onlyFile(dir: string, suffix = ''): string {
  const file = readdirSync(dir).find((f) => f.endsWith(suffix));
  if (!file) throw new Error(`no ${suffix || 'file'} in ${dir}`);
  return path.join(dir, file);
}

/** The cryptogen users of an org (Admin, User1, …) as bench identities. */
export function cryptogenIdentities(org: string, o: OrgDescription): BenchIdentity[] {
  return readdirSync(o.usersDir).map((dir) => {
    const msp = path.join(o.usersDir, dir, 'msp');
    return {
      org,
      mspId: o.mspId,
      name: dir.split('@')[0] ?? dir,
      certPath: onlyFile(path.join(msp, 'signcerts')),
      keyPath: onlyFile(path.join(msp, 'keystore')),
    };
  });
}

/**
 * The org's CA certificate and key. cryptogen leaves both in <org>/ca; with Fabric CA only the
 * certificate is there and the key is in the CA server's home (<runDir>/ca/<org>/msp/keystore,
 * beside its TLS key: the one whose public key the certificate holds).
 */
function signingCa(runDir: string, org: string, orgDir: string): { caCert: string; caKey: string } {
  const caDir = path.join(orgDir, 'ca');
  const caCert = onlyFile(caDir, '-cert.pem');
  const own = readdirSync(caDir).find((f) => f.endsWith('_sk'));
  if (own) return { caCert, caKey: path.join(caDir, own) };
  const keystore = path.join(runDir, 'ca', org, 'msp', 'keystore');
  const certKey = new X509Certificate(readFileSync(caCert)).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  const caKey = readdirSync(keystore)
    .filter((f) => f.endsWith('_sk'))
    .map((f) => path.join(keystore, f))
    .find((file) =>
      createPublicKey(createPrivateKey(readFileSync(file)))
        .export({ type: 'spki', format: 'der' })
        .equals(certKey),
    );
  if (!caKey) throw new Error(`no key of ${caCert} in ${keystore}`);
  return { caCert, caKey };
}

/** `count` extra client identities of `org`, issued once into <runDir>/bench-users/<org>. */
export function issueIdentities(
  network: NetworkDescription,
  org: string,
  count: number,
): BenchIdentity[] {
  const o = network.orgs[org];
  if (!o) throw new Error(`no org ${org}`);
  const orgDir = path.dirname(o.usersDir);
  const { caCert, caKey } = signingCa(network.runDir, org, orgDir);
  const domain = path.basename(orgDir);
  const missing: { name: string; msp: string }[] = [];
  const identities = Array.from({ length: count }, (_, i) => {
    const name = `Bench${String(i)}`;
    const msp = path.join(o.usersDir, `${name}@${domain}`, 'msp');
    const certPath = path.join(msp, 'signcerts', 'cert.pem');
    const keyPath = path.join(msp, 'keystore', 'key.pem');
    if (!existsSync(certPath)) missing.push({ name, msp });
    return { org, mspId: o.mspId, name, certPath, keyPath };
  });
  if (missing.length > 0) {
    for (const { msp } of missing) {
      mkdirSync(path.join(msp, 'signcerts'), { recursive: true });
      mkdirSync(path.join(msp, 'keystore'), { recursive: true });
    }
    // One shell for all of them: two openssl runs per identity.
    const script = missing
      .map(
        ({ name, msp }) =>
          `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${msp}/keystore/key.pem" -subj "/C=US/ST=North Carolina/L=Durham/OU=client/CN=${name}@${domain}" 2>/dev/null` +
          ` | openssl x509 -req -CA "${caCert}" -CAkey "${caKey}" -CAcreateserial -CAserial "${msp}/../ca.srl" -days 30 -sha256 -out "${msp}/signcerts/cert.pem" 2>/dev/null`,
      )
      .join('\n');
    execFileSync('bash', ['-euo', 'pipefail', '-s'], {
      input: script,
      stdio: ['pipe', 'inherit', 'inherit'],
    });
  }
  return identities;
}
