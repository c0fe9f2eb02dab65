/**
 * When a case's traffic probes start. Each is a Node start in the target (0.3-1 s of a guest CPU
 * under emulation), so they start where nothing is measured: during the first fixed wait after
 * the build in the case's idle prefix (build, wait-until and waits, before any fault, traffic or
 * check), when there is one long enough; else beside the build, once the namespaces exist. The
 * bond is sampled all the while, so a claim judged over the recorded timeline from within that
 * prefix (a `never` or `sequence` claim since the case start, or since one of its steps) keeps
 * them at the build.
 */
import type { Claim, Step, TimelineOrigin } from '../scenario/plan.js';

/** A wait shorter than this hides too little of the probes' start to leave the build for it. */
export const IDLE_WAIT_MIN_MS = 500;

/** The index of the wait step at whose start the probes start, or undefined: beside the build. */
export function probeStartStep(steps: Step[]): number | undefined {
  const firstTraffic = steps.findIndex((step) => step.kind === 'traffic' && step.traffic.action === 'start');
  if (firstTraffic < 0) return undefined;
  const build = steps.findIndex((step) => step.kind === 'build');
  const prefixEnd = steps.findIndex((step) => !['build', 'wait', 'wait-until'].includes(step.kind));
  const idle = steps.findIndex(
    (step, index) =>
      step.kind === 'wait' &&
      step.ms >= IDLE_WAIT_MIN_MS &&
      build >= 0 &&
      index > build &&
      index < firstTraffic &&
      index < prefixEnd,
  );
  if (idle < 0) return undefined;
  return looksBackTo(steps, idle) ? undefined : idle;
}

/** Whether a timeline claim of some step may judge samples taken during step `index`. */
function looksBackTo(steps: Step[], index: number): boolean {
  return steps.some((step, at) => {
    if (step.kind !== 'expect' && step.kind !== 'wait-until') return false;
    const faultBefore = steps.slice(0, at).some((earlier) => earlier.kind === 'fault');
    return step.claims.some((claim) => {
      const since = sinceOf(claim);
      if (since === null) return false;
      if (since === undefined) return !faultBefore;
      return since.kind === 'start' || (since.kind === 'step' && since.index <= index);
    });
  });
}

/** A timeline claim's origin (undefined: the default), or null for a claim on one moment. */
function sinceOf(claim: Claim): TimelineOrigin | undefined | null {
  return claim.kind === 'never' || claim.kind === 'sequence' ? claim.since : null;
}
