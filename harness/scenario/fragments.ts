/**
 * Schema fragments that several parts of the scenario language share (steps, claims, options),
 * and the translation of the values they admit.
 */
import type { SlaveRef } from './plan.js';
import { LACP_FLAGS, MODES } from '../bond/vocabulary.js';
import { INT_MAX, LIMITS } from './limits.js';

/** At most LIMITS.durationMs (one hour): 0-3600 s or 0-3600000 ms, as text (checked against parseDuration in the tests). */
const DURATION_TEXT =
  '^(?:(?:\\d{1,3}|[0-2]\\d{3}|3[0-5]\\d{2})(?:\\.\\d+)?s|3600(?:\\.0+)?s|(?:\\d{1,6}|[0-2]\\d{6}|3[0-5]\\d{5})(?:\\.\\d+)?ms|3600000(?:\\.0+)?ms)$';
export const duration = {
  description: 'milliseconds, or a text like "250ms", "2s", "1.5s"; at most one hour',
  oneOf: [
    { type: 'integer', minimum: 0, maximum: LIMITS.durationMs },
    { type: 'string', pattern: DURATION_TEXT, description: 'a text like "250ms", "2s", "1.5s" up to 3600s' },
  ],
};
export const slaveRef = {
  type: 'string',
  pattern: '^(slave\\d+|active)$',
  description: 'slave0, slave1, ... or active',
};

export const mode = {
  description: 'a bonding mode by name or number',
  oneOf: [{ enum: [...MODES] }, { type: 'integer', minimum: 0, maximum: MODES.length - 1 }],
};
/** In steps, a value may name a matrix key: `${mode}` becomes each case's mode. */
export const matrixRef = {
  type: 'string',
  pattern: '^\\$\\{[a-z_]+\\}$',
  description: 'a matrix value, such as ${mode}',
};
export const uint = { type: 'integer', minimum: 0, maximum: INT_MAX };
export const lacpFlags = { type: 'array', items: { enum: [...LACP_FLAGS] } };
const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
export const ipv4OrToken = {
  type: 'string',
  pattern: `^(arp-target|${octet}(\\.${octet}){3})$`,
  description: 'an IPv4 address or arp-target',
};
/** The most slaves a scenario's bond has (bond.slaves). */
export const MAX_SLAVES = 8;

/** A validated slave reference (`slave0`, `active`) as the plan holds it. */
export function slaveRefOf(text: string): SlaveRef {
  return text === 'active' ? { active: true } : { index: Number(text.slice('slave'.length)) };
}
