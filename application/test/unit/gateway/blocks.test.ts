import { expect } from 'chai';
import protos from '@hyperledger/fabric-protos';
import {
  decodeBlock,
  decodeChainInfo,
  decodeProcessedTransaction,
} from '../../../src/gateway/blocks.js';

const { common, peer, msp } = protos;
const utf8 = new TextEncoder();

/** An endorser transaction envelope as a peer would store it (no timestamp set). */
function endorserEnvelope(txId: string): Uint8Array {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(txId);
  channelHeader.setChannelId('market');
  const creator = new msp.SerializedIdentity();
  creator.setMspid('BuyerMSP');
  creator.setIdBytes(utf8.encode('cert'));
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator.serializeBinary());
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const input = new peer.ChaincodeInput();
  input.setArgsList([utf8.encode('Purchase'), utf8.encode('heart'), utf8.encode('key')]);
  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName('datamarket');
  const spec = new peer.ChaincodeSpec();
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);
  const proposalPayload = new peer.ChaincodeProposalPayload();
  proposalPayload.setInput(invocation.serializeBinary());

  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(utf8.encode('{"tradeId":"t"}'));
  const event = new peer.ChaincodeEvent();
  event.setEventName('TradeEvent');
  event.setPayload(utf8.encode('{"type":"Purchased"}'));
  const chaincodeAction = new peer.ChaincodeAction();
  chaincodeAction.setResponse(response);
  chaincodeAction.setEvents(event.serializeBinary());
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(chaincodeAction.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(proposalPayload.serializeBinary());
  actionPayload.setAction(endorsed);
  const action = new peer.TransactionAction();
  action.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([action]);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope.serializeBinary();
}

function configEnvelope(): Uint8Array {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.CONFIG);
  channelHeader.setChannelId('market');
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope.serializeBinary();
}

describe('gateway: block decoding', () => {
  const txId = 'ab'.repeat(32);

  it('decodes an endorser transaction: caller, call, response and event', () => {
    const processed = new peer.ProcessedTransaction();
    processed.setTransactionenvelope(common.Envelope.deserializeBinary(endorserEnvelope(txId)));
    processed.setValidationcode(peer.TxValidationCode.MVCC_READ_CONFLICT);
    expect(decodeProcessedTransaction(processed.serializeBinary())).to.deep.equal({
      txId,
      type: 'ENDORSER_TRANSACTION',
      channel: 'market',
      timestamp: null,
      creatorMspId: 'BuyerMSP',
      validationCode: 'MVCC_READ_CONFLICT',
      chaincode: 'datamarket',
      function: 'Purchase',
      args: ['heart', 'key'],
      response: { status: 200, message: '', payload: '{"tradeId":"t"}' },
      event: { name: 'TradeEvent', payload: { type: 'Purchased' } },
    });
  });

  it('decodes a block with its validation flags, other transactions by header only', () => {
    const blockHeader = new common.BlockHeader();
    blockHeader.setNumber(7);
    blockHeader.setPreviousHash(Uint8Array.from([1, 2]));
    blockHeader.setDataHash(Uint8Array.from([0xff]));
    const data = new common.BlockData();
    data.setDataList([configEnvelope(), endorserEnvelope(txId)]);
    const metadata = new common.BlockMetadata();
    const flags = Uint8Array.from([peer.TxValidationCode.VALID, peer.TxValidationCode.VALID]);
    metadata.setMetadataList(
      [0, 1, 2, 3].map((index) =>
        index === common.BlockMetadataIndex.TRANSACTIONS_FILTER ? flags : new Uint8Array(),
      ),
    );
    const block = new common.Block();
    block.setHeader(blockHeader);
    block.setData(data);
    block.setMetadata(metadata);
    const decoded = decodeBlock(block.serializeBinary());
    expect([decoded.number, decoded.previousHash, decoded.dataHash]).to.deep.equal([
      '7',
      '0102',
      'ff',
    ]);
    const [config, endorser] = decoded.transactions;
    expect(config).to.include({ type: 'CONFIG', function: null, validationCode: 'VALID' });
    expect(config?.creatorMspId).to.equal(null);
    expect(endorser).to.include({ txId, function: 'Purchase', validationCode: 'VALID' });
  });

  it('decodes chain info', () => {
    const info = new common.BlockchainInfo();
    info.setHeight(12);
    info.setCurrentblockhash(Uint8Array.from([0xab, 0xcd]));
    expect(decodeChainInfo(info.serializeBinary())).to.deep.equal({
      height: '12',
      currentBlockHash: 'abcd',
    });
  });
});
