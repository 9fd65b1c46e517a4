import { Command } from 'commander';
import { loadSigningKey } from '../../distributed/plan-signing.js';
import { outData, strictCommand } from '../io.js';

/**
 * keyCommand is `gauntlet key`: it prints this user's public signing key (created on first use in
 * the config directory), to give agents on other machines with `gauntlet agent --trust KEY`, and
 * coordinators of other users with `--trust-agent KEY` (agents sign what they send with the same key).
 */
export function keyCommand(): Command {
  return strictCommand(new Command('key'))
    .description("print this user's public key, which signs plans and agents' messages (give it to agents elsewhere: gauntlet agent --trust KEY; to coordinators of other users for agents run here: --trust-agent KEY)")
    .action(() => {
      outData(`${loadSigningKey().publicKey}\n`);
    });
}
