#!/usr/bin/env bash
# Benchmark of `dockfsck check --deep` on a store made by a real dockerd, against
#   - openssl dgst -sha256 over the same files (single core: the speed of hashing alone), and
#   - docker save of the same images to /dev/null (dockerd's own re-assembly of the layers).
# Prints one table with throughputs and ratios. Public tools only: dockerd, docker, openssl,
# python3 (to write the image archives), mvn (to build the CLI). Needs root (dockerd).
#
#   scripts/bench-deep.sh            # ~400 MiB of layer content (BENCH_MIB to change)
#   BENCH_KEEP=1 scripts/bench-deep.sh   # keep the store under $BENCH_DIR afterwards
#
# Everything lives under BENCH_DIR (default /tmp/dockfsck-bench): a private dockerd with its own
# data root, exec root and socket, no bridge and no iptables; it is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/dockfsck-bench}"
mib="${BENCH_MIB:-400}"
images=4
layers=3
root="$dir/root"
sock="$dir/docker.sock"
cores="$(nproc)"
export DOCKER_HOST="unix://$sock"

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

dockerd_pid=""
cleanup() {
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill "$dockerd_pid"
    for _ in $(seq 1 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ -z "${BENCH_KEEP:-}" ]; then
    # dockerd unmounts what it mounted on a clean stop; anything left is not ours to force
    rm -rf "$dir" 2>/dev/null || log "bench: could not remove $dir completely"
  fi
}
trap cleanup EXIT

for t in dockerd docker openssl python3 mvn java; do
  command -v "$t" >/dev/null || { log "bench: $t is required"; exit 2; }
done
[ "$(id -u)" = 0 ] || { log "bench: run as root (it starts a private dockerd)"; exit 2; }

# ---- 1. the CLI -----------------------------------------------------------------------------
if [ ! -f "$here/cli/target/dockfsck.jar" ] || [ -n "${BENCH_REBUILD:-}" ]; then
  log "bench: building the CLI (mvn package)"
  (cd "$here" && mvn -B -q -DskipTests package >&2)
fi

# ---- 2. a private dockerd -------------------------------------------------------------------
rm -rf "$dir"
mkdir -p "$dir/archives" "$root" "$dir/exec"
log "bench: starting dockerd on $sock"
dockerd --data-root "$root" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" -H "unix://$sock" \
  --storage-driver overlay2 --bridge none --iptables=false --ip6tables=false \
  >"$dir/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 300); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
docker version >/dev/null 2>&1 || { log "bench: dockerd did not come up:"; tail -20 "$dir/dockerd.log" >&2; exit 3; }

# ---- 3. images: $images x $layers layers of random content, a mix of file sizes ------------
log "bench: writing $images image archives, ~$mib MiB of layer content"
python3 - "$dir/archives" "$images" "$layers" "$mib" <<'PY'
import hashlib, io, json, os, sys, tarfile
out, n_img, n_lay, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per_layer = mib * 1024 * 1024 // (n_img * n_lay)
rnd = open("/dev/urandom", "rb")
def layer_tar(i, j):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, size):
            ti = tarfile.TarInfo(name); ti.size = size; ti.mode = 0o644; ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(rnd.read(size)))
        def mkdir(name):
            ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; ti.mtime = 1700000000
            t.addfile(ti)
        left = per_layer
        mkdir(f"l{i}{j}"); mkdir(f"l{i}{j}/big"); mkdir(f"l{i}{j}/mid"); mkdir(f"l{i}{j}/small")
        big = left // 2                      # one large file: half the layer
        add(f"l{i}{j}/big/blob.bin", big); left -= big
        k = 0
        while left > per_layer // 5:         # 256 KiB files: 30 %
            add(f"l{i}{j}/mid/m{k}.bin", 256 * 1024); left -= 256 * 1024; k += 1
        k = 0
        while left > 0:                      # 4 KiB files: the rest
            s = min(4096, left); add(f"l{i}{j}/small/s{k}.bin", s); left -= s; k += 1
    return buf.getvalue()
for i in range(n_img):
    files, diff_ids, members = [], [], []
    for j in range(n_lay):
        data = layer_tar(i, j)
        d = hashlib.sha256(data).hexdigest()
        diff_ids.append("sha256:" + d)
        members.append((f"{d}/layer.tar", data))
        files.append(f"{d}/layer.tar")
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [f"dockfsck-bench/img{i}:latest"], "Layers": files}]).encode()
    with tarfile.open(os.path.join(out, f"img{i}.tar"), "w") as t:
        for name, data in members + [(cfg_name, cfg), ("manifest.json", manifest)]:
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
PY
for i in $(seq 0 $((images - 1))); do
  docker load -q -i "$dir/archives/img$i.tar" >&2
done
rm -rf "$dir/archives"
tags=$(for i in $(seq 0 $((images - 1))); do printf 'dockfsck-bench/img%s:latest ' "$i"; done)

# the layers' files: what openssl hashes and what the verifier streams
list="$dir/files.lst"
find "$root/overlay2" -mindepth 3 -path "$root/overlay2/*/diff/*" -type f -print0 > "$list"
bytes=$(xargs -0 stat -c %s < "$list" | awk '{s+=$1} END {print s}')
nfiles=$(tr -cd '\0' < "$list" | wc -c)
log "bench: $nfiles files, $bytes bytes of layer content"

# warm the page cache: every measurement below reads from memory
xargs -0 cat < "$list" > /dev/null

# ---- 4. measurements (each the best of BENCH_RUNS, default 3; wall and CPU seconds) ---------
runs="${BENCH_RUNS:-3}"
tick=$(getconf CLK_TCK)
dockerd_cpu() { awk -v t="$tick" '{printf "%.3f", ($14 + $15) / t}' "/proc/$dockerd_pid/stat"; }
# measure NAME CMD...: runs CMD $runs times; sets W_NAME and C_NAME to the best wall and CPU seconds
measure() {
  local name=$1; shift
  local bw="" bc="" w c d0 d1 i
  for i in $(seq 1 "$runs"); do
    d0=$(dockerd_cpu)
    /usr/bin/time -f "%e %U %S" -o "$dir/time.out" bash -c '"$@"' _ "$@"
    d1=$(dockerd_cpu)
    read -r w u s < "$dir/time.out"
    c=$(python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]) + float(sys.argv[4]) - float(sys.argv[3]):.3f}')" "$u" "$s" "$d0" "$d1")
    if [ -z "$bw" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$w" "$bw"; then bw=$w; fi
    if [ -z "$bc" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$c" "$bc"; then bc=$c; fi
  done
  printf -v "W_$name" '%s' "$bw"
  printf -v "C_$name" '%s' "$bc"
}
run_openssl() { xargs -0 -n 2000 openssl dgst -sha256 < "$list" > /dev/null; }
run_save() { docker save $tags > /dev/null; }
# run_check JOBS TAG [JVM OPTS]: the launcher as a user runs it; exit 0 = the store verified clean.
# Appends the verification time dockfsck prints on stderr ("deep: ... verified in S s", its own
# clock around the layers' content: JVM start, metadata walk and report excluded) to verif.TAG.
run_check() {
  DOCKFSCK_JAVA_OPTS="${3:-}" "$here/dockfsck" check --root "$root" --deep --jobs "$1" --format json > "$dir/report.json" 2>"$dir/check.err" || {
    log "bench: dockfsck check failed:"; head -c 2000 "$dir/report.json" >&2; cat "$dir/check.err" >&2; exit 4; }
  sed -n 's/^deep: .* verified in \([0-9.]*\) s .*/\1/p' "$dir/check.err" >> "$dir/verif.$2"
}
cp_bench="$here/checker/target/test-classes:$here/cli/target/dockfsck.jar"
native_opts="--add-opens=java.base/sun.nio.fs=ALL-UNNAMED --add-modules=jdk.incubator.foreign --enable-native-access=ALL-UNNAMED"

export -f log run_openssl run_save run_check
export list tags dir here root
warm_verifier() { # the verifier alone, 3rd round in one JVM (JIT warm, libcrypto linked): sets W_warm and C_warm
  local out
  out=$(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC $native_opts -cp "$cp_bench" dev.dockfsck.checker.deep.DeepBench "$root" 1 3 2>/dev/null | tail -1)
  W_warm=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
  C_warm=$(sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' <<<"$out")
}
# verification NAME TAG: W_NAME = the best verification time of the runs tagged TAG
verification() {
  printf -v "W_$1" '%s' "$(sort -g "$dir/verif.$2" | head -1)"
  printf -v "C_$1" '%s' "-"
}
rm -f "$dir"/verif.*
log "bench: measuring (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
measure openssl run_openssl
measure save run_save
measure one run_check 1 one
verification vone one
measure all run_check "$cores" all
verification vall all
measure nocds run_check 1 nocds "-Xshare:off"
measure c2 run_check 1 c2 "-XX:TieredStopAtLevel=4"
warm_verifier
# paired runs: openssl and the single-job check one right after the other, BENCH_PAIRS times (default
# 5); the median of the per-pair ratios is robust against the drift of this machine between runs
pairs="${BENCH_PAIRS:-5}"
: > "$dir/pairs"
for _ in $(seq 1 "$pairs"); do
  /usr/bin/time -f "%e" -o "$dir/time.out" bash -c run_openssl; o=$(cat "$dir/time.out")
  rm -f "$dir/verif.pair"
  /usr/bin/time -f "%e" -o "$dir/time.out" bash -c 'run_check 1 pair'; w=$(cat "$dir/time.out")
  echo "$o $(cat "$dir/verif.pair") $w" >> "$dir/pairs"
done
read -r P_verif P_whole < <(python3 - "$dir/pairs" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(f"{statistics.median(o / v for o, v, w in rows):.2f} {statistics.median(o / w for o, v, w in rows):.2f}")
PY
)
if [ -z "${BENCH_SKIP_SLOW:-}" ]; then
  runs=1 measure c1jdk run_check 1 c1jdk "-Ddockfsck.sha256=jdk"
fi

mbps() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]) / 1e6:.0f}')" "$bytes" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}' if sys.argv[2] != '-' else '-')" "$1" "$2"; }
row() { # row LABEL NAME REFNAME REFLABEL
  local w="W_$2" c="C_$2" rw="W_$3" rc="C_$3" mc="-"
  [ -n "${!w:-}" ] || return 0
  [ "${!c}" = "-" ] || mc="$(mbps "${!c}")"
  printf '%-66s %7s %7s %6s %6s   %5s %5s %s\n' "$1" "${!w}" "${!c}" "$(mbps "${!w}")" "$mc" \
    "$(ratio "${!rw}" "${!w}")" "$(ratio "${!rc}" "${!c}")" "$4"
}

echo "dockfsck deep-check benchmark: $nfiles files, $((bytes / 1048576)) MiB of layer content in $((images * layers)) layers;"
echo "$cores cores, page cache warm, best of $runs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "MB/s = layer content bytes / seconds; ratio = reference time / this time (> 1: faster than the reference)"
echo "\"verification\" = dockfsck's own clock around the content (its stderr line \"deep: ... verified in S s\");"
echo "\"whole process\" = the launcher under time(1): JVM start, metadata walk, report included"
printf '%-66s %7s %7s %6s %6s   %5s %5s %s\n' "" "wall s" "cpu s" "MB/s" "MB/s" "ratio" "ratio" ""
printf '%-66s %7s %7s %6s %6s   %5s %5s %s\n' "" "" "" "wall" "cpu" "wall" "cpu" "reference"
row "openssl dgst -sha256, same files (1 core)" openssl openssl "(itself)"
row "check --deep --jobs 1: verification" vone openssl "openssl"
row "check --deep --jobs 1: whole process (launcher: C1, CDS, libcrypto)" one openssl "openssl"
row "  the same without the CDS archive (-Xshare:off)" nocds openssl "openssl"
row "  the same with the full JIT (C2)" c2 openssl "openssl"
row "  the same with the JDK's SHA-256 under C1 (no libcrypto)" c1jdk openssl "openssl"
row "verifier alone, 1 job, warm JVM (3rd round in one JVM)" warm openssl "openssl"
row "docker save of the same images > /dev/null (dockerd cpu)" save save "(itself)"
row "check --deep --jobs $cores: verification" vall save "docker save"
row "check --deep --jobs $cores: whole process" all save "docker save"
echo
echo "targets: single job >= 0.9x openssl: verification $(ratio "$W_openssl" "$W_vone")x, whole process $(ratio "$W_openssl" "$W_one")x"
echo "         (median of $pairs paired runs: verification ${P_verif}x, whole process ${P_whole}x);"
echo "         all cores faster than docker save: verification $(ratio "$W_save" "$W_vall")x, whole process $(ratio "$W_save" "$W_all")x"
