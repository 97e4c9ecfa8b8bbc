/** The demo's two buyer computations, on the CKKS engine (application/src/ckks). */
export interface DemoComputations {
  /** CKKS parameter preset the listing asks for. */
  preset: string;
  logistic: { epochs: number; learningRate: number };
  mean(
    bundle: Uint8Array,
    columns: string[],
    progress: (m: string) => void,
  ): Promise<{ result: Uint8Array; valueCount: number }>;
  logisticRegression(
    bundle: Uint8Array,
    target: string,
    progress: (m: string) => void,
  ): Promise<{ result: Uint8Array; valueCount: number }>;
}

export async function demoComputations(): Promise<DemoComputations> {
  throw new Error('the CKKS engine (application/src/ckks/index.ts) is not available yet');
}
