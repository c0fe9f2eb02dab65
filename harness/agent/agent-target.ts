import type { FileSnapshot, ExecOptions, ExecResult, SpawnOptions, SpawnedProcess, Target } from '../target/target.js';
import type { AgentClient } from './client.js';

/** A Target served by a bondlab agent; the VM and container targets are this plus their own lifecycle. */
export abstract class AgentTarget implements Target {
  abstract readonly kind: Target['kind'];
  abstract readonly description: string;

  protected constructor(protected readonly agent: AgentClient) {}

  exec(argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.agent.exec(argv, options);
  }

  spawn(argv: string[], options?: SpawnOptions): Promise<SpawnedProcess> {
    return this.agent.spawn(argv, options);
  }

  readFile(path: string): Promise<Buffer> {
    return this.agent.readFile(path);
  }

  writeFile(path: string, data: Buffer | string): Promise<void> {
    return this.agent.writeFile(path, data);
  }

  snapshot(paths: string[]): Promise<FileSnapshot> {
    return this.agent.snapshot(paths);
  }

  clockNs(): Promise<bigint> {
    return this.agent.clockNs();
  }

  abstract close(): Promise<void>;
}
