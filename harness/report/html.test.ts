import { describe, expect, it } from 'vitest';
import { resultsToJson, reviveNanos, type CaseResult, type RunResult } from '../runner/results.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { TrafficWindow } from '../traffic/window.js';
import { htmlReport } from './html.js';
import { sampleCase } from '../testing/sample-run.js';

/** The window starts 5000 s into the target's uptime; every time below is ms from there. */
const T0 = 5_000_000_000_000n;
const at = (ms: number) => T0 + BigInt(Math.round(ms * 1e6));

/** 2 s of traffic at 1000 pps, nothing delivered from 800 to 850 ms of send time. */
function failoverWindow(): TrafficWindow {
  const delivered = Array.from({ length: 200 }, (_, i) => (i >= 80 && i < 85 ? 0 : 10));
  return {
    settings: { flows: 1, vary: 'ports', rate: 1000, direction: 'to-clients', size: 64 },
    startNs: T0,
    endNs: at(2000),
    achievedPps: 999,
    flows: [],
    totals: {
      sent: 2000,
      received: 1950,
      lost: 50,
      lossRatio: 0.025,
      duplicates: 0,
      reordered: 0,
      outageMs: 50,
      outageStartUs: 5_000_000_800,
      deliveryGapMs: 52,
    },
    perSlave: [
      { slave: 'eth0', txPackets: 800, rxPackets: 0, txShare: 0.41, rxShare: 0 },
      { slave: 'eth1', txPackets: 1150, rxPackets: 0, txShare: 0.59, rxShare: 0 },
    ],
    delivery: { startUs: 5_000_000_000, bucketMs: 10, delivered },
  };
}

/** Samples every 100 ms: eth0 active until the fault takes it down at 800 ms, eth1 from 850 ms. */
function failoverTimeline(): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  for (let ms = -50; ms <= 2000; ms += 100) {
    const down = ms >= 800;
    events.push({
      kind: 'sample',
      atNs: at(ms),
      activeSlave: ms < 850 ? 'eth0' : 'eth1',
      bondMii: 'up',
      slaves: [
        { name: 'eth0', mii: down ? 'down' : 'up', linkFailures: down ? 1 : 0 },
        { name: 'eth1', mii: 'up', linkFailures: 0 },
      ],
    });
  }
  events.push(
    {
      kind: 'fault',
      fault: 'link-down',
      slave: 'eth0',
      detail: 'ip link set eth0 down (slave0)',
      startNs: at(790),
      endNs: at(800),
      seenNs: at(795),
      seenBy: 'kernel: link status definitely down',
    },
    {
      kind: 'kernel',
      atNs: at(805),
      event: 'link-down',
      bond: 'bond0',
      slave: 'eth0',
      text: 'bond0: (slave eth0): link status definitely down, disabling slave',
    },
    {
      kind: 'kernel',
      atNs: at(848),
      event: 'new-active-slave',
      bond: 'bond0',
      slave: 'eth1',
      text: 'bond0: (slave eth1): making interface the new active one <&>',
    },
  );
  return events.sort((a, b) => Number(('atNs' in a ? a.atNs : a.startNs) - ('atNs' in b ? b.atNs : b.startNs)));
}

function baseCase(name: string, status: CaseResult['status']): CaseResult {
  return sampleCase(name, { status, kernel: '6.1.0-56-amd64' });
}

function sampleRun(): RunResult {
  const matrix: CaseResult = {
    ...baseCase('mode-matrix[mode=active-backup]', 'passed'),
    parameters: { mode: 'active-backup' },
    traffic: [failoverWindow()],
  };
  const failed: CaseResult = {
    ...baseCase('failover[mode=active-backup] <script>alert(1)</script>', 'failed'),
    parameters: { mode: 'active-backup', miimon: 100 },
    steps: [
      { index: 0, kind: 'traffic', description: 'start 1 flow to clients', outcome: 'ok', durationMs: 30, checks: [] },
      { index: 1, kind: 'fault', description: 'link-down slave0 (eth0)', outcome: 'ok', durationMs: 10, checks: [] },
      {
        index: 2,
        kind: 'expect',
        description: 'expect 2 claim(s)',
        outcome: 'failed',
        durationMs: 500,
        checks: [
          { name: 'active slave is slave1 (eth1)', passed: true, expected: 'eth1', actual: 'eth1' },
          { name: 'traffic outage at most 20 ms', passed: false, expected: '<= 20 ms', actual: '50 ms' },
        ],
      },
    ],
    timeline: failoverTimeline(),
    traffic: [failoverWindow()],
    failovers: [
      {
        fault: 'ip link set eth0 down (slave0)',
        faultNs: at(800),
        stateChangeMs: 5,
        stateChangeBy: 'kernel: link status definitely down',
        deliveryRestoredMs: 50,
        outageMs: 50,
      },
    ],
    procAtFailure: 'Bonding Mode: fault-tolerance (active-backup)\nCurrently Active Slave: eth1 & <none>\n',
  };
  return {
    runId: '20261124-230000-abcd',
    startedAt: '2026-11-24T23:00:00.000Z',
    durationMs: 12_000,
    bondlabVersion: '0.1.0',
    targets: ['vm (6.1.0-56-amd64, tcg)'],
    cases: [matrix, baseCase('debian-guide', 'passed'), failed],
    summary: { total: 3, passed: 2, failed: 1, errors: 0 },
  };
}

/** The SVG namespace is an identifier, not a resource; everything else that looks like a URL is a leak. */
function externalReferences(html: string): string[] {
  const stripped = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
  return stripped.match(/https?:\/\/\S*|\bsrc\s*=|\bhref\s*=\s*["']?(?!#)[^"'\s>]+|@import|url\((?!#)/gi) ?? [];
}

function svgs(html: string, className: string): string[] {
  return html.match(new RegExp(`<svg class="${className}"[\\s\\S]*?</svg>`, 'g')) ?? [];
}

describe('HTML report', () => {
  const run = sampleRun();
  const html = htmlReport(run);

  it('is one HTML document with the run header and summary', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html).toContain('20261124-230000-abcd');
    expect(html).toContain('<span class="badge passed">2 passed</span>');
    expect(html).toContain('<span class="badge failed">1 failed</span>');
    expect(html).toContain('6.1.0-56-amd64');
  });

  it('puts the failed case before the passed ones', () => {
    const sections = [...html.matchAll(/<section class="case (\w+)" id="case-(\d+)"/g)].map((m) => [m[1], m[2]]);
    expect(sections).toEqual([
      ['failed', '2'],
      ['passed', '0'],
      ['passed', '1'],
    ]);
  });

  it('has the mode matrix table when the run has mode-matrix cases, and not otherwise', () => {
    const table = /<table id="mode-matrix">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    expect(table).toContain('<th>outage, link loss</th>');
    expect(table).toContain('active-backup');
    expect(table).toContain('<td class="passed">passed</td>');
    const withoutMatrix = htmlReport({ ...run, cases: run.cases.filter((c) => c.scenario !== 'mode-matrix') });
    expect(withoutMatrix).not.toContain('id="mode-matrix"');
  });

  it('draws the timeline with the fault marker, active-slave bands, MII rows, kernel ticks and the outage', () => {
    const failedSection = /<section class="case failed"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    const [svg = ''] = svgs(failedSection, 'timeline');
    expect(svg).toContain('class="fault-marker"');
    expect(svg).toContain('ip link set eth0 down (slave0)');
    // The fault is an interval: issued, its command returned, and when the kernel saw it in between.
    expect(svg).toContain(
      '(issued at 790 ms, its command returned at 800 ms; the kernel saw it at 795 ms (kernel: link status definitely down))',
    );
    expect(svg).toContain('class="fault-seen"');
    expect(svg).toContain('>eth0 active</text>');
    expect(svg).toContain('>eth1 active</text>');
    // eth0's row turns red (with a label, not colour alone) once its MII is down.
    expect(svg).toMatch(/<g class="mii" data-slave="eth0">[\s\S]*fill="#cf222e"[^>]*\/><text[^>]*>mii down<\/text>/);
    expect(svg).toContain('making interface the new active one &lt;&amp;&gt;</title>');
    expect(svg.match(/class="kernel-event"/g)).toHaveLength(2);
    expect(svg).toContain('outage 50 ms');
    // The x axis counts ms from the window's start.
    expect(svg).toMatch(/>0<\/text>[\s\S]*>2000<\/text>/);
    // The delivery line drops to zero for the gap: a point at y of zero inside the chart.
    expect(svg).toMatch(/<polygon points="[^"]+"/);
  });

  it('shows shares, failing checks, steps, /proc text and failover timings', () => {
    expect(html).toContain('<table class="shares">');
    expect(html).toMatch(/width:59\.0%[^>]*><\/span><\/span>59%/);
    expect(html).toContain(
      'traffic outage at most 20 ms</td><td class="mono">&lt;= 20 ms</td><td class="mono">50 ms</td>',
    );
    expect(html).toContain('link-down slave0 (eth0)');
    expect(html).toMatch(
      /<details><summary>\/proc\/net\/bonding at the failure<\/summary><pre>Bonding Mode[\s\S]*Currently Active Slave: eth1 &amp; &lt;none&gt;/,
    );
    expect(html).toContain('<table class="failovers">');
  });

  it('escapes names and log text', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('failover[mode=active-backup] &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('references no external resource', () => {
    expect(externalReferences(html)).toEqual([]);
    expect(html).not.toMatch(/<(img|link|iframe|object|embed)\b/i);
  });

  it('renders the same from results.json read back, where the bigints were strings', () => {
    const json = JSON.parse(resultsToJson(run)) as RunResult;
    expect(typeof (json.cases[2]?.traffic[0] as unknown as { startNs: unknown }).startNs).toBe('string');
    expect(htmlReport(reviveNanos(json) as RunResult)).toBe(html);
  });

  it('renders results written before delivery was measured, and says so', () => {
    const parsed = reviveNanos(JSON.parse(resultsToJson(run))) as RunResult;
    for (const c of parsed.cases) for (const w of c.traffic) delete (w as Partial<TrafficWindow>).delivery;
    const old = htmlReport(parsed);
    expect(old).toContain('No delivery series in these results');
    expect(old).not.toContain('<polygon');
    expect(svgs(old, 'timeline').length).toBe(2);
    expect(old).toContain('>eth1 active</text>');
  });
});
