import '../support/quiet.js';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import winston from 'winston';
import { guardLogLevels } from '../../src/log-level-guard.js';

/** A logger shaped like fabric-shim's: a format chain, one transport; counts formatted lines. */
function countingLogger(level: string, transportLevel?: string) {
  const formatted: string[] = [];
  const written: string[] = [];
  const count = winston.format((info) => {
    formatted.push(String(info.message));
    return info;
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  const stream = new winston.transports.Stream({
    stream: sink,
    ...(transportLevel === undefined ? {} : { level: transportLevel }),
  });
  const logger = winston.createLogger({
    level,
    format: winston.format.combine(count(), winston.format.simple()),
    // winston's Stream transport is typed against its own copy of winston-transport.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    transports: [stream],
  });
  return { logger, formatted, written };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('log level guard (fabric-shim formats every line before dropping it)', () => {
  before(() => {
    guardLogLevels();
  });

  it('a debug line at info level is never formatted; info and above are', async () => {
    const { logger, formatted, written } = countingLogger('info');
    logger.debug('per-call detail %s', 'x');
    logger.debug('one argument');
    logger.info('invoke done');
    logger.error('failed', { code: 1 });
    await flush();
    expect(formatted).to.deep.equal(['invoke done', 'failed']);
    expect(written).to.have.length(2);
  });

  it('a transport that asks for debug still gets debug lines', async () => {
    const { logger, formatted, written } = countingLogger('info', 'debug');
    logger.debug('wanted');
    await flush();
    expect(formatted).to.deep.equal(['wanted']);
    expect(written.join('')).to.contain('wanted');
  });

  it('installing twice wraps once', async () => {
    guardLogLevels();
    const { logger, formatted } = countingLogger('warn');
    logger.info('dropped');
    logger.warn('kept');
    await flush();
    expect(formatted).to.deep.equal(['kept']);
  });
});
