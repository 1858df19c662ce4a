#!/usr/bin/env bash
# Installs an EdgeSync runtime as a systemd service on this machine (run as root from a built checkout).
#   ops/deploy/install.sh edge  [--env FILE] [--sqlite-dir DIR]   # a store device
#   ops/deploy/install.sh cloud [--env FILE]                      # a cloud node
# Puts the runnable jar and its lib/ under /opt/edgesync/<role>, the route configuration under
# /etc/edgesync/route-config, data under /var/lib/edgesync, the unit under /etc/systemd/system.
# An existing /etc/edgesync/<role>.env and route configuration are kept (an upgrade never overwrites them).
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
[[ $EUID -eq 0 ]] || { echo "run as root (it creates a user and a systemd unit)" >&2; exit 2; }
home="$(cd "$(dirname "$0")/../.." && pwd)"
module=$([[ $role == edge ]] && echo edge-routes || echo cloud-routes)
jar="$home/$module/target/edgesync-$role.jar"
[[ -f "$jar" ]] || { echo "$jar is missing: build first with mvn -DskipTests package" >&2; exit 2; }
command -v java >/dev/null || { echo "java is missing: install a Java 17 runtime (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }

id edgesync >/dev/null 2>&1 || useradd --system --home-dir /var/lib/edgesync --shell /usr/sbin/nologin edgesync
install -d -o root -g root -m 0755 "/opt/edgesync/$role"
rm -rf "/opt/edgesync/$role/lib"
cp -r "$home/$module/target/lib" "/opt/edgesync/$role/lib"
install -m 0644 "$jar" "/opt/edgesync/$role/"
install -m 0644 "$home/README.md" /opt/edgesync/README.md
install -d -o edgesync -g edgesync -m 0750 /var/lib/edgesync
install -d -o root -g edgesync -m 0750 /etc/edgesync
if [[ ! -d /etc/edgesync/route-config ]]; then
  cp -r "$home/route-config" /etc/edgesync/route-config
  chgrp -R edgesync /etc/edgesync/route-config
fi
if [[ ! -f "/etc/edgesync/$role.env" ]]; then
  sample=${env_file:-$home/ops/deploy/samples/$([[ $role == edge ]] && echo store-001-pos-1 || echo cloud-node-1).env}
  install -o root -g edgesync -m 0640 "$sample" "/etc/edgesync/$role.env"
  echo "edit /etc/edgesync/$role.env (identity, URLs, secrets) before starting the service"
fi
install -m 0644 "$home/ops/deploy/edgesync-$role.service" /etc/systemd/system/
if [[ $role == edge ]]; then
  install -d -m 0755 /etc/systemd/journald.conf.d
  install -m 0644 "$home/ops/deploy/journald.conf.d/edgesync.conf" /etc/systemd/journald.conf.d/
  if [[ -n "$sqlite_dir" ]]; then
    # The edge writes its change table and triggers into the shop's database: it needs that directory.
    install -d /etc/systemd/system/edgesync-edge.service.d
    printf '[Service]\nReadWritePaths=%s\n' "$sqlite_dir" > /etc/systemd/system/edgesync-edge.service.d/sqlite.conf
  fi
fi
systemctl daemon-reload
systemctl enable "edgesync-$role.service"
echo "installed edgesync-$role; start it with: systemctl start edgesync-$role && journalctl -fu edgesync-$role"
