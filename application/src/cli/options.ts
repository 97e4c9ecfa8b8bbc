/** Options every command accepts: the connection, the output style and help. */
import type { OptionTable } from './command.js';

export const GLOBAL_OPTIONS: OptionTable = {
  url: { type: 'string', value: 'URL', description: "the org's gateway app (env DATAMARKET_URL)" },
  token: {
    type: 'string',
    value: 'TOKEN',
    description: 'an API token of the org (env DATAMARKET_TOKEN)',
  },
  profile: {
    type: 'string',
    value: 'FILE',
    description: 'JSON {name: {url, token}} (env DATAMARKET_PROFILE)',
  },
  as: { type: 'string', value: 'NAME', description: 'the profile to use (default: the first)' },
  channel: {
    type: 'string',
    value: 'NAME',
    description: 'default: market (env DATAMARKET_CHANNEL)',
  },
  json: { type: 'boolean', description: 'machine-readable output' },
  quiet: { type: 'boolean', description: 'no progress output' },
  help: { type: 'boolean', description: "this help, or a command's help" },
};
