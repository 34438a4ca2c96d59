#!/usr/bin/env bash
# Benchmark of `dockfsck check` (shallow) on a synthetic store of IMAGES images x LAYERS layers
# (default 100 x 10 = 1000 layers), built on disk with the test fixtures' StoreBuilder
# (dev.dockfsck.cli.bench.SyntheticStore). Prints the whole-process wall time and peak RSS of
# `./dockfsck check --root DIR` as measured by GNU time (/usr/bin/time -v), once per run.
#
#   scripts/bench-check.sh [WORKDIR]      (env: IMAGES, LAYERS, RUNS, MVN_ARGS; KEEP=1 keeps WORKDIR)
#
# Needs: Java 17, Maven, GNU time (apt-get install time). Run as root on Linux (the builder makes
# real device nodes and trusted xattrs for whiteouts, as dockerd does).
set -euo pipefail
cd "$(dirname "$0")/.."

images="${IMAGES:-100}"
layers="${LAYERS:-10}"
runs="${RUNS:-3}"
work="${1:-$(mktemp -d /tmp/dockfsck-bench.XXXXXX)}"
mkdir -p "$work"
root="$work/root"
cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf --one-file-system "$work"; fi; }
trap cleanup EXIT

# the launcher's jar and the test classes (the store generator lives in cli's test scope)
mvn -B -q ${MVN_ARGS:--o} -pl cli -am -DskipTests package >&2
cp="cli/target/dockfsck.jar:cli/target/test-classes"

if [ ! -d "$root" ]; then
  LC_ALL=C.UTF-8 java -cp "$cp" dev.dockfsck.cli.bench.SyntheticStore "$root" "$images" "$layers" >&2
fi
echo "store: $(find "$root/image/overlay2/layerdb/sha256" -mindepth 1 -maxdepth 1 | wc -l) layers," \
  "$(find "$root/image/overlay2/imagedb/content/sha256" -mindepth 1 -maxdepth 1 | wc -l) images," \
  "$(du -sh "$root" | cut -f1) on disk"

# the page cache is warm after the first run (the builder just wrote the store): run 1 is closest
# to a check at boot. Wall time depends on the machine's load: the load average is printed.
for i in $(seq 1 "$runs"); do
  set +e
  /usr/bin/time -v ./dockfsck check --root "$root" >"$work/check.out" 2>"$work/time.txt"
  rc=$?
  set -e
  if [ "$rc" != 0 ]; then
    echo "dockfsck check exited $rc (expected 0 on the clean synthetic store):" >&2
    tail -20 "$work/check.out" >&2
    exit 1
  fi
  wall=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
  rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$work/time.txt")
  cpu_u=$(sed -n 's/^[[:space:]]*User time (seconds): //p' "$work/time.txt")
  cpu_s=$(sed -n 's/^[[:space:]]*System time (seconds): //p' "$work/time.txt")
  echo "run $i: load $(cut -d' ' -f1 /proc/loadavg), wall $wall, peak RSS $((rss / 1024)) MiB ($rss kB), user ${cpu_u}s, sys ${cpu_s}s"
done
