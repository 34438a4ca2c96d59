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

# ---- 4. measurements (each the best of BENCH_RUNS, default 3) --------------------------------
runs="${BENCH_RUNS:-3}"
best() { # best wall time of a command, in seconds
  local b="" t0 t1 s
  for _ in $(seq 1 "$runs"); do
    t0=$(now); "$@"; t1=$(now); s=$(secs "$t0" "$t1")
    if [ -z "$b" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$s" "$b"; then b=$s; fi
  done
  echo "$b"
}
run_openssl() { xargs -0 -n 2000 openssl dgst -sha256 < "$list" > /dev/null; }
run_save() { docker save $tags > /dev/null; }
# JVM flags of docs/java-on-the-store.md; the second -XX:TieredStopAtLevel wins over the launcher's =1
fast_opts="-XX:TieredStopAtLevel=4 --add-opens=java.base/sun.nio.fs=ALL-UNNAMED --add-modules=jdk.incubator.foreign --enable-native-access=ALL-UNNAMED"
run_check() { # $1 = jobs, rest = env; exit 0 = the store verified clean (4 would mean findings)
  local jobs=$1; shift
  env "$@" "$here/dockfsck" check --root "$root" --deep --jobs "$jobs" --format json > "$dir/report.json" 2>"$dir/check.err" || {
    log "bench: dockfsck check failed (exit $?):"; head -c 2000 "$dir/report.json" >&2; cat "$dir/check.err" >&2; exit 4; }
}

t_openssl=$(best run_openssl)
t_save=$(best run_save)
t_one=$(best run_check 1 DOCKFSCK_JAVA_OPTS="$fast_opts")
t_all=$(best run_check "$cores" DOCKFSCK_JAVA_OPTS="$fast_opts")
t_one_jdk=$(best run_check 1 DOCKFSCK_JAVA_OPTS="-XX:TieredStopAtLevel=4 --add-opens=java.base/sun.nio.fs=ALL-UNNAMED")
t_one_c1=""
if [ -z "${BENCH_SKIP_C1:-}" ]; then
  t_one_c1=$(runs=1 best run_check 1 DOCKFSCK_JAVA_OPTS="")
fi

mbps() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]) / 1e6:.0f}')" "$bytes" "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }

echo "dockfsck deep-check benchmark: $nfiles files, $((bytes / 1048576)) MiB of layer content in $((images * layers)) layers, $cores cores, page cache warm, best of $runs"
printf '%-52s %9s %9s %s\n' "measurement" "wall s" "MB/s" "ratio"
printf '%-52s %9s %9s %s\n' "openssl dgst -sha256 (same files, 1 core)" "$t_openssl" "$(mbps "$t_openssl")" "1.00 (reference)"
printf '%-52s %9s %9s %s\n' "dockfsck check --deep --jobs 1 (libcrypto SHA-256)" "$t_one" "$(mbps "$t_one")" "$(ratio "$t_openssl" "$t_one") x openssl"
printf '%-52s %9s %9s %s\n' "dockfsck check --deep --jobs 1 (JDK SHA-256)" "$t_one_jdk" "$(mbps "$t_one_jdk")" "$(ratio "$t_openssl" "$t_one_jdk") x openssl"
[ -n "$t_one_c1" ] && printf '%-52s %9s %9s %s\n' "dockfsck check --deep --jobs 1 (launcher as is, C1 only)" "$t_one_c1" "$(mbps "$t_one_c1")" "$(ratio "$t_openssl" "$t_one_c1") x openssl"
printf '%-52s %9s %9s %s\n' "docker save (same images) > /dev/null" "$t_save" "$(mbps "$t_save")" "1.00 (reference)"
printf '%-52s %9s %9s %s\n' "dockfsck check --deep --jobs $cores (libcrypto SHA-256)" "$t_all" "$(mbps "$t_all")" "$(ratio "$t_save" "$t_all") x docker save"
