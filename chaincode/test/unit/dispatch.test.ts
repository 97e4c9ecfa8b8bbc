/**
 * Runs the contract through fabric-shim's own dispatcher (ChaincodeFromContract), as the
 * chaincode server does: metadata from the decorators, argument count checks, real X.509
 * client identities, and the "main" entry of package.json.
 */
import '../support/quiet.js';
import { expect } from 'chai';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contracts } from '../../src/index.js';
import { FakeLedger, FakeStub, identity } from '../support/fake-fabric.js';
import { AUDITOR_CERT, BUYER_CERT } from '../support/test-certs.js';
import { POOL_EVALUATE_FUNCTIONS, POOL_SUBMIT_FUNCTIONS } from './pool-market.js';

const require = createRequire(import.meta.url);

interface ShimResponse {
  status: number;
  message?: string;
  payload?: Uint8Array;
}
interface Dispatcher {
  invokeFunctionality(stub: unknown): Promise<ShimResponse>;
  metadata: {
    contracts: Record<
      string,
      {
        transactions: {
          name: string;
          tag: string[];
          parameters?: { name: string; schema: { type: string } }[];
        }[];
      }
    >;
  };
}

const ChaincodeFromContract =
  require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as new (
    ...args: unknown[]
  ) => Dispatcher;
const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };

const chaincodeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A fake stub that also answers what the dispatcher asks for (args, creator certificate). */
class WireStub extends FakeStub {
  constructor(
    ledger: FakeLedger,
    private readonly mspid: string,
    private readonly cert: string,
    private readonly args: string[],
    timestampMs: number,
  ) {
    super(ledger, {
      txId: ledger.nextTxId(),
      timestampMs,
      creator: identity(mspid, 'unused', 'unused'),
    });
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    return { fcn: this.args[0] ?? '', params: this.args.slice(1) };
  }
  getBufferArgs(): Buffer[] {
    return this.args.map((a) => Buffer.from(a));
  }
  override getCreator(): { mspid: string; idBytes: Uint8Array } {
    return { mspid: this.mspid, idBytes: Buffer.from(this.cert) };
  }
}

describe('through the fabric-shim dispatcher', () => {
  // The dispatcher appends its system contract to the array it is given: hand it a copy.
  const chaincode = new ChaincodeFromContract(
    [...contracts],
    { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
    {},
    'datamarket',
    '0.1.0',
  );
  const ledger = new FakeLedger();

  async function run(mspid: string, cert: string, args: string[]) {
    const stub = new WireStub(ledger, mspid, cert, args, Date.now());
    const response = await chaincode.invokeFunctionality(stub);
    if (response.status === 200) stub.commit();
    return {
      status: response.status,
      message: response.message,
      text: Buffer.from(response.payload ?? []).toString(),
    };
  }

  it('package.json "main" exports the contracts array fabric-chaincode-node looks for', () => {
    const pkg = require(path.join(chaincodeDir, 'package.json')) as { main: string };
    const entry = require(path.join(chaincodeDir, pkg.main)) as { contracts?: unknown[] };
    expect(entry.contracts).to.be.an('array').with.length(1);
  });

  it('exposes every function with string parameters, submit vs evaluate as documented', () => {
    const txs = chaincode.metadata.contracts.datamarket?.transactions ?? [];
    const evaluate = txs.filter((t) => t.tag.includes('EVALUATE')).map((t) => t.name);
    const submit = txs.filter((t) => t.tag.includes('SUBMIT')).map((t) => t.name);
    expect(submit).to.have.members([
      'Initialize',
      'Mint',
      'MintTo',
      'Transfer',
      'Burn',
      'CreateListing',
      'UpdateListing',
      'Delist',
      'Purchase',
      'PurchaseAtPrice',
      'ConfirmDelivery',
      'SubmitResult',
      'DeliverResult',
      'RejectResult',
      'SubmitComputedResult',
      'RejectUnverifiedResult',
      'Refund',
      'Claim',
      'PurchaseOnce',
      'RegisterOrgApp',
      'UnregisterOrgApp',
      'CheckpointSupply',
      'CompactBalance',
      ...POOL_SUBMIT_FUNCTIONS,
    ]);
    expect(evaluate).to.have.members([
      'GetConfig',
      'BalanceOf',
      'ClientAccountID',
      'TotalSupply',
      'GetListing',
      'ListListings',
      'GetTrade',
      'GetTradeHistory',
      'GetDeliveredResult',
      'ListTradesByDataset',
      'ListTradesByBuyer',
      'ListTradesBySeller',
      'ListTradesByState',
      'AuditSupply',
      'GetOrgApp',
      'ListOrgApps',
      'AuditSupplyTotals',
      ...POOL_EVALUATE_FUNCTIONS,
    ]);
    for (const t of txs) {
      for (const p of t.parameters ?? [])
        expect(p.schema.type, `${t.name}.${p.name}`).to.equal('string');
    }
  });

  it('derives account ids from real certificates and runs token transactions', async () => {
    const buyerId = await run('BuyerMSP', BUYER_CERT, ['ClientAccountID']);
    expect(buyerId.status).to.equal(200);
    expect(buyerId.text).to.equal(
      'BuyerMSP::/C=US/ST=North Carolina/L=Durham/OU=client/CN=User1@buyer.example.com::/C=US/ST=North Carolina/L=Durham/O=buyer.example.com/CN=ca.buyer.example.com',
    );
    expect((await run('AuditorMSP', AUDITOR_CERT, ['Initialize', 'AuditorMSP'])).status).to.equal(
      200,
    );
    expect((await run('AuditorMSP', AUDITOR_CERT, ['datamarket:Mint', '1000'])).status).to.equal(
      200,
    );
    expect(
      (await run('AuditorMSP', AUDITOR_CERT, ['Transfer', buyerId.text, '250'])).status,
    ).to.equal(200);
    expect((await run('BuyerMSP', BUYER_CERT, ['BalanceOf', buyerId.text])).text).to.equal('250');
    const audit = JSON.parse(
      (await run('AuditorMSP', AUDITOR_CERT, ['AuditSupply'])).text,
    ) as Record<string, unknown>;
    expect(audit).to.include({ totalSupply: '1000', sumOfBalances: '1000', balanced: true });
  });

  it('returns refusals as errors with the contract’s message', async () => {
    const minted = await run('BuyerMSP', BUYER_CERT, ['Mint', '5']);
    expect(minted.status).to.equal(500);
    expect(minted.message).to.match(/^(FORBIDDEN|NOT_INITIALIZED): /);
    const wrongCount = await run('BuyerMSP', BUYER_CERT, ['Transfer', 'x']);
    expect(wrongCount.status).to.equal(500);
    expect(wrongCount.message).to.match(/Expected 2 parameters, but 1 have been supplied/);
    const unknown = await run('BuyerMSP', BUYER_CERT, ['Steal', 'x']);
    expect(unknown.status).to.equal(500);
    expect(unknown.message).to.match(/does not exist/);
  });
});
