#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# Runs apt-get only when something is missing, and says what it installs.
missing=
for p in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "ficus: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "ficus: run as root, or install them yourself: apt-get install$missing" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if needed.
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update -qq && $SUDO apt-get install -y --no-install-recommends $missing || exit 1
fi
# Debian starts nginx and haproxy as system services on install; ficus's
# tests run their own on free ports, so stop the system ones if we started them.
for svc in nginx haproxy; do
	case " $missing " in *" $svc "*)
		if command -v service >/dev/null 2>&1; then $SUDO service $svc stop >/dev/null 2>&1 || true; fi ;;
	esac
done
exit 0
