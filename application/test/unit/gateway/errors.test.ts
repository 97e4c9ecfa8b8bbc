import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  GatewayError,
  StatusCode,
} from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror.js';
import { ERROR_CODES } from '@datamarket/chaincode/api';
import { errorHandler, forbidden } from '../../../src/gateway/http/errors.js';
import {
  LEDGER_ERROR_HTTP,
  REFUSAL_STATUS,
  ledgerErrorAnswer,
} from '../../../src/gateway/http/ledger-status.js';
import {
  CommitOutcomeUnknown,
  ContractRefusal,
  isLedgerError,
  toLedgerError,
  type AnyLedgerError,
  type LedgerCallContext,
} from '../../../src/gateway/ledger/errors.js';

const TX = 'a'.repeat(64);

function serviceError(code: status, message: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${message}`), {
    code,
    details: message,
    metadata: new Metadata(),
  });
}

const detailsOf = (detail?: string) =>
  detail ? [{ address: 'peer0.seller.example.com:7051', mspId: 'SellerMSP', message: detail }] : [];

/** What fabric-gateway throws for an evaluate (or any call) that failed at the gateway. */
function gatewayError(code: status, message: string, detail?: string): GatewayError {
  return new GatewayError({
    code,
    message,
    details: detailsOf(detail),
    cause: serviceError(code, message),
  });
}

/** What fabric-gateway throws when endorsement fails. */
function endorseError(code: status, message: string, detail?: string): EndorseError {
  return new EndorseError({
    code,
    message,
    details: detailsOf(detail),
    cause: serviceError(code, message),
    transactionId: TX,
  });
}

function classify(error: unknown, context: LedgerCallContext = {}): AnyLedgerError {
  const classified = toLedgerError(error, context);
  if (!isLedgerError(classified)) throw new Error(`not a ledger error: ${String(classified)}`);
  return classified;
}

const statusOf = (error: unknown, context?: LedgerCallContext) =>
  ledgerErrorAnswer(classify(error, context)).status;

describe('gateway: ledger errors and HTTP statuses', () => {
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
    for (const [text, expected] of cases) {
      const error = endorseError(
        status.ABORTED,
        'failed to endorse',
        `chaincode response 500, ${text}`,
      );
      const refusal = classify(error);
      expect(refusal).to.be.instanceOf(ContractRefusal);
      expect(refusal.message).to.equal(text);
      expect(statusOf(error), text).to.equal(expected);
    }
    const evaluate = gatewayError(
      status.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: x',
    );
    const refusal = classify(evaluate);
    expect(refusal).to.be.instanceOf(ContractRefusal);
    expect((refusal as ContractRefusal).code).to.equal('NOT_FOUND');
    expect(statusOf(evaluate)).to.equal(404);
  });

  it('maps access denied and unavailable ledger errors', () => {
    expect(statusOf(gatewayError(status.PERMISSION_DENIED, 'permission denied'))).to.equal(403);
    const denied = gatewayError(
      status.UNKNOWN,
      'x',
      'access denied: channel [ds] creator org [BuyerMSP]',
    );
    expect([classify(denied).kind, statusOf(denied)]).to.deep.equal(['AccessDenied', 403]);
    const unavailable = gatewayError(status.UNAVAILABLE, 'no peers available');
    expect([classify(unavailable).kind, statusOf(unavailable)]).to.deep.equal([
      'LedgerUnavailable',
      503,
    ]);
    const notMember = gatewayError(
      status.UNAVAILABLE,
      '14 UNAVAILABLE: failed to get config for channel [ds]: could not get last config for channel ds',
    );
    expect([classify(notMember).kind, statusOf(notMember)]).to.deep.equal(['ChannelNotFound', 404]);
    const noEndorsers = gatewayError(
      status.FAILED_PRECONDITION,
      'no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode datamarket in channel ds',
    );
    expect([classify(noEndorsers).kind, statusOf(noEndorsers)]).to.deep.equal([
      'ChannelNotAccessible',
      403,
    ]);
    const plain = new Error('plain');
    expect(toLedgerError(plain)).to.equal(plain);
    expect(isLedgerError(toLedgerError(plain))).to.equal(false);
  });

  it('classifies timeouts, conflicts, unknown outcomes and invalid commits', () => {
    const timeout = endorseError(status.DEADLINE_EXCEEDED, 'deadline exceeded');
    expect([classify(timeout).kind, statusOf(timeout)]).to.deep.equal(['LedgerTimeout', 504]);
    const odd = gatewayError(status.INTERNAL, 'something else');
    expect([classify(odd).kind, statusOf(odd)]).to.deep.equal(['LedgerFailure', 502]);

    const mismatch = endorseError(
      status.ABORTED,
      'failed to assemble transaction: ProposalResponsePayloads do not match',
    );
    expect([classify(mismatch).kind, statusOf(mismatch)]).to.deep.equal([
      'TransactionConflict',
      409,
    ]);
    for (const code of [StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]) {
      const conflict = new CommitError({ code, transactionId: TX, message: 'conflict' });
      expect(classify(conflict).kind).to.equal('TransactionConflict');
    }
    const invalid = new CommitError({
      code: StatusCode.ENDORSEMENT_POLICY_FAILURE,
      transactionId: TX,
      message: 'policy',
    });
    const failed = classify(invalid);
    expect(failed.kind).to.equal('CommitFailed');
    expect(failed.kind === 'CommitFailed' && failed.validationCode).to.equal(
      'ENDORSEMENT_POLICY_FAILURE',
    );
    expect(statusOf(invalid)).to.equal(502);

    const context = { channel: 'market', fn: 'ConfirmDelivery' };
    const statusLost = new CommitStatusError({
      code: status.DEADLINE_EXCEEDED,
      details: [],
      cause: serviceError(status.DEADLINE_EXCEEDED, 'deadline'),
      transactionId: TX,
      message: 'deadline',
    });
    const submitLost = new SubmitError({
      code: status.UNAVAILABLE,
      details: [],
      cause: serviceError(status.UNAVAILABLE, 'no orderer'),
      transactionId: TX,
      message: 'no orderer',
    });
    for (const lost of [statusLost, submitLost]) {
      const unknown = classify(lost, context);
      expect(unknown).to.be.instanceOf(CommitOutcomeUnknown);
      expect(
        unknown.kind === 'CommitOutcomeUnknown' && [unknown.txId, unknown.channel],
      ).to.deep.equal([TX, 'market']);
      expect(ledgerErrorAnswer(unknown)).to.deep.include({ status: 504 });
      expect(ledgerErrorAnswer(unknown).body).to.include({
        code: 'COMMIT_OUTCOME_UNKNOWN',
        txId: TX,
      });
    }
  });

  it('reads qscc "not found" answers as NotFound, not as refusals', () => {
    const missing = gatewayError(
      status.UNKNOWN,
      'evaluate call to endorser returned error: chaincode response 500, Failed to get transaction with id abc, error no such transaction ID [abc] in index',
    );
    const context = { channel: 'market', fn: 'qscc:GetTransactionByID' };
    expect([classify(missing, context).kind, statusOf(missing, context)]).to.deep.equal([
      'NotFound',
      404,
    ]);
  });

  it('has a status for every refusal code and every ledger error kind', () => {
    expect(Object.keys(REFUSAL_STATUS).sort()).to.deep.equal([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(REFUSAL_STATUS[code]).to.be.within(400, 499);
    }
    for (const { status: httpStatus, code } of Object.values(LEDGER_ERROR_HTTP)) {
      expect(httpStatus).to.be.within(400, 599);
      expect(code).to.match(/^[A-Z_]+$/);
    }
    expect(REFUSAL_STATUS).to.deep.equal({
      INVALID_ARGUMENT: 400,
      NOT_FOUND: 404,
      ALREADY_EXISTS: 409,
      FORBIDDEN: 403,
      WRONG_STATE: 409,
      DEADLINE: 409,
      INSUFFICIENT_FUNDS: 409,
      LIMIT: 409,
      NOT_INITIALIZED: 409,
      TERMS_CHANGED: 409,
      CLOCK_SKEW: 409,
      APP_NOT_REGISTERED: 403,
    });
  });

  it('answers JSON for HttpErrors, ledger errors, body-parser errors and crashes, never dying', async () => {
    const app = express();
    app.post('/json', express.json({ limit: 10 }), (_req, res) => void res.json({}));
    app.get('/forbidden', () => {
      throw forbidden('no');
    });
    app.get('/crash', async () => {
      await Promise.resolve();
      throw new TypeError('bug');
    });
    app.get('/refused', () => {
      throw new ContractRefusal('WRONG_STATE', 'WRONG_STATE: trade t is SETTLED');
    });
    app.get('/raw-fabric', () => {
      throw endorseError(
        status.ABORTED,
        'failed to endorse',
        'chaincode response 500, FORBIDDEN: x',
      );
    });
    app.get('/unknown-outcome', () => {
      throw new CommitOutcomeUnknown('lost', TX, 'market');
    });
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const original = console.error;
    console.error = () => undefined;
    const answer = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return [response.status, await response.json()];
    };
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
      expect(await answer('/forbidden')).to.deep.equal([403, { error: 'no', code: 'FORBIDDEN' }]);
      expect((await answer('/crash'))[0]).to.equal(500);
      expect(await answer('/refused')).to.deep.equal([
        409,
        { error: 'WRONG_STATE: trade t is SETTLED', code: 'WRONG_STATE' },
      ]);
      expect(await answer('/raw-fabric')).to.deep.equal([
        403,
        { error: 'FORBIDDEN: x', code: 'FORBIDDEN' },
      ]);
      expect(await answer('/unknown-outcome')).to.deep.equal([
        504,
        { error: 'lost', code: 'COMMIT_OUTCOME_UNKNOWN', txId: TX },
      ]);
    } finally {
      console.error = original;
      server.close();
    }
  });
});
