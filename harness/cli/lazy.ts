import type { Command } from 'commander';

/** A command registered by name and summary; its module is imported only when it runs. */
export interface LazyCommand {
  name: string;
  /** The line `bondlab --help` shows for it. */
  summary: string;
  load: () => Promise<(program: Command) => void>;
}

/**
 * The command the arguments name (`bondlab run ...`, `bondlab help run`): the first argument that
 * is not an option. The program itself has no options that take a value, so none is skipped wrongly.
 */
export function chosenCommand(args: string[], names: string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return word !== undefined && names.includes(word) ? word : undefined;
}

/**
 * Registers the chosen command in full (its options, help and action) and every other one as a
 * name with its summary, in the table's order, so the program's help lists them all while only one
 * module is loaded. An unknown command is left to commander, which names it and exits 2.
 */
export async function lazyCommands(program: Command, commands: LazyCommand[], args: string[]): Promise<void> {
  const chosen = commands.find(
    (command) =>
      command.name ===
      chosenCommand(
        args,
        commands.map((c) => c.name),
      ),
  );
  const register = await chosen?.load();
  for (const command of commands) {
    if (command === chosen && register) register(program);
    else program.command(command.name).summary(command.summary).description(command.summary);
  }
}
