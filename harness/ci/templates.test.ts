/**
 * The CI templates under ci/templates/: each parsed, checked against its engine's published
 * schema where one can be had here (LAVA's own test-definition schema, from Debian's lava-common),
 * and checked for what bondlab needs of it: a matrix over kernels and shards, runner labels for
 * KVM and NIC labs, the shards' results kept, merged, JUnit published, the HTML report kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = join(process.cwd(), 'ci', 'templates');
const yamlOf = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;

interface GithubJob {
  'runs-on': string[];
  strategy?: { matrix: Record<string, unknown[]> };
  steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
  needs?: string[];
  concurrency?: string;
}

describe('GitHub Actions workflow', () => {
  const workflow = yamlOf('github-actions.yml') as { jobs: Record<string, GithubJob> };
  const { test, merge } = workflow.jobs;

  it('runs each kernel and shard on self-hosted KVM runners and keeps the results', () => {
    expect(test?.['runs-on']).toEqual(expect.arrayContaining(['self-hosted', 'kvm']));
    expect(test?.strategy?.matrix.kernel).toEqual(['debian:bookworm', 'debian:trixie', 'debian:sid']);
    expect(test?.strategy?.matrix.shard).toEqual([1, 2, 3]);
    expect(test?.steps.map((s) => s.run ?? '').join('\n')).toMatch(
      /bondlab run scenarios[\s\S]*--shard \$\{\{ matrix\.shard \}\}\/3/,
    );
    expect(test?.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('takes the NIC lab by its runner label, one job at a time', () => {
    const lab = workflow.jobs['nic-lab'];
    expect(lab?.['runs-on']).toContain('nic-lab-rack1');
    expect(lab?.concurrency).toBe('nic-lab-rack1');
  });

  it('merges the shards, publishes the JUnit results and uploads the HTML report', () => {
    expect(merge?.needs).toEqual(['test', 'nic-lab']);
    const runs = merge?.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('bondlab merge');
    expect(merge?.steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report@'))?.with?.report_paths).toBe(
      'merged/*/junit.xml',
    );
    expect(merge?.steps.some((s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.path === 'merged/')).toBe(
      true,
    );
  });
});

describe('GitLab CI file', () => {
  const file = yamlOf('gitlab-ci.yml') as Record<
    string,
    {
      tags?: string[];
      parallel?: { matrix: Record<string, string[]>[] };
      script?: string[];
      resource_group?: string;
      artifacts?: { reports?: { junit?: string }; paths?: string[] };
    }
  >;

  it('fans out with parallel: matrix over kernels and shards, on tagged runners', () => {
    const job = file.bondlab;
    expect(job?.tags).toEqual(['bondlab', 'kvm']);
    expect(job?.parallel?.matrix).toEqual([
      { KERNEL: ['debian:bookworm', 'debian:trixie', 'debian:sid'], SHARD: ['1/3', '2/3', '3/3'] },
    ]);
    expect(job?.script?.join('\n')).toContain('--shard "$SHARD"');
  });

  it('serialises the NIC lab with a resource group and publishes the merged JUnit report', () => {
    expect(file['bondlab-nic-lab']?.resource_group).toBe('nic-lab-rack1');
    expect(file['bondlab-merge']?.script?.join('\n')).toContain('bondlab merge');
    expect(file['bondlab-merge']?.artifacts?.reports?.junit).toBe('report/junit.xml');
  });
});

describe('Jenkins declarative pipeline', () => {
  const text = readFileSync(join(dir, 'Jenkinsfile'), 'utf8');
  /** Braces and quotes balanced outside strings and comments: what Groovy's parser would reject first. */
  function balanced(source: string): boolean {
    let depth = 0;
    let quote: string | undefined;
    for (let i = 0; i < source.length; i++) {
      const c = source[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '/' && source[i + 1] === '/') i = source.indexOf('\n', i);
      else if (c === "'" || c === '"') quote = c;
      else if (c === '{') depth++;
      else if (c === '}' && --depth < 0) return false;
      if (i < 0) break;
    }
    return depth === 0 && quote === undefined;
  }

  it('is balanced and has a matrix over kernels and shards, a lock on the NIC lab, merge and junit', () => {
    expect(balanced(text)).toBe(true);
    expect(balanced(`${text}}`)).toBe(false);
    expect(text).toMatch(/^pipeline \{/m);
    expect(text).toMatch(
      /matrix \{[\s\S]*axis \{\s*name 'KERNEL'[\s\S]*axis \{\s*name 'SHARD'\s*values '1\/3', '2\/3', '3\/3'/,
    );
    expect(text).toContain("lock(resource: 'nic-lab-rack1')");
    expect(text).toContain('bondlab merge');
    expect(text).toMatch(/junit testResults: 'merged\/\*\/junit\.xml'/);
  });
});

describe('LAVA test definition', () => {
  it("passes LAVA's own test-definition schema (lava-common's testdef), and a broken one does not", async () => {
    // Debian's lava-common (ci/setup.sh installs it) holds the schema LAVA's server checks definitions with; Debian's python has it.
    const check = (file: string) =>
      execa(
        '/usr/bin/python3',
        [
          '-c',
          'import sys, yaml\nfrom lava_common.schemas.test.testdef import validate\nvalidate(yaml.safe_load(open(sys.argv[1])))',
          file,
        ],
        { reject: false },
      );
    const good = await check(join(dir, 'lava-bondlab.yaml'));
    expect(good.exitCode, good.stderr).toBe(0);
    const broken = await check(join(process.cwd(), 'fixtures', 'ci', 'lava-no-format.yaml'));
    expect(broken.exitCode).not.toBe(0);
    expect(broken.stderr).toContain("metadata']['format']");
  });

  it('runs bondlab and reports each case with lava-test-case', () => {
    const definition = yamlOf('lava-bondlab.yaml') as { run: { steps: string[] } };
    const steps = definition.run.steps.join('\n');
    expect(steps).toMatch(/bondlab run "\$SCENARIOS" --target host/);
    expect(steps).toContain('--format lava');
    expect(steps).toContain('sh lava-results/lava-test-cases.sh');
  });
});
