import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { authenticateUsers, newApiToken, tokenSha256Hex } from '../../../src/gateway/auth.js';
import { certificateRequestProblem } from '../../../src/gateway/ca/csr-check.js';
import { certificateRequest, newEnrolmentKey, signLowS } from '../../../src/gateway/ca/csr.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import { errorHandler } from '../../../src/gateway/http/errors.js';
import { OrgUsers } from '../../../src/gateway/org-users.js';
import {
  SqliteSellerStore,
  type AppUser,
  type SellerStore,
} from '../../../src/gateway/store/seller-store.js';

const P256_HALF_ORDER = BigInt(
  '0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8',
);

/** The S of a DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }). */
function sOf(der: Buffer): bigint {
  const rLength = der[3] ?? 0;
  const sLength = der[5 + rLength] ?? 0;
  return BigInt(`0x${der.subarray(6 + rLength, 6 + rLength + sLength).toString('hex')}`);
}

describe('gateway: onboarding pieces (CSR, low-S signatures, runtime users, token auth)', () => {
  let dir: string;
  let store: SellerStore;
  const sealer = new Sealer('a test store secret');

  const user = (name: string, token: string, extra: Partial<AppUser> = {}): AppUser => ({
    name,
    role: 'buyer',
    tokenSha256: tokenSha256Hex(token),
    custody: 'self',
    certificatePem: 'CERT',
    createdAt: Date.now(),
    ...extra,
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dm-onboarding-'));
    store = new SqliteSellerStore(path.join(dir, 'store.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a PKCS#10 request that openssl verifies, for the key it was given', () => {
    const key = newEnrolmentKey();
    const file = path.join(dir, 'req.csr');
    writeFileSync(file, certificateRequest(key, 'alice@buyer'));
    const text = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-subject'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(text).to.match(/CN\s*=\s*alice@buyer/);
    const publicFromCsr = execFileSync('openssl', ['req', '-in', file, '-noout', '-pubkey'], {
      encoding: 'utf8',
    });
    const own = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
    expect(publicFromCsr.trim()).to.equal(own.trim());
  });

  it('checks a CSR before registering: P-256, self-signature, well-formed', () => {
    const good = certificateRequest(newEnrolmentKey(), 'carol');
    expect(certificateRequestProblem(good)).to.equal(undefined);
    // One flipped bit in the signed part: the self-signature no longer verifies.
    const der = Buffer.from(good.split('\n').slice(1, -2).join(''), 'base64');
    der[40] = (der[40] ?? 0) ^ 1;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(certificateRequestProblem(tampered)).to.match(/does not verify|malformed/);
    const rsaKey = path.join(dir, 'rsa.key');
    execFileSync('openssl', ['genrsa', '-out', rsaKey, '2048'], { stdio: 'ignore' });
    const rsa = execFileSync('openssl', ['req', '-new', '-key', rsaKey, '-subj', '/CN=x'], {
      encoding: 'utf8',
    });
    expect(certificateRequestProblem(rsa)).to.match(/P-256/);
    expect(
      certificateRequestProblem(
        '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      ),
    ).to.match(/malformed|DER|PKCS/);
    expect(certificateRequestProblem('hello')).to.match(/not a PEM/);
  });

  it('signs with a low S that still verifies (Fabric and Fabric CA refuse a high S)', () => {
    const key = newEnrolmentKey();
    for (let i = 0; i < 40; i += 1) {
      const data = randomBytes(64);
      const signature = signLowS(key, data);
      expect(sOf(signature) <= P256_HALF_ORDER, `signature ${String(i)}`).to.equal(true);
      expect(verify('sha256', data, createPublicKey(key), signature)).to.equal(true);
    }
  });

  it('makes API tokens that a CLI never reads as an option (no leading -)', () => {
    // One in 64 base64url tokens would start with '-': 2,000 of them meet one almost surely.
    const tokens = Array.from({ length: 2000 }, () => newApiToken());
    expect(tokens.filter((token) => token.startsWith('-'))).to.deep.equal([]);
    expect(new Set(tokens).size).to.equal(tokens.length);
  });

  it('keeps runtime users: one per name, found by token digest, revoked once', async () => {
    const token = newApiToken();
    expect(await store.insertAppUser(user('alice', token))).to.equal(true);
    expect(await store.insertAppUser(user('alice', newApiToken()))).to.equal(false);
    const found = await store.appUserByToken(tokenSha256Hex(token));
    expect(found?.name).to.equal('alice');
    expect(found?.sealedPrivateKey).to.equal(undefined);
    await store.revokeAppUser('alice', 1000);
    await store.revokeAppUser('alice', 2000);
    expect((await store.getAppUser('alice'))?.revokedAt).to.equal(1000);
    expect((await store.listAppUsers()).map((u) => u.name)).to.deep.equal(['alice']);
  });

  it('authenticates config and runtime users; refuses revoked, wrong-role and self users where they do not belong', async () => {
    const configToken = newApiToken();
    const selfToken = newApiToken();
    const sellerToken = newApiToken();
    const revokedToken = newApiToken();
    await store.insertAppUser(user('self1', selfToken));
    await store.insertAppUser(
      user('seller1', sellerToken, {
        role: 'seller',
        custody: 'app',
        sealedPrivateKey: Buffer.from('x'),
      }),
    );
    await store.insertAppUser(user('gone', revokedToken, { revokedAt: 5 }));
    const users = new OrgUsers(
      [{ user: 'Admin', tokenSha256: tokenSha256Hex(configToken) }],
      store,
      sealer,
    );
    const auth = authenticateUsers(users);
    const app = express();
    app.get(
      '/api/channels/market/trades',
      auth('buyer', '/api/channels/{channel}/trades'),
      (_req, res) => {
        res.json({ user: res.locals.user as string });
      },
    );
    app.get(
      '/api/self/channels/market/account',
      auth('buyer', '/api/self/channels/{channel}/account'),
      (_req, res) => {
        res.json({ user: res.locals.user as string });
      },
    );
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const get = async (route: string, token: string) => {
      const response = await fetch(`http://127.0.0.1:${String(port)}${route}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return {
        status: response.status,
        body: (await response.json()) as { user?: string; error?: string },
      };
    };
    try {
      expect(await get('/api/channels/market/trades', configToken)).to.deep.include({
        status: 200,
        body: { user: 'Admin' },
      });
      expect((await get('/api/self/channels/market/account', selfToken)).body.user).to.equal(
        'self1',
      );
      expect((await get('/api/channels/market/trades', selfToken)).status).to.equal(403);
      expect((await get('/api/channels/market/trades', sellerToken)).status).to.equal(403);
      const revoked = await get('/api/channels/market/trades', revokedToken);
      expect(revoked.status).to.equal(401);
      expect(revoked.body.error).to.match(/revoked/);
      expect((await get('/api/channels/market/trades', newApiToken())).status).to.equal(401);
    } finally {
      server.close();
    }
  });

  it("opens a custodial user's key only under its own label", async () => {
    const users = new OrgUsers([], store, sealer);
    const key = newEnrolmentKey();
    await store.insertAppUser(
      user('bob', newApiToken(), { custody: 'app', sealedPrivateKey: users.sealKey('bob', key) }),
    );
    const opened = await users.custodialIdentity('bob');
    expect(opened?.privateKey.export({ format: 'jwk' }).d).to.equal(
      key.export({ format: 'jwk' }).d,
    );
    // The sealed key moved to another name does not open.
    await store.insertAppUser(
      user('mallory', newApiToken(), {
        custody: 'app',
        sealedPrivateKey: users.sealKey('bob', key),
      }),
    );
    let refused = false;
    await users.custodialIdentity('mallory').catch(() => (refused = true));
    expect(refused).to.equal(true);
  });
});
