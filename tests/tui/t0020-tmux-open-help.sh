#!/bin/bash
# Under tmux, at 80x24 and at 200x50, on the demo plan: the dashboard opens,
# navigation works, and the help lists every binding of the key table.
. "$(dirname "$0")/lib.sh"
demo_plan
dash_script "dump-keys:$T/keys.tsv"

for size in 80x24 200x50; do
	w=${size%x*} h=${size#*x}
	tm_start "$w" "$h" --
	expect_screen '^ ficus +plan: ' "$size: header"
	expect_screen '2026-10-04 09:00:00Z' "$size: the time from FICUS_NOW"
	expect_screen '▸ auth ' "$size: services table"
	expect_screen 'routers: none' "$size: routers summary"
	# navigation
	tm_keys j
	expect_screen '▸ documents ' "$size: j"
	tm_keys G
	expect_screen '▸ tracking ' "$size: G"
	expect_screen 'step_soak: the step has soaked 7d >= 7d' "$size: detail pane of tracking"
	tm_keys k
	expect_screen '▸ notifications ' "$size: k"
	tm_keys Down
	expect_screen '▸ tracking ' "$size: Down"
	tm_keys Tab
	expect_screen '2 ▶Map' "$size: Tab to the map"
	expect_screen 'order: outside-in' "$size: map view"
	tm_keys o
	expect_screen 'order: blast-radius' "$size: o switches the strategy"
	tm_keys Tab
	expect_screen '3 ▶History' "$size: Tab to the history"
	tm_keys Enter
	expect_screen 'Author: Dana Okafor' "$size: Enter shows the commit"
	tm_keys Escape
	expect_screen '3 ▶History' "$size: Esc closes it"
	tm_keys BTab
	expect_screen '2 ▶Map' "$size: Shift-Tab"
	tm_keys 1
	expect_screen '1 ▶Services' "$size: 1"
	tm_keys Enter
	expect_screen 'same answer as: ficus status tracking' "$size: Enter on a service"
	tm_keys q
	expect_screen '1 ▶Services' "$size: q closes the pager"

	# the help: page through it all and collect the text
	tm_keys '?'
	expect_screen '^ +help +1-' "$size: ? opens the help"
	all=""
	for _ in $(seq 30); do
		page=$(tm_screen)
		all+=$'\n'"$page"
		printf '%s\n' "$page" | grep -Eq '^ help +[0-9]+-([0-9]+)/\1$' && break
		tm_keys PageDown
		sleep 0.1
	done
	text=$(printf '%s\n' "$all" | sed 's/^ *//' | tr -s ' ')
	missing=0
	while IFS=$'\t' read -r section labels help; do
		words=$(printf '%s' "$help" | cut -d' ' -f1-4)
		if ! printf '%s\n' "$text" | grep -qF -- "$labels $words"; then
			fail "$size: help lacks '$labels $words'"
			missing=$((missing + 1))
		fi
		printf '%s\n' "$text" | grep -qF -- "$section" || fail "$size: help lacks section '$section'"
	done <"$T/keys.tsv"
	tests_run=$((tests_run + 1))
	expect_eq 0 "$missing" "$size: every binding in the help"
	tm_keys q
	expect_screen '1 ▶Services' "$size: q closes the help"
	tm_quit
	tm_stop
done

done_testing
