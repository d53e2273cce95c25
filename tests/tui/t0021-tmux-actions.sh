#!/bin/bash
# Under tmux, at 80x24 and 200x50: promoting through the dialog with a typed
# reason makes exactly the CLI's commit; rollback from the history view in
# two keystrokes plus a reason sets the percentage to 0 and the commit
# appears in that view without restarting; a closed gate shows why, and
# confirming does nothing unless forced with a reason.
. "$(dirname "$0")/lib.sh"
demo_plan base

for size in 80x24 200x50; do
	w=${size%x*} h=${size#*x}
	rm -rf "$T/plan" "$T/cli"
	copy_plan base plan
	copy_plan base cli
	export FICUS_PLAN=$T/plan
	before=$(head_of plan)

	# promote tracking: 10% -> 50%
	tm_start "$w" "$h" --
	expect_screen '▸ auth ' "$size: up"
	tm_keys G p
	expect_screen "promote 'tracking'" "$size: the dialog"
	expect_screen 'effect +read-cutover 10% → read-cutover 50%' "$size: effect"
	expect_screen 'traffic +\+1280 req/s' "$size: traffic"
	expect_screen '✓ open +step_soak' "$size: gates"
	expect_screen 'command +ficus promote tracking' "$size: equivalent command"
	tm_type "latency flat, error budget intact"
	expect_screen 'reason +latency flat, error budget intact' "$size: typed reason"
	tm_keys Enter
	expect_screen '< Cancel > +\[ Promote \]' "$size: Enter in the reason: on the buttons, Cancel selected"
	expect_eq "$before" "$(head_of plan)" "$size: a reason and Enter change nothing"
	tm_keys Right Enter
	expect_screen 'done, commit [0-9a-f]{12}' "$size: the result in the status line"
	expect_screen 'tracking +.*50%' "$size: 50% in the table"
	FICUS_PLAN=$T/cli ficus promote tracking -q -m "latency flat, error budget intact" || fail "$size: cli promote"
	expect_eq "$(git -C cli rev-parse HEAD^{tree})" "$(git -C plan rev-parse HEAD^{tree})" "$size: same tree as the CLI"
	expect_eq "$(trailers HEAD "$T/cli" | grep -v ^Ficus-Change:)" "$(trailers HEAD "$T/plan" | grep -v ^Ficus-Change:)" \
		"$size: same Ficus-From/To/Gates/Action/Forced as the CLI"
	expect_eq "latency flat, error budget intact" "$(git -C plan log -1 --format=%b | sed -n 1p)" "$size: the reason"

	# rollback from the history view: R, Enter, reason, Enter, Right, Enter
	tm_keys 3
	expect_screen '3 ▶History' "$size: history view"
	expect_screen 'tracking +ramp +read-cutover 10% +read-cutover 50%' "$size: the promotion is there"
	tm_keys R
	expect_screen 'roll back which service\?' "$size: R: the picker"
	expect_screen '▸ tracking +read-cutover 50%' "$size: on the last selected service"
	tm_keys Enter
	expect_screen "roll back 'tracking'" "$size: Enter: the dialog"
	tm_type "p99 doubled at 50%"
	tm_keys Enter Right Enter
	expect_screen 'tracking +rollback +read-cutover 50% +read-cutover 0%' "$size: the rollback in the history view"
	expect_screen '3 ▶History' "$size: still the history view, not restarted"
	expect_match '^Ficus-To: read-cutover 0%$' "$(trailers HEAD "$T/plan")" "$size: at 0%"
	tm_keys 1
	expect_screen 'tracking +pl.*░{10} +0% ' "$size: 0% in the table"

	# a closed gate: notifications (reconcile 1/3)
	tm_keys g j j p
	expect_screen "promote 'notifications'" "$size: dialog"
	expect_screen "✗ CLOSED +reconcile: check 'reconcile' has 1 passing" "$size: why the gate is closed"
	head=$(head_of plan)
	tm_type "counts checked by hand"
	tm_keys Enter Right Enter
	expect_screen 'nothing changed: gate closed' "$size: confirming does nothing"
	expect_eq "$head" "$(head_of plan)" "$size: no commit"
	tm_keys BTab BTab Space
	expect_screen 'force +\[x\]' "$size: force ticked"
	tm_keys Enter Right Enter
	expect_screen "done, commit [0-9a-f]{12}: promote 'notifications'" "$size: forced with a reason"
	expect_match '^Ficus-Forced: yes \(closed: reconcile\)$' "$(trailers HEAD "$T/plan")" "$size: recorded as forced"
	tm_quit
	tm_stop
	expect_exit 0 "$FICUS" verify
done

done_testing
