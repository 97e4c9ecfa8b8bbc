import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SigningIdentity } from '../../../../src/gateway/auth.js';

/**
 * An org's CA and user certificates made with openssl, with the subject and issuer names the
 * in-process identities use (identity(mspId, user, org) in @datamarket/chaincode/testing), so
 * the account id a signed request proves is the one the in-process ledger knows.
 */
export interface OrgPki {
  ca: X509Certificate;
  identities: Map<string, SigningIdentity>;
}

const DN = '/C=US/ST=North Carolina/L=Durham';

export function makeOrgPki(dir: string, org: string, mspId: string, users: string[]): OrgPki {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const domain = `${org}.example.com`;
  const caKey = `${org}-ca.key`;
  const caPem = `${org}-ca.pem`;
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey);
  run(
    'req',
    '-new',
    '-x509',
    '-key',
    caKey,
    '-out',
    caPem,
    '-days',
    '2',
    '-subj',
    `${DN}/O=${domain}/CN=ca.${domain}`,
  );
  writeFileSync(path.join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\n');
  const identities = new Map<string, SigningIdentity>();
  for (const user of users) {
    const base = `${org}-${user}`;
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`);
    run(
      'req',
      '-new',
      '-key',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      `${DN}/OU=client/CN=${user}@${domain}`,
    );
    run(
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      caPem,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      `${base}.pem`,
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    );
    identities.set(user, {
      mspId,
      certificatePem: readFileSync(path.join(dir, `${base}.pem`), 'utf8'),
      privateKey: createPrivateKey(readFileSync(path.join(dir, `${base}.key`))),
    });
  }
  return { ca: new X509Certificate(readFileSync(path.join(dir, caPem))), identities };
}
