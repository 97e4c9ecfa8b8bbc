import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import {
  contractErrorMessage,
  errorHandler,
  forbidden,
  httpErrorFromContract,
} from '../../../src/gateway/http/errors.js';

/** Shapes of @hyperledger/fabric-gateway errors (EndorseError / GatewayError). */
function gatewayError(code: number, message: string, detail?: string): Error {
  return Object.assign(new Error(message), {
    code,
    details: detail ? [{ address: 'peer', mspId: 'SellerMSP', message: detail }] : [],
  });
}

describe('gateway: HTTP errors', () => {
  it('maps the contract refusal codes to statuses', () => {
    const cases: [string, number][] = [
      ['INVALID_ARGUMENT: price must be', 400],
      ['NOT_FOUND: no trade t', 404],
      ['FORBIDDEN: only the seller', 403],
      ['WRONG_STATE: trade t is SETTLED', 409],
      ['DEADLINE: deliverBy has passed', 409],
      ['INSUFFICIENT_FUNDS: balance 3', 409],
      ['Expected 2 parameters, but 1 have been supplied', 400],
    ];
    for (const [text, status] of cases) {
      const error = gatewayError(10, 'failed to endorse', `chaincode response 500, ${text}`);
      expect(contractErrorMessage(error)).to.equal(text);
      expect(httpErrorFromContract(error)?.status, text).to.equal(status);
    }
    const evaluate = gatewayError(
      2,
      'evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: x',
    );
    expect(httpErrorFromContract(evaluate)?.status).to.equal(404);
  });

  it('maps access denied and unavailable ledger errors', () => {
    expect(httpErrorFromContract(gatewayError(7, 'permission denied'))?.status).to.equal(403);
    expect(
      httpErrorFromContract(
        gatewayError(2, 'x', 'access denied: channel [ds] creator org [BuyerMSP]'),
      )?.status,
    ).to.equal(403);
    expect(httpErrorFromContract(gatewayError(14, 'no peers available'))?.status).to.equal(503);
    const notMember = gatewayError(
      14,
      '14 UNAVAILABLE: failed to get config for channel [ds]: could not get last config for channel ds',
    );
    expect(httpErrorFromContract(notMember)?.status).to.equal(404);
    const noEndorsers = gatewayError(
      9,
      'no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode datamarket in channel ds',
    );
    expect(httpErrorFromContract(noEndorsers)?.status).to.equal(403);
    expect(httpErrorFromContract(new Error('plain'))).to.equal(undefined);
  });

  it('answers JSON for HttpErrors, body-parser errors and crashes, never dying', async () => {
    const app = express();
    app.post('/json', express.json({ limit: 10 }), (_req, res) => void res.json({}));
    app.get('/forbidden', () => {
      throw forbidden('no');
    });
    app.get('/crash', async () => {
      await Promise.resolve();
      throw new TypeError('bug');
    });
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const original = console.error;
    console.error = () => undefined;
    try {
      const big = await fetch(`${base}/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 'x'.repeat(100) }),
      });
      expect(big.status).to.equal(413);
      expect(((await big.json()) as { code: string }).code).to.equal('TOO_LARGE');
      const bad = await fetch(`${base}/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      expect(bad.status).to.equal(400);
      const denied = await fetch(`${base}/forbidden`);
      expect([denied.status, await denied.json()]).to.deep.equal([
        403,
        { error: 'no', code: 'FORBIDDEN' },
      ]);
      const crash = await fetch(`${base}/crash`);
      expect(crash.status).to.equal(500);
    } finally {
      console.error = original;
      server.close();
    }
  });
});
