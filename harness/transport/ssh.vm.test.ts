/**
 * The ssh target against a real sshd, on a real kernel: inside a VM (whose kernel has bonding and
 * whose loopback is its own), an sshd of the test's own on 127.0.0.1 with a host key and a client
 * key made for it; bondlab, also in that VM, runs scenarios there with --target ssh. Then what it
 * refuses (a host key that differs, a key the sshd does not accept), and what a run leaves: nothing
 * after a normal end; after a SIGKILL, the agent gone by itself and the namespaces gone after
 * `bondlab cleanup --ssh`.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { sshdInGuest } from '../testing/sshd-in-guest.js';

const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
const kernel = process.env.BONDLAB_TEST_KERNEL ?? 'debian:bookworm';

/** Runs in the guest, as root, in this checkout (read-only, with a private writable layer). Prints key=value lines. */
const script = String.raw`
set -u
bondlab="${process.execPath} ${cli}"
${sshdInGuest()}
to="--target ssh --ssh root@127.0.0.1 --ssh-port 2222"
leftovers() {
  echo "$1-dirs=$(ls -d /tmp/bondlab-agent-* 2>/dev/null | tr '\n' ' ')"
  echo "$1-namespaces=$(ip netns list | cut -d' ' -f1 | grep '^bondlab-' | tr '\n' ' ')"
  # (a pattern that this script's own text, in sh's command line, does not match)
  echo "$1-agents=$(pgrep -f 'agent[.]mjs' | tr '\n' ' ')"
}

# 1. Real scenarios on the machine behind ssh: a carrier loss, and traffic (the probe copied over too).
$bondlab run $to --ssh-identity "$work/client" --ssh-known-hosts "$work/known_hosts" \
  scenarios/active-backup-carrier-loss.yaml scenarios/traffic/mode-claims.yaml --filter active-backup- -o "$work/out" >"$work/run.log" 2>&1
echo "run=$?"
results=$(sed -n 's/^results: \([^ ]*\).*/\1/p' "$work/run.log")
echo "cases=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(JSON.stringify({ targets: r.targets, cases: r.cases.map((c) => ({ name: c.name, status: c.status, error: c.error ?? null, windows: c.traffic.map((w) => w.totals) })) }))' "$results")"
leftovers after-run

# 2. Refused before anything runs: a host key that differs from the known one, a key sshd does not accept.
$bondlab run $to --ssh-identity "$work/client" --ssh-known-hosts "$work/wrong_known_hosts" scenarios/active-backup-carrier-loss.yaml -o "$work/out" >"$work/hostkey.log" 2>&1
echo "hostkey=$?"
echo "hostkey-said=$(tr '\n' ' ' < "$work/hostkey.log")"
$bondlab run $to --ssh-identity "$work/other" --ssh-known-hosts "$work/known_hosts" scenarios/active-backup-carrier-loss.yaml -o "$work/out" >"$work/auth.log" 2>&1
echo "auth=$?"
echo "auth-said=$(tr '\n' ' ' < "$work/auth.log")"

# 3. SIGKILL of bondlab mid-case: the agent ends with its session; the namespaces wait for cleanup --ssh.
$bondlab run $to --ssh-identity "$work/client" --ssh-known-hosts "$work/known_hosts" \
  fixtures/scenarios-lifecycle/sequence.yaml --filter lifecycle-long -o "$work/out" >"$work/long.log" 2>&1 &
long=$!
i=0
until ip netns list | grep -q '^bondlab-.*-dut' && ip netns exec "$(ip netns list | grep -o '^bondlab-[^ ]*-dut')" cat /proc/net/bonding/bond0 2>/dev/null | grep -q 'Currently Active Slave: eth0'; do
  sleep 0.2; i=$((i+1)); [ $i -lt 3000 ] || { echo "no bond"; cat "$work/long.log"; exit 3; }
done
leftovers before-kill
kill -9 $long
i=0
while ls -d /tmp/bondlab-agent-* >/dev/null 2>&1; do sleep 0.1; i=$((i+1)); [ $i -lt 300 ] || break; done
leftovers after-kill
$bondlab cleanup --ssh root@127.0.0.1 --ssh-port 2222 --ssh-identity "$work/client" --ssh-known-hosts "$work/known_hosts" --json >"$work/cleanup.json" 2>"$work/cleanup.err"
echo "cleanup=$?"
echo "cleanup-json=$(tr -d '\n' < "$work/cleanup.json")"
echo "cleanup-said=$(tr '\n' ' ' < "$work/cleanup.err")"
leftovers after-cleanup

kill $sshd
echo "--- run.log"; cat "$work/run.log"
echo "--- long.log"; cat "$work/long.log"
`;

interface Totals {
  sent: number;
  received: number;
}

describe(`the ssh target on ${kernel}`, () => {
  it('runs scenarios over ssh, refuses a wrong host key and a refused key (exit 2), and leaves nothing (cleanup --ssh after a SIGKILL)', async () => {
    const result = await execa('node', [cli, 'vm', 'run', '--kernel', kernel, '--', 'sh', '-c', script], {
      reject: false,
    });
    const out = `${result.stdout}\n${result.stderr}`;
    expect(result.exitCode, out).toBe(0);
    const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(result.stdout)?.[1]?.trim() ?? '';

    // 1. A passing run on the machine behind ssh: the carrier loss passes; the traffic case ran its probes there.
    expect(field('run'), out).toMatch(/^[03]$/);
    const run = JSON.parse(field('cases') || '{}') as {
      targets: string[];
      cases: { name: string; status: string; error: string | null; windows: Totals[] }[];
    };
    expect(run.targets, out).toEqual([expect.stringMatching(/^ssh root@127\.0\.0\.1 \(\S+, node \d+\.\d+\.\d+\)$/)]);
    expect(run.cases.map((c) => c.name).sort()).toEqual([
      'active-backup-carrier-loss',
      'active-backup-traffic-failover',
    ]);
    expect(run.cases.find((c) => c.name === 'active-backup-carrier-loss')?.status, out).toBe('passed');
    const traffic = run.cases.find((c) => c.name === 'active-backup-traffic-failover');
    // Its outage bound may be inconclusive on a loaded runner; it may not fail.
    expect(['passed', 'inconclusive'], out).toContain(traffic?.status);
    expect(traffic?.windows).toHaveLength(2);
    for (const window of traffic?.windows ?? []) expect(window.received, out).toBeGreaterThan(0);
    expect([field('after-run-dirs'), field('after-run-namespaces'), field('after-run-agents')], out).toEqual([
      '',
      '',
      '',
    ]);

    // 2. Refused, exit 2, naming the destination and the reason.
    expect(field('hostkey'), out).toBe('2');
    expect(field('hostkey-said')).toMatch(
      /ssh root@127\.0\.0\.1 \(port 2222\): the host key differs from the one in \S+wrong_known_hosts; refused/,
    );
    expect(field('auth'), out).toBe('2');
    expect(field('auth-said')).toMatch(
      /ssh root@127\.0\.0\.1 \(port 2222\): authentication refused \(key: \S+\/other;/,
    );

    // 3. SIGKILL: the agent (and its directory) went with the session; the namespaces went with cleanup --ssh.
    const before = field('before-kill-namespaces').split(' ');
    expect(before, out).toHaveLength(3);
    expect(field('before-kill-dirs'), out).toMatch(/^\/tmp\/bondlab-agent-\d+-for\d+-\S+$/);
    expect([field('after-kill-dirs'), field('after-kill-agents')], out).toEqual(['', '']);
    expect(field('after-kill-namespaces').split(' '), out).toEqual(before);
    expect(field('cleanup'), `${field('cleanup-said')}\n${out}`).toBe('0');
    const cleanup = JSON.parse(field('cleanup-json') || '{}') as { namespaces: string[]; dirs: string[] };
    expect(cleanup.namespaces.sort(), out).toEqual([...before].sort());
    expect(
      [field('after-cleanup-dirs'), field('after-cleanup-namespaces'), field('after-cleanup-agents')],
      out,
    ).toEqual(['', '', '']);
  }, 1_200_000);
});
