// busybox ash's language in ExecSync `sh -c` scripts, as the fake's interpreter follows it:
// functions, subshells and groups, here-documents, substitutions, parameter expansions, jobs, read,
// options, traps, eval and shift, and ash's syntax errors. No script here takes time: a replay's
// fake clock moves only between calls (how scripts take their time is pinned by the emulation's
// own tests).

import type { Scenario } from "../scenario.ts";
import { shellScriptsScenario } from "./common.ts";

export const shell: Scenario[] = [
  shellScriptsScenario("exec-sync-shell-functions", "sh -c in ExecSync with functions: positional parameters, return, local, assignments before a call, recursion, ash's function names", [
    'f() { echo "in f: $# $1 $2"; return 3; echo never; }; f a "b c"; echo $?',
    "f() { local v=inner; echo $v; }; v=outer; f; echo $v",
    "f() { v=changed; }; v=1; f; echo $v",
    "fib() { if [ $1 -lt 2 ]; then echo $1; return; fi; echo $(( $(fib $(($1-1))) + $(fib $(($1-2))) )); }; fib 7",
    "f() { echo $0 $FOO; }; FOO=bar f; echo [$FOO]",
    "g() { return; }; false; g; echo $?; return 4; echo never",
    "local x; echo never",
    "exit() { :; }",
    "f() echo simple; f; f() { shift; echo $@; }; f 1 2 3",
    "function h { echo keyword; }; h",
    "f() { cd /nope; echo $?; }; f",
  ]),

  shellScriptsScenario("exec-sync-shell-subshells-groups", "sh -c in ExecSync with ( ) subshells and { } groups: what a subshell changes stays in it, a group's redirections and pipes", [
    "x=1; (x=2; echo in $x); echo out $x",
    "(cd /tmp && pwd); pwd",
    "(exit 7); echo $?",
    "{ echo a; echo b; } | wc -l",
    "{ echo one; echo two >&2; } 2>&1 | sort -r",
    "{ x=5; }; echo $x",
    "( echo sub; exit 3 ) && echo no || echo failed $?",
    "echo start; (echo inner; exit 2); echo end $?",
    "{ echo g > /tmp/grp; cat /tmp/grp; }; cat /tmp/grp",
    "( )",
    "{ }",
  ]),

  shellScriptsScenario("exec-sync-shell-here-docs", "sh -c in ExecSync with here-documents: expanded or quoted, <<- stripping tabs, feeding read and a pipeline, two on one line, one without its end", [
    "cat <<EOF\nhost=$HOSTNAME\nsum=$((1+2)) $(echo sub)\n\\$literal \\\\ back\nEOF",
    "cat <<'EOF'\n$HOSTNAME `x` \\n\nEOF",
    "cat <<-EOF\n\tindented\n\t\tdeeper\n\tEOF\necho after",
    'while read a b; do echo "[$a] [$b]"; done <<EOF\none two three\nfour\nEOF',
    "wc -l <<EOF\na\nb\nEOF",
    "cat <<A; cat <<B\nfirst\nA\nsecond\nB",
    "cat <<EOF\nno end",
  ]),

  shellScriptsScenario("exec-sync-shell-substitutions", "sh -c in ExecSync with $( ) and backquotes: nesting, quoting, trailing newlines, the status they leave", [
    'echo $(echo a; echo b) "$(echo "c  d")"',
    'echo `echo back` "`echo quoted`"',
    "x=$(exit 3); echo $?; echo $(exit 4) $?",
    'echo "$(echo "$(echo nested)")"',
    "echo $(printf 'a\\n\\n\\n')end",
    "n=$(cat /etc/hostname | wc -c); echo $n",
    "echo $(nope) status",
    "echo $(echo; echo)x",
  ]),

  shellScriptsScenario("exec-sync-shell-parameters", "sh -c in ExecSync with ${...} forms: defaults, assignments, errors, lengths, patterns, substrings, replacements; positional parameters; arithmetic", [
    "echo ${x:-default} ${x-unset} ${x:=assigned} $x ${x:+alt} ${#x}",
    "x=hello.tar.gz; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.} ${#x}",
    "x=abcdef; echo ${x:2} ${x:1:3} ${x: -2} ${x:2:-1} ${x/cd/X} ${x//[ace]/_}",
    "e=; echo [${e:-empty}] [${e-set}] [${e:+plus}] [${e+plus}]",
    "echo ${v:?is required}; echo never",
    "echo ${v?}",
    "echo ${!v}",
    'set -- a b c; echo ${#} ${1} ${3:-none} ${4:-none} "${@}"',
    'p="x*"; echo ${p}; echo "${HOSTNAME%d}" ${HOSTNAME#p}',
    "echo ${HOME:-/x} ~ ~/sub",
    "echo $((x=2**10)) $x $((x++)) $x $((x%7)) $((010+0x10)) $((1<<65)) $((2#101)); a=b; b=3+4; echo $((a*2))",
  ]),

  shellScriptsScenario("exec-sync-shell-jobs", "sh -c in ExecSync with background jobs: wait for all or one, their status, kill, what waiting on a killed job prints", [
    "true & echo started; wait; echo done",
    "(exit 3) & wait $!; echo $?",
    "false & true & wait; echo $?",
    "sleep 10 & kill $!; wait $!; echo $?",
    "sleep 10 & kill -9 %1; wait; echo $?",
    "(echo job) & wait; echo after",
    "wait 99; echo $?",
    'sleep 10 & pid=$!; [ -n "$pid" ] && echo has a pid; kill %1; wait',
  ]),

  shellScriptsScenario("exec-sync-shell-read", "sh -c in ExecSync with read: from a here-document, a pipe, a file; fields, -r, a missing line", [
    'read a b <<EOF\none two three\nEOF\necho "[$a] [$b]"',
    'echo "x y" | { read a b; echo "$b $a"; }',
    'echo piped | read v; echo "[$v]"',
    "printf 'l1\\nl2\\n' | while read line; do echo \"got $line\"; done",
    'while IFS=: read user x uid rest; do echo "$user=$uid"; done < /etc/passwd',
    "read -r raw <<'EOF'\na\\tb \\\nc\nEOF\necho \"$raw\"; read cooked <<'EOF'\na\\tb \\\nc\nEOF\necho \"$cooked\"",
    "read x < /dev/null; echo $? [$x]",
    'read a b c <<EOF\nonly\nEOF\necho "[$a][$b][$c]"',
  ]),

  shellScriptsScenario("exec-sync-shell-options", "sh -c in ExecSync with set -e, set -u, set -x, set -f and $-", [
    "set -e; echo a; false; echo never",
    "set -e; false || true; if false; then :; fi; ! true; echo survived",
    "set -e; f() { false; echo in f; }; f && echo after",
    "set -e; x=$(false); echo never",
    "set -e; (false); echo never",
    "set -u; echo ${v:-ok}; echo $v; echo never",
    'set -u; echo "$@" fine',
    "set -x; echo a 'b c'; x=1",
    "echo $-; set -eu; echo $-",
    "set -o bogus; echo $?",
    "set -q",
    "set -f; echo /etc/pass*; set +f; echo /etc/pass*",
  ]),

  shellScriptsScenario("exec-sync-shell-traps", "sh -c in ExecSync with trap: the EXIT trap and its status, listing, resetting and ignoring, a bad signal, subshells", [
    "trap 'echo bye' EXIT; echo hi",
    "trap 'echo status $?' EXIT; exit 3",
    "trap 'echo t; exit 4' EXIT; false",
    "trap 'echo a' INT TERM; trap '' HUP; trap - INT; trap",
    "trap x BOGUS; echo $?",
    "trap 'echo main-exit' EXIT; (trap 'echo inner' EXIT; echo sub); echo main",
    "f() { trap 'echo fn-exit' EXIT; }; f; echo after",
  ]),

  shellScriptsScenario("exec-sync-shell-eval-shift", "sh -c in ExecSync with eval, shift, set -- and .", [
    "eval 'x=5; echo $x'; echo $x",
    "cmd='echo one; echo two'; eval \"$cmd\"",
    "eval echo '$HOSTNAME'",
    "eval 'echo ('; echo after",
    "eval; echo $?",
    "set -- a b c d; shift; echo $@; shift 2; echo $# $1; shift 5; echo $?",
    "shift x",
    'set -- "a b" c; for i; do echo "[$i]"; done',
    ". /nope; echo never",
  ]),

  shellScriptsScenario("exec-sync-shell-syntax-errors", "sh -c in ExecSync with scripts ash refuses: its words, and the lines before the error that still run", [
    "echo a\nfi",
    "echo a; fi",
    "if true; then",
    "for 1 in a; do :; done",
    "echo ${x",
    "echo $((1+2)",
    "case a in ) x;; esac",
    "echo 'unterminated",
    "a &&",
    "while true; do done",
    "echo `echo",
  ]),
];
