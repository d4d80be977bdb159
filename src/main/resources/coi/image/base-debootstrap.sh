#!/usr/bin/env bash
# Build an Incus image (metadata + rootfs tarballs) of a minimal Debian with debootstrap, for
# hosts that cannot reach an Incus image server. The result is what provision.sh expects from a
# base image: systemd as init, udev + systemd-networkd taking a DHCP lease on eth0,
# systemd-resolved, apt sources for the given mirror, sudo, curl, gnupg and CA certificates.
# No user is created here: provision.sh creates `code`, as it must on any base.
#
# usage: base-debootstrap.sh OUTPUT_DIR [MIRROR_URL] [SUITE]
#   writes OUTPUT_DIR/meta.tar.gz and OUTPUT_DIR/rootfs.tar.gz, then
#   incus image import OUTPUT_DIR/meta.tar.gz OUTPUT_DIR/rootfs.tar.gz --alias NAME
# env: DEBOOTSTRAP_CACHE  a directory where debootstrap keeps the .debs between runs (optional)
#      SECURITY_MIRROR    URL of the security archive (default: MIRROR with debian -> debian-security)
set -euo pipefail

out=${1:?usage: base-debootstrap.sh OUTPUT_DIR [MIRROR_URL] [SUITE]}
mirror=${2:-http://deb.debian.org/debian}
suite=${3:-bookworm}
security=${SECURITY_MIRROR:-}
if [ -z "$security" ] && [[ $mirror == */debian ]]; then security=${mirror}-security; fi

log() { printf '==> %s\n' "$*"; }
[ "$(id -u)" -eq 0 ] || { echo "base-debootstrap.sh: must run as root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "base-debootstrap.sh: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

packages=(
  systemd-sysv udev dbus systemd-resolved libpam-systemd   # init, device events, name resolution, logind
  sudo ca-certificates curl gnupg                          # what provision.sh needs to start
  iproute2 iputils-ping procps less netbase xz-utils bzip2 # basic tooling
)
cache_opt=()
if [ -n "${DEBOOTSTRAP_CACHE:-}" ]; then mkdir -p "$DEBOOTSTRAP_CACHE"; cache_opt=(--cache-dir="$(realpath "$DEBOOTSTRAP_CACHE")"); fi

log "debootstrap $suite from $mirror"
if ! debootstrap --variant=minbase "${cache_opt[@]}" --include="$(IFS=,; echo "${packages[*]}")" \
     "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1; then
  tail -30 "$work/debootstrap.log" >&2
  echo "base-debootstrap.sh: debootstrap failed (log above)" >&2
  exit 1
fi

log "configuring rootfs"
# apt sources in deb822, the same layout as Debian's own images.
{
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" "$suite" "$suite"
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$security" "$suite"
  fi
} > "$root/etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list"

# debootstrap takes the release as it was published: bring in the security and point updates now,
# once, instead of in every image build. The chroot resolves names with the host's resolvers
# (systemd-resolved's package made resolv.conf a link to a stub that does not run here).
log "apt dist-upgrade in the rootfs"
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
if ! chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
     'apt-get -q --error-on=any update && apt-get -q -y -o Dpkg::Options::=--force-unsafe-io dist-upgrade' > "$work/upgrade.log" 2>&1; then
  tail -30 "$work/upgrade.log" >&2
  echo "base-debootstrap.sh: upgrading the rootfs failed (log above)" >&2
  exit 1
fi

# eth0 is only taken by networkd once udev has announced it.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' > "$root/etc/systemd/network/eth0.network"
chroot "$root" systemctl enable systemd-networkd.service systemd-resolved.service >/dev/null 2>&1
# systemd-resolved takes the DNS server from the DHCP lease (the bridge's dnsmasq).
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

# Each container must get its own machine id: an empty file makes systemd create one at boot.
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# Hostname and /etc/hosts come from the templates below, per container.
printf 'debian\n' > "$root/etc/hostname"
# Units that make no sense in a container or wait for hardware that is not there.
for unit in systemd-timesyncd.service getty@tty1.service; do chroot "$root" systemctl mask "$unit" >/dev/null 2>&1 || true; done

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/log/apt/*

log "packing image"
mkdir -p "$work/meta/templates"
cat > "$work/meta/metadata.yaml" <<META
architecture: x86_64
creation_date: $(date +%s)
properties:
  os: debian
  release: $suite
  variant: coi-base
  description: Debian $suite (coi base, debootstrap)
templates:
  /etc/hostname:
    when: [create, copy]
    template: hostname.tpl
  /etc/hosts:
    when: [create, copy]
    template: hosts.tpl
META
printf '{{ instance.name }}\n' > "$work/meta/templates/hostname.tpl"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t{{ instance.name }}\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' \
  > "$work/meta/templates/hosts.tpl"
tar -C "$work/meta" -czf "$work/meta.tar.gz" metadata.yaml templates
tar -C "$root" --numeric-owner -czf "$work/rootfs.tar.gz" .
mv -f "$work/meta.tar.gz" "$work/rootfs.tar.gz" "$out/"
log "wrote $out/meta.tar.gz and $out/rootfs.tar.gz ($(du -m "$out/rootfs.tar.gz" | cut -f1) MB)"
