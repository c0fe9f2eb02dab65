/** A Docker engine as the container target and the image store use it (made by engine.ts). */
import type Dockerode from 'dockerode';
import type { VmTarget } from '../vm/vm-target.js';

export interface DockerEngine {
  /** The DOCKER_HOST value that reaches it. */
  readonly host: string;
  /** The DOCKER_* variables a client (testcontainers, a child bondlab) needs to reach it. */
  readonly env: Readonly<Record<string, string>>;
  readonly docker: Dockerode;
  /** What a report says: the engine's server version and kernel. */
  readonly description: string;
  /** The VM that holds the engine, for --engine vm. */
  readonly vm?: VmTarget;
  close(): Promise<void>;
}
