import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { MatrixRow } from './matrix.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

describe(`bondlab matrix on ${kernel}`, () => {
  it('measures all seven modes and gives the table the documentation predicts', async () => {
    const run = await execa('node', [cli, 'matrix', '--kernel', kernel, '--json'], {
      reject: false,
      env: { CI: 'true' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const rows = JSON.parse(run.stdout) as MatrixRow[];
    const row = (mode: string) => rows.find((r) => r.mode === mode);
    expect(rows.map((r) => r.mode)).toEqual([
      'balance-rr',
      'active-backup',
      'balance-xor',
      'broadcast',
      '802.3ad',
      'balance-tlb',
      'balance-alb',
    ]);
    expect(rows.every((r) => r.verdict === 'passed')).toBe(true);
    // One slave carries everything in active-backup; a single flow spreads only in balance-rr and broadcast.
    expect(row('active-backup')?.txSpread).toMatch(/^1 of 2/);
    expect(row('balance-rr')?.singleFlowSlaves).toBe(2);
    expect(row('balance-xor')?.singleFlowSlaves).toBe(1);
    expect(row('802.3ad')?.singleFlowSlaves).toBe(1);
    // Many flows spread by hash; balance-alb spreads what clients send, balance-tlb does not.
    expect(row('balance-xor')?.txSpread).toMatch(/^2 of 2/);
    expect(row('802.3ad')?.txSpread).toMatch(/^2 of 2/);
    expect(row('balance-alb')?.rxSpread).toMatch(/^2 of 2/);
    expect(row('balance-tlb')?.rxSpread).toMatch(/^1 of 2/);
    expect(row('broadcast')?.duplicates).toBeGreaterThan(0);
    expect(row('active-backup')?.outageLinkLossMs).toBeGreaterThan(0);
    expect(row('active-backup')?.outageLinkLossMs).toBeLessThan(500);
  });
});
