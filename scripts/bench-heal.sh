#!/usr/bin/env bash
# Benchmark: heal one damaged image out of ten (dockfsck repair --deep --app-store, then
# restore --pending) against today's field fix (wipe the data root, restore all ten from the
# app store). Both include starting and stopping dockerd. Prints both wall times and the ratio.
# Public tools only: dockerd, docker, skopeo, python3 (writes the image archives), mvn (builds
# the CLI). Needs root. Everything lives under BENCH_DIR (default /tmp/dockfsck-bench-heal).
#
#   scripts/bench-heal.sh                 # 10 images, 32 MiB shared base + 8 MiB each
#   BENCH_KEEP=1 scripts/bench-heal.sh    # keep BENCH_DIR afterwards
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/dockfsck-bench-heal}"
images=10
base_mib="${BENCH_BASE_MIB:-32}"
top_mib="${BENCH_TOP_MIB:-8}"
sock="$dir/d.sock"
export DOCKER_HOST="unix://$sock"
docker=/usr/bin/docker

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

dockerd_pid=""
stop_dockerd() {
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill "$dockerd_pid"
    for _ in $(seq 1 150); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  dockerd_pid=""
}
cleanup() {
  stop_dockerd
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT

start_dockerd() { # root
  dockerd --data-root "$1" --host "unix://$sock" --exec-root "$dir/exec" --pidfile "$dir/d.pid" \
    --iptables=false --bridge=none --log-level=warn >"$dir/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 200); do $docker version >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "bench: dockerd did not start"; tail -5 "$dir/dockerd.log" >&2; exit 1
}

[ "$(id -u)" = 0 ] || { log "bench: needs root (dockerd)"; exit 1; }
rm -rf "$dir"; mkdir -p "$dir/archives" "$dir/store/blobs"
if [ ! -f "$here/cli/target/dockfsck.jar" ]; then
  (cd "$here" && mvn -B -q -DskipTests package)
fi
dockfsck="$here/dockfsck"

log "bench: writing $images image archives (shared base ${base_mib} MiB, ${top_mib} MiB each on top)"
python3 - "$dir/archives" "$images" "$base_mib" "$top_mib" <<'PY'
import hashlib, io, json, os, random, sys, tarfile
out, n, base_mib, top_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def layer(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000; ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()
rnd = random.Random(1)
base = layer([("base/blob%d.bin" % i, rnd.randbytes(1 << 20)) for i in range(base_mib)])
for k in range(n):
    top = layer([("app/data%d.bin" % i, rnd.randbytes(1 << 20)) for i in range(top_mib)] + [("app/id", b"app%d\n" % k)])
    layers = [base, top]
    diff = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/true"]},
                      "rootfs": {"type": "layers", "diff_ids": diff}}).encode()
    cid = hashlib.sha256(cfg).hexdigest()
    with tarfile.open(os.path.join(out, "app%d.tar" % k), "w") as t:
        def add(name, data):
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        add(cid + ".json", cfg)
        names = []
        for l in layers:
            h = hashlib.sha256(l).hexdigest(); add(h + "/layer.tar", l); names.append(h + "/layer.tar")
        add("manifest.json", json.dumps([{"Config": cid + ".json", "RepoTags": ["bench/app%d:1" % k],
                                           "Layers": names}]).encode())
PY

log "bench: building the reset-apps store with skopeo"
for k in $(seq 0 $((images - 1))); do
  img="$dir/store/apps/app$k/$(printf 'app%d' "$k" | sha256sum | cut -c1-64)/images/hub.example.io/bench/app$k"
  mkdir -p "$img"
  skopeo copy -q --dest-shared-blob-dir "$dir/store/blobs" "docker-archive:$dir/archives/app$k.tar" "oci:$img/tmp"
  hex=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['manifests'][0]['digest'].split(':')[1])" "$img/tmp/index.json")
  mv "$img/tmp" "$img/$hex"
done

log "bench: populating a data root from the app store"
start_dockerd "$dir/root"
"$dockfsck" restore --all --app-store "$dir/store" >"$dir/restore0.out" || { cat "$dir/restore0.out" >&2; exit 1; }
stop_dockerd
cp -a "$dir/root" "$dir/root-wipe"

log "bench: damaging one image (a file of its own layer cut to zero, as a power cut leaves it)"
victim=$(python3 - "$dir/root" <<'PY'
import json, os, sys
root = sys.argv[1]
repos = json.load(open(os.path.join(root, "image/overlay2/repositories.json")))["Repositories"]
img = [v for r in repos.values() for k, v in r.items() if "app7" in k][0]
cfg = json.load(open(os.path.join(root, "image/overlay2/imagedb/content/sha256", img.split(":")[1])))
import hashlib
chain = None
for d in cfg["rootfs"]["diff_ids"]:
    chain = d if chain is None else "sha256:" + hashlib.sha256((chain + " " + d).encode()).hexdigest()
cache = open(os.path.join(root, "image/overlay2/layerdb/sha256", chain.split(":")[1], "cache-id")).read().strip()
print(os.path.join(root, "overlay2", cache, "diff/app/data3.bin"))
PY
)
: > "$victim"

log "bench: A = dockfsck repair --deep --app-store + dockerd + restore --pending"
t0=$(now)
"$dockfsck" repair --deep --root "$dir/root" --app-store "$dir/store" --state-dir "$dir/state" >/dev/null || true
start_dockerd "$dir/root"
"$dockfsck" restore --pending --app-store "$dir/store" --state-dir "$dir/state" >/dev/null
stop_dockerd
t1=$(now)
"$dockfsck" check --deep --root "$dir/root" >/dev/null || { log "bench: the healed store does not check clean"; exit 1; }

log "bench: B = wipe the data root + dockerd + restore --all (today's field fix)"
t2=$(now)
rm -rf "$dir/root-wipe"
start_dockerd "$dir/root-wipe"
"$dockfsck" restore --all --app-store "$dir/store" >/dev/null
stop_dockerd
t3=$(now)

a=$(secs "$t0" "$t1"); b=$(secs "$t2" "$t3")
printf '%-60s %8s s\n' "A: heal 1 of $images images (repair --deep + restore --pending)" "$a"
printf '%-60s %8s s\n' "B: wipe and restore all $images images" "$b"
python3 -c "import sys; print(f'B / A = {float(sys.argv[2]) / float(sys.argv[1]):.2f}x faster to heal')" "$a" "$b"
