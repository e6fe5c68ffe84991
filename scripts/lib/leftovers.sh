# shellcheck shell=bash
# What test clouds and the smoke cloud put on this host, one line each, so
# scripts/test can tell what its run left behind. A test cloud is known by
# its marks: namespaces `sx…` (tests) and `stratus_smoke_…`, links whose
# ifalias names a `test-…` or `stratus_smoke_…` cloud, nftables tables
# `stratus_test_…` and `stratus_stratus_smoke_…`, libvirt domains `sx…` and
# `stratus_smoke_…`, dnsmasq daemons and directories under the tests' and
# the smoke's temporary directories. Nothing else on the host is looked at.

_test_marks='^(sx|stratus_smoke_|stratus_keep_)'

stratus_test_objects() {
  local tmp=${TMPDIR:-/tmp}
  local ns
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$_test_marks" | sed 's/^/namespace /'
  for ns in "" "${STRATUS_HV_NETNS:-stratus-host}"; do
    local in=() label=host
    if [ -n "$ns" ]; then
      ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || continue
      in=(ip netns exec "$ns") label=$ns
    fi
    # Links an agent of a test cloud marked.
    "${in[@]}" ip -o link show 2>/dev/null \
      | grep -E 'alias stratus-network-agent (test-|stratus_smoke_)' \
      | awk -v l="$label" -F': ' '{split($2, n, "@"); print "link " l " " n[1]}'
    "${in[@]}" nft list tables 2>/dev/null \
      | awk -v l="$label" '$3 ~ /^stratus_(test_|stratus_smoke_)/ {print "nft-table " l " " $2 " " $3}'
  done
  if command -v virsh >/dev/null; then
    virsh -q -c qemu:///system list --all --name 2>/dev/null | grep -E "$_test_marks|^test-" | sed 's/^/domain /'
  fi
  local p cmd
  for p in $(pgrep -x dnsmasq 2>/dev/null); do
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    case "$cmd" in *"--pid-file=$tmp/stratus-"*) echo "dnsmasq $p ${cmd%% --pid*}" ;; esac
  done
  find "$tmp" -maxdepth 1 -name 'stratus-*' 2>/dev/null | sed 's/^/directory /'
}

# Fails, listing them, when objects are on the host now that were not in
# `$1` (an earlier stratus_test_objects).
stratus_check_leftovers() {
  local before=$1 now new
  now=$(stratus_test_objects | sort)
  new=$(comm -13 <(sort <<<"$before") <(echo "$now") | sed '/^$/d')
  if [ -n "$new" ]; then
    echo "the run left these on the host:"
    sed 's/^/  /' <<<"$new"
    return 1
  fi
  if [ -n "$now" ]; then
    echo "(already there before this run, left alone:)"
    sed 's/^/  /' <<<"$now"
  fi
  return 0
}
