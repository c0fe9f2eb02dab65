/** The driver options' value checks of the configuration readers, precompiled by `npm run build` (scenario/precompiled.ts). */
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { packageRoot } from '../package-root.js';
import { BOND_OPTIONS } from '../scenario/bond-options.js';
import { loadValidators, type SchemaSet } from '../scenario/precompiled.js';
import { NETLINK_ONLY_OPTIONS } from './netlink-only.js';

export const OPTION_SCHEMAS: SchemaSet = {
  file: join(packageRoot(), 'dist', 'harness', 'config', 'option-validators.cjs'),
  options: { strict: false, strictNumbers: true },
  schemas: { ...BOND_OPTIONS, ...NETLINK_ONLY_OPTIONS },
};

let validators: Record<string, ValidateFunction> | undefined;

/** The validator of a driver option's value, by its kernel name; undefined for an option without one. */
export function optionValidator(kernel: string): ValidateFunction | undefined {
  validators ??= loadValidators(OPTION_SCHEMAS);
  return Object.hasOwn(validators, kernel) ? validators[kernel] : undefined;
}
