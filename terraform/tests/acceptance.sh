#!/usr/bin/env bash
# Acceptance of the Terraform provider with real Terraform against a live
# cloud (scripts/test runs it against its first cloud). Needs:
#   OS_CLIENT_CONFIG_FILE, OS_CLOUD   an admin login of the cloud
#   STRATUS_TERRAFORM                 a terraform executable
#   STRATUS_OPENSTACK_CLI             the openstack client
#   STRATUS_TEST_GUEST                the test guest's directory
#   STRATUS_TF_PROVIDER_DIR           where terraform-provider-stratus is built
# What it shows: the example stack applies and its guests boot; a second
# plan shows no changes; a flavor change resizes both instances in place;
# every resource imports into an empty state and the plan after it replaces,
# adds and destroys nothing (only attributes the API never shows are written
# in place); destroy leaves nothing of the stack; a bad configuration fails
# naming its attribute and makes nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tf=$STRATUS_TERRAFORM
osc() { "$STRATUS_OPENSTACK_CLI" "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/stratus-tf.XXXXXX")
prefix="tfacc$$"
passed=0
cleanup() {
  if [ -f "$work/stack/terraform.tfstate" ]; then
    (cd "$work/stack" && "$tf" destroy -auto-approve -no-color >/dev/null 2>&1) || true
  fi
  osc flavor delete "$prefix.a" "$prefix.b" >/dev/null 2>&1 || true
  osc subnet delete "${prefix}_public_v4" >/dev/null 2>&1 || true
  osc network delete "${prefix}_public" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ok() { passed=$((passed + 1)); echo "terraform acceptance: $*: ok"; }

cat >"$work/tf.rc" <<RC
provider_installation {
  dev_overrides {
    "stratus/stratus" = "$STRATUS_TF_PROVIDER_DIR"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/tf.rc" TF_IN_AUTOMATION=1 RUST_BACKTRACE=0 CHECKPOINT_DISABLE=1

# The operator's part: an external network and two flavors.
osc network create --external "${prefix}_public" -f value -c id >/dev/null
osc subnet create --network "${prefix}_public" --subnet-range 172.31.250.0/24 --gateway 172.31.250.1 --no-dhcp "${prefix}_public_v4" -f value -c id >/dev/null
osc flavor create --ram 128 --vcpus 1 --disk 1 "$prefix.a" -f value -c id >/dev/null
osc flavor create --ram 160 --vcpus 1 --disk 1 "$prefix.b" -f value -c id >/dev/null
export TF_VAR_prefix=$prefix TF_VAR_guest_dir=$STRATUS_TEST_GUEST TF_VAR_external_network=${prefix}_public TF_VAR_flavor=$prefix.a TF_VAR_cidr=10.213.0.0/24

# Apply.
mkdir "$work/stack" && cp "$here/examples/stack/main.tf" "$work/stack/"
cd "$work/stack"
start=$SECONDS
"$tf" apply -auto-approve -no-color >"$work/apply.log" 2>&1 || { tail -n 40 "$work/apply.log"; exit 1; }
echo "terraform acceptance: apply of the example stack took $((SECONDS - start)) s"
grep -q "Resources: 19 added" "$work/apply.log" || { tail -n 20 "$work/apply.log"; exit 1; }
ok "apply"
ids=$("$tf" output -json instance_ids | tr -d '[]" \n')
# The guests boot: each console shows its address.
for name in web db; do
  addr=$("$tf" output -raw "${name}_address")
  for _ in $(seq 1 240); do
    osc console log show "$prefix-$name" 2>/dev/null | grep -q "$addr" && break
    sleep 1
  done
  osc console log show "$prefix-$name" | grep -q "$addr" || { echo "$prefix-$name never showed $addr"; osc console log show "$prefix-$name" | tail -n 20; exit 1; }
done
ok "both guests booted with their addresses"

# A second plan shows nothing to do.
"$tf" plan -detailed-exitcode -no-color >"$work/plan.log" 2>&1 || { echo "a second plan is not empty:"; grep -v '^$' "$work/plan.log" | tail -n 40; exit 1; }
ok "second plan shows no changes"

# A flavor change resizes in place: same instances, new flavor.
"$tf" apply -auto-approve -no-color -var "flavor=$prefix.b" >"$work/resize.log" 2>&1 || { tail -n 40 "$work/resize.log"; exit 1; }
grep -q "0 added, 2 changed, 0 destroyed" "$work/resize.log" || { grep -v '^$' "$work/resize.log" | tail -n 30; exit 1; }
[ "$("$tf" output -json instance_ids | tr -d '[]" \n')" = "$ids" ] || { echo "the resize replaced instances"; exit 1; }
osc server show "$prefix-web" -f json | grep -q "$prefix.b" || { echo "web is not on $prefix.b"; exit 1; }
ok "flavor change resized in place"
export TF_VAR_flavor=$prefix.b

# Import every resource into an empty state; the plan after it replaces,
# adds and destroys nothing, and changes only what the API never shows.
"$tf" state pull >"$work/state.json"
mkdir "$work/imported" && cp main.tf "$work/imported/"
python3 - "$work/state.json" >"$work/imports" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["resources"]:
    if r["mode"] == "managed":
        print(f"{r['type']}.{r['name']} {r['instances'][0]['attributes']['id']}")
PY
(
  cd "$work/imported"
  while read -r addr id; do
    "$tf" import -no-color "$addr" "$id" >"$work/import.log" 2>&1 || { echo "import of $addr ($id) failed:"; tail -n 20 "$work/import.log"; exit 1; }
  done <"$work/imports"
  "$tf" plan -no-color >"$work/import-plan.log" 2>&1 || { tail -n 40 "$work/import-plan.log"; exit 1; }
  grep -q "Plan: 0 to add, [0-9]* to change, 0 to destroy" "$work/import-plan.log" \
    || { echo "the plan after import adds or destroys:"; grep -v '^$' "$work/import-plan.log" | tail -n 60; exit 1; }
  # Changed lines may only name what the API cannot show.
  bad=$(sed -n '/perform the following actions/,/^Plan:/p' "$work/import-plan.log" | grep -E '^\s+[~+-] ' | grep -vE '^\s+[~+-] resource |local_file_path|user_data|delete_default_rules|security_groups|^\s+[+-] "|\(known after apply\)' || true)
  [ -z "$bad" ] || { echo "the plan after import changes more than write-only attributes:"; echo "$bad"; exit 1; }
)
ok "import of $(wc -l <"$work/imports") resources, then a plan that replaces nothing"

# A bad configuration: a clear error naming the attribute, nothing made.
mkdir "$work/bad" && cat >"$work/bad/main.tf" <<TF
terraform {
  required_providers {
    stratus = { source = "stratus/stratus" }
  }
}
resource "stratus_instance" "bad" {
  name        = "$prefix-bad"
  image_id    = "00000000-0000-0000-0000-000000000000"
  flavor_name = "$prefix.a"
  power_state = "sideways"
}
TF
(
  cd "$work/bad"
  if "$tf" apply -auto-approve -no-color >"$work/bad.log" 2>&1; then echo "a bad power_state was accepted"; exit 1; fi
  grep -q 'invalid power_state' "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
  grep -q 'sideways' "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
)
[ -z "$(osc server list --name "$prefix-bad" -f value -c ID)" ] || { echo "a bad configuration made a server"; exit 1; }
ok "bad configuration refused, naming the attribute"

# Destroy leaves nothing of the stack.
start=$SECONDS
"$tf" destroy -auto-approve -no-color >"$work/destroy.log" 2>&1 || { tail -n 40 "$work/destroy.log"; exit 1; }
echo "terraform acceptance: destroy of the example stack took $((SECONDS - start)) s"
for kind in server port volume image network router "security group" "floating ip" keypair; do
  # shellcheck disable=SC2086
  left=$(osc $kind list -f value 2>/dev/null | grep -c "$prefix-\|172\.31\.250\." || true)
  [ "$left" = 0 ] || { echo "destroy left $left $kind(s) of the stack:"; osc $kind list -f value | grep "$prefix"; exit 1; }
done
ok "destroy left nothing behind"
echo "terraform acceptance: $passed passed, 0 failed"
