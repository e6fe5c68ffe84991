# shellcheck shell=bash
# What makes up a Stratus cloud on one host, and where scripts/up keeps its
# state. Sourced by scripts/up and scripts/down.

STRATUS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STRATUS_STATE_DIR=${STRATUS_STATE_DIR:-$STRATUS_ROOT/.stratus}
# Names the cloud: prefix of its bus exchanges and queues and (when not the
# default) of its databases, so a second cloud can share the host's broker and
# PostgreSQL.
STRATUS_NAME=${STRATUS_NAME:-stratus}
STRATUS_PORT_OFFSET=${STRATUS_PORT_OFFSET:-0}
STRATUS_BIND=${STRATUS_BIND:-127.0.0.1}
STRATUS_PROFILE=${STRATUS_PROFILE:-release}

# service: its APIs as name:port
STRATUS_SERVICES=(identity compute network storage metering)
declare -A STRATUS_APIS=(
  [identity]="identity:5000"
  [compute]="compute:8774"
  [network]="network:9696"
  [storage]="image:9292 volume:8776"
  [metering]="metering:8889"
)
STRATUS_AGENTS=(compute-agent network-agent storage-agent)
# The web console (no database, no bus): its port.
STRATUS_CONSOLE_PORT=8080

stratus_db_name() {
  if [ "$STRATUS_NAME" = stratus ]; then echo "$1"; else echo "${STRATUS_NAME}_$1"; fi
}

# A service's own PostgreSQL role.
stratus_db_role() { echo "${STRATUS_NAME}_$1"; }

stratus_port() { echo $(($1 + STRATUS_PORT_OFFSET)); }

stratus_bin_dir() {
  local target=${CARGO_TARGET_DIR:-$STRATUS_ROOT/target}
  if [ "$STRATUS_PROFILE" = debug ] || [ "$STRATUS_PROFILE" = dev ]; then
    echo "$target/debug"
  else
    echo "$target/$STRATUS_PROFILE"
  fi
}

# Every process up starts, in start order.
stratus_processes() {
  local s a
  for s in "${STRATUS_SERVICES[@]}"; do echo "$s"; done
  for a in "${STRATUS_AGENTS[@]}"; do echo "$a"; done
  echo console
}

# The pid in run/<name>.pid if that process is alive and runs our binary.
stratus_live_pid() {
  local name=$1 pidfile="$STRATUS_STATE_DIR/run/$1.pid" pid exe
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  # After a rebuild the kernel shows the old binary as "<path> (deleted)".
  case "${exe##*/}" in "stratus-$name" | "stratus-$name (deleted)") echo "$pid" ;; *) return 1 ;; esac
}
