import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../../src/gateway/config.js';
import { HttpError } from '../../../src/gateway/http/errors.js';
import { datasetFrom } from '../../../src/gateway/routes/datasets.js';

/** The refusal `work` ends with (a test failure if it succeeds). */
async function refusal(work: Promise<unknown>): Promise<HttpError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('gateway: dataset paths and value ranges', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'datamarket-datadir-'));
  const dataDir = path.join(root, 'data');
  const config = { limits: DEFAULT_LIMITS, dataDir };
  before(() => {
    mkdirSync(path.join(dataDir, 'sub'), { recursive: true });
    writeFileSync(path.join(dataDir, 'sub', 'ok.csv'), 'x,y\n1,2\n3,4\n');
    writeFileSync(path.join(root, 'outside.csv'), 'x\n1\n');
    symlinkSync(path.join(root, 'outside.csv'), path.join(dataDir, 'link-out.csv'));
    symlinkSync('/proc/self/status', path.join(dataDir, 'proc-link.csv'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reads a regular file under the data directory (relative or absolute)', async () => {
    const relative = await datasetFrom({ path: 'sub/ok.csv' }, config, 'n8192-d2');
    expect(relative.rows).to.deep.equal([
      [1, 2],
      [3, 4],
    ]);
    const absolute = await datasetFrom({ path: path.join(dataDir, 'sub/ok.csv') }, config, 'p');
    expect(absolute.rows).to.have.length(2);
  });

  it('refuses /proc, directories, symlinks and ../ out of the directory, and any path without one', async () => {
    for (const [file, message] of [
      ['/proc/self/status', /not under the data directory/],
      ['proc-link.csv', /not under the data directory/],
      ['link-out.csv', /not under the data directory/],
      ['../outside.csv', /not under the data directory/],
      ['sub', /not a regular file/],
      ['missing.csv', /no readable file/],
    ] as const) {
      const error = await refusal(datasetFrom({ path: file }, config, 'p'));
      expect([file, error.status]).to.deep.equal([file, 400]);
      expect(error.message).to.match(/^body field 'path'/);
      expect(error.message).to.match(message);
    }
    const none = await refusal(
      datasetFrom({ path: 'sub/ok.csv' }, { limits: DEFAULT_LIMITS }, 'p'),
    );
    expect([none.status, none.message]).to.deep.equal([
      400,
      "body field 'path': this app reads no files (no dataDir configured); send the CSV as 'csv'",
    ]);
  });

  it("refuses values outside the preset's range at listing time, naming the column and row", async () => {
    const csv = 'a,b\n1,2\n3,1e308\n';
    const error = await refusal(datasetFrom({ csv }, config, 'n8192-d2'));
    expect(error.status).to.equal(400);
    expect(error.message).to.match(
      /^column 'b', row 2: 1e\+308 is outside the range of preset n8192-d2/,
    );
    // Within range, and any unknown preset name, pass.
    expect((await datasetFrom({ csv: 'a\n1000\n' }, config, 'n8192-d2')).rows).to.have.length(1);
    expect((await datasetFrom({ csv }, config, 'test-preset')).rows).to.have.length(2);
  });
});
