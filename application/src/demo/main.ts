/**
 * `npm run demo`: starts the native Fabric network, deploys the datamarket contract, runs a few
 * transactions as users of each org, and prints where everything is.
 */
import { connectAs, TestNetwork } from '../fabric/index.js';

const utf8 = new TextDecoder();
const step = (text: string) => console.log(`\n== ${text}`);

async function main(): Promise<void> {
  const network = new TestNetwork({ verbose: true });
  step('starting the Fabric network (3 Raft orderers, seller/buyer/auditor peers, TLS)');
  await network.run('down');
  await network.up();
  step('deploying the datamarket contract as a chaincode service on channel "market"');
  await network.deployChaincode('market');

  const description = await network.describe();
  const auditor = await connectAs(description, { org: 'auditor', user: 'User1' });
  const buyer = await connectAs(description, { org: 'buyer', user: 'User1' });
  try {
    const asAuditor = auditor.gateway.getNetwork('market').getContract('datamarket');
    const asBuyer = buyer.gateway.getNetwork('market').getContract('datamarket');
    step('auditor org initialises the token issuer and mints 1000 tokens');
    await asAuditor.submitTransaction('Initialize', 'AuditorMSP');
    await asAuditor.submitTransaction('Mint', '1000');
    const buyerAccount = utf8.decode(await asBuyer.evaluateTransaction('ClientAccountID'));
    step(`auditor transfers 300 tokens to the buyer (${buyerAccount})`);
    const commit = await asAuditor.submitAsync('Transfer', { arguments: [buyerAccount, '300'] });
    const status = await commit.getStatus();
    console.log(
      `tx ${commit.getTransactionId()} committed in block ${status.blockNumber}: ${status.successful ? 'VALID' : status.code}`,
    );
    const balance = utf8.decode(await asBuyer.evaluateTransaction('BalanceOf', buyerAccount));
    console.log(`buyer balance read through the buyer's own peer: ${balance}`);
    console.log(`supply audit: ${utf8.decode(await asAuditor.evaluateTransaction('AuditSupply'))}`);
  } finally {
    auditor.close();
    buyer.close();
  }

  step('where things are');
  console.log((await network.run('status')).output.trim());
  console.log(`run directory:   ${network.runDir} (logs/, pids/, crypto/, network.json)`);
  console.log('stop it with:    npm run network -- down');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
