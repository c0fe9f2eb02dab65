import { randomBytes } from 'node:crypto';

/**
 * Every namespace bondlab creates is named `bondlab-<run>-<role>`, where <run> carries the pid of
 * the process that made it: two runs never collide, and `bondlab cleanup` can tell a live run's
 * namespaces from a killed run's leftovers.
 */
export const NETNS_PREFIX = 'bondlab-';

export function newRunId(): string {
  return `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
}

export function netnsName(runId: string, caseIndex: number, role: string): string {
  return `${NETNS_PREFIX}${runId}-${caseIndex}-${role}`;
}

/** The pid that made a namespace, read back from its name; undefined when it is not bondlab's. */
export function ownerPid(netns: string): number | undefined {
  const match = /^bondlab-([0-9a-z]+?)[0-9a-f]{4}-\d+-[a-z0-9]+$/.exec(netns);
  return match?.[1] ? Number.parseInt(match[1], 36) : undefined;
}
