import { describe, expect, it } from 'vitest';
import { defaultJobs, guestCpus } from './run.js';

const GiB = 2 ** 30;

describe('workers', () => {
  it('defaults to one worker per two cores, as many as the free memory holds, one on a lab or a shared kernel', () => {
    expect(defaultJobs('vm', undefined, { cores: 2, freeBytes: 20 * GiB })).toBe(1);
    expect(defaultJobs('vm', undefined, { cores: 16, freeBytes: 20 * GiB })).toBe(8);
    expect(defaultJobs('vm', undefined, { cores: 16, freeBytes: 4 * GiB })).toBe(2);
    expect(defaultJobs('vm', undefined, { cores: 16, freeBytes: 20 * GiB }, true)).toBe(1);
    expect(defaultJobs('host', undefined, { cores: 16, freeBytes: 20 * GiB })).toBe(1);
  });

  it("gives each VM two CPUs while the workers' vCPUs fit the cores, else one", () => {
    expect(guestCpus(1, 2)).toBe(2);
    expect(guestCpus(2, 2)).toBe(1);
    expect(guestCpus(8, 16)).toBe(2);
    expect(guestCpus(9, 16)).toBe(1);
  });
});
