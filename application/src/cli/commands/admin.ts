/** The org admin's commands: add users through the org's CA, list them, revoke them. */
import { enrollSelfCustody } from '../../client/index.js';
import { UsageError, type Command } from '../command.js';
import { keyValues } from '../format.js';
import { saveIdentity } from './self-keys.js';

const NAME = { name: 'NAME', what: 'user name' } as const;
const ROLES = ['buyer', 'seller', 'auditor'] as const;

export const adminCommands: Command[] = [
  {
    name: 'admin add-user',
    group: 'admin',
    summary: "register + enroll a user with the org's CA; prints its API token once",
    args: [NAME],
    options: {
      role: {
        type: 'string',
        value: 'ROLE',
        required: true,
        description: 'buyer, seller or auditor',
      },
      'self-custody': {
        type: 'string',
        value: 'DIR',
        description: 'non-custodial: make the key here, send only its CSR, keep key + token in DIR',
      },
    },
    async run(input, { client, out }) {
      const role = input.required('role');
      const known = ROLES.find((r) => r === role);
      if (!known) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const market = await client();
      const dir = input.string('self-custody');
      if (dir) {
        const identity = await enrollSelfCustody(market, input.arg(0), known);
        await saveIdentity(dir, identity, market.url);
        out(
          `enrolled ${identity.name} (non-custodial, ${known}); key, certificate and token in ${dir}`,
          { name: identity.name, role: known, custody: 'self', keys: dir },
        );
        return;
      }
      const added = (await (
        await market.request('POST', '/api/admin/users', {
          json: { name: input.arg(0), role: known },
        })
      ).json()) as { name: string; role: string; custody: string; token: string };
      out(
        `${keyValues([
          ['name', added.name],
          ['role', added.role],
          ['custody', added.custody],
          ['token', added.token],
        ])}\n(the token is shown once: give it to the user)`,
        added,
      );
    },
  },
  {
    name: 'admin users',
    group: 'admin',
    summary: 'the users added at run time',
    async run(_input, { client, out }) {
      const reply = (await (await (await client()).request('GET', '/api/admin/users')).json()) as {
        users: { name: string; role: string; custody: string; revoked: boolean }[];
      };
      out(
        reply.users
          .map((u) => `${u.name}  ${u.role}  ${u.custody}${u.revoked ? '  REVOKED' : ''}`)
          .join('\n') || '(none)',
        reply.users,
      );
    },
  },
  {
    name: 'admin revoke',
    group: 'admin',
    summary: "revoke a user: token, certificate at the CA, CRL into the channels' MSP",
    args: [NAME],
    async run(input, { client, out }) {
      const name = encodeURIComponent(input.arg(0));
      const reply = (await (
        await (await client()).request('POST', `/api/admin/users/${name}/revoke`)
      ).json()) as { name: string; serial: string; channelsUpdated: string[] };
      out(
        `revoked ${reply.name} (serial ${reply.serial}); CRL in: ${reply.channelsUpdated.join(', ') || '(no channel)'}`,
        reply,
      );
    },
  },
];
