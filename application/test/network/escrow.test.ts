import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { ensureInitialized, ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const utf8 = new TextDecoder();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const parse = (bytes: Uint8Array): unknown => JSON.parse(utf8.decode(bytes));
// The public key the seller encrypts the plaintext result to.
const resultKey = generateKeyPairSync('x25519')
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

interface Trade {
  tradeId: string;
  state: string;
  escrow: string;
}
interface SupplyAudit {
  totalSupply: string;
  sumOfBalances: string;
  sumOfEscrow: string;
  balanced: boolean;
}

// The escrow contract on the real network: these tests use User2 of each org, so they share
// no balances with the other network tests.
describe('escrow contract on the real network', function () {
  this.timeout(300_000);
  const connections: GatewayConnection[] = [];
  let buyerConnection: GatewayConnection;
  let issuer: Contract;
  let seller: Contract;
  let buyer: Contract;
  let sellerAccount: string;
  let buyerAccount: string;

  const balanceOf = async (account: string) =>
    Number(utf8.decode(await buyer.evaluateTransaction('BalanceOf', account)));
  const trade = async (tradeId: string) =>
    parse(await buyer.evaluateTransaction('GetTrade', tradeId)) as Trade;
  const expectBalancedSupply = async () => {
    const audit = parse(await issuer.evaluateTransaction('AuditSupply')) as SupplyAudit;
    expect(audit.balanced, JSON.stringify(audit)).to.equal(true);
    expect(BigInt(audit.totalSupply)).to.equal(
      BigInt(audit.sumOfBalances) + BigInt(audit.sumOfEscrow),
    );
  };
  const list = async (terms: Partial<Record<string, unknown>> = {}) => {
    const id = `ds-${randomUUID()}`;
    await seller.submitTransaction(
      'CreateListing',
      JSON.stringify({
        id,
        title: 'Framingham heart study, 1,000 rows',
        description: 'standardised risk factors and ten-year CHD outcome',
        schema: { columns: ['age', 'sysBP', 'TenYearCHD'], rowCount: 1000 },
        price: '100',
        deposit: '20',
        deliverWithin: 600,
        resultWithin: 600,
        decryptWithin: 600,
        leakageBound: 30,
        ckksPreset: 'n8192',
        sellerGatewayUrl: 'https://127.0.0.1:8443',
        freeSample: false,
        ...terms,
      }),
    );
    return id;
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    const open = async (org: string, user = 'User2') => {
      const connection = await connectAs(network, { org, user });
      connections.push(connection);
      return connection;
    };
    const contractOf = (connection: GatewayConnection) =>
      connection.gateway.getNetwork('market').getContract('datamarket');
    issuer = contractOf(await open('auditor'));
    seller = contractOf(await open('seller'));
    buyerConnection = await open('buyer');
    buyer = contractOf(buyerConnection);
    await ensureInitialized(issuer);
    // Listings name only an app URL their org's admin registered.
    const sellerAdmin = contractOf(await open('seller', 'Admin'));
    await sellerAdmin.submitTransaction('RegisterOrgApp', 'https://127.0.0.1:8443');
    sellerAccount = utf8.decode(await seller.evaluateTransaction('ClientAccountID'));
    buyerAccount = utf8.decode(await buyer.evaluateTransaction('ClientAccountID'));
    await issuer.submitTransaction('Mint', '10000');
    await issuer.submitTransaction('Transfer', buyerAccount, '1000');
  });

  after(() => {
    for (const connection of connections) connection.close();
  });

  it('settles a whole trade: purchase, delivery, result, payment and delivery in one step', async () => {
    const datasetId = await list();
    const buyerBefore = await balanceOf(buyerAccount);
    const sellerBefore = await balanceOf(sellerAccount);

    const purchase = await buyer.submitAsync('Purchase', {
      arguments: [datasetId, resultKey],
    });
    const { tradeId, state, escrow } = parse(purchase.getResult()) as Trade;
    const purchaseStatus = await purchase.getStatus();
    expect(purchaseStatus.successful).to.equal(true);
    expect([state, escrow]).to.deep.equal(['PAID', '120']);
    expect(await balanceOf(buyerAccount)).to.equal(buyerBefore - 120);

    await seller.submitTransaction('ConfirmDelivery', tradeId, sha256('bundle'), '345678');
    await buyer.submitTransaction('SubmitResult', tradeId, sha256('result'), '10');
    const settled = parse(
      await seller.submitTransaction(
        'DeliverResult',
        tradeId,
        Buffer.from('sealed').toString('base64'),
        sha256('plain'),
      ),
    ) as Trade;
    expect(settled.state).to.equal('SETTLED');
    expect(await balanceOf(sellerAccount)).to.equal(sellerBefore + 100);
    expect(await balanceOf(buyerAccount)).to.equal(buyerBefore - 100); // the deposit came back

    // The ledger keeps every step, and each one was announced as a contract event.
    const history = parse(await buyer.evaluateTransaction('GetTradeHistory', tradeId)) as unknown[];
    expect(history).to.have.length(4);
    const events = await buyerConnection.gateway
      .getNetwork('market')
      .getChaincodeEvents('datamarket', { startBlock: purchaseStatus.blockNumber });
    const seen: string[] = [];
    try {
      for await (const event of events) {
        const payload = parse(event.payload) as { tradeId?: string; type: string };
        if (event.eventName === 'TradeEvent' && payload.tradeId === tradeId)
          seen.push(payload.type);
        if (seen.length === 4) break;
      }
    } finally {
      events.close();
    }
    expect(seen).to.deep.equal([
      'Purchased',
      'DeliveryConfirmed',
      'ResultSubmitted',
      'ResultDelivered',
    ]);
    await expectBalancedSupply();
  });

  it('refunds the buyer when the seller misses the delivery deadline', async () => {
    const datasetId = await list({ deliverWithin: 2 });
    const before = await balanceOf(buyerAccount);
    const { tradeId } = parse(
      await buyer.submitTransaction('Purchase', datasetId, resultKey),
    ) as Trade;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await expectRefused(
      seller.submitTransaction('ConfirmDelivery', tradeId, sha256('late'), '1'),
      /deadline/i,
    );
    const refunded = parse(await buyer.submitTransaction('Refund', tradeId)) as Trade;
    expect(refunded.state).to.equal('REFUNDED');
    expect(await balanceOf(buyerAccount)).to.equal(before);
    await expectBalancedSupply();
  });

  it('refuses callers of the wrong org', async () => {
    const datasetId = await list();
    const { tradeId } = parse(
      await buyer.submitTransaction('Purchase', datasetId, resultKey),
    ) as Trade;
    await expectRefused(
      buyer.submitTransaction('ConfirmDelivery', tradeId, sha256('x'), '1'),
      /seller/i,
    );
    await expectRefused(buyer.submitTransaction('Mint', '1000000'), /issuer/i);
    await expectRefused(issuer.submitTransaction('Claim', tradeId), /seller/i);
    expect((await trade(tradeId)).state).to.equal('PAID');
    await buyer.submitTransaction('Refund', tradeId);
    await expectBalancedSupply();
  });

  it('commits exactly one of two concurrent purchases that together exceed the balance', async () => {
    const spend = (await balanceOf(buyerAccount)) - 150; // leaves exactly 150
    await buyer.submitTransaction('Transfer', sellerAccount, String(spend));
    const first = await list({ price: '100', deposit: '0' });
    const second = await list({ price: '100', deposit: '0' });

    // Both endorse against the same balance; the ledger's MVCC check lets only one commit.
    const submitted = await Promise.all([
      buyer.submitAsync('Purchase', { arguments: [first, resultKey] }),
      buyer.submitAsync('Purchase', { arguments: [second, resultKey] }),
    ]);
    const statuses = await Promise.all(submitted.map((s) => s.getStatus()));
    expect(statuses.filter((s) => s.successful)).to.have.length(1);
    expect(await balanceOf(buyerAccount)).to.equal(50);
    await expectBalancedSupply();
  });
});

async function expectRefused(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    const details = (error as { details?: { message: string }[] }).details ?? [];
    const text = [String(error), ...details.map((d) => d.message)].join(' ');
    expect(text).to.match(reason);
    return;
  }
  expect.fail(`expected the transaction to be refused (${reason})`);
}
