#!/usr/bin/env bash
# The provider's benchmark against a live cloud: apply a stack of 200
# resources (terraform/bench/main.tf), time `terraform plan` over it (a
# refresh of every resource and the diff: what users wait for on every
# change), then destroy it. Prints seconds; docs/performance.md keeps them.
# Needs OS_CLIENT_CONFIG_FILE and OS_CLOUD (an admin login),
# STRATUS_TERRAFORM and STRATUS_TF_PROVIDER_DIR (a release build to
# measure what operators run). BENCH_COUNT networks (default 50: 200
# resources); BENCH_PLANS plans (default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tf=$STRATUS_TERRAFORM
work=$(mktemp -d "${TMPDIR:-/tmp}/stratus-tfbench.XXXXXX")
count=${BENCH_COUNT:-50}
cleanup() {
  (cd "$work" && "$tf" destroy -auto-approve -no-color -var "count_each=$count" >/dev/null 2>&1) || true
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
export TF_CLI_CONFIG_FILE="$work/tf.rc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_VAR_prefix="tfbench$$"
cp "$here/main.tf" "$work/"
cd "$work"
now() { date +%s%N; }
secs() { printf "%d.%02d" $(( ($2 - $1) / 1000000000 )) $(( ($2 - $1) / 10000000 % 100 )); }
t0=$(now)
"$tf" apply -auto-approve -no-color -var "count_each=$count" >apply.log 2>&1 || { tail -n 30 apply.log; exit 1; }
t1=$(now)
echo "apply of $((count * 4)) resources: $(secs "$t0" "$t1") s"
for i in $(seq 1 "${BENCH_PLANS:-3}"); do
  t0=$(now)
  "$tf" plan -detailed-exitcode -no-color -var "count_each=$count" >plan.log 2>&1 || { tail -n 30 plan.log; exit 1; }
  t1=$(now)
  echo "plan $i over $((count * 4)) resources (no changes): $(secs "$t0" "$t1") s"
done
t0=$(now)
"$tf" destroy -auto-approve -no-color -var "count_each=$count" >destroy.log 2>&1 || { tail -n 30 destroy.log; exit 1; }
t1=$(now)
echo "destroy of $((count * 4)) resources: $(secs "$t0" "$t1") s"
