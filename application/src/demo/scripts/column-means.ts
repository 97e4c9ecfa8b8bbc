/**
 * A computation script for `datamarket run`: the encrypted mean of every column of the bundle.
 * `datamarket run application/dist/src/demo/scripts/column-means.js --bundle B --out R`
 */
import type * as Engine from '../../ckks/index.js';

export default async function columnMeans({
  bundle,
  engine,
  progress,
}: {
  bundle: Uint8Array;
  engine: typeof Engine;
  progress: (message: string) => void;
}): Promise<{ result: Uint8Array; valueCount: number }> {
  progress('loading the bundle');
  const loaded = await engine.loadBundle(bundle);
  try {
    progress(`mean of ${loaded.table.columnNames.join(', ')} on ciphertexts`);
    const means = loaded.table.mean(0);
    const result = engine.serializeResult(means);
    means.dispose();
    return { result: result.bytes, valueCount: result.valueCount };
  } finally {
    loaded.dispose();
  }
}
