#!/bin/sh
# A reconciliation check for 'ficus check run': compare the row counts of
# the old store (the monolith's tables) and the new one, and pass only when
# they agree.  ficus runs it with FICUS_SERVICE, FICUS_FLAG, FICUS_PHASE,
# FICUS_PERCENT and FICUS_CHECK set; exit status 0 is a pass, and the last
# line printed is the detail recorded with the result.
#
# Set RECONCILE_OLD and RECONCILE_NEW to commands that print a row count
# each, for example:
#   RECONCILE_OLD='psql -Atc "select count(*) from tracking_events" monolith'
#   RECONCILE_NEW='psql -Atc "select count(*) from events" tracking'
# Without them the script runs as the README's rehearsal: it passes and
# says that it compared nothing.
set -u
service=${FICUS_SERVICE:-tracking}
if [ -z "${RECONCILE_OLD:-}" ] || [ -z "${RECONCILE_NEW:-}" ]; then
	echo "rehearsal: no stores configured for '$service' (set RECONCILE_OLD and RECONCILE_NEW)"
	exit 0
fi
old=$(sh -c "$RECONCILE_OLD") || { echo "the old store did not answer"; exit 1; }
new=$(sh -c "$RECONCILE_NEW") || { echo "the new store did not answer"; exit 1; }
case "$old$new" in *[!0-9]*|'') echo "not row counts: old '$old', new '$new'"; exit 1 ;; esac
echo "rows $new/$old"
[ "$old" = "$new" ]
