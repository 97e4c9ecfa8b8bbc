import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  accountIdOf,
  signRequest,
  tokenSha256Hex,
  userForToken,
  verifySignedRequest,
} from '../../../src/gateway/auth.js';

/** A CA and a client certificate made with openssl, shaped like cryptogen's. */
function makePki(dir: string, name: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}-ca.key`);
  run(
    'req',
    '-new',
    '-x509',
    '-key',
    `${name}-ca.key`,
    '-out',
    `${name}-ca.pem`,
    '-days',
    '2',
    '-subj',
    `/C=US/ST=California/L=San Francisco/O=${name}.test/CN=ca.${name}.test`,
  );
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}-user.key`);
  run(
    'req',
    '-new',
    '-key',
    `${name}-user.key`,
    '-out',
    `${name}-user.csr`,
    '-subj',
    `/C=US/ST=California/L=San Francisco/OU=client/CN=User1@${name}.test`,
  );
  writeFileSync(path.join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\n');
  run(
    'x509',
    '-req',
    '-in',
    `${name}-user.csr`,
    '-CA',
    `${name}-ca.pem`,
    '-CAkey',
    `${name}-ca.key`,
    '-CAcreateserial',
    '-out',
    `${name}-user.pem`,
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
  return {
    ca: new X509Certificate(readFileSync(path.join(dir, `${name}-ca.pem`))),
    certificatePem: readFileSync(path.join(dir, `${name}-user.pem`), 'utf8'),
    privateKey: createPrivateKey(readFileSync(path.join(dir, `${name}-user.key`))),
  };
}

function fakeRequest(method: string, url: string, headers: Record<string, string>) {
  return { method, originalUrl: url, get: (name: string) => headers[name.toLowerCase()] };
}

describe('gateway: authentication', () => {
  it('maps API tokens to users by their SHA-256 digest', () => {
    const users = [
      { user: 'User1', tokenSha256: tokenSha256Hex('token-for-user-one-0001') },
      { user: 'Admin', tokenSha256: tokenSha256Hex('token-for-the-admin-0002') },
    ];
    expect(userForToken(users, 'Bearer token-for-user-one-0001')).to.equal('User1');
    expect(userForToken(users, 'Bearer token-for-the-admin-0002')).to.equal('Admin');
    expect(userForToken(users, 'Bearer token-for-nobody-00003')).to.equal(undefined);
    expect(userForToken(users, 'token-for-user-one-0001')).to.equal(undefined);
    expect(userForToken(users, 'Bearer short')).to.equal(undefined);
    expect(userForToken(users, undefined)).to.equal(undefined);
  });

  describe('signed requests between orgs', function () {
    this.timeout(20_000);
    let dir: string;
    let buyer: ReturnType<typeof makePki>;
    let other: ReturnType<typeof makePki>;
    let cas: Map<string, X509Certificate[]>;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'dm-pki-'));
      buyer = makePki(dir, 'buyer');
      other = makePki(dir, 'other');
      cas = new Map([
        ['BuyerMSP', [buyer.ca]],
        ['OtherMSP', [other.ca]],
      ]);
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const identity = () => ({
      mspId: 'BuyerMSP',
      certificatePem: buyer.certificatePem,
      privateKey: buyer.privateKey,
    });

    it('accepts a good signature and derives the chaincode account id', () => {
      const body = Buffer.from('encrypted result');
      const headers = signRequest(identity(), 'PUT', '/peer/channels/market/trades/t/result', body);
      const caller = verifySignedRequest(
        fakeRequest('PUT', '/peer/channels/market/trades/t/result', headers),
        body,
        cas,
      );
      expect(caller.accountId).to.equal(
        'BuyerMSP::/C=US/ST=California/L=San Francisco/OU=client/CN=User1@buyer.test::/C=US/ST=California/L=San Francisco/O=buyer.test/CN=ca.buyer.test',
      );
      expect(accountIdOf('BuyerMSP', new X509Certificate(buyer.certificatePem))).to.equal(
        caller.accountId,
      );
    });

    it('signs a fresh nonce into every request: a changed or missing nonce does not verify', () => {
      const url = '/peer/channels/market/trades/t/bundle';
      const headers = signRequest(identity(), 'GET', url);
      const again = signRequest(identity(), 'GET', url);
      const nonce = headers['x-datamarket-nonce'] ?? '';
      expect(nonce).to.match(/^[A-Za-z0-9_-]{24}$/);
      expect(again['x-datamarket-nonce']).not.to.equal(nonce);
      const verified = verifySignedRequest(fakeRequest('GET', url, headers), undefined, cas);
      expect(verified.nonce).to.equal(nonce);
      expect(verified.validUntil).to.equal(Number(headers['x-datamarket-time']) + 120_000);
      const swapped = { ...headers, 'x-datamarket-nonce': again['x-datamarket-nonce'] ?? '' };
      expect(() => verifySignedRequest(fakeRequest('GET', url, swapped), undefined, cas)).to.throw(
        /does not verify/,
      );
      const without = Object.fromEntries(
        Object.entries(headers).filter(([name]) => name !== 'x-datamarket-nonce'),
      );
      expect(() => verifySignedRequest(fakeRequest('GET', url, without), undefined, cas)).to.throw(
        /x-datamarket-nonce/,
      );
    });

    it('refuses altered paths, bodies, stale times, foreign CAs and missing headers', () => {
      const url = '/peer/channels/market/trades/t/bundle';
      const headers = signRequest(identity(), 'GET', url);
      expect(() =>
        verifySignedRequest(fakeRequest('GET', `${url}x`, headers), undefined, cas),
      ).to.throw(/does not verify/);
      expect(() =>
        verifySignedRequest(fakeRequest('GET', url, headers), Buffer.from('x'), cas),
      ).to.throw(/does not verify/);
      const stale = signRequest(identity(), 'GET', url, undefined, Date.now() - 600_000);
      expect(() => verifySignedRequest(fakeRequest('GET', url, stale), undefined, cas)).to.throw(
        /clock/,
      );
      const claimsOther = { ...headers, 'x-datamarket-msp': 'OtherMSP' };
      expect(() =>
        verifySignedRequest(fakeRequest('GET', url, claimsOther), undefined, cas),
      ).to.throw(/not issued/);
      const unknown = { ...headers, 'x-datamarket-msp': 'NoMSP' };
      expect(() => verifySignedRequest(fakeRequest('GET', url, unknown), undefined, cas)).to.throw(
        /unknown MSP/,
      );
      expect(() => verifySignedRequest(fakeRequest('GET', url, {}), undefined, cas)).to.throw(
        /signed with a Fabric identity/,
      );
      // a certificate of another org signing with its own key, claiming the buyer's MSP
      const forged = signRequest(
        { mspId: 'BuyerMSP', certificatePem: other.certificatePem, privateKey: other.privateKey },
        'GET',
        url,
      );
      expect(() => verifySignedRequest(fakeRequest('GET', url, forged), undefined, cas)).to.throw(
        /not issued/,
      );
    });
  });
});
