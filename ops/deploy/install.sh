#!/usr/bin/env bash
# Installs an EdgeSync runtime as a systemd service on this machine (run as root from a built checkout).
#   ops/deploy/install.sh edge  [--env FILE] [--sqlite-dir DIR]   # a store device
#   ops/deploy/install.sh cloud [--env FILE]                      # a cloud node
# Puts the runnable jar and its lib/ under /opt/edgesync/<role>, the route configuration under
# /etc/edgesync/route-config, data under /var/lib/edgesync, the unit under /etc/systemd/system.
# An existing /etc/edgesync/<role>.env and route configuration are kept (an upgrade never overwrites them).
#
# EDGESYNC_INSTALL_ROOT=DIR stages the same layout under DIR instead of / (for building an image or a package, and
# for the project's deployment test): no user is created, ownership is left alone and systemctl is not called.
set -euo pipefail
role="${1:-}"; shift || true
case "$role" in edge|cloud) ;; *) echo "usage: $0 edge|cloud [--env FILE] [--sqlite-dir DIR]" >&2; exit 2 ;; esac
env_file=""; sqlite_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --env) env_file="$2"; shift 2 ;;
    --sqlite-dir) sqlite_dir="$2"; shift 2 ;;
    *) echo "unknown option '$1'" >&2; exit 2 ;;
  esac
done
R="${EDGESYNC_INSTALL_ROOT:-}"
staged() { [[ -n "$R" ]]; }
staged || [[ $EUID -eq 0 ]] || { echo "run as root (it creates a user and a systemd unit)" >&2; exit 2; }
# owner USER GROUP: install(1) ownership options, none when staging (the files belong to whoever builds the image)
owner() { staged || echo "-o $1 -g $2"; }
home="$(cd "$(dirname "$0")/../.." && pwd)"
module=$([[ $role == edge ]] && echo edge-routes || echo cloud-routes)
jar="$home/$module/target/edgesync-$role.jar"
[[ -f "$jar" ]] || { echo "$jar is missing: build first with mvn -DskipTests package" >&2; exit 2; }
command -v java >/dev/null || { echo "java is missing: install a Java 17 runtime (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }

staged || id edgesync >/dev/null 2>&1 || useradd --system --home-dir /var/lib/edgesync --shell /usr/sbin/nologin edgesync
install -d $(owner root root) -m 0755 "$R/opt/edgesync/$role"
rm -rf "$R/opt/edgesync/$role/lib"
cp -r "$home/$module/target/lib" "$R/opt/edgesync/$role/lib"
install -m 0644 "$jar" "$R/opt/edgesync/$role/"
install -m 0644 "$home/README.md" "$R/opt/edgesync/README.md"
install -d $(owner edgesync edgesync) -m 0750 "$R/var/lib/edgesync"
install -d $(owner root edgesync) -m 0750 "$R/etc/edgesync"
if [[ ! -d "$R/etc/edgesync/route-config" ]]; then
  cp -r "$home/route-config" "$R/etc/edgesync/route-config"
  staged || chgrp -R edgesync "$R/etc/edgesync/route-config"
fi
if [[ ! -f "$R/etc/edgesync/$role.env" ]]; then
  sample=${env_file:-$home/ops/deploy/samples/$([[ $role == edge ]] && echo store-001-pos-1 || echo cloud-node-1).env}
  install $(owner root edgesync) -m 0640 "$sample" "$R/etc/edgesync/$role.env"
  echo "edit /etc/edgesync/$role.env (identity, URLs, secrets) before starting the service"
fi
install -d -m 0755 "$R/etc/systemd/system"
install -m 0644 "$home/ops/deploy/edgesync-$role.service" "$R/etc/systemd/system/"
if [[ $role == edge ]]; then
  install -d -m 0755 "$R/etc/systemd/journald.conf.d"
  install -m 0644 "$home/ops/deploy/journald.conf.d/edgesync.conf" "$R/etc/systemd/journald.conf.d/"
  if [[ -n "$sqlite_dir" ]]; then
    # The edge writes its change table and triggers into the shop's database: it needs that directory.
    install -d "$R/etc/systemd/system/edgesync-edge.service.d"
    printf '[Service]\nReadWritePaths=%s\n' "$sqlite_dir" > "$R/etc/systemd/system/edgesync-edge.service.d/sqlite.conf"
  fi
fi
if staged; then
  echo "staged edgesync-$role under $R"
  exit 0
fi
systemctl daemon-reload
systemctl enable "edgesync-$role.service"
echo "installed edgesync-$role; start it with: systemctl start edgesync-$role && journalctl -fu edgesync-$role"
