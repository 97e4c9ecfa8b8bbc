/** Labels that bind each sealed secret to what it is for (crypto/sealing.ts). */
export const labels = {
  tradeKey: (channel: string, tradeId: string) => `trade-key:${channel}:${tradeId}`,
  sampleKey: (channel: string, datasetId: string) => `sample-key:${channel}:${datasetId}`,
  buyerKey: (channel: string, tradeId: string) => `buyer-key:${channel}:${tradeId}`,
};
