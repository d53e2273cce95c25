# bash completion for ficus(1)
# Verbs and options come from 'ficus --help' and 'ficus VERB --help';
# service and domain names from the current plan.

_ficus_names() {
	# $1: service|domain
	ficus "$1" list 2>/dev/null | cut -f1
}

_ficus() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local verb="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--plan|--actor|--reason|-m|--expect|--lock-timeout) ((i++)) ;;
		-*) ;;
		*) verb=${words[i]}; break ;;
		esac
	done

	case $prev in
	--plan) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--from) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--strategy) COMPREPLY=($(compgen -W "outside-in blast-radius least-coupled" -- "$cur")); return ;;
	--format)
		if [ "$verb" = notify ]; then
			COMPREPLY=($(compgen -W "json slack" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "text json dot" -- "$cur"))
		fi
		return ;;
	--events) COMPREPLY=($(compgen -W "all change gate-open push-failed drift test" -- "$cur")); return ;;
	--url-file|--token-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--kind) COMPREPLY=($(compgen -W "calls reads writes shares-table" -- "$cur")); return ;;
	--driver) COMPREPLY=($(compgen -W "haproxy nginx-lua http envoy none" -- "$cur")); return ;;
	--to) COMPREPLY=($(compgen -W "dual-write backfill read-cutover decommission done 1% 10% 50% 100%" -- "$cur")); return ;;
	--domain) COMPREPLY=($(compgen -W "$(_ficus_names domain)" -- "$cur")); return ;;
	--needs) COMPREPLY=($(compgen -W "$(_ficus_names service)" -- "$cur")); return ;;
	--no-data) COMPREPLY=($(compgen -W "hold fail" -- "$cur")); return ;;
	--token-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac

	if [ -z "$verb" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(ficus --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(ficus --help 2>/dev/null | sed -n '/^verbs:/,/^$/p' | awk 'NF > 1 && $1 != "verbs:" { print $1 }')" -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(ficus "$verb" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
		return
	fi
	case $verb in
	promote|rollback|shadow|status)
		COMPREPLY=($(compgen -W "$(_ficus_names service)" -- "$cur")) ;;
	service)
		if [ "$prev" = service ]; then
			COMPREPLY=($(compgen -W "add set rm list show pin" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ficus_names service)" -- "$cur"))
		fi ;;
	domain)
		if [ "$prev" = domain ]; then
			COMPREPLY=($(compgen -W "add set rm list show" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ficus_names domain)" -- "$cur"))
		fi ;;
	dep)
		if [ "$prev" = dep ]; then
			COMPREPLY=($(compgen -W "add rm list" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ficus_names domain)" -- "$cur"))
		fi ;;
	map) [ "$prev" = map ] && COMPREPLY=($(compgen -W "import export show" -- "$cur")) ;;
	check)
		if [ "$prev" = check ]; then
			COMPREPLY=($(compgen -W "record run add set rm" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ficus_names service)" -- "$cur"))
		fi ;;
	router)
		if [ "$prev" = router ]; then
			COMPREPLY=($(compgen -W "add rm list status sync verify" -- "$cur"))
		elif [ "$prev" = rm ]; then
			COMPREPLY=($(compgen -W "$(ficus router list 2>/dev/null | cut -f1)" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ficus_names service)" -- "$cur"))
		fi ;;
	notify)
		if [ "$prev" = notify ]; then
			COMPREPLY=($(compgen -W "add rm list test deliver" -- "$cur"))
		elif [ "$prev" = rm ] || [ "$prev" = test ]; then
			COMPREPLY=($(compgen -W "$(ficus notify list 2>/dev/null | cut -f1)" -- "$cur"))
		fi ;;
	log) COMPREPLY=($(compgen -W "$(_ficus_names service) $(_ficus_names domain)" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "exit-codes $(ficus --help 2>/dev/null | sed -n '/^verbs:/,/^$/p' | awk 'NF > 1 && $1 != "verbs:" { print $1 }')" -- "$cur")) ;;
	esac
}
complete -F _ficus ficus
