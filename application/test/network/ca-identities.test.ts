import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { NetworkDescription } from '../../src/fabric/index.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

async function onlyCert(dir: string): Promise<X509Certificate> {
  const [file] = await readdir(dir);
  if (!file) throw new Error(`no certificate in ${dir}`);
  return new X509Certificate(await readFile(path.join(dir, file)));
}

describe('Fabric CA identities of the test network', function () {
  this.timeout(600_000);
  let network: NetworkDescription;

  before(async () => {
    await ensureTestNetwork();
    network = await testNetwork.describe();
  });

  it('runs one CA per org, the orderer org included, healthy over TLS', async () => {
    const status = await testNetwork.run('status');
    expect(status.code, status.output).to.equal(0);
    for (const ca of ['ca.orderer', 'ca.seller', 'ca.buyer', 'ca.auditor']) {
      expect(status.output).to.match(new RegExp(`${ca.replace('.', '\\.')}\\s+\\d+\\s+healthy`));
    }
    for (const org of Object.values(network.orgs)) {
      expect(org.ca?.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('enrolls every identity from its org CA with the NodeOU of its role', async () => {
    for (const [name, org] of Object.entries(network.orgs)) {
      const caCert = new X509Certificate(await readFile(org.ca?.tlsCert ?? ''));
      const orgDir = path.dirname(org.usersDir);
      const domain = `${name}.datamarket.test`;
      const roles: [string, string][] = [
        [path.join(org.usersDir, `Admin@${domain}`, 'msp', 'signcerts'), 'admin'],
        [path.join(org.usersDir, `User1@${domain}`, 'msp', 'signcerts'), 'client'],
        [path.join(orgDir, 'peers', `peer0.${domain}`, 'msp', 'signcerts'), 'peer'],
      ];
      for (const [dir, role] of roles) {
        const cert = await onlyCert(dir);
        expect(cert.verify(caCert.publicKey), `${dir} signed by ${name}'s CA`).to.equal(true);
        expect(cert.subject, dir).to.include(`OU=${role}`);
      }
      const nodeOus = await readFile(path.join(orgDir, 'msp', 'config.yaml'), 'utf8');
      expect(nodeOus).to.match(/Enable: true/);
      const tls = new X509Certificate(
        await readFile(path.join(orgDir, 'peers', `peer0.${domain}`, 'tls', 'server.crt')),
      );
      expect(tls.verify(caCert.publicKey)).to.equal(true);
      expect(tls.subjectAltName).to.include(`DNS:peer0.${domain}`);
      expect(tls.subjectAltName).to.include('IP Address:127.0.0.1');
    }
  });
});
