import { loadCheckedScenario } from '../checked-scenario.js';
import type { Terminal } from '../terminal.js';

/** `cachebench validate <scenario.yaml>`: everything `run` checks before it starts, and nothing else. */
export function validateCommand(file: string, options: { set: string[] }, terminal: Terminal): number {
  const { loaded, thresholds, compareRules: rules } = loadCheckedScenario(file, options.set);
  const runs = loaded.runs.length === 1 ? '1 run' : `${loaded.runs.length} runs (matrix)`;
  const compare = rules.length === 0 ? '' : `, ${rules.length} compare rule${rules.length === 1 ? '' : 's'}`;
  terminal.stdout(`${file}: valid — ${runs}, ${thresholds.length} threshold${thresholds.length === 1 ? '' : 's'}${compare}\n`);
  return 0;
}
