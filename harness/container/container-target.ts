/**
 * The container target: a privileged container from bondlab's image on a Docker engine, with the
 * bondlab agent speaking the same protocol as in the VM, over the stdin and stdout of a
 * `docker exec`. The kernel under test is the engine's. Namespaces and links made in the
 * container stay inside its network namespace (--network none) and go when it is removed.
 *
 * testcontainers starts it (its reaper is off: it needs an image from a registry); removal is
 * bondlab's: at close, at Ctrl-C, or by label in `bondlab cleanup` after a killed run.
 */
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { AgentClient } from '../agent/client.js';
import { agentScript } from '../agent/location.js';
import { packageRoot } from '../package-root.js';
import { AgentTarget } from '../agent/agent-target.js';
import { onTeardown } from '../target/teardown.js';
import type { DockerEngine } from './docker-engine.js';
import { DEFAULT_IMAGE } from './image.js';
import { overlayEnv } from './process-env.js';

/** Every container bondlab starts carries these labels; cleanup finds them by the first. */
export const CONTAINER_LABELS = { run: 'org.bondlab.run', pid: 'org.bondlab.pid' } as const;

export interface ContainerOptions {
  engine: DockerEngine;
  runId: string;
  image?: string;
}

export class ContainerTarget extends AgentTarget {
  readonly kind = 'container';
  readonly description: string;

  private constructor(
    agent: AgentClient,
    private readonly container: StartedTestContainer,
    readonly engine: DockerEngine,
    readonly image: string,
    private readonly unregister: () => Promise<void>,
    private readonly restoreEnv: () => void,
  ) {
    super(agent);
    this.description = `container ${container.getId().slice(0, 12)} (${image}; ${engine.description})`;
  }

  static async start(options: ContainerOptions): Promise<ContainerTarget> {
    const image = options.image ?? DEFAULT_IMAGE;
    // Read by testcontainers when it first connects and when a container starts; an engine VM's also carry its TLS
    // client certificate. Put back at close: a later engine in this process must not inherit them.
    // Where /.dockerenv exists (bondlab itself in a container, or a VM over such a root), testcontainers looks for
    // the engine's gateway on a unix socket: the "bridge" network, or an alpine container from a registry. bondlab
    // maps no ports, so that host is never used.
    const restoreEnv = overlayEnv({
      ...options.engine.env,
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? 'localhost',
    });
    try {
      return await ContainerTarget.startContainer(options, image, restoreEnv);
    } catch (error) {
      restoreEnv();
      throw error;
    }
  }

  private static async startContainer(
    options: ContainerOptions,
    image: string,
    restoreEnv: () => void,
  ): Promise<ContainerTarget> {
    const root = packageRoot();
    // The agent and the traffic probe run inside from the same paths as on the host, as in the VM.
    const container = await new GenericContainer(image)
      .withPrivilegedMode()
      .withNetworkMode('none')
      .withLabels({ [CONTAINER_LABELS.run]: options.runId, [CONTAINER_LABELS.pid]: String(process.pid) })
      .withBindMounts([{ source: '/lib/modules', target: '/lib/modules', mode: 'ro' }])
      .withCopyDirectoriesToContainer([
        { source: join(root, 'dist', 'harness'), target: join(root, 'dist', 'harness') },
      ])
      .withCopyFilesToContainer([{ source: join(root, 'package.json'), target: join(root, 'package.json') }])
      .withCommand(['sleep', 'infinity'])
      .withStartupTimeout(60_000)
      .start();
    const unregister = onTeardown(`container ${container.getId().slice(0, 12)}`, () =>
      removeContainer(options.engine, container.getId()),
    );
    try {
      const node = process.execPath;
      const link = await container.exec([
        'sh',
        '-ec',
        `command -v node >/dev/null || { echo "the image has no node" >&2; exit 1; }
[ "$(command -v node)" = "${node}" ] || { mkdir -p "${dirname(node)}"; ln -sf "$(command -v node)" "${node}"; }`,
      ]);
      if (link.exitCode !== 0) throw new Error(`preparing the container failed: ${link.output.trim()}`);
      const agent = await attachAgent(options.engine, container.getId(), node);
      return new ContainerTarget(agent, container, options.engine, image, unregister, restoreEnv);
    } catch (error) {
      await unregister();
      throw error;
    }
  }

  /** The container's full id on its engine. */
  get id(): string {
    return this.container.getId();
  }

  /** Remove the container, then let go of the engine (which stops an engine VM). */
  async close(): Promise<void> {
    try {
      await this.agent.shutdown();
      await this.unregister();
      await this.engine.close();
    } finally {
      this.restoreEnv();
    }
  }
}

/** `docker exec -i` of the agent: its stdin and stdout carry the protocol, stderr is kept for errors. */
async function attachAgent(engine: DockerEngine, id: string, node: string): Promise<AgentClient> {
  const exec = await engine.docker.getContainer(id).exec({
    Cmd: [node, agentScript(), '--stdio'],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errors = '';
  stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  engine.docker.modem.demuxStream(stream, stdout, stderr);
  stream.on('end', () => stdout.end());
  const agent = new AgentClient(stdout, stream, () => (errors ? `agent stderr:\n${errors}` : ''));
  await agent.hello;
  return agent;
}

export async function removeContainer(engine: DockerEngine, id: string): Promise<void> {
  await engine.docker
    .getContainer(id)
    .remove({ force: true })
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

export interface LeftContainer {
  id: string;
  runId: string;
  pid: number;
  state: string;
}

/** bondlab's containers on the engine, with the run and the process that made them. */
export async function listContainers(engine: DockerEngine): Promise<LeftContainer[]> {
  const containers = await engine.docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [CONTAINER_LABELS.run] }),
  });
  return containers.map((c) => ({
    id: c.Id,
    runId: c.Labels[CONTAINER_LABELS.run] ?? '',
    pid: Number(c.Labels[CONTAINER_LABELS.pid] ?? 0),
    state: c.State,
  }));
}

/** Check the engine's kernel can make bonds, from inside the container (the module is loaded there if allowed). */
export async function checkBonding(target: ContainerTarget): Promise<void> {
  const probe = await target.exec([
    'sh',
    '-c',
    'modprobe bonding max_bonds=0 2>&1; ip link add bondlab-probe type bond 2>&1 && ip link del bondlab-probe',
  ]);
  if (probe.exitCode !== 0) {
    throw new Error(
      `the engine's kernel cannot make bonds (${target.engine.description}): ${probe.stdout.trim()}; load the bonding module on the Docker host, or use --engine vm`,
    );
  }
}
