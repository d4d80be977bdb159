#!/usr/bin/env bash
# Masks what a container's boot runs for nothing, so that the boot takes less of the CPU a new
# session's start shares with it (the tmux exec, the tool, coi itself): measured on a 2-core host,
# a container of the test image used 1.46 s of CPU in its first seconds, 1.02 s with these masked,
# and the cold floor (create, start, tmux to the tool's prompt) went from 1,445 to 1,306 ms (medians
# of 9 interleaved rounds; bench/boot). Nothing masked is what an agent uses: hardware and
# kernel-module set-up a container cannot do, file systems it does not have, daily maintenance
# timers (apt's would only hit the network fence), and the DHCP hostname, which Incus sets anyway
# (networkd asking for it started systemd-hostnamed only to be refused). Docker, where the image
# has it, still works: it starts when first called.
#
# usage: quiet-boot.sh [ROOT]   ROOT: a root file system being built (default: this system, run
#                               as the last script of `coi build`)
set -euo pipefail
root=${1:-}

units=(
  # kernel modules and hardware: nothing a container may load or touch
  systemd-modules-load.service modprobe@configfs.service modprobe@dm_mod.service modprobe@drm.service
  modprobe@efi_pstore.service modprobe@fuse.service modprobe@loop.service systemd-pstore.service
  # the root file system is Incus's: nothing in fstab to remount, no ext4 to scrub
  systemd-remount-fs.service e2scrub_reap.service e2scrub_all.timer fstrim.timer
  # daily maintenance of a short-lived sandbox
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
)
mkdir -p "$root/etc/systemd/system"
for unit in "${units[@]}"; do ln -sfn /dev/null "$root/etc/systemd/system/$unit"; done

# generators of block devices, encrypted volumes, resume images and the kernel command line: each is
# a process at every boot (and daemon-reload) that finds nothing in a container
mkdir -p "$root/etc/systemd/system-generators"
for generator in cryptsetup veritysetup integritysetup gpt-auto hibernate-resume system-update run debug; do
  ln -sfn /dev/null "$root/etc/systemd/system-generators/systemd-$generator-generator"
done

# Docker (the coi image has it) starts on first use through its socket instead of at every boot:
# dockerd and containerd took about a second of the 2.4 s of CPU the coi image's boot used, and
# most sessions never call docker. Disabling docker.service disables its socket too (Also=), so
# the socket is enabled after.
if [ -e "$root/lib/systemd/system/docker.socket" ] || [ -e "$root/usr/lib/systemd/system/docker.socket" ]; then
  systemctl --root="${root:-/}" disable docker.service containerd.service >/dev/null 2>&1 || true
  systemctl --root="${root:-/}" enable docker.socket >/dev/null
fi

mkdir -p "$root/etc/systemd/network/eth0.network.d"
printf '[DHCPv4]\nUseHostname=no\n' > "$root/etc/systemd/network/eth0.network.d/coi-no-hostname.conf"
