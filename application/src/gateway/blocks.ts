import protos from '@hyperledger/fabric-protos';

const { common, peer, msp } = protos;
const utf8 = new TextDecoder();

type Bytes = Uint8Array | string;
const u8 = (value: Bytes): Uint8Array =>
  typeof value === 'string' ? Buffer.from(value, 'base64') : value;
const hex = (value: Bytes) => Buffer.from(u8(value)).toString('hex');

const validationNames = Object.fromEntries(
  Object.entries(peer.TxValidationCode).map(([name, code]) => [code, name]),
) as Record<number, string>;
const headerTypeNames = Object.fromEntries(
  Object.entries(common.HeaderType).map(([name, code]) => [code, name]),
) as Record<number, string>;

export interface DecodedTransaction {
  txId: string;
  type: string;
  channel: string;
  timestamp: string | null;
  creatorMspId: string | null;
  validationCode: string | null;
  chaincode: string | null;
  function: string | null;
  args: string[];
  response: { status: number; message: string; payload: string } | null;
  event: { name: string; payload: unknown } | null;
}

export interface DecodedBlock {
  number: string;
  previousHash: string;
  dataHash: string;
  transactions: DecodedTransaction[];
}

const printable = (bytes: Uint8Array) => {
  const text = utf8.decode(bytes);
  return /^[\P{C}\n\t]*$/u.test(text) ? text : `base64:${Buffer.from(bytes).toString('base64')}`;
};

const parseMaybeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** The part of google.protobuf.Timestamp read here (its typings are not resolved). */
interface ProtoTimestamp {
  getSeconds(): number;
  getNanos(): number;
}

function isoTime(ts: ProtoTimestamp | undefined): string | null {
  return ts
    ? new Date(ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6)).toISOString()
    : null;
}

function creatorMspOf(signatureHeader: protos.common.SignatureHeader): string | null {
  try {
    const mspId = msp.SerializedIdentity.deserializeBinary(
      u8(signatureHeader.getCreator()),
    ).getMspid();
    return mspId === '' ? null : mspId;
  } catch {
    return null;
  }
}

/** What every transaction's header says: id, type, channel, time, creator. */
function decodeHeader(
  payload: protos.common.Payload,
  validationCode: number | undefined,
): DecodedTransaction {
  const header = payload.getHeader();
  const channelHeader = common.ChannelHeader.deserializeBinary(
    u8(header?.getChannelHeader() ?? new Uint8Array()),
  );
  const signatureHeader = common.SignatureHeader.deserializeBinary(
    u8(header?.getSignatureHeader() ?? new Uint8Array()),
  );
  return {
    txId: channelHeader.getTxId(),
    type: headerTypeNames[channelHeader.getType()] ?? String(channelHeader.getType()),
    channel: channelHeader.getChannelId(),
    timestamp: isoTime(channelHeader.getTimestamp() as ProtoTimestamp | undefined),
    creatorMspId: creatorMspOf(signatureHeader),
    validationCode:
      validationCode === undefined
        ? null
        : (validationNames[validationCode] ?? String(validationCode)),
    chaincode: null,
    function: null,
    args: [],
    response: null,
    event: null,
  };
}

/** The endorsed response and event of a chaincode action, into `decoded`. */
function decodeEndorsedAction(
  endorsed: protos.peer.ChaincodeEndorsedAction,
  decoded: DecodedTransaction,
): void {
  const responsePayload = peer.ProposalResponsePayload.deserializeBinary(
    u8(endorsed.getProposalResponsePayload()),
  );
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(
    u8(responsePayload.getExtension$()),
  );
  const response = chaincodeAction.getResponse();
  if (response) {
    decoded.response = {
      status: response.getStatus(),
      message: response.getMessage(),
      payload: printable(u8(response.getPayload())),
    };
  }
  const eventBytes = u8(chaincodeAction.getEvents());
  if (eventBytes.length > 0) {
    const event = peer.ChaincodeEvent.deserializeBinary(eventBytes);
    decoded.event = {
      name: event.getEventName(),
      payload: parseMaybeJson(utf8.decode(u8(event.getPayload()))),
    };
  }
}

/** An endorser transaction's chaincode call (name, function, args), response and event. */
function decodeEndorserTransaction(data: Bytes, decoded: DecodedTransaction): void {
  const transaction = peer.Transaction.deserializeBinary(u8(data));
  const action = transaction.getActionsList()[0];
  if (!action) return;
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(u8(action.getPayload()));
  const proposalPayload = peer.ChaincodeProposalPayload.deserializeBinary(
    u8(actionPayload.getChaincodeProposalPayload()),
  );
  const invocation = peer.ChaincodeInvocationSpec.deserializeBinary(u8(proposalPayload.getInput()));
  const spec = invocation.getChaincodeSpec();
  const args = (spec?.getInput()?.getArgsList() ?? []).map((a) => printable(u8(a)));
  decoded.chaincode = spec?.getChaincodeId()?.getName() ?? null;
  decoded.function = args[0] ?? null;
  decoded.args = args.slice(1);
  const endorsed = actionPayload.getAction();
  if (endorsed) decodeEndorsedAction(endorsed, decoded);
}

/** Decodes one transaction envelope (endorser transactions in full, others by header). */
export function decodeEnvelope(
  envelopeBytes: Bytes,
  validationCode: number | undefined,
): DecodedTransaction {
  const envelope = common.Envelope.deserializeBinary(u8(envelopeBytes));
  const payload = common.Payload.deserializeBinary(u8(envelope.getPayload()));
  const decoded = decodeHeader(payload, validationCode);
  if (decoded.type === headerTypeNames[common.HeaderType.ENDORSER_TRANSACTION]) {
    decodeEndorserTransaction(payload.getData(), decoded);
  }
  return decoded;
}

/** Decodes a block returned by qscc GetBlockByNumber. */
export function decodeBlock(blockBytes: Uint8Array): DecodedBlock {
  const block = common.Block.deserializeBinary(blockBytes);
  const header = block.getHeader();
  const filter = u8(
    block.getMetadata()?.getMetadataList()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ??
      new Uint8Array(),
  );
  const envelopes = block.getData()?.getDataList() ?? [];
  return {
    number: String(header?.getNumber() ?? 0),
    previousHash: hex(header?.getPreviousHash() ?? new Uint8Array()),
    dataHash: hex(header?.getDataHash() ?? new Uint8Array()),
    transactions: envelopes.map((envelope, i) => decodeEnvelope(envelope, filter[i])),
  };
}

/** Decodes a ProcessedTransaction returned by qscc GetTransactionByID. */
export function decodeProcessedTransaction(bytes: Uint8Array): DecodedTransaction {
  const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
  const envelope = processed.getTransactionenvelope();
  if (!envelope) throw new Error('processed transaction without an envelope');
  return decodeEnvelope(envelope.serializeBinary(), processed.getValidationcode());
}

/** Decodes qscc GetChainInfo. */
export function decodeChainInfo(bytes: Uint8Array): { height: string; currentBlockHash: string } {
  const info = common.BlockchainInfo.deserializeBinary(bytes);
  return { height: String(info.getHeight()), currentBlockHash: hex(info.getCurrentblockhash()) };
}
