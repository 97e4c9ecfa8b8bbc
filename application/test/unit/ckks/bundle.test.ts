/** Bundle round trip, and rejection of corrupted, truncated, oversized and forged bundles. */
import { expect } from 'chai';
import {
  createTradeKeys,
  decryptTable,
  encryptTable,
  loadBundle,
  serializeBundle,
  sha256Hex,
  type SerializedBundle,
  type TradeKeys,
} from '../../../src/ckks/index.js';
import { readContainer, writeContainer, type Section } from '../../../src/ckks/container.js';
import { at, expectClose, expectCode, keysFor, plain, randomMatrix } from './helpers.js';

const LIMITS = { maxBytes: 2 ** 30, maxUncompressedBytes: 2 ** 30 };

/** Rebuilds a bundle with a modified header and/or sections: a forgery with a valid digest. */
function forge(
  bytes: Uint8Array,
  edit: (h: Record<string, unknown>, s: Section[]) => void,
  kind: 'B' | 'R' = 'B',
): Uint8Array {
  const parsed = readContainer(bytes, kind, LIMITS);
  const header = structuredClone(parsed.header);
  delete header.sections;
  const sections = parsed.sections.map((s) => ({ kind: s.kind, bytes: s.bytes.slice() }));
  edit(header, sections);
  return writeContainer(kind, header, sections).bytes;
}

describe('ckks bundle format', function () {
  let keys: TradeKeys;
  let data: number[][];
  let bundle: SerializedBundle;
  before(async () => {
    keys = await keysFor('n4096-d1');
    data = randomMatrix(50, 3, 12);
    const t = encryptTable(keys, data, ['x', 'y', 'z']);
    bundle = serializeBundle(t);
    t.dispose();
  });

  it('round-trips a table with its public material and lets the buyer compute', async () => {
    expect(bundle.sha256).to.equal(sha256Hex(bundle.bytes));
    expect(bundle.sectionBytes.galoisKeys).to.be.greaterThan(0);
    const b = await loadBundle(bundle.bytes, {
      expectedSha256: bundle.sha256,
      expectedKeyId: keys.keyId,
    });
    try {
      expect(b.keys.keyId).to.equal(keys.keyId);
      expect(b.table.shape()).to.deep.equal([50, 3]);
      expect(b.table.columns).to.deep.equal(['x', 'y', 'z']);
      expectClose(decryptTable(b.table, keys), data, 1e-4, 'table');
      const m = b.table.mean(0);
      expectClose(
        decryptTable(m, keys),
        plain.map(plain.sum0(data), (v) => v / 50),
        1e-4,
        'mean',
      );
      m.dispose();
    } finally {
      b.dispose();
    }
  });

  it('can omit the Galois keys (smaller; then no sums)', async () => {
    const t = encryptTable(keys, data);
    const small = serializeBundle(t, { galoisKeys: false });
    t.dispose();
    expect(small.bytes.length).to.be.lessThan(bundle.bytes.length / 2);
    const b = await loadBundle(small.bytes);
    try {
      expect(b.keys.galoisSteps).to.deep.equal([]);
      const p = b.table.mul(b.table);
      p.dispose();
      await expectCode(() => b.table.sum(), 'MISSING_GALOIS_KEY');
    } finally {
      b.dispose();
    }
  });

  it('rejects corrupted, truncated, oversized and mislabelled bytes before SEAL sees them', async () => {
    const flip = (i: number) => {
      const c = bundle.bytes.slice();
      c[i] = at(c, i) ^ 0x40;
      return c;
    };
    await expectCode(() => loadBundle(flip(bundle.bytes.length - 100)), 'DIGEST_MISMATCH');
    await expectCode(() => loadBundle(flip(20)), 'DIGEST_MISMATCH');
    await expectCode(() => loadBundle(flip(0)), 'BAD_MAGIC');
    await expectCode(() => loadBundle(flip(5)), 'BAD_VERSION');
    await expectCode(() => loadBundle(flip(6)), 'CORRUPT');
    await expectCode(() => loadBundle(bundle.bytes.slice(0, bundle.bytes.length - 1)), 'TRUNCATED');
    await expectCode(() => loadBundle(bundle.bytes.slice(0, 30)), 'TRUNCATED');
    await expectCode(() => loadBundle(new Uint8Array(0)), 'TRUNCATED');
    await expectCode(() => loadBundle(new Uint8Array([1, 2, 3, 4, 5, 6])), 'BAD_MAGIC');
    const longer = new Uint8Array(bundle.bytes.length + 1);
    longer.set(bundle.bytes);
    await expectCode(() => loadBundle(longer), 'CORRUPT', /trailing/);
    await expectCode(() => loadBundle(bundle.bytes, { maxBytes: 1000 }), 'TOO_LARGE');
    await expectCode(() => loadBundle(bundle.bytes, { maxUncompressedBytes: 1000 }), 'TOO_LARGE');
    await expectCode(
      () => loadBundle(bundle.bytes, { expectedSha256: '00'.repeat(32) }),
      'DIGEST_MISMATCH',
    );
    await expectCode(
      () => loadBundle(bundle.bytes, { expectedKeyId: 'ab'.repeat(32) }),
      'KEY_MISMATCH',
    );
    await expectCode(() => loadBundle(bundle.bytes, { maxCells: 10 }), 'TOO_LARGE');
  });

  it('rejects a decompression bomb and a payload that lies about its size', async () => {
    const bomb = writeContainer('B', { type: 'datamarket/ckks-bundle' }, [
      { kind: 'ciphertext', bytes: new Uint8Array(64 * 2 ** 20) },
    ]).bytes;
    expect(bomb.length).to.be.lessThan(200_000);
    await expectCode(() => loadBundle(bomb, { maxUncompressedBytes: 2 ** 20 }), 'TOO_LARGE');
    // Declared length smaller than the real payload: decompression stops at the declared size.
    const liar = Buffer.from(bomb);
    liar.writeUInt32BE(1024, 12);
    await expectCode(() => loadBundle(new Uint8Array(liar)), 'DIGEST_MISMATCH');
  });

  it('rejects forged bundles with a valid digest: preset, parameters, key id, layout, sections', async () => {
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (h) => (h.preset = 'n2048'))),
      'PRESET_MISMATCH',
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (h) => (h.presetId = 99))),
      'PRESET_MISMATCH',
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (h) => (h.paramsHash = 'ff'.repeat(32)))),
      'PRESET_MISMATCH',
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (h) => (h.keyId = 'ab'.repeat(32)))),
      'KEY_MISMATCH',
    );
    await expectCode(() => loadBundle(forge(bundle.bytes, (h) => (h.type = 'x'))), 'CORRUPT');
    await expectCode(
      () =>
        loadBundle(
          forge(
            bundle.bytes,
            (h) => ((h.table as { layout: { place: number[][][] } }).layout.place[0] = [[7, 0]]),
          ),
        ),
      'CORRUPT',
      /layout/,
    );
    await expectCode(
      () =>
        loadBundle(
          forge(
            bundle.bytes,
            (h) => ((h.table as { layout: { rows: number } }).layout.rows = 4096),
          ),
        ),
      'CORRUPT',
    );
    await expectCode(
      () =>
        loadBundle(
          forge(
            bundle.bytes,
            (h) => ((h.table as { columns: string[] }).columns = ['x', 'x', 'y']),
          ),
        ),
      'CORRUPT',
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (_h, s) => s.pop())),
      'CORRUPT',
      /layout|sections/,
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (h) => (h.galoisSteps = [1, 2, 5000]))),
      'CORRUPT',
    );
    await expectCode(
      () =>
        loadBundle(
          forge(bundle.bytes, (h) => {
            const steps = h.galoisSteps as number[];
            steps[0] = 3;
          }),
        ),
      'CORRUPT',
      /Galois/,
    );
  });

  it('rejects invalid SEAL objects and ciphertexts of other parameters', async () => {
    const lastCt = (s: Section[]) => at(s, s.length - 1);
    // Garbage polynomial data (values above the modulus): SEAL's validity check refuses it.
    await expectCode(
      () =>
        loadBundle(
          forge(bundle.bytes, (_h, s) => {
            const b = lastCt(s).bytes;
            b.fill(0xff, b.length - 4096);
          }),
        ),
      'INVALID_CIPHERTEXT',
    );
    // A SEAL header claiming another size, or SEAL-level compression.
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (_h, s) => (lastCt(s).bytes[8] = 1))),
      'CORRUPT',
      /SEAL header/,
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (_h, s) => (lastCt(s).bytes[5] = 2))),
      'CORRUPT',
      /compression/,
    );
    // A ciphertext encrypted under another preset.
    const other = await keysFor('n4096-d0');
    const t = encryptTable(other, [[1]]);
    const foreign = serializeBundle(t);
    t.dispose();
    const foreignCt = at(
      readContainer(foreign.bytes, 'B', LIMITS).sections.filter((s) => s.kind === 'ciphertext'),
      0,
    );
    await expectCode(
      () => loadBundle(forge(bundle.bytes, (_h, s) => (lastCt(s).bytes = foreignCt.bytes.slice()))),
      'INVALID_CIPHERTEXT',
    );
    // Public key of another key set under this key id.
    const again = await createTradeKeys('n4096-d1', { galoisSteps: [1] });
    await expectCode(
      () =>
        loadBundle(forge(bundle.bytes, (_h, s) => (at(s, 0).bytes = again.publicKeyBytes.slice()))),
      'KEY_MISMATCH',
    );
    again.dispose();
  });
});
