/**
 * Lab files to a validated Lab. Errors are file:line:column with the field, through the
 * scenario loader's own locator and ajv error folding; nothing is touched while any stands.
 */
import { relative } from 'node:path';
import { Ajv } from 'ajv';
import { LineCounter, parseAllDocuments } from 'yaml';
import { Locator } from '../scenario/locate.js';
import { foldErrors } from '../scenario/schema-errors.js';
import { tagErrors, toPlain } from '../scenario/yaml-input.js';
import type { InputError } from '../scenario/plan.js';
import { readScenarioFile } from '../scenario/read.js';
import { emulatedLayout, type EmulatedCable } from '../vm/emulated-nics.js';
import type { Lab, LagMode, NicRef } from './lab.js';
import { LAB_SCHEMA } from './schema.js';

type Json = Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, strict: false, strictNumbers: true, verbose: true });
const validateLab = ajv.compile(LAB_SCHEMA);

function nicRefs(raw: unknown): NicRef[] {
  return (raw as Json[]).map((nic) => ({
    label: String(nic.label),
    ...(nic.mac ? { mac: (nic.mac as string).toLowerCase() } : {}),
    ...(nic.pci ? { pci: (nic.pci as string).toLowerCase() } : {}),
    ...(nic.release === true ? { release: true } : {}),
  }));
}

/** What the schema cannot say: one name per NIC, matching counts, groups of listed ports. */
function semanticErrors(spec: Json, locate: Locator): InputError[] {
  const errors: InputError[] = [];
  const far = spec.far as Json | undefined;
  if (spec.emulated) {
    for (const key of ['nics', 'far'] as const) {
      if (spec[key] !== undefined)
        errors.push(locate.error([], `an emulated lab's NICs and far side are its cables; remove "${key}"`, key));
    }
    if (spec.machine !== undefined && spec.machine !== 'local')
      errors.push(locate.error(['machine'], 'an emulated lab runs in the VM bondlab boots: machine must be local'));
    return errors;
  }
  for (const key of ['nics', 'far'])
    if (spec[key] === undefined) errors.push(locate.error([], `missing key "${key}" (or give "emulated" cables)`));
  const lists: { path: (string | number)[]; nics: Json[] }[] = [
    { path: ['nics'], nics: (spec.nics as Json[] | undefined) ?? [] },
  ];
  const peer = far?.peer as Json | undefined;
  if (peer) lists.push({ path: ['far', 'peer', 'nics'], nics: peer.nics as Json[] });
  const uplink = (far?.switch as Json | undefined)?.uplink as Json | undefined;
  if (uplink) lists.push({ path: ['far', 'switch', 'uplink'], nics: [uplink] });
  const seen = new Map<string, string>();
  for (const { path, nics } of lists) {
    nics.forEach((nic, i) => {
      const at = path.at(-1) === 'uplink' ? path : [...path, i];
      if ((nic.mac === undefined) === (nic.pci === undefined))
        errors.push(
          locate.error(at, 'name the NIC by its permanent MAC ("mac") or its PCI address ("pci"), one of them'),
        );
      for (const key of ['label', 'mac', 'pci'] as const) {
        if (nic[key] === undefined) continue;
        const id = `${key}=${(nic[key] as string).toLowerCase()}`;
        const twin = seen.get(id);
        if (twin) errors.push(locate.error(at, `${key} ${nic[key] as string} is also given at ${twin}`, key));
        else seen.set(id, at.join('.').replace(/\.(\d+)/g, '[$1]'));
      }
    });
  }
  const count = lists[0]?.nics.length ?? 0;
  if (peer && (peer.nics as Json[]).length !== count)
    errors.push(
      locate.error(
        ['far', 'peer', 'nics'],
        `${(peer.nics as Json[]).length} peer NIC(s) for ${count} test NIC(s): one per cable, in the same order`,
      ),
    );
  const sw = far?.switch as Json | undefined;
  if (sw) {
    const ports = sw.ports as string[];
    if (ports.length !== count)
      errors.push(
        locate.error(
          ['far', 'switch', 'ports'],
          `${ports.length} switch port(s) for ${count} test NIC(s): one per cable, in the same order`,
        ),
      );
    const grouped = new Map<string, number>();
    ((sw.groups as Json[] | undefined) ?? []).forEach((group, g) => {
      (group.ports as string[]).forEach((port, p) => {
        const at = ['far', 'switch', 'groups', g, 'ports', p];
        if (!ports.includes(port))
          errors.push(locate.error(at, `port ${port} is not one of the switch's ports (${ports.join(', ')})`));
        if (grouped.has(port)) errors.push(locate.error(at, `port ${port} is already in group ${grouped.get(port)}`));
        grouped.set(port, g);
      });
    });
  }
  if (sw && !sw.uplink && spec.traffic !== 'none')
    errors.push(
      locate.error(
        ['far', 'switch'],
        'a switch lab needs an "uplink" NIC (on a plain switch port in the bond\'s network) for the traffic peer, or "traffic: none"',
      ),
    );
  return errors;
}

function toLab(spec: Json, file: string): Lab {
  const machine =
    typeof spec.machine === 'object' && spec.machine
      ? { kind: 'ssh' as const, destination: String((spec.machine as Json).ssh) }
      : { kind: 'local' as const };
  const traffic = spec.traffic === 'none' ? 'none' : 'far';
  if (spec.emulated) {
    const cables: EmulatedCable[] = ((spec.emulated as Json).cables as Json[]).map(
      (c) => ({ dut: c.dut, peer: c.peer ?? 'virtio-net-pci' }) as EmulatedCable,
    );
    const layout = emulatedLayout(cables);
    return {
      file,
      machine,
      nics: layout.cables.map((c, i) => ({ label: `dut${i}`, mac: c.dut.mac })),
      far: { kind: 'peer', nics: layout.cables.map((c, i) => ({ label: `peer${i}`, mac: c.peer.mac })) },
      traffic,
      emulated: cables,
    };
  }
  const far = spec.far as Json;
  const sw = far.switch as Json | undefined;
  return {
    file,
    machine,
    nics: nicRefs(spec.nics),
    far: sw
      ? {
          kind: 'switch',
          ports: sw.ports as string[],
          groups: ((sw.groups as Json[] | undefined) ?? []).map((g) => ({
            ports: g.ports as string[],
            lag: g.lag as LagMode,
          })),
          shut: String(sw.shut),
          noShut: String(sw['no-shut']),
          ...(sw.uplink ? { uplink: nicRefs([sw.uplink])[0] } : {}),
        }
      : { kind: 'peer', nics: nicRefs((far.peer as Json).nics) },
    traffic,
  };
}

/** Parse and validate a lab file's text; `file` is the name errors carry. */
export function loadLabText(text: string, file: string): { lab: Lab } | { errors: InputError[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    schema: 'core',
    resolveKnownTags: false,
  });
  const [doc, extra] = docs;
  if (!doc) return { errors: [{ file, line: 1, column: 1, field: '', message: 'the lab file is empty' }] };
  if (doc.errors[0]) {
    const { line, col } = lines.linePos(doc.errors[0].pos[0]);
    return {
      errors: [
        {
          file,
          line,
          column: col,
          field: '',
          message: `YAML: ${doc.errors[0].message.split('\n')[0] ?? doc.errors[0].code}`,
        },
      ],
    };
  }
  const locate = new Locator(file, doc, lines);
  if (extra)
    return {
      errors: [{ ...new Locator(file, extra, lines).at([]), field: '', message: 'a lab file holds one YAML document' }],
    };
  const tags = tagErrors(doc, locate);
  if (tags.length) return { errors: tags };
  const plain = toPlain(doc, locate);
  if ('error' in plain) return { errors: [plain.error] };
  if (typeof plain.value !== 'object' || plain.value === null || Array.isArray(plain.value))
    return { errors: [locate.error([], 'a lab is a mapping with nics and far, or emulated')] };
  const spec = plain.value as Json;
  if (!validateLab(spec)) return { errors: foldErrors(validateLab.errors ?? [], [], spec, locate) };
  const errors = semanticErrors(spec, locate);
  return errors.length ? { errors } : { lab: toLab(spec, file) };
}

export async function loadLabFile(path: string): Promise<{ lab: Lab } | { errors: InputError[] }> {
  const near = relative(process.cwd(), path);
  const file = near && !near.startsWith('..') ? near : path;
  const read = await readScenarioFile(path, file);
  return 'error' in read ? { errors: [read.error] } : loadLabText(read.text, file);
}
