import { randomBytes } from 'node:crypto';

/**
 * Every namespace bondlab creates is named `bondlab-<run>-<case>-<role>`, where <run> carries the
 * pid of the process that made it: two runs never collide, and `bondlab cleanup` can tell a live
 * run's namespaces from a killed run's leftovers.
 */
export const NETNS_PREFIX = 'bondlab-';

/**
 * Every run id is made here: `YYYYMMDDhhmmss-<pid in base 36><4 hex digits>`. The time sorts report
 * directories, the pid names the owner, the random part tells its runs apart.
 */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
}

/** A run id, also one without the time (what bondlab made before); the owner's pid is the base-36 part before the 4 random hex digits. */
const RUN_ID = String.raw`(?:\d{14}-)?([0-9a-z]+?)[0-9a-f]{4}`;

/** The pid that made a run, read back from its id; undefined when the id is not one bondlab makes. */
export function runOwnerPid(runId: string): number | undefined {
  return pidOf(new RegExp(`^${RUN_ID}$`).exec(runId));
}

/** Linux pids never exceed 2^22 (pid_max's ceiling): a larger number is not an owner. */
const PID_MAX = 4_194_304;

function pidOf(match: RegExpExecArray | null): number | undefined {
  const pid = match?.[1] ? Number.parseInt(match[1], 36) : Number.NaN;
  return Number.isSafeInteger(pid) && pid > 0 && pid <= PID_MAX ? pid : undefined;
}

export function netnsName(runId: string, caseIndex: number, role: string): string {
  return `${NETNS_PREFIX}${runId}-${caseIndex}-${role}`;
}

/** The pid that made a namespace, read back from its name; undefined when it is not bondlab's. */
export function ownerPid(netns: string): number | undefined {
  return pidOf(new RegExp(`^${NETNS_PREFIX}${RUN_ID}-\\d+-[a-z0-9]+$`).exec(netns));
}
