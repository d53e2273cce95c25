# shellcheck shell=bash
# tests/lib/routers.sh - start and stop nginx+lua and HAProxy routers for the
# ficus tests.  Source it from bash:
#
#   . tests/lib/routers.sh
#   trap routers_cleanup EXIT
#   export FICUS_TEST_TOKEN=secret      # optional: admin bearer token (nginx)
#   nginx_start "$dir/nginx"            # NGINX_PID NGINX_PORT NGINX_ADMIN_PORT
#   haproxy_start "$dir/haproxy"        # HAPROXY_PID HAPROXY_PORT
#                                       # HAPROXY_ADMIN_PORT HAPROXY_SOCK HAPROXY_MAP
#                                       # HAPROXY_PIN_MAP (tenant pins)
#   haproxy_api "show map $HAPROXY_MAP"
#   haproxy_set_flag tracking 1000
#   routers_cleanup                     # stops whatever was started, by pid
#
# More instances and faults (for the ficus router tests):
#   nginx_start_many DIR N              # N more nginx: NGINXS_PID[i] NGINXS_PORT[i]
#                                       # NGINXS_ADMIN_PORT[i] NGINXS_DIR[i], i = 0..N-1
#   nginx_stop; nginx_restart           # the same nginx again, same ports and config
#   haproxy_stop; haproxy_restart       # the same HAProxy again, same ports and map
#   router_pause PID; router_resume PID # SIGSTOP / SIGCONT a router and its workers
#
# Prometheus (Debian's package) scraping routers' /metrics every second,
# with contrib/prometheus/ficus.rules.yml loaded:
#   prom_start DIR HOST:PORT...         # PROM_PID PROM_PORT PROM_URL
#                                       # (PROM_TOKEN_FILE: scrape with that bearer token)
#   prom_query PROMQL                   # the first sample's value, "" for none
#   prom_stop
#
# Everything listens on 127.0.0.1 only.  Works as root (nginx workers then
# run as nobody) and as an ordinary user.  Overridable: NGINX, HAPROXY
# (binaries), NGINX_MODULES_DIR (default /usr/lib/nginx/modules).

ROUTERS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUTERS_REPO=$(cd "$ROUTERS_LIB_DIR/../.." && pwd)

NGINX_PID=${NGINX_PID:-}
HAPROXY_PID=${HAPROXY_PID:-}
_ROUTERS_PORTS=" "
_ROUTERS_EXTRA_PIDS=()     # nginx_start_many instances, stopped by routers_cleanup

# _port_in_use PORT: true when any TCP socket (v4 or v6) uses PORT locally
_port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v h="$hex" 'FNR > 1 { n = split($2, a, ":"); if (a[n] == h) { f = 1; exit } }
                     END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# free_port: print a loopback TCP port that nothing uses, chosen below the
# ephemeral range so that outgoing connections cannot be holding it.
# Ports handed out earlier by this shell are not handed out again (call it
# directly, not in $(...), when that matters; the starters below do).
free_port() {
    local lo=10000 hi=32767 range p _
    if read -r range _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && [ "$range" -gt 11000 ]; then
        hi=$((range - 1))
    fi
    for _ in $(seq 1 500); do
        p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
        case "$_ROUTERS_PORTS" in *" $p "*) continue ;; esac
        _port_in_use "$p" && continue
        _ROUTERS_PORTS="$_ROUTERS_PORTS$p "
        FREE_PORT=$p
        echo "$p"
        return 0
    done
    echo "free_port: no free port found" >&2
    return 1
}

# _wait_listening PID PORT...: wait (max ~5 s) until all ports are bound
_wait_listening() {
    local pid=$1 port _ ok
    shift
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 1
        ok=1
        for port in "$@"; do
            _port_in_use "$port" || { ok=0; break; }
        done
        [ "$ok" = 1 ] && return 0
        sleep 0.05
    done
    return 1
}

# _stop_pid PID [EXTRA_PIDS...]: TERM, wait up to 5 s, then KILL
_stop_pid() {
    local pid=$1 p _
    [ -n "$pid" ] || return 0
    # a stopped process (router_pause) would not act on TERM
    kill -CONT "$pid" "$@" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    shift
    for p in "$@"; do
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    done
    return 0
}

_children_of() {
    local pid=$1
    ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' '
}

# nginx_start DIR: render tests/lib/nginx-test.conf.in into DIR and start
# nginx with -p DIR.  Four ports: routing, admin, stub monolith, stub new
# service.  Exports NGINX_PID NGINX_PORT NGINX_ADMIN_PORT NGINX_OLD_PORT
# NGINX_NEW_PORT NGINX_DIR.  The admin token is read by nginx from the
# environment variable FICUS_TEST_TOKEN (unset or empty: no auth).
nginx_start() {
    local dir=${1:?nginx_start: DIR required}
    local bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
    local moddir=${NGINX_MODULES_DIR:-/usr/lib/nginx/modules}
    local tmpl=$ROUTERS_LIB_DIR/nginx-test.conf.in
    local load="" user_line="" m _
    if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
        echo "nginx_start: nginx already running (pid $NGINX_PID)" >&2
        return 1
    fi
    mkdir -p "$dir/tmp" || return 1
    dir=$(cd "$dir" && pwd)
    # Debian loads the modules from /etc/nginx/modules-enabled with paths
    # relative to the compiled-in prefix, which -p changes: load them here
    # by absolute path, and only if they exist (a build with lua compiled
    # in, e.g. OpenResty, needs no load_module).
    for m in ndk_http_module ngx_http_lua_module; do
        if [ -f "$moddir/$m.so" ]; then
            load="${load}load_module $moddir/$m.so;\\n"
        fi
    done
    if [ "$(id -u)" = 0 ]; then
        # workers drop to nobody; they only need to reach DIR/tmp (the Lua
        # module is loaded by the master in init_by_lua)
        user_line="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"
        chmod 711 "$dir" "$dir/tmp"
    fi
    for _ in 1 2 3; do
        free_port >/dev/null || return 1; NGINX_PORT=$FREE_PORT
        free_port >/dev/null || return 1; NGINX_ADMIN_PORT=$FREE_PORT
        free_port >/dev/null || return 1; NGINX_OLD_PORT=$FREE_PORT
        free_port >/dev/null || return 1; NGINX_NEW_PORT=$FREE_PORT
        sed -e "s|@DIR@|$dir|g" \
            -e "s|@LOAD_MODULES@|$load|" \
            -e "s|@USER_LINE@|$user_line|" \
            -e "s|@LUA_DIR@|$ROUTERS_REPO/contrib/nginx|g" \
            -e "s|@TEST_LUA_DIR@|$ROUTERS_REPO/tests/lib|g" \
            -e "s|@PORT@|$NGINX_PORT|g" \
            -e "s|@ADMIN_PORT@|$NGINX_ADMIN_PORT|g" \
            -e "s|@OLD_PORT@|$NGINX_OLD_PORT|g" \
            -e "s|@NEW_PORT@|$NGINX_NEW_PORT|g" \
            "$tmpl" >"$dir/nginx.conf" || return 1
        : >"$dir/error.log"
        NGINX_DIR=$dir
        if _nginx_launch; then
            return 0
        fi
        _stop_pid "$NGINX_PID"
        NGINX_PID=
        if ! grep -q "Address already in use" "$dir/error.log" "$dir/nginx.out" 2>/dev/null; then
            break
        fi
    done
    echo "nginx_start: nginx did not start; see $dir/error.log:" >&2
    tail -n 20 "$dir/error.log" "$dir/nginx.out" >&2 2>/dev/null
    return 1
}

# _nginx_launch: start nginx on $NGINX_DIR/nginx.conf (ports already in it)
_nginx_launch() {
    local bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
    "$bin" -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" -g 'daemon off;' \
        </dev/null >>"$NGINX_DIR/nginx.out" 2>&1 &
    NGINX_PID=$!
    export NGINX_PID NGINX_PORT NGINX_ADMIN_PORT NGINX_OLD_PORT NGINX_NEW_PORT NGINX_DIR
    _wait_listening "$NGINX_PID" "$NGINX_PORT" "$NGINX_ADMIN_PORT" "$NGINX_OLD_PORT" "$NGINX_NEW_PORT"
}

# nginx_restart: start the nginx of the last nginx_start again (same
# config, same ports) after nginx_stop; its flag store starts empty
nginx_restart() {
    [ -n "${NGINX_DIR:-}" ] || { echo "nginx_restart: no nginx was started" >&2; return 1; }
    if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
        echo "nginx_restart: nginx still running (pid $NGINX_PID)" >&2
        return 1
    fi
    local _
    for _ in $(seq 1 40); do
        _port_in_use "$NGINX_ADMIN_PORT" || _port_in_use "$NGINX_PORT" || break
        sleep 0.05
    done
    _nginx_launch && return 0
    _stop_pid "$NGINX_PID"
    NGINX_PID=
    echo "nginx_restart: nginx did not start again; see $NGINX_DIR/error.log" >&2
    return 1
}

# nginx_start_many DIR N: N more nginx instances (DIR/0 ... DIR/N-1), as
# replicas of one router.  Sets the arrays NGINXS_PID NGINXS_PORT
# NGINXS_ADMIN_PORT NGINXS_DIR; routers_cleanup stops them.  The
# single-instance variables (NGINX_PID ...) are left as they were.
nginx_start_many() {
    local dir=${1:?nginx_start_many: DIR required} n=${2:?nginx_start_many: N required} i
    local save_pid=$NGINX_PID save_port=${NGINX_PORT:-} save_admin=${NGINX_ADMIN_PORT:-}
    local save_old=${NGINX_OLD_PORT:-} save_new=${NGINX_NEW_PORT:-} save_dir=${NGINX_DIR:-}
    NGINXS_PID=() NGINXS_PORT=() NGINXS_ADMIN_PORT=() NGINXS_DIR=()
    for i in $(seq 0 $((n - 1))); do
        NGINX_PID=
        if ! nginx_start "$dir/$i"; then
            NGINX_PID=$save_pid
            return 1
        fi
        NGINXS_PID[i]=$NGINX_PID
        NGINXS_PORT[i]=$NGINX_PORT
        NGINXS_ADMIN_PORT[i]=$NGINX_ADMIN_PORT
        NGINXS_DIR[i]=$NGINX_DIR
        _ROUTERS_EXTRA_PIDS+=("$NGINX_PID")
    done
    NGINX_PID=$save_pid NGINX_PORT=$save_port NGINX_ADMIN_PORT=$save_admin
    NGINX_OLD_PORT=$save_old NGINX_NEW_PORT=$save_new NGINX_DIR=$save_dir
    return 0
}

# router_pause PID / router_resume PID: SIGSTOP or SIGCONT a router and
# its worker processes (a stopped nginx master alone still serves)
router_pause() {
    # shellcheck disable=SC2046
    kill -STOP "$1" $(_children_of "$1") 2>/dev/null
}
router_resume() {
    # shellcheck disable=SC2046
    kill -CONT "$1" $(_children_of "$1") 2>/dev/null
}

nginx_stop() {
    [ -n "$NGINX_PID" ] || return 0
    # workers normally exit with the master; remember them in case it is killed
    # shellcheck disable=SC2046
    _stop_pid "$NGINX_PID" $(_children_of "$NGINX_PID")
    NGINX_PID=
}

# haproxy_start DIR: start HAProxy on contrib/haproxy/haproxy.cfg.example
# (unchanged; ports and paths through its environment variables) plus the
# stub upstreams rendered from tests/lib/haproxy-test.cfg.in.  The map file
# is DIR/flags.map (from contrib/haproxy/flags.map.example).  Exports
# HAPROXY_PID HAPROXY_PORT HAPROXY_ADMIN_PORT HAPROXY_SOCK HAPROXY_MAP
# HAPROXY_OLD_PORT HAPROXY_NEW_PORT HAPROXY_DIR.
haproxy_start() {
    local dir=${1:?haproxy_start: DIR required}
    local bin=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
    local _
    if [ -n "$HAPROXY_PID" ] && kill -0 "$HAPROXY_PID" 2>/dev/null; then
        echo "haproxy_start: haproxy already running (pid $HAPROXY_PID)" >&2
        return 1
    fi
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd)
    HAPROXY_DIR=$dir
    HAPROXY_SOCK=$dir/haproxy.sock
    HAPROXY_MAP=$dir/flags.map
    HAPROXY_PIN_MAP=$dir/pins.map
    cp "$ROUTERS_REPO/contrib/haproxy/flags.map.example" "$HAPROXY_MAP" || return 1
    cp "$ROUTERS_REPO/contrib/haproxy/pins.map.example" "$HAPROXY_PIN_MAP" || return 1
    for _ in 1 2 3; do
        free_port >/dev/null || return 1; HAPROXY_PORT=$FREE_PORT
        free_port >/dev/null || return 1; HAPROXY_ADMIN_PORT=$FREE_PORT
        free_port >/dev/null || return 1; HAPROXY_OLD_PORT=$FREE_PORT
        free_port >/dev/null || return 1; HAPROXY_NEW_PORT=$FREE_PORT
        sed -e "s|@DIR@|$dir|g" \
            -e "s|@OLD_PORT@|$HAPROXY_OLD_PORT|g" \
            -e "s|@NEW_PORT@|$HAPROXY_NEW_PORT|g" \
            "$ROUTERS_LIB_DIR/haproxy-test.cfg.in" >"$dir/haproxy-test.cfg" || return 1
        : >"$dir/haproxy.log"
        if _haproxy_launch; then
            return 0
        fi
        _stop_pid "$HAPROXY_PID"
        HAPROXY_PID=
        if ! grep -qi "address already in use" "$dir/haproxy.log" 2>/dev/null; then
            break
        fi
    done
    echo "haproxy_start: haproxy did not start; see $dir/haproxy.log:" >&2
    tail -n 20 "$dir/haproxy.log" >&2 2>/dev/null
    return 1
}

# _haproxy_launch: start HAProxy with the HAPROXY_* ports and paths set
_haproxy_launch() {
    local bin=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)} _
    rm -f "$HAPROXY_SOCK"
    FICUS_HAPROXY_BIND=127.0.0.1:$HAPROXY_PORT \
    FICUS_HAPROXY_ADMIN=127.0.0.1:$HAPROXY_ADMIN_PORT \
    FICUS_HAPROXY_SOCK=$HAPROXY_SOCK \
    FICUS_HAPROXY_MAP=$HAPROXY_MAP \
    FICUS_HAPROXY_PIN_MAP=$HAPROXY_PIN_MAP \
    FICUS_MONOLITH_ADDR=127.0.0.1:$HAPROXY_OLD_PORT \
    FICUS_TRACKING_ADDR=127.0.0.1:$HAPROXY_NEW_PORT \
    FICUS_NOTIFICATIONS_ADDR=127.0.0.1:$HAPROXY_NEW_PORT \
        "$bin" -db -f "$ROUTERS_REPO/contrib/haproxy/haproxy.cfg.example" \
            -f "$HAPROXY_DIR/haproxy-test.cfg" -p "$HAPROXY_DIR/haproxy.pid" \
            </dev/null >>"$HAPROXY_DIR/haproxy.log" 2>&1 &
    HAPROXY_PID=$!
    export HAPROXY_PID HAPROXY_PORT HAPROXY_ADMIN_PORT HAPROXY_SOCK HAPROXY_MAP HAPROXY_PIN_MAP \
        HAPROXY_OLD_PORT HAPROXY_NEW_PORT HAPROXY_DIR
    _wait_listening "$HAPROXY_PID" "$HAPROXY_PORT" "$HAPROXY_ADMIN_PORT" \
        "$HAPROXY_OLD_PORT" "$HAPROXY_NEW_PORT" || return 1
    for _ in $(seq 1 40); do
        [ -S "$HAPROXY_SOCK" ] && return 0
        sleep 0.05
    done
    return 1
}

# haproxy_restart: start the HAProxy of the last haproxy_start again after
# haproxy_stop: same ports, and the map file as it is now (so values that
# ficus wrote into it survive, as on a real reload)
haproxy_restart() {
    [ -n "${HAPROXY_DIR:-}" ] || { echo "haproxy_restart: no haproxy was started" >&2; return 1; }
    if [ -n "$HAPROXY_PID" ] && kill -0 "$HAPROXY_PID" 2>/dev/null; then
        echo "haproxy_restart: haproxy still running (pid $HAPROXY_PID)" >&2
        return 1
    fi
    local _
    for _ in $(seq 1 40); do
        _port_in_use "$HAPROXY_ADMIN_PORT" || _port_in_use "$HAPROXY_PORT" || break
        sleep 0.05
    done
    _haproxy_launch && return 0
    _stop_pid "$HAPROXY_PID"
    HAPROXY_PID=
    echo "haproxy_restart: haproxy did not start again; see $HAPROXY_DIR/haproxy.log" >&2
    return 1
}

haproxy_stop() {
    [ -n "$HAPROXY_PID" ] || return 0
    # HAProxy stops at once on TERM (USR1 would be the graceful stop)
    _stop_pid "$HAPROXY_PID"
    HAPROXY_PID=
}

# haproxy_api COMMAND...: send one runtime API command to the TCP stats
# socket (bash /dev/tcp, no socat needed) and print the answer
haproxy_api() {
    local fd line
    [ -n "${HAPROXY_ADMIN_PORT:-}" ] || { echo "haproxy_api: haproxy not started" >&2; return 1; }
    exec {fd}<>"/dev/tcp/127.0.0.1/$HAPROXY_ADMIN_PORT" || return 1
    printf '%s\n' "$*" >&"$fd"
    # non-interactive mode: HAProxy answers, then closes the connection
    while IFS= read -r -t 5 line <&"$fd"; do
        printf '%s\n' "$line"
    done
    exec {fd}>&-
}

# haproxy_set_flag FLAG BP: what ficus does: "set map", or "add map" when
# the flag is not in the map yet, then rewrite the map file atomically so a
# reload keeps the value.  Returns non-zero when HAProxy refused.
haproxy_set_flag() {
    local flag=$1 bp=$2 out tmp
    out=$(haproxy_api "set map $HAPROXY_MAP $flag $bp")
    if [ -n "$out" ]; then
        # "entry not found." when the key is not in the map yet
        out=$(haproxy_api "add map $HAPROXY_MAP $flag $bp")
        if [ -n "$out" ]; then
            echo "haproxy_set_flag: $out" >&2
            return 1
        fi
    fi
    tmp=$HAPROXY_MAP.tmp.$$
    {
        grep -v -E "^[[:space:]]*$flag([[:space:]]|\$)" "$HAPROXY_MAP"
        printf '%s %s\n' "$flag" "$bp"
    } >"$tmp" && mv -f "$tmp" "$HAPROXY_MAP"
}

# routers_cleanup: stop everything this shell started (trap-friendly)
# prom_start DIR TARGET...: start Prometheus on a free loopback port,
# scraping each TARGET (host:port of an admin listener serving /metrics)
# every second and evaluating the ficus recording rules every second;
# waits until it is ready.  Exports PROM_PID PROM_PORT PROM_URL.
prom_start() {
    local dir=${1:?prom_start: DIR required} bin=${PROMETHEUS:-prometheus} t targets="" _
    shift
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd)
    for t in "$@"; do targets="$targets${targets:+, }\"$t\""; done
    free_port >/dev/null || return 1
    PROM_PORT=$FREE_PORT
    PROM_URL=http://127.0.0.1:$PROM_PORT
    cat >"$dir/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ROUTERS_REPO/contrib/prometheus/ficus.rules.yml
scrape_configs:
  - job_name: ficus-router
    static_configs:
      - targets: [$targets]
EOF2
    if [ -n "${PROM_TOKEN_FILE:-}" ]; then
        printf '    authorization:\n      type: Bearer\n      credentials_file: %s\n' \
            "$PROM_TOKEN_FILE" >>"$dir/prometheus.yml"
    fi
    "$bin" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --web.listen-address="127.0.0.1:$PROM_PORT" </dev/null >"$dir/out.log" 2>&1 &
    PROM_PID=$!
    export PROM_PID PROM_PORT PROM_URL
    for _ in $(seq 1 300); do
        kill -0 "$PROM_PID" 2>/dev/null || break
        curl -sf --max-time 2 "$PROM_URL/-/ready" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "prom_start: prometheus did not get ready; see $dir/out.log:" >&2
    tail -n 5 "$dir/out.log" >&2
    prom_stop
    return 1
}

# prom_query PROMQL: the first sample's value of an instant query, "" for none
prom_query() {
    curl -s --max-time 5 -G "$PROM_URL/api/v1/query" --data-urlencode "query=$1" |
        sed -n 's/.*"value":\[[0-9.]*,"\([^"]*\)"\].*/\1/p' | head -1
}

prom_stop() {
    [ -n "${PROM_PID:-}" ] || return 0
    _stop_pid "$PROM_PID"
    PROM_PID=
}

routers_cleanup() {
    local pid
    nginx_stop
    prom_stop
    haproxy_stop
    for pid in "${_ROUTERS_EXTRA_PIDS[@]}"; do
        # shellcheck disable=SC2046
        _stop_pid "$pid" $(_children_of "$pid")
    done
    _ROUTERS_EXTRA_PIDS=()
    return 0
}
