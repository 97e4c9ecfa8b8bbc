/**
 * One demo trade of an approved computation: buy, run the computation by name on the
 * bundle (no ciphertext code), submit it with its parameters, and show the seller's
 * re-execution check (same bytes before anything is decrypted) and the ledger's history.
 */
import { computeApproved, type DataMarketClient } from '../client/index.js';
import { table, type Progress } from '../cli/format.js';
import type { ComputationRequest } from '../computations/index.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function printTrade(auditor: DataMarketClient, tradeId: string): Promise<void> {
  const { history } = await auditor.auditHistory(tradeId);
  console.log(
    table(
      ['#', 'transaction', 'state', 'escrow', 'to seller', 'to buyer', 'computation'],
      history.map((h, i) => [
        i + 1,
        `${h.txId.slice(0, 16)}…`,
        h.trade.state,
        h.trade.escrow,
        h.trade.paidToSeller,
        h.trade.paidToBuyer,
        h.trade.computation
          ? `${h.trade.computation.computationId} ${h.trade.computation.verification}`
          : '-',
      ]),
    ),
  );
}

export interface ApprovedTradeApps {
  buyer: DataMarketClient;
  auditor: DataMarketClient;
  progress: Progress;
  step: (text: string) => void;
}

/** Runs one approved-computation trade; returns the released values and the compute time. */
export async function approvedTrade(
  apps: ApprovedTradeApps,
  datasetId: string,
  label: string,
  request: ComputationRequest,
): Promise<{ values: number[]; computeMs: number; tradeId: string }> {
  const { buyer, auditor, progress, step } = apps;
  step(`${label}: the buyer purchases ${datasetId} (price + deposit into escrow)`);
  const started = Date.now();
  const delivery = await buyer.requestData(datasetId);
  progress.done(
    `delivered in ${secs(Date.now() - started)}: fresh CKKS keys, ${delivery.bundle.length} bytes, hash matches the ledger`,
  );
  console.log(`trade ${delivery.trade.tradeId}`);
  const computeStart = Date.now();
  progress.update(`running the approved computation ${request.computationId} on ciphertexts`);
  const computed = await computeApproved(delivery.bundle, request);
  const computeMs = Date.now() - computeStart;
  progress.done(
    `computed ${request.computationId} on ciphertexts in ${secs(computeMs)}: ${computed.bytes.length} bytes, ${computed.valueCount} values, sha256 ${computed.sha256.slice(0, 16)}…`,
  );
  console.log(
    `parameters ${JSON.stringify(request.params)} (sha256 ${computed.paramsHash.slice(0, 16)}… on chain)`,
  );
  await buyer.submitComputedResult(
    delivery.trade.tradeId,
    computed.bytes,
    computed.valueCount,
    request,
  );
  const delivered = await buyer.requestResult(delivery.trade.tradeId);
  const trade = await buyer.trade(delivery.trade.tradeId);
  progress.done(
    `settled in ${secs(Date.now() - started)} in all: the seller re-ran ${request.computationId} on the trade's bundle, got the same bytes (verification: ${trade.computation?.verification ?? 'none'}), only then decrypted, delivered to the buyer's key and was paid`,
  );
  console.log(
    `re-execution check: buyer's result sha256 ${computed.sha256.slice(0, 16)}… = on chain ${String(trade.resultHash).slice(0, 16)}…, re-executed by the seller app: identical bytes`,
  );
  await printTrade(auditor, delivery.trade.tradeId);
  return { values: delivered.result.values, computeMs, tradeId: delivery.trade.tradeId };
}
