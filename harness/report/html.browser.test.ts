/**
 * The HTML report in a real browser: Debian's chromium, headless, takes a screenshot and dumps
 * the DOM after the inline script ran. No network: the page has to stand on its own.
 */
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunResult } from '../runner/results.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/window.js';
import { htmlReport } from './html.js';
import { sampleCase } from '../testing/sample-run.js';

const T0 = 7_200_000_000_000n;
const at = (ms: number) => T0 + BigInt(Math.round(ms * 1e6));

/** A failover window: 3 s of traffic, delivery stops from `outageFrom` for `outageMs`. */
function window(outageFrom: number, outageMs: number, shares: [number, number]): TrafficWindow {
  const delivered = Array.from({ length: 300 }, (_, i) =>
    i * 10 >= outageFrom && i * 10 < outageFrom + outageMs ? 0 : 20 - (i % 7 === 3 ? 1 : 0),
  );
  return {
    settings: { flows: 2, vary: 'ports', rate: 1000, direction: 'to-clients', size: 64 },
    startNs: T0,
    endNs: at(3000),
    achievedPps: 1998,
    flows: [],
    totals: {
      sent: 6000,
      received: 6000 - outageMs * 2,
      lost: outageMs * 2,
      lossRatio: (outageMs * 2) / 6000,
      duplicates: 0,
      reordered: 0,
      outageMs,
      outageStartUs: Number(at(outageFrom) / 1000n),
      deliveryGapMs: outageMs + 1,
    },
    perSlave: shares.map((share, i) => ({
      slave: `eth${i}`,
      txPackets: Math.round(share * 6000),
      rxPackets: 0,
      txShare: share,
      rxShare: 0,
    })),
    delivery: { startUs: Number(T0 / 1000n), bucketMs: 10, delivered },
  };
}

/** eth0 active and up; at 1000 ms a link-down takes it out, eth1 takes over at `takeover`. */
function timeline(takeover: number): TimelineEvent[] {
  const samples: TimelineEvent[] = [];
  for (let ms = -40; ms <= 3000; ms += 100) {
    samples.push({
      kind: 'sample',
      atNs: at(ms),
      activeSlave: ms < takeover ? 'eth0' : 'eth1',
      bondMii: 'up',
      slaves: [
        { name: 'eth0', mii: ms >= 1000 && ms < 2200 ? 'down' : 'up', linkFailures: ms >= 1000 ? 1 : 0 },
        { name: 'eth1', mii: 'up', linkFailures: 0 },
      ],
    });
  }
  return [
    ...samples,
    {
      kind: 'fault',
      fault: 'link-down',
      slave: 'eth0',
      detail: 'ip link set eth0 down on the far side (slave0)',
      startNs: at(985),
      endNs: at(1000),
    },
    {
      kind: 'kernel',
      atNs: at(1003),
      event: 'link-down',
      bond: 'bond0',
      slave: 'eth0',
      text: 'bond0: (slave eth0): link status definitely down, disabling slave',
    },
    {
      kind: 'kernel',
      atNs: at(takeover - 5),
      event: 'new-active-slave',
      bond: 'bond0',
      slave: 'eth1',
      text: 'bond0: (slave eth1): making interface the new active one',
    },
    {
      kind: 'fault',
      fault: 'link-up',
      slave: 'eth0',
      detail: 'ip link set eth0 up on the far side (slave0)',
      startNs: at(2090),
      endNs: at(2100),
    },
    {
      kind: 'kernel',
      atNs: at(2210),
      event: 'link-up',
      bond: 'bond0',
      slave: 'eth0',
      text: 'bond0: (slave eth0): link status definitely up, 10000 Mbps full duplex',
    },
  ];
}

function caseOf(name: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult {
  return sampleCase(name, {
    status,
    kernel: '6.1.0-56-amd64',
    durationMs: 6400,
    steps: [
      { index: 0, kind: 'traffic', description: 'start 2 flows to clients', outcome: 'ok', durationMs: 40, checks: [] },
      { index: 1, kind: 'fault', description: 'link-down slave0 (eth0)', outcome: 'ok', durationMs: 15, checks: [] },
      {
        index: 2,
        kind: 'expect',
        description: 'expect 1 claim(s)',
        outcome: status === 'passed' ? 'ok' : 'failed',
        durationMs: 600,
        checks: [
          {
            name: 'traffic outage at most 100 ms',
            passed: status === 'passed',
            expected: '<= 100 ms',
            actual: status === 'passed' ? '40 ms' : '180 ms',
          },
        ],
      },
    ],
    ...extra,
  });
}

function browserRun(): RunResult {
  const modes = ['balance-rr', 'active-backup', '802.3ad'];
  const matrix = modes.map((mode, i) =>
    caseOf(`mode-matrix[mode=${mode}]`, 'passed', {
      parameters: { mode },
      traffic: [window(1000, 30 + i * 20, [0.5, 0.5])],
    }),
  );
  const failed = caseOf('failover[mode=active-backup,miimon=500] <b>&</b>', 'failed', {
    parameters: { mode: 'active-backup', miimon: 500 },
    timeline: timeline(1180),
    traffic: [window(1000, 180, [0.38, 0.62])],
    failovers: [
      {
        fault: 'ip link set eth0 down on the far side (slave0)',
        faultNs: at(1000),
        stateChangeMs: 3,
        stateChangeBy: 'kernel: link status definitely down',
        deliveryRestoredMs: 180,
        outageMs: 180,
      },
    ],
    procAtFailure:
      'Bonding Mode: fault-tolerance (active-backup)\nPrimary Slave: None\nCurrently Active Slave: eth1\nMII Status: up\nMII Polling Interval (ms): 500\n',
  });
  const errored = caseOf('detach[method=ifenslave]', 'error', {
    error: 'ifenslave: command not found <on the target>',
    steps: [],
  });
  return {
    runId: '20261124-230000-browser',
    startedAt: '2026-11-24T23:00:00.000Z',
    durationMs: 95_000,
    bondlabVersion: '0.1.0',
    targets: ['vm (6.1.0-56-amd64, tcg)'],
    cases: [...matrix, failed, caseOf('debian-guide', 'passed'), errored],
    summary: { total: 6, passed: 4, failed: 1, errors: 1 },
  };
}

/** Debian's chromium on PATH; missing is a failure, never a skip: the report must be checked in a browser. */
async function chromium(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat('/usr/bin')) {
    const path = join(dir, 'chromium');
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw new Error('chromium is not installed (apt-get install chromium)');
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--no-first-run',
  '--hide-scrollbars',
  '--window-size=1400,2000',
];

describe('HTML report in chromium', () => {
  let dir = '';
  let page = '';
  let html = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bondlab-html-report-'));
    page = join(dir, 'report.html');
    html = htmlReport(browserRun());
    await writeFile(page, html);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Each chromium gets its own profile so that two runs never share a profile lock.
  const browse = async (profile: string, args: string[]) =>
    execa(await chromium(), [...FLAGS, `--user-data-dir=${join(dir, profile)}`, ...args, `file://${page}`], {
      timeout: 55_000,
      reject: false,
    });

  it('renders a screenshot of the page', { timeout: 60_000 }, async () => {
    const png = join(dir, 'report.png');
    const result = await browse('profile-shot', [`--screenshot=${png}`]);
    expect((await stat(png).catch(() => undefined))?.size ?? 0, `no screenshot: ${result.stderr}`).toBeGreaterThan(
      8 * 1024,
    );
    const bytes = await readFile(png);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('runs the script and keeps the matrix and timeline in the DOM', { timeout: 60_000 }, async () => {
    const result = await browse('profile-dom', ['--dump-dom']);
    expect(result.exitCode, result.stderr).toBe(0);
    const dom = result.stdout;
    expect(dom).toMatch(/<table id="mode-matrix">/);
    expect(dom.match(/<svg class="timeline"/g)?.length ?? 0).toBe(4);
    // The filter buttons are not in the file: only the script can have made them.
    expect(html).not.toMatch(/<button/);
    for (const filter of ['all', 'failed', 'passed'])
      expect(dom).toMatch(new RegExp(`<button [^>]*data-filter="${filter}"`));
    expect(dom).toMatch(/aria-pressed="true"[^>]*>all \(6\)<\/button>/);
  });
});
