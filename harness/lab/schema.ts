/** The lab file's JSON Schema. */
import { NIC_MODEL_NAMES } from './lab.js';

const MAC = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$',
  description: 'a MAC address such as 52:54:00:12:34:56',
};
const PCI = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$',
  description: 'a PCI address such as 0000:03:00.0',
};
const LABEL = {
  type: 'string',
  pattern: '^[A-Za-z0-9_.-]{1,32}$',
  description: 'a label of letters, digits, _ . - (at most 32)',
};

/** Port names go into the user's shell commands: nothing a shell would read as syntax. */
const PORT = {
  type: 'string',
  pattern: '^[A-Za-z0-9_./:-]{1,64}$',
  description: 'a switch port name such as Ethernet1/1 (letters, digits, _ . / : -)',
};

const NIC = {
  type: 'object',
  additionalProperties: false,
  required: ['label'],
  properties: { label: LABEL, mac: MAC, pci: PCI, release: { type: 'boolean' } },
};

const NICS = { type: 'array', minItems: 1, maxItems: 16, items: NIC };

export const LAB_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'bondlab lab',
  type: 'object',
  additionalProperties: false,
  properties: {
    machine: {
      oneOf: [
        { const: 'local' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['ssh'],
          properties: {
            ssh: { type: 'string', pattern: '^([A-Za-z0-9_.-]+@)?[A-Za-z0-9_.:-]+$', description: 'user@host' },
          },
        },
      ],
    },
    nics: NICS,
    far: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        peer: { type: 'object', additionalProperties: false, required: ['nics'], properties: { nics: NICS } },
        switch: {
          type: 'object',
          additionalProperties: false,
          required: ['ports', 'shut', 'no-shut'],
          properties: {
            ports: {
              type: 'array',
              minItems: 1,
              maxItems: 16,
              items: PORT,
              uniqueItems: true,
            },
            groups: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['ports', 'lag'],
                properties: {
                  ports: { type: 'array', minItems: 1, items: PORT },
                  lag: { enum: ['none', 'static', 'lacp'] },
                },
              },
            },
            uplink: NIC,
            shut: { type: 'string', minLength: 1, pattern: '\\{port\\}', description: 'a command with {port} in it' },
            'no-shut': {
              type: 'string',
              minLength: 1,
              pattern: '\\{port\\}',
              description: 'a command with {port} in it',
            },
          },
        },
      },
    },
    traffic: { enum: ['far', 'none'] },
    emulated: {
      type: 'object',
      additionalProperties: false,
      required: ['cables'],
      properties: {
        cables: {
          type: 'array',
          minItems: 1,
          maxItems: 8,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['dut'],
            properties: { dut: { enum: NIC_MODEL_NAMES }, peer: { enum: NIC_MODEL_NAMES } },
          },
        },
      },
    },
  },
} as const;
