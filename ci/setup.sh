#!/bin/bash
# Installs what bondlab needs on a Debian or Ubuntu machine (run as root), then runs the main job
# on the default target. --no-run stops after installing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(qemu-system-x86 busybox-static kmod cpio xz-utils zstd iproute2 iperf3 ethtool ifupdown ifenslave isc-dhcp-client dnsmasq-base iputils-ping
  debian-archive-keyring apt-utils procps libxml2-utils chromium docker.io debootstrap qemu-utils e2fsprogs openssl
  lava-common tcpdump openssh-client openssh-server netplan.io dbus-daemon)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bondlab setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "bondlab setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "bondlab setup: fetching the default kernel"
node dist/harness/cli/main.js kernels fetch debian:bookworm

echo "bondlab setup: fetching NetworkManager for the VM (unpacked into the cache, not installed)"
node dist/harness/cli/main.js tools fetch network-manager

if [[ "${1:-}" != "--no-run" ]]; then
  node dist/harness/cli/main.js doctor
  node dist/harness/cli/main.js run scenarios
fi
