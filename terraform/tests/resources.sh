#!/usr/bin/env bash
# Per-resource acceptance of the Terraform provider, with real Terraform
# against a live cloud (scripts/test runs it against its first cloud). Every
# example in terraform/examples/<name>/ but the stack goes through:
#   create  `terraform apply` succeeds;
#   read    a second plan is empty;
#   update  (examples with a `step` variable) step 2 changes something in
#           place: nothing added or destroyed, every id in state unchanged,
#           and the plan after it is empty;
#   import  every managed resource imports into an empty state, and the plan
#           after it adds and destroys nothing and changes only what the API
#           never shows (a password, user data, a file path);
#   delete  `terraform destroy` succeeds and every object is gone: importing
#           its id again fails because the cloud no longer has it.
# The network example also changes its network outside Terraform (the plan
# shows it, an apply puts it back), then deletes it outside: the next plan
# drops it from state and creates it again, and an apply does.
# The data sources example checks what each data source found.
# Needs: OS_CLIENT_CONFIG_FILE and OS_CLOUD (an admin login),
# STRATUS_TERRAFORM, STRATUS_OPENSTACK_CLI, STRATUS_TEST_GUEST,
# STRATUS_TF_PROVIDER_DIR; STRATUS_TF_JOBS examples run at once (default 4);
# STRATUS_TF_EXAMPLES names some to run only those.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tf=$STRATUS_TERRAFORM
osc() { "$STRATUS_OPENSTACK_CLI" "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/stratus-tfres.XXXXXX")
prefix="tfres$$"
cleanup() {
  local d
  for d in "$work"/run/*/; do
    # (A state that was destroyed lists no resources.)
    grep -q '"type"' "$d/terraform.tfstate" 2>/dev/null || continue
    (cd "$d" && "$tf" destroy -auto-approve -no-color >/dev/null 2>&1) || true
  done
  osc flavor delete "$prefix.tiny" >/dev/null 2>&1 || true
  osc subnet delete "${prefix}_public_v4" >/dev/null 2>&1 || true
  osc network delete "${prefix}_public" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/tf.rc" <<RC
provider_installation {
  dev_overrides {
    "stratus/stratus" = "$STRATUS_TF_PROVIDER_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/tf.rc" TF_IN_AUTOMATION=1 RUST_BACKTRACE=0 CHECKPOINT_DISABLE=1

# The operator's part: an external network and a flavor.
osc network create --external "${prefix}_public" -f value -c id >/dev/null
osc subnet create --network "${prefix}_public" --subnet-range 172.31.251.0/24 --gateway 172.31.251.1 --no-dhcp "${prefix}_public_v4" -f value -c id >/dev/null
osc flavor create --ram 128 --vcpus 1 --disk 1 "$prefix.tiny" -f value -c id >/dev/null
export TF_VAR_external_network="${prefix}_public" TF_VAR_guest_dir=$STRATUS_TEST_GUEST TF_VAR_flavor="$prefix.tiny"

# Managed resources in a state: "<address> <id>" lines.
managed() {
  "$tf" state pull | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("resources", []):
    if r["mode"] == "managed":
        for i in r["instances"]:
            print(r["type"] + "." + r["name"], i["attributes"]["id"])'
}

fail() { echo "FAIL $name: $*"; exit 1; }

# One example's life; runs in its own directory, prints its steps.
lifecycle() {
  name=$1
  local dir="$work/run/$name" log="$work/run/$name.log"
  mkdir -p "$dir" && cp "$here/examples/$name/main.tf" "$dir/"
  cd "$dir"
  export TF_VAR_prefix="$prefix-${name//_/-}"
  local has_step=""
  grep -q '^variable "step"' main.tf && has_step=1

  "$tf" apply -auto-approve -no-color >"$log" 2>&1 || { tail -n 30 "$log"; fail "create"; }
  echo "$name: create ok ($(grep -o 'Resources: [0-9]* added' "$log"))"
  "$tf" plan -detailed-exitcode -no-color >"$log" 2>&1 || { grep -v '^$' "$log" | tail -n 30; fail "the plan after create is not empty"; }
  echo "$name: read ok (plan empty)"

  if [ "$name" = data_sources ]; then
    local out
    out=$("$tf" output -json)
    python3 - "$out" "$TF_VAR_prefix" <<'PY' || fail "data sources found the wrong things"
import json, sys
o = {k: v["value"] for k, v in json.loads(sys.argv[1]).items()}
prefix = sys.argv[2]
assert o["external_cidr"] == "172.31.251.0/24", o
assert len(o["image_id"]) == 36 and len(o["image_checksum"]) == 32, o
assert o["flavor_name"], o
assert o["project_name"] == "admin", o
assert len(o["default_group"]) == 36, o
assert o["zones"] == ["nova"], o
PY
    echo "$name: lookups ok"
  fi

  if [ "$name" = network ]; then
    # Changed outside Terraform: the plan shows the difference, and an
    # apply puts it back in place.
    osc network set --description "changed outside" "$TF_VAR_prefix-net"
    set +e
    "$tf" plan -detailed-exitcode -no-color >"$log" 2>&1
    local changed=$?
    set -e
    [ "$changed" = 2 ] && grep -q 'description *= "changed outside" -> "step 1"' "$log" && grep -q "Plan: 0 to add, 1 to change, 0 to destroy" "$log" \
      || { grep -v '^$' "$log" | tail -n 20; fail "a network changed outside Terraform showed no diff"; }
    "$tf" apply -auto-approve -no-color >"$log" 2>&1 || { tail -n 30 "$log"; fail "putting back"; }
    echo "$name: changed outside, shown in the plan and put back ok"
    osc network delete "$TF_VAR_prefix-net" >/dev/null
    set +e
    "$tf" plan -detailed-exitcode -no-color >"$log" 2>&1
    local rc=$?
    set -e
    [ "$rc" = 2 ] && grep -q "Plan: 1 to add, 0 to change, 0 to destroy" "$log" || { grep -v '^$' "$log" | tail -n 20; fail "a network deleted outside Terraform was not planned again"; }
    "$tf" apply -auto-approve -no-color >"$log" 2>&1 || { tail -n 30 "$log"; fail "create again"; }
    echo "$name: deleted outside, dropped on refresh and created again ok"
  fi

  if [ -n "$has_step" ]; then
    local before after
    before=$(managed | sort)
    "$tf" apply -auto-approve -no-color -var step=2 >"$log" 2>&1 || { tail -n 30 "$log"; fail "update"; }
    grep -qE "Resources: 0 added, [1-9][0-9]* changed, 0 destroyed" "$log" || { grep -v '^$' "$log" | tail -n 30; fail "step 2 did not update in place"; }
    after=$(managed | sort)
    [ "$before" = "$after" ] || fail "step 2 changed ids: $before / $after"
    "$tf" plan -detailed-exitcode -no-color -var step=2 >"$log" 2>&1 || { grep -v '^$' "$log" | tail -n 30; fail "the plan after the update is not empty"; }
    echo "$name: update ok ($(grep -oE '[0-9]+ changed' "$log" || echo "in place"))"
    if [ "$name" = instance ]; then
      # Step 2 attached a second network in place: two ports, same server.
      local n
      n=$(osc port list --server "$TF_VAR_prefix-server" -f value -c ID | wc -l)
      [ "$n" = 2 ] || fail "step 2 left the instance with $n ports, not 2"
      echo "$name: a second network attached in place"
    fi
    export TF_VAR_step=2
  fi

  managed >"$work/run/$name.ids"
  mkdir "$dir/imported" && cp main.tf "$dir/imported/"
  (
    cd "$dir/imported"
    while read -r addr id; do
      "$tf" import -no-color "$addr" "$id" >"$log" 2>&1 || { tail -n 20 "$log"; fail "import of $addr ($id)"; }
    done <"$work/run/$name.ids"
    "$tf" plan -no-color >"$log" 2>&1 || { tail -n 30 "$log"; fail "plan after import"; }
    grep -qE "Plan: 0 to add, [0-9]+ to change, 0 to destroy|No changes" "$log" || { grep -v '^$' "$log" | tail -n 40; fail "the plan after import adds or destroys"; }
    local bad
    # (Data sources read during apply are listed too: left out.)
    bad=$(sed -n '/perform the following actions/,/^Plan:/p' "$log" | awk '/^  # data\./ { skip = 1; next } /^  # [a-z]/ { skip = 0 } !skip' | grep -E '^\s+[~+-] ' | grep -vE '^\s+[~+-] resource |local_file_path|user_data|delete_default_rules|password|^\s+- fixed_ip \{|^\s+- (ip_address|subnet_id) .* -> null$|^\s+[+-] "|\(known after apply\)' || true)
    [ -z "$bad" ] || { grep -v '^$' "$log" | tail -n 40; echo "$bad"; fail "the plan after import changes more than write-only attributes"; }
    rm -f terraform.tfstate
  )
  echo "$name: import of $(wc -l <"$work/run/$name.ids") resources ok"

  "$tf" destroy -auto-approve -no-color >"$log" 2>&1 || { tail -n 30 "$log"; fail "destroy"; }
  mkdir "$dir/gone" && cp main.tf "$dir/gone/"
  (
    cd "$dir/gone"
    while read -r addr id; do
      if "$tf" import -no-color "$addr" "$id" >"$log" 2>&1; then fail "$addr ($id) is still there after destroy"; fi
      grep -qE "no object|Cannot import non-existent" "$log" || { tail -n 20 "$log"; fail "re-import of $addr failed for another reason"; }
    done <"$work/run/$name.ids"
  )
  echo "$name: destroy ok, nothing left"
}

mkdir -p "$work/run"
examples=()
for d in "$here"/examples/*/; do
  n=$(basename "$d")
  [ "$n" = stack ] && continue
  # STRATUS_TF_EXAMPLES="a b" runs only those.
  [ -z "${STRATUS_TF_EXAMPLES:-}" ] || [[ " $STRATUS_TF_EXAMPLES " == *" $n "* ]] || continue
  examples+=("$n")
done
jobs=${STRATUS_TF_JOBS:-4}
start=$SECONDS
declare -A pids=()
failed=()
reap() {
  local n
  for n in "${!pids[@]}"; do
    if ! kill -0 "${pids[$n]}" 2>/dev/null; then
      wait "${pids[$n]}" || failed+=("$n")
      cat "$work/run/$n.out"
      unset "pids[$n]"
    fi
  done
}
for n in "${examples[@]}"; do
  while [ "${#pids[@]}" -ge "$jobs" ]; do
    wait -n 2>/dev/null || true
    reap
  done
  (lifecycle "$n") >"$work/run/$n.out" 2>&1 &
  pids[$n]=$!
done
while [ "${#pids[@]}" -gt 0 ]; do
  wait -n 2>/dev/null || true
  reap
done
echo "terraform resources: ${#examples[@]} examples in $((SECONDS - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "terraform resources: failed: ${failed[*]}"
  exit 1
fi
echo "terraform resources: ${#examples[@]} passed, 0 failed"
