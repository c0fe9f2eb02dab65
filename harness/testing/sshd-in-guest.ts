/**
 * An sshd of a test's own, for the VM tests of the ssh transport: a shell fragment that runs as
 * root in a bondlab guest and refuses to run anywhere else (the guest's /bondlab share is its
 * mark), so nothing it writes can land on the build machine. It makes a 0700 directory under
 * /root, keys for the host and for the client (and one more that sshd does not accept), an
 * sshd_config that listens on the given guest addresses only, and a known_hosts for them.
 *
 * After it, the shell has: `$work` (the directory), `$sshd` (sshd's pid), and `$login` (the
 * bondlab options that log in: --ssh-port, --ssh-identity, --ssh-known-hosts). `$work/other` is
 * a key sshd refuses, `$work/wrong_known_hosts` names another host key.
 */

export const SSHD_PORT = 2222;

export interface SshdInGuest {
  /** The guest addresses it listens on; 127.0.0.1 by default. */
  listen?: string[];
  /**
   * Directories that sshd (and so every session's agent) sees as an empty tmpfs of its own, in a
   * mount namespace of its own: what a session writes there stays there, as on another machine.
   */
  privateDirs?: string[];
}

export function sshdInGuest(options: SshdInGuest = {}): string {
  const listen = options.listen ?? ['127.0.0.1'];
  const hosts = listen.map((address) => `[${address}]:${SSHD_PORT}`).join(',');
  // sshd in place of the shell (its pid is $!), its config path as $1: nothing to quote twice.
  const mounts = (options.privateDirs ?? []).map((dir) => `mount -t tmpfs -o mode=0700 tmpfs ${dir} && `).join('');
  const start = options.privateDirs?.length
    ? `unshare -m sh -c '${mounts}exec /usr/sbin/sshd -D -e -f "$1"' sshd-in-guest`
    : '/usr/sbin/sshd -D -e -f';
  return String.raw`
grep -q '^bondlab /bondlab 9p ' /proc/mounts || { echo "sshd-in-guest: not in a bondlab guest; nothing started" >&2; exit 3; }
umask 077
work=$(mktemp -d /root/bondlab-ssh-test-XXXXXX) && [ -d "$work" ] || { echo "sshd-in-guest: no work directory" >&2; exit 3; }
ip link set lo up
mkdir -p /run/sshd && chmod 755 /run/sshd
for key in host client other; do ssh-keygen -q -t ed25519 -N '' -C "bondlab-test-$key" -f "$work/$key" || exit 3; done
cp "$work/client.pub" "$work/authorized_keys"
{
${listen.map((address) => `  echo "ListenAddress ${address}"`).join('\n')}
  echo "Port ${SSHD_PORT}"
  echo "HostKey $work/host"
  echo "AuthorizedKeysFile $work/authorized_keys"
  echo "PermitRootLogin prohibit-password"
  echo "AllowUsers root"
  echo "PubkeyAuthentication yes"
  echo "PasswordAuthentication no"
  echo "KbdInteractiveAuthentication no"
  echo "UsePAM no"
  echo "PidFile $work/sshd.pid"
} > "$work/sshd_config"
${options.privateDirs?.length ? `mkdir -p ${options.privateDirs.join(' ')}` : ''}
${start} "$work/sshd_config" </dev/null >/dev/null 2>"$work/sshd.log" &
sshd=$!
echo "${hosts} $(cut -d' ' -f1,2 "$work/host.pub")" > "$work/known_hosts"
echo "${hosts} $(cut -d' ' -f1,2 "$work/other.pub")" > "$work/wrong_known_hosts"
i=0
until [ "$(grep -c 'Server listening' "$work/sshd.log" 2>/dev/null)" -ge ${listen.length} ] 2>/dev/null; do
  sleep 0.1; i=$((i+1)); [ $i -lt 600 ] || { echo "sshd did not start"; cat "$work/sshd.log"; exit 3; }
done
login="--ssh-port ${SSHD_PORT} --ssh-identity $work/client --ssh-known-hosts $work/known_hosts"
`;
}
