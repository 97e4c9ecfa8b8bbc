/** What a command handler gets besides its arguments: the client, the output and progress. */
import { readFile } from 'node:fs/promises';
import { DataMarketClient } from '../client/index.js';
import { UsageError } from './command.js';
import type { Progress } from './format.js';
import type { CommandValues } from './parse.js';

export interface CommandContext {
  /** The gateway client of the caller's org (from the options, the environment or a profile). */
  client: () => Promise<DataMarketClient>;
  /** Prints `human` (a table or text), or `data` as JSON with --json. */
  out: (human: string, data: unknown) => void;
  progress: Progress;
}

type Profiles = Record<string, { url: string; token: string } | undefined>;

const text = (values: CommandValues, name: string) => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

async function fromProfile(file: string, name: string | undefined) {
  const profiles = JSON.parse(await readFile(file, 'utf8')) as Profiles;
  const chosen = name ?? Object.keys(profiles)[0];
  const profile = chosen ? profiles[chosen] : undefined;
  if (!profile) {
    throw new UsageError(
      `no profile '${chosen ?? ''}' in ${file} (have ${Object.keys(profiles).join(', ')})`,
    );
  }
  return profile;
}

export async function connect(
  values: CommandValues,
  progress: Progress,
): Promise<DataMarketClient> {
  let url = text(values, 'url') ?? process.env.DATAMARKET_URL;
  let token = text(values, 'token') ?? process.env.DATAMARKET_TOKEN;
  const profileFile = text(values, 'profile') ?? process.env.DATAMARKET_PROFILE;
  if (profileFile) {
    const profile = await fromProfile(profileFile, text(values, 'as'));
    url ??= profile.url;
    token ??= profile.token;
  }
  if (!url || !token) {
    throw new UsageError(
      'give --url and --token (or DATAMARKET_URL/DATAMARKET_TOKEN, or --profile)',
    );
  }
  return new DataMarketClient({
    url,
    token,
    channel: text(values, 'channel') ?? process.env.DATAMARKET_CHANNEL ?? 'market',
    progress: (message) => {
      progress.update(message);
    },
  });
}

export function createContext(values: CommandValues, json: boolean, progress: Progress) {
  let client: Promise<DataMarketClient> | undefined;
  const context: CommandContext = {
    client: () => (client ??= connect(values, progress)),
    out: (human, data) => {
      console.log(json ? JSON.stringify(data, null, 2) : human);
    },
    progress,
  };
  return context;
}
