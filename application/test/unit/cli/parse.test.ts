import { expect } from 'chai';
import { UsageError, type Command } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands.js';
import { commandHelp, overviewHelp } from '../../../src/cli/help.js';
import { GLOBAL_OPTIONS } from '../../../src/cli/options.js';
import { parseCommandLine, type Parsed } from '../../../src/cli/parse.js';
import { mainOutput } from './main-output.js';

const parse = (...argv: string[]): Parsed => parseCommandLine(argv, COMMANDS, GLOBAL_OPTIONS);

function run(...argv: string[]) {
  const parsed = parse(...argv);
  if (parsed.kind !== 'run') expect.fail(`expected a command to run, got help`);
  return parsed;
}

describe('cli: the command line', () => {
  it('reads global options before or after the command, and the command arguments', () => {
    const parsed = run('--url', 'http://x', '--json', 'sample', 'ds-1', '--out', 'f.bundle');
    expect(parsed.input.command.name).to.equal('sample');
    expect(parsed.input.args).to.deep.equal(['ds-1']);
    expect(parsed.input.required('out')).to.equal('f.bundle');
    expect([parsed.json, parsed.quiet, parsed.values.url]).to.deep.equal([true, false, 'http://x']);
    const sub = run('audit', 'block', '7', '--quiet', '--token=t');
    expect([sub.input.command.name, sub.input.arg(0), sub.quiet]).to.deep.equal([
      'audit block',
      '7',
      true,
    ]);
    const sell = run('sell', 'd', '--csv', 'c', '--title', 't', '--price', '1', '--sample');
    expect([sell.input.flag('sample'), sell.input.flag('standardize')]).to.deep.equal([
      true,
      false,
    ]);
    expect(sell.input.number('leakage', 10)).to.equal(10);
    const bad = run('sell', 'd', '--csv', 'c', '--title', 't', '--price', '1', '--leakage', 'x');
    expect(() => bad.input.number('leakage', 10)).to.throw(
      UsageError,
      /--leakage must be a number/,
    );
  });

  it('refuses unknown options, naming them', () => {
    expect(() => parse('listings', '--frobnicate')).to.throw(
      UsageError,
      /unknown option --frobnicate for 'listings'/,
    );
    // An option of another command is unknown here.
    expect(() => parse('listings', '--out', 'x')).to.throw(UsageError, /unknown option --out/);
    expect(() => parse('trades', '--json=yes')).to.throw(UsageError, /--json takes no value/);
  });

  it('refuses a value option without its value', () => {
    expect(() => parse('download', 'T', '--out')).to.throw(UsageError, /--out needs a value/);
    expect(() => parse('download', 'T', '--out', '--json')).to.throw(
      UsageError,
      /--out needs a value/,
    );
    expect(() => parse('listings', '--url')).to.throw(UsageError, /--url needs a value/);
  });

  it('refuses missing required options and arguments, and extra arguments', () => {
    expect(() => parse('sample', 'ds-1')).to.throw(UsageError, /--out is required/);
    expect(() => parse('sell', 'ds', '--csv', 'a.csv', '--title', 't')).to.throw(
      UsageError,
      /--price is required/,
    );
    expect(() => parse('status')).to.throw(UsageError, /missing trade id/);
    expect(() => parse('audit', 'history')).to.throw(UsageError, /missing trade id/);
    expect(() => parse('status', 'a', 'b')).to.throw(UsageError, /unexpected argument 'b'/);
    expect(() => parse('frobnicate')).to.throw(UsageError, /unknown command 'frobnicate'/);
    expect(() => parse('audit')).to.throw(UsageError, /audit what\? trades \| history/);
  });

  it('answers help requests: overall, by command word and by --help', () => {
    expect(parse()).to.deep.equal({ kind: 'help', status: 2 });
    expect(parse('--help')).to.deep.equal({ kind: 'help', status: 0 });
    expect(parse('help')).to.deep.equal({ kind: 'help', status: 0 });
    const sell = COMMANDS.find((c) => c.name === 'sell');
    expect(parse('help', 'sell')).to.deep.equal({ kind: 'help', command: sell, status: 0 });
    expect(parse('sell', '--help')).to.deep.equal({ kind: 'help', command: sell, status: 0 });
    const tx = COMMANDS.find((c) => c.name === 'audit tx');
    expect(parse('audit', 'tx', '--help')).to.deep.include({ command: tx });
  });

  it('lists every command and every option in the help', () => {
    const overview = overviewHelp(COMMANDS, GLOBAL_OPTIONS);
    for (const command of COMMANDS) {
      expect(overview, command.name).to.match(new RegExp(`^  ${command.name}\\b`, 'm'));
      expect(overview).to.include(command.summary);
      const own = commandHelp(command);
      for (const option of Object.keys(command.options ?? {})) {
        expect(overview, `${command.name} --${option}`).to.include(`--${option}`);
        expect(own, `${command.name} --${option}`).to.include(`--${option}`);
      }
    }
    for (const option of Object.keys(GLOBAL_OPTIONS)) expect(overview).to.include(`--${option}`);
  });

  it('gives one option one type across commands, so the command can be found before parsing', () => {
    const types = new Map<string, string>();
    const tables = [GLOBAL_OPTIONS, ...COMMANDS.map((c: Command) => c.options ?? {})];
    for (const [name, spec] of tables.flatMap((t) => Object.entries(t))) {
      expect(types.get(name) ?? spec.type, name).to.equal(spec.type);
      types.set(name, spec.type);
    }
  });

  it('exits 2 on usage errors, 0 for help, with the message on stderr', async () => {
    const unknown = await mainOutput('--frobnicate', 'listings');
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/^datamarket: unknown option --frobnicate/);
    const help = await mainOutput('--help');
    expect([help.code, help.stderr]).to.deep.equal([0, '']);
    expect(help.stdout).to.match(/^datamarket — /);
    expect((await mainOutput()).code).to.equal(2);
    const saved = Object.entries(process.env).filter(([k]) => k.startsWith('DATAMARKET_'));
    for (const [name] of saved) Reflect.deleteProperty(process.env, name);
    const noServer = await mainOutput('account').finally(() => {
      for (const [name, value] of saved) process.env[name] = value;
    });
    expect([noServer.code, noServer.stderr]).to.deep.equal([
      2,
      'datamarket: give --url and --token (or DATAMARKET_URL/DATAMARKET_TOKEN, or --profile)\n',
    ]);
  });
});
