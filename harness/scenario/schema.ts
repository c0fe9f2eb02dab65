/**
 * The scenario language's JSON Schema, one document per scenario. The steps' schemas are kept
 * apart so that each step is validated against the one schema its key names, which gives one
 * precise error instead of a cascade from every alternative. scenario.schema.json is generated
 * from this (npm run schema) for editors.
 */
import { INT_MAX, LIMITS } from './limits.js';
import { BOND_MII_STATES, FAR_SIDES, LACP_FLAGS, LOG_EVENT_KINDS, MODES, SLAVE_MII_STATES, XMIT_HASH_POLICIES } from '../bond/vocabulary.js';

/** At most LIMITS.durationMs (one hour): 0-3600 s or 0-3600000 ms, as text (checked against parseDuration in the tests). */
const DURATION_TEXT = '^(?:(?:\\d{1,3}|[0-2]\\d{3}|3[0-5]\\d{2})(?:\\.\\d+)?s|3600(?:\\.0+)?s|(?:\\d{1,6}|[0-2]\\d{6}|3[0-5]\\d{5})(?:\\.\\d+)?ms|3600000(?:\\.0+)?ms)$';
const duration = {
  description: 'milliseconds, or a text like "250ms", "2s", "1.5s"; at most one hour',
  oneOf: [{ type: 'integer', minimum: 0, maximum: LIMITS.durationMs }, { type: 'string', pattern: DURATION_TEXT, description: 'a text like "250ms", "2s", "1.5s" up to 3600s' }],
};
const slaveRef = { type: 'string', pattern: '^(slave\\d+|active)$', description: 'slave0, slave1, ... or active' };
const mode = { description: 'a bonding mode by name or number', oneOf: [{ enum: [...MODES] }, { type: 'integer', minimum: 0, maximum: MODES.length - 1 }] };
/** In steps, a value may name a matrix key: `${mode}` becomes each case's mode. */
const matrixRef = { type: 'string', pattern: '^\\$\\{[a-z_]+\\}$', description: 'a matrix value, such as ${mode}' };
const uint = { type: 'integer', minimum: 0, maximum: INT_MAX };
const byte = { type: 'integer', minimum: 0, maximum: 255 };
const flag = { enum: [0, 1] };
const lacpFlags = { type: 'array', items: { enum: [...LACP_FLAGS] } };
const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4OrToken = { type: 'string', pattern: `^(arp-target|${octet}(\\.${octet}){3})$`, description: 'an IPv4 address or arp-target' };
/** The most slaves a scenario's bond has (bond.slaves). */
const MAX_SLAVES = 8;

/** Every bonding driver option by its sysfs name, with the values the driver takes (the tables in drivers/net/bonding/bond_options.c). */
export const BOND_OPTIONS: Record<string, object> = {
  miimon: uint,
  updelay: uint,
  downdelay: uint,
  peer_notif_delay: { type: 'integer', minimum: 0, maximum: 300000 },
  use_carrier: flag,
  arp_interval: uint,
  arp_ip_target: { type: 'array', items: ipv4OrToken, maxItems: 16, uniqueItems: true },
  arp_validate: { enum: ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'] },
  arp_all_targets: { enum: ['any', 'all'] },
  arp_missed_max: { type: 'integer', minimum: 1, maximum: 255 },
  ns_ip6_target: { type: 'array', items: { type: 'string', description: 'an IPv6 address' }, maxItems: 16, uniqueItems: true },
  primary: slaveRef,
  primary_reselect: { enum: ['always', 'better', 'failure'] },
  fail_over_mac: { enum: ['none', 'active', 'follow'] },
  xmit_hash_policy: { enum: [...XMIT_HASH_POLICIES] },
  resend_igmp: byte,
  num_grat_arp: byte,
  num_unsol_na: byte,
  all_slaves_active: flag,
  min_links: uint,
  lp_interval: { type: 'integer', minimum: 1, maximum: INT_MAX },
  packets_per_slave: { type: 'integer', minimum: 0, maximum: 65535 },
  tlb_dynamic_lb: flag,
  lacp_rate: { enum: ['slow', 'fast'] },
  lacp_active: { enum: ['on', 'off'] },
  ad_select: { enum: ['stable', 'bandwidth', 'count'] },
  ad_actor_sys_prio: { type: 'integer', minimum: 1, maximum: 65535 },
  ad_user_port_key: { type: 'integer', minimum: 0, maximum: 1023 },
  ad_actor_system: { type: 'string', pattern: '^[0-9a-fA-F][02468aceACE](:[0-9a-fA-F]{2}){5}$', description: 'a unicast MAC address, such as 02:00:00:00:00:01' },
  coupled_control: flag,
};

const slaveOrObject = (extra: Record<string, object> = {}, required: string[] = ['slave']) => ({
  oneOf: [slaveRef, { type: 'object', additionalProperties: false, required, properties: { slave: slaveRef, ...extra } }],
});
const method = { enum: ['ip', 'sysfs', 'ifenslave'], description: 'how the slave is detached or attached' };
const events = [...LOG_EVENT_KINDS];
const slaveMap = (value: object) => ({ type: 'object', propertyNames: slaveRef, additionalProperties: value });

/** The driver's MII states, and each with a hyphen (going-back) as YAML keys are often written. */
const miiStates = [...SLAVE_MII_STATES, ...SLAVE_MII_STATES.filter((s) => s.includes(' ')).map((s) => s.replace(' ', '-'))];
const bondMii = { enum: [...BOND_MII_STATES] };
const indexedSlave = { type: 'string', pattern: '^slave\\d+$', description: 'slave0, slave1, ...' };
const activeState = { type: 'string', pattern: '^(slave\\d+|none)$', description: 'slave0, slave1, ... or none' };
/** One state of a sequence: the state, or { state: { atLeast, atMost } } for how long it lasts. */
const timedStates = (state: object) => ({
  type: 'array',
  minItems: 1,
  maxItems: 32,
  items: {
    oneOf: [
      state,
      {
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        propertyNames: state,
        additionalProperties: { type: 'object', additionalProperties: false, minProperties: 1, properties: { atLeast: duration, atMost: duration } },
      },
    ],
  },
});

export const EXPECT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  dependencies: { during: ['never'] },
  properties: {
    sequence: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'states in this order, each right after the other, judged over the recorded timeline: slave0: [down, { going back: { atLeast: 500ms } }, up]',
      properties: { activeSlave: timedStates(activeState), bondMii: timedStates(bondMii) },
      patternProperties: { '^slave\\d+$': timedStates({ enum: miiStates }) },
    },
    never: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'states that must not occur in the window (since ..., during ...), judged over the recorded timeline',
      properties: { activeSlave: activeState, bondMii, slaveMii: { type: 'object', propertyNames: indexedSlave, additionalProperties: { enum: miiStates } } },
    },
    since: {
      description: 'where the window of sequence and never begins: fault (the latest fault, when its command was issued; the default after a fault), start (of the case), now (this step), or step N (the start of step N, from 0)',
      oneOf: [{ enum: ['fault', 'start', 'now'] }, { type: 'string', pattern: '^step \\d+$' }],
    },
    during: { ...duration, description: 'how long the never window lasts (the step waits for its end)' },
    mode: { oneOf: [...mode.oneOf, matrixRef] },
    activeSlave: { oneOf: [slaveRef, { const: 'none' }, { type: 'object', additionalProperties: false, required: ['not'], properties: { not: { oneOf: [slaveRef, { const: 'none' }] } } }] },
    activeSlaveChanged: { type: 'boolean', description: 'compared with the active slave just before the latest fault' },
    bondMii,
    slaves: { type: 'integer', minimum: 0, maximum: MAX_SLAVES, description: 'the number of slaves' },
    slaveMii: slaveMap({ enum: [...SLAVE_MII_STATES] }),
    linkFailures: slaveMap({ oneOf: [uint, { type: 'object', additionalProperties: false, required: ['increasedBy'], properties: { increasedBy: uint } }] }),
    sameAggregator: { type: 'array', items: slaveRef, minItems: 2 },
    lacpState: slaveMap(lacpFlags),
    partnerLacpState: slaveMap(lacpFlags),
    arpTargets: { type: 'array', items: ipv4OrToken },
    lacpPartner: { const: 'far-side', description: "the active aggregator's partner MAC is the far side's LACP bond" },
    log: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['event'],
        properties: { event: { enum: events }, slave: slaveRef, within: duration, absent: { type: 'boolean' } },
      },
    },
    throughput: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'claims on the latest throughput step',
      properties: {
        minFactor: { type: 'number', minimum: 0, maximum: MAX_SLAVES, description: 'total throughput at least this many times one plain link' },
        minMbps: { type: 'number', minimum: 0, maximum: 1_000_000 },
      },
    },
    traffic: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'claims on the latest traffic window (after traffic: stop)',
      properties: {
        maxOutage: duration,
        minOutage: { ...duration, description: 'the outage lasts at least this long (a delay that must be honoured)' },
        maxLoss: { type: 'string', pattern: '^(100(\\.0+)?|\\d{1,2}(\\.\\d+)?)%$', description: 'a percentage from 0% to 100%, such as 1%' },
        duplicates: { enum: ['expected', 'forbidden'] },
        reordering: { enum: ['expected', 'forbidden'] },
        balance: {
          type: 'object',
          additionalProperties: false,
          properties: {
            direction: { enum: ['tx', 'rx'], description: 'the bond transmitting (tx, default) or receiving (rx)' },
            minSlaves: { type: 'integer', minimum: 1, maximum: MAX_SLAVES, description: 'at least this many slaves carry a tenth of their fair share or more' },
            maxShare: { type: 'number', minimum: 0, maximum: 1, description: 'no slave carries more than this share' },
            single: { type: 'boolean', description: 'exactly one slave carries the traffic' },
            onActive: { type: 'boolean', description: 'the active slave carries the traffic' },
          },
        },
      },
    },
    within: duration,
  },
};

export const STEP_SCHEMAS: Record<string, object> = {
  build: { type: ['object', 'null'], additionalProperties: false, properties: {} },
  wait: { oneOf: [duration, { type: 'object', additionalProperties: false, required: ['until'], properties: { until: EXPECT_SCHEMA, timeout: duration } }] },
  detach: slaveOrObject({ method }),
  attach: slaveOrObject({ method }),
  'link-down': slaveOrObject(),
  'link-up': slaveOrObject(),
  'carrier-off': slaveOrObject(),
  'carrier-on': slaveOrObject(),
  flap: { type: 'object', additionalProperties: false, required: ['slave'], properties: { slave: slaveRef, count: { type: 'integer', minimum: 1, maximum: 1000 }, interval: duration } },
  'arp-target-loss': { oneOf: [{ enum: ['remove-address', 'drop'] }, { type: 'object', additionalProperties: false, properties: { how: { enum: ['remove-address', 'drop'] } } }] },
  'arp-target-restore': { type: ['object', 'null'], additionalProperties: false, properties: {} },
  traffic: {
    oneOf: [
      { enum: ['start', 'stop'] },
      {
        type: 'object',
        additionalProperties: false,
        required: ['start'],
        properties: {
          start: {
            type: 'object',
            additionalProperties: false,
            properties: {
              flows: { type: 'integer', minimum: 1, maximum: 64, description: 'how many flows at once (default 1)' },
              vary: { enum: ['ports', 'addresses', 'clients'], description: 'what tells flows apart: source ports (layer3+4), addresses of one host (layer2+3), client hosts (layer2)' },
              rate: { type: 'integer', minimum: 1, maximum: 100000, description: 'packets per second per flow (default 1000)' },
              direction: { enum: ['to-clients', 'from-clients'] },
              size: { type: 'integer', minimum: 16, maximum: 1400, description: 'UDP payload bytes (default 64)' },
            },
          },
        },
      },
    ],
  },
  expect: EXPECT_SCHEMA,
  throughput: {
    type: ['object', 'null'],
    additionalProperties: false,
    description: 'measure TCP throughput with iperf3, and one plain link of the same rate for comparison',
    properties: {
      streams: { type: 'integer', minimum: 1, maximum: 32 },
      seconds: { type: 'integer', minimum: 1, maximum: 60 },
      vary: { enum: ['ports', 'clients'] },
      direction: { enum: ['to-clients', 'from-clients'] },
    },
  },
  hook: {
    type: 'object',
    additionalProperties: false,
    required: ['run'],
    properties: { run: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string' }, minItems: 1 }] }, in: { enum: ['bond', 'far', 'none'] } },
  },
};

const matrixValues = (items: object) => ({ type: 'array', minItems: 1, items });

export const SCENARIO_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://bondlab.dev/schema/scenario.json',
  title: 'bondlab scenario',
  description: 'One bonding experiment: a bond, the network around it, steps that break links, and claims about what the bond does.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'bond', 'steps'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'a short name; expanded cases add [key=value,...]' },
    description: { type: 'string' },
    kernel: { type: 'string', description: 'the VM kernel: debian:bookworm, debian:trixie, debian:sid, debian:<release>-amd64[=<version>], host, /path/to/vmlinuz:/path/to/modules' },
    bond: {
      type: 'object',
      additionalProperties: false,
      required: ['mode'],
      properties: { mode, slaves: { type: 'integer', minimum: 1, maximum: MAX_SLAVES, description: 'number of slaves (default 2)' }, ...BOND_OPTIONS },
    },
    topology: {
      type: 'object',
      additionalProperties: false,
      properties: {
        farSide: { enum: ['auto', ...FAR_SIDES], description: 'auto: lacp for 802.3ad, static-lag for balance-rr/xor/broadcast, switch otherwise' },
        clients: { type: 'integer', minimum: 1, maximum: 16 },
        arpTarget: { enum: ['auto', true, false], description: 'auto: present when arp_interval > 0' },
        linkDelays: { type: 'array', items: duration, maxItems: 8, description: 'extra latency per slave link, slave0 first, as real links differ: [0ms, 2ms]' },
        linkRate: { type: 'string', pattern: '^[1-9]\\d{0,5}(kbit|mbit|gbit)$', description: 'a rate such as 100mbit (1-999999 kbit, mbit or gbit) that limits every link, like a NIC speed (veths have none)' },
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
          ...Object.entries(STEP_SCHEMAS).map(([key, schema]) => ({ type: 'object', additionalProperties: false, required: [key], properties: { [key]: schema } })),
        ],
      },
    },
  },
};

/** The top level alone: steps are checked one by one against STEP_SCHEMAS. */
export const TOP_LEVEL_SCHEMA = { ...SCENARIO_SCHEMA, properties: { ...SCENARIO_SCHEMA.properties, steps: { type: 'array', maxItems: LIMITS.steps } } };
