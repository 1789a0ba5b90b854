#!/usr/bin/env bash
# Installs PostgreSQL 15 and builds TimescaleDB (Apache-2 part) from Debian trixie's source package.
# Called by `ioc infra up` (ioc/infra/postgres.py) when the server or the extension is missing.
# Idempotent: every step is skipped when its result is already there. Needs root (apt-get, make install).
# Usage: install_postgres.sh WORK_DIR
set -euo pipefail

work="${1:?usage: install_postgres.sh WORK_DIR}"
pg_config=/usr/lib/postgresql/15/bin/pg_config
extension_dir=/usr/share/postgresql/15/extension

log() { printf '[install_postgres] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root to install packages; install postgresql-15 and TimescaleDB yourself or run as root" >&2
  exit 1
fi

need=()
for pkg in postgresql-15 postgresql-server-dev-15 dpkg-dev cmake gcc make; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

if [ -f "$extension_dir/timescaledb.control" ]; then
  log "TimescaleDB already installed"
  exit 0
fi

# The mirror is read from this machine's own apt sources, never written into the repository.
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
if [ -z "$mirror" ]; then
  log "cannot find a Debian mirror in /etc/apt/sources.list{,.d/debian.sources}" >&2
  exit 1
fi

apt_dir="$work/apt"
src_dir="$work/src"
mkdir -p "$apt_dir/lists/partial" "$src_dir"
echo "deb-src $mirror trixie main" > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$apt_dir/lists")
log "fetching the timescaledb source package from Debian trixie"
apt-get "${apt_opts[@]}" update -q
rm -rf "$src_dir"/timescaledb*
(cd "$src_dir" && apt-get "${apt_opts[@]}" source -q timescaledb)

tree=$(find "$src_dir" -maxdepth 1 -type d -name 'timescaledb-*' | head -n 1)
log "building $(basename "$tree") against PostgreSQL 15"
cd "$tree"
./bootstrap -DPG_CONFIG="$pg_config" -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF \
  -DUSE_TELEMETRY=OFF -DWARNINGS_AS_ERRORS=OFF >"$work/bootstrap.log" 2>&1
make -C build -j"$(nproc)" >"$work/build.log" 2>&1
make -C build install >"$work/install.log" 2>&1
log "TimescaleDB installed into $extension_dir"
