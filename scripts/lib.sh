# Shared by scripts/*: `source scripts/lib.sh` from the repository root. Not executable on its own.

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
    timeout 2 bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$3" "$1" "$2" >&3
        sed "1,/^\r\?$/d" <&3' _ "$@"
}
