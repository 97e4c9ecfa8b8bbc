/** The command table: every command the CLI has, in the order the help lists them. */
import type { Command } from './command.js';
import { adminCommands } from './commands/admin.js';
import { anyoneCommands } from './commands/anyone.js';
import { auditorCommands } from './commands/auditor.js';
import { buyerCommands } from './commands/buyer.js';
import { poolCommands } from './commands/pools.js';
import { selfCommands } from './commands/self.js';
import { sellerCommands } from './commands/seller.js';

export const COMMANDS: readonly Command[] = [
  ...anyoneCommands,
  ...buyerCommands,
  ...sellerCommands,
  ...auditorCommands,
  ...adminCommands,
  ...selfCommands,
  ...poolCommands,
];
