/** Encrypted results: round trip, and everything a seller refuses when loading one. */
import { expect } from 'chai';
import {
  createTradeKeys,
  encryptTable,
  loadBundle,
  loadResult,
  safeDecrypt,
  serializeBundle,
  serializeResult,
  type SerializedResult,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { readContainer, writeContainer, type Section } from '../../../src/ckks/container.js';
import { at, cell, expectCode, keysFor, plain, randomMatrix } from './helpers.js';

const LIMITS = { maxBytes: 2 ** 30, maxUncompressedBytes: 2 ** 30 };

function forge(
  bytes: Uint8Array,
  edit: (h: Record<string, unknown>, s: Section[]) => void,
): Uint8Array {
  const parsed = readContainer(bytes, 'R', LIMITS);
  const header = structuredClone(parsed.header);
  delete header.sections;
  const sections = parsed.sections.map((s) => ({ kind: s.kind, bytes: s.bytes.slice() }));
  edit(header, sections);
  return writeContainer('R', header, sections).bytes;
}

describe('ckks encrypted results', function () {
  let keys: TradeKeys;
  let data: number[][];
  let result: SerializedResult;
  before(async () => {
    keys = await keysFor('n4096-d1');
    data = randomMatrix(40, 4, 3);
    const t = encryptTable(keys, data);
    const bundle = serializeBundle(t);
    t.dispose();
    // Buyer side: load the bundle, compute column means and one cell, upload.
    const b = await loadBundle(bundle.bytes);
    const means = b.table.mean(0);
    const cell = b.table.cell(5, 2);
    result = serializeResult({ means, cell });
    means.dispose();
    cell.dispose();
    b.dispose();
  });

  it('round-trips a multi-output result and releases only the declared values', async () => {
    expect(result.valueCount).to.equal(5);
    const r = await loadResult(result.bytes, keys, { maxValues: 5, expectedSha256: result.sha256 });
    try {
      expect(r.outputs.map((o) => [o.name, o.rows, o.cols])).to.deep.equal([
        ['means', 1, 4],
        ['cell', 1, 1],
      ]);
      const rel = safeDecrypt(r, keys, { maxValues: 5, decimals: 6, statisticalSecurityBits: 0 });
      const means = plain.map(plain.sum0(data), (v) => v / 40);
      (rel.outputs.means?.[0] ?? []).forEach((v, j) =>
        expect(v).to.be.closeTo(cell(means, 0, j), 1e-4),
      );
      expect(rel.outputs.cell?.[0]?.[0]).to.be.closeTo(cell(data, 5, 2), 1e-4);
      expect(rel.values).to.have.length(5);
    } finally {
      r.dispose();
    }
  });

  it('carries transposed, replicated and multi-ciphertext outputs', async () => {
    const t = encryptTable(keys, data);
    const outputs = {
      xw: t.matmul([
        [1, 0],
        [0, 1],
        [0.5, 0.5],
        [0, 0],
      ]),
      xtv: t.t().matmul(t.col(0)),
      rowsum: t.sum(1),
    };
    const ser = serializeResult(outputs);
    for (const o of Object.values(outputs)) o.dispose();
    t.dispose();
    const r = await loadResult(ser.bytes, keys, { maxValues: 200 });
    try {
      const rel = safeDecrypt(r, keys, { maxValues: 200, decimals: 6, statisticalSecurityBits: 0 });
      expect(rel.outputs.xw).to.have.length(40);
      (rel.outputs.xw ?? []).forEach((row, i) => {
        const d = at(data, i);
        expect(row[0]).to.be.closeTo(at(d, 0) + 0.5 * at(d, 2), 1e-3);
        expect(row[1]).to.be.closeTo(at(d, 1) + 0.5 * at(d, 2), 1e-3);
      });
      const xtv = plain.transpose(plain.sum0(plain.map(data, (x, i) => x * cell(data, i, 0))));
      (rel.outputs.xtv ?? []).forEach((row, j) =>
        expect(row[0]).to.be.closeTo(cell(xtv, j, 0), 1e-2),
      );
      expect(rel.outputs.rowsum?.[7]?.[0]).to.be.closeTo(cell(plain.sum1(data), 7, 0), 1e-3);
    } finally {
      r.dispose();
    }
  });

  it('refuses results above the value bound before decrypting anything', async () => {
    await expectCode(
      () => loadResult(result.bytes, keys, { maxValues: 4 }),
      'RESULT_TOO_LARGE',
      /at most 4/,
    );
    const r = await loadResult(result.bytes, keys, { maxValues: 100 });
    await expectCode(() => safeDecrypt(r, keys, { maxValues: 3, decimals: 2 }), 'RESULT_TOO_LARGE');
    r.dispose();
    await expectCode(() => loadResult(result.bytes, keys, { maxValues: 0 }), 'INVALID_ARGUMENT');
  });

  it('refuses results for another key set or preset, and bundles passed as results', async () => {
    const other = await createTradeKeys('n4096-d1', { galoisSteps: [1] });
    await expectCode(() => loadResult(result.bytes, other, { maxValues: 10 }), 'KEY_MISMATCH');
    const d0 = await keysFor('n4096-d0');
    await expectCode(() => loadResult(result.bytes, d0, { maxValues: 10 }), 'PRESET_MISMATCH');
    // Ciphertexts of another key set under this key id: decrypts to garbage, which is refused.
    // One garbage value can land inside the value range by chance; 32 of them all doing so
    // cannot happen in practice.
    const foreignTable = encryptTable(other, [Array.from({ length: 32 }, () => 0.5)]);
    const foreign = serializeResult(foreignTable);
    foreignTable.dispose();
    const forged = forge(foreign.bytes, (h) => (h.keyId = keys.keyId));
    const r = await loadResult(forged, keys, { maxValues: 64 });
    await expectCode(
      () => safeDecrypt(r, keys, { maxValues: 64, decimals: 2 }),
      'VALUE_OUT_OF_RANGE',
    );
    r.dispose();
    other.dispose();
    const t = encryptTable(keys, [[1]]);
    const b = serializeBundle(t, { galoisKeys: false });
    t.dispose();
    await expectCode(() => loadResult(b.bytes, keys, { maxValues: 10 }), 'CORRUPT', /bundle/);
  });

  it('refuses keys, lies about the value count, bad layouts and transparent ciphertexts', async () => {
    await expectCode(
      () =>
        loadResult(
          forge(result.bytes, (_h, s) =>
            s.unshift({ kind: 'publicKey', bytes: keys.publicKeyBytes.slice() }),
          ),
          keys,
          { maxValues: 10 },
        ),
      'CORRUPT',
      /only ciphertexts/,
    );
    await expectCode(
      () =>
        loadResult(
          forge(result.bytes, (h) => (h.valueCount = 2)),
          keys,
          { maxValues: 10 },
        ),
      'CORRUPT',
      /claims 2/,
    );
    await expectCode(
      () =>
        loadResult(
          forge(result.bytes, (h) => (h.valueCount = 'x')),
          keys,
          { maxValues: 10 },
        ),
      'CORRUPT',
    );
    await expectCode(
      () =>
        loadResult(
          forge(result.bytes, (h) => {
            const outs = h.outputs as { layout: { place: number[][][] } }[];
            (outs[0] as { layout: { place: number[][][] } }).layout.place[1] = [[0, 0]];
          }),
          keys,
          { maxValues: 10 },
        ),
      'CORRUPT',
      /share a slot/,
    );
    await expectCode(
      () =>
        loadResult(
          forge(result.bytes, (h) => ((h.outputs as { name: string }[])[1] = { name: 'means' })),
          keys,
          { maxValues: 10 },
        ),
      'CORRUPT',
    );
    // Zero the second polynomial: a transparent ciphertext decrypts without the key.
    const transparent = forge(result.bytes, (_h, s) => {
      const b = at(s, 0).bytes;
      const half = (b.length - 16 - 32 - 1 - 8 * 5 - 8) / 2;
      b.fill(0, b.length - half);
    });
    await expectCode(
      () => loadResult(transparent, keys, { maxValues: 10 }),
      'INVALID_CIPHERTEXT',
      /transparent/,
    );
    await expectCode(
      () => loadResult(result.bytes.slice(0, 100), keys, { maxValues: 10 }),
      'TRUNCATED',
    );
    await expectCode(
      () => loadResult(result.bytes, keys, { maxValues: 10, maxBytes: 100 }),
      'TOO_LARGE',
    );
    const flipped = result.bytes.slice();
    flipped[flipped.length - 7] = at(flipped, flipped.length - 7) ^ 1;
    await expectCode(() => loadResult(flipped, keys, { maxValues: 10 }), 'DIGEST_MISMATCH');
  });
});
