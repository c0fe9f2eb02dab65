/**
 * The scenario language's JSON Schema, one document per scenario. The steps' schemas are kept
 * apart so that each step is validated against the one schema its key names, which gives one
 * precise error instead of a cascade from every alternative. scenario.schema.json is generated
 * from this (npm run schema) for editors.
 */
import { FAR_SIDES } from '../bond/vocabulary.js';
import { STEP_SYNTAX } from '../steps/registry.js';
import { BOND_OPTIONS } from './bond-options.js';
import { duration, MAX_SLAVES, mode } from './fragments.js';
import { LIMITS } from './limits.js';

/** Each step key's schema, from the step kinds (harness/steps/). */
export const STEP_SCHEMAS: Record<string, object> = Object.fromEntries(
  Object.entries(STEP_SYNTAX).map(([key, syntax]) => [key, syntax.schema]),
);

const matrixValues = (items: object) => ({ type: 'array', minItems: 1, items });

const BOND = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    mode,
    slaves: { type: 'integer', minimum: 1, maximum: MAX_SLAVES, description: 'number of slaves (default 2)' },
    ...BOND_OPTIONS,
  },
};

/** A bond taken from the user's files (harness/config/scenario.ts): the loader replaces it by a BOND before validation. */
const CONFIGURED_BOND = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'name'],
  properties: {
    from: {
      description:
        'configuration files or directories (interfaces, modprobe.d, netplan, NetworkManager, networkd), relative to this file or absolute',
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ],
    },
    name: { type: 'string', minLength: 1, description: 'the bond to take from the files, such as bond0' },
    apply: {
      enum: ['ifupdown', 'networkd', 'networkmanager'],
      description:
        "bring it up with the files' own tool in the VM instead of sysfs writes: ifupdown for interfaces files, networkd for networkd and netplan files, networkmanager for NetworkManager keyfiles",
    },
  },
};

export const SCENARIO_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://bondlab.dev/schema/scenario.json',
  title: 'bondlab scenario',
  description:
    'One bonding experiment: a bond, the network around it, steps that break links, and claims about what the bond does.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'bond', 'steps'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'a short name; expanded cases add [key=value,...]',
    },
    description: { type: 'string' },
    kernel: {
      type: 'string',
      description:
        'the VM kernel: debian:bookworm, debian:trixie, debian:sid, debian:<release>-amd64[=<version>], host, /path/to/vmlinuz:/path/to/modules',
    },
    bond: {
      description: 'the bond under test: a mode and driver options, or `from:` a configuration of yours',
      if: { type: 'object', required: ['from'] },
      then: CONFIGURED_BOND,
      else: BOND,
    },
    topology: {
      type: 'object',
      additionalProperties: false,
      properties: {
        farSide: {
          enum: ['auto', ...FAR_SIDES],
          description: 'auto: lacp for 802.3ad, static-lag for balance-rr/xor/broadcast, switch otherwise',
        },
        clients: { type: 'integer', minimum: 1, maximum: 16 },
        arpTarget: { enum: ['auto', true, false], description: 'auto: present when arp_interval > 0' },
        linkDelays: {
          type: 'array',
          items: duration,
          maxItems: 8,
          description: 'extra latency per slave link, slave0 first, as real links differ: [0ms, 2ms]',
        },
        linkRate: {
          type: 'string',
          pattern: '^[1-9]\\d{0,5}(kbit|mbit|gbit)$',
          description:
            'a rate such as 100mbit (1-999999 kbit, mbit or gbit) that limits every link, like a NIC speed (veths have none)',
        },
      },
    },
    matrix: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        mode: matrixValues(mode),
        slaves: matrixValues({ type: 'integer', minimum: 1, maximum: MAX_SLAVES }),
        kernel: matrixValues({ type: 'string' }),
        ...Object.fromEntries(Object.entries(BOND_OPTIONS).map(([name, schema]) => [name, matrixValues(schema)])),
      },
    },
    steps: {
      type: 'array',
      maxItems: LIMITS.steps,
      items: {
        oneOf: [
          { const: 'build' },
          ...Object.entries(STEP_SCHEMAS).map(([key, schema]) => ({
            type: 'object',
            additionalProperties: false,
            required: [key],
            properties: { [key]: schema },
          })),
        ],
      },
    },
  },
};

/** The top level alone: steps are checked one by one against STEP_SCHEMAS. */
export const TOP_LEVEL_SCHEMA = {
  ...SCENARIO_SCHEMA,
  properties: { ...SCENARIO_SCHEMA.properties, bond: BOND, steps: { type: 'array', maxItems: LIMITS.steps } },
};
