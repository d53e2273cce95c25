#!/bin/bash
# Bash completion completes verbs and names from the plan; make install
# into a temporary DESTDIR gives a working binary, man pages, completion,
# and make uninstall removes them all.
. "$(dirname "$0")/lib.sh"
new_plan
ficus domain add tracking -q && ficus service add tracking --domain tracking --route /api/t -q
mkdir bin && ln -s "$FICUS" bin/ficus
complete_words() {
	# complete_words WORD... : what bash completion offers for the last word
	PATH="$T/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_ficus; printf "%s\n" "${COMPREPLY[@]}"' _ "$FICUS_SRC/contrib/completion/ficus.bash" "$@"
}
expect_match '^promote$' "$(complete_words ficus pro)" "verb completion"
expect_match '^tracking$' "$(complete_words ficus promote tr)" "service completion"
expect_match '^--strategy$' "$(complete_words ficus order --st)" "option completion"
expect_match '^blast-radius$' "$(complete_words ficus order --strategy bl)" "strategy completion"

# install / uninstall into a temporary DESTDIR
dest="$T/dest"
env -u BUILD -u OPT -u LDFLAGS make -s -C "$FICUS_SRC" install DESTDIR="$dest" PREFIX=/usr >/dev/null 2>"$T/install.err" || fail "make install: $(cat "$T/install.err")"
check "binary installed" test -x "$dest/usr/bin/ficus"
check "ficus(1) installed" test -f "$dest/usr/share/man/man1/ficus.1"
check "ficus-plan(5) installed" test -f "$dest/usr/share/man/man5/ficus-plan.5"
check "completion installed" test -f "$dest/usr/share/bash-completion/completions/ficus"
check "contrib installed" test -f "$dest/usr/share/ficus/contrib/nginx/ficus.lua"
expect_exit 0 "$dest/usr/bin/ficus" --version
expect_exit 0 "$dest/usr/bin/ficus" status
env -u BUILD -u OPT -u LDFLAGS make -s -C "$FICUS_SRC" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
left=$(find "$dest" -type f | head -5)
expect_eq "" "$left" "files left after uninstall"
done_testing
