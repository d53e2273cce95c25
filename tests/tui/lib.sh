# Sourced by the dashboard tests (tests/tui/t*.sh).  On top of the CLI test
# library: the demo plan, the headless mode (FICUS_DASH_SCRIPT) and tmux.
#
# tmux runs on a server of its own (-L ficus-test-$$, no config, its socket
# under the test's directory), which the test kills at exit by that name;
# nothing else is touched.  Waiting for the
# screen polls capture-pane (the UI draws asynchronously); gates never wait
# for time: FICUS_NOW moves it.
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

export LC_ALL=C.UTF-8
export FICUS_DASH_REFRESH=${FICUS_DASH_REFRESH:-5}
DEMO_NOW=2026-10-04T09:00:00Z
TMUX_SOCK=ficus-test-$$
# the server's socket lives in the test's directory, removed with it
export TMUX_TMPDIR=$T
unset TMUX
_tmux_started=

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# tm_stop: stop this test's tmux server and wait until it has exited: a
# new-session that reaches a server still shutting down fails with
# "server exited unexpectedly".
tm_stop() {
	local pid i
	pid=$(tm display-message -p '#{pid}' 2>/dev/null)
	tm kill-server 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
}

_tui_cleanup() {
	[ -n "$_tmux_started" ] && tm_stop
	cleanup
}
trap _tui_cleanup EXIT

# demo_plan DIR: the demo plan (tools/demo-plan.sh), FICUS_PLAN and FICUS_NOW set for it
demo_plan() {
	local dir=${1:-plan}
	FICUS_ACTOR="Dana Okafor <dana@logistics.example>" "$FICUS_SRC/tools/demo-plan.sh" "$T/$dir" >/dev/null ||
		{ fail "demo plan"; exit 1; }
	export FICUS_PLAN="$T/$dir"
	export FICUS_NOW=$DEMO_NOW
}

# copy_plan FROM TO: an identical copy (database included)
copy_plan() { cp -a "$T/$1" "$T/$2"; }

# head_of PLAN
head_of() { git -C "$T/$1" rev-parse HEAD; }

# dash_script [-s WxH] [-e VAR=VALUE]... TOKEN...: run the dashboard headless
# with these script tokens; the final screen is in $T/screen.txt, stderr in
# $dash_err, the exit status in $dash_rc.
dash_script() {
	local size=80x24 envs=() script="$T/script.$RANDOM"
	while [ $# -gt 0 ]; do
		case $1 in
		-s) size=$2; shift 2 ;;
		-e) envs+=("$2"); shift 2 ;;
		*) break ;;
		esac
	done
	printf '%s\n' "$@" >"$script"
	env "${envs[@]}" FICUS_DASH_SCRIPT="$script" FICUS_DASH_SIZE="$size" FICUS_DASH_DUMP="$T/screen.txt" \
		"$FICUS" dash ${DASH_ARGS:-} 2>"$T/dash.err"
	dash_rc=$?
	dash_err=$(cat "$T/dash.err")
	screen=$(cat "$T/screen.txt" 2>/dev/null)
	return 0
}

# screen_line N [FILE]: row N (0-based) of a dump
screen_line() { sed -n "$(($1 + 1))p" "${2:-$T/screen.txt}"; }

# ---- tmux ----

# tm_start W H [ENV=VALUE...] -- ARGS...: 'ficus dash ARGS' in a W x H tmux
# window.  The pane stays after the dashboard exits and prints its status.
tm_start() {
	local w=$1 h=$2 envs=() cmd
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	cmd=$(printf '%q ' env "${envs[@]}" FICUS_PLAN="$FICUS_PLAN" FICUS_NOW="$FICUS_NOW" LC_ALL=C.UTF-8 \
		FICUS_ACTOR="$FICUS_ACTOR" FICUS_DASH_REFRESH="$FICUS_DASH_REFRESH" "$FICUS" dash "$@")
	_tmux_started=1
	tm new-session -d -x "$w" -y "$h" -s dash "$cmd; echo \"[dash exited \$?]\"; sleep 600" ||
		{ fail "tmux new-session"; exit 1; }
}

tm_keys() { tm send-keys -t dash "$@"; }
# tm_type TEXT: literal text
tm_type() { tm send-keys -t dash -l "$1"; }
tm_screen() { tm capture-pane -p -t dash; }
tm_screen_e() { tm capture-pane -e -p -t dash; }
tm_resize() { tm resize-window -t dash -x "$1" -y "$2"; }

# tm_wait PATTERN [SECONDS]: wait until the screen matches (grep -E); 1 on timeout
tm_wait() {
	local pat=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		if tm_screen | grep -Eq -- "$pat"; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# expect_screen PATTERN [DESC]: a check that the tmux screen shows PATTERN (waits for it)
expect_screen() {
	tests_run=$((tests_run + 1))
	if ! tm_wait "$1" "${3:-10}"; then
		fail "${2:-screen} does not show /$1/:"$'\n'"$(tm_screen)"
		return 1
	fi
}

# tm_quit: q, and the dashboard exits 0
tm_quit() {
	tm_keys q
	expect_screen '\[dash exited 0\]' "dashboard exit"
}

# ok_after_wait CMD...: poll CMD (up to 10 s) until it succeeds
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
