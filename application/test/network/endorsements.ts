import type { Network } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';

/**
 * The MSP ids of the orgs whose peers endorsed a committed transaction, read back from the
 * ledger through qscc: what the channel's endorsement policy actually required of it.
 */
export async function endorsingOrgs(network: Network, transactionId: string): Promise<string[]> {
  const qscc = network.getContract('qscc');
  const bytes = await qscc.evaluateTransaction(
    'GetTransactionByID',
    network.getName(),
    transactionId,
  );
  const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
  const envelope = processed.getTransactionenvelope();
  if (!envelope) throw new Error(`transaction ${transactionId} has no envelope`);
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const [action] = transaction.getActionsList();
  if (!action) throw new Error(`transaction ${transactionId} has no action`);
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsements = actionPayload.getAction()?.getEndorsementsList() ?? [];
  return endorsements
    .map((endorsement) =>
      msp.SerializedIdentity.deserializeBinary(endorsement.getEndorser_asU8()).getMspid(),
    )
    .sort();
}
