# shellcheck shell=bash
# Process helpers shared by scripts/stack and scripts/cluster (Linux /proc).
# Sourced, not run. The sourcing script sets:
#   MV_LOG_PREFIX        prefix of the say/warn/die lines (stack, cluster)
#   LOCK_FILE LOCK_WAIT  the lock that lock() takes on fd 9, and for how long
#                        it waits (seconds)
#   SECRETS              the secrets file of ensure_secrets
#
# Pid files: next to every pid file of a process we started lies
# PIDFILE.starttime ("pid starttime", written by start_bg or record_start).
# running_pid accepts a pid only while it is still the process with that
# start time, so a pid reused by another process is never taken for ours. A
# pid file without that record (written by an older version of the scripts)
# is checked by its command line alone.

# ---------------------------------------------------------------------------
# Messages

# say MESSAGE...: print a progress line
say() { printf '%s: %s\n' "$MV_LOG_PREFIX" "$*"; }
# warn MESSAGE...: print a line on stderr
warn() { printf '%s: %s\n' "$MV_LOG_PREFIX" "$*" >&2; }
# die MESSAGE...: print an error on stderr and exit 1
die() { printf '%s: error: %s\n' "$MV_LOG_PREFIX" "$*" >&2; exit 1; }

# usage EXIT-STATUS: print the calling script's header comment, exit
usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[-1]}" >&2
  exit "$1"
}

# check_path WHAT PATH: die if PATH has characters that config files would need quoted
check_path() {
  case "$2" in
    *[\"\\\$\;\#\'\`]* | *[[:space:]]*) die "$1 contains characters that are not supported (quotes, \\, \$, ;, #, spaces): $2" ;;
  esac
}

# show_log FILE [LINES]: print the end of a log file on stderr, if it has any
show_log() {
  if [ -s "$1" ]; then
    printf -- '--- last lines of %s ---\n' "$1" >&2
    tail -n "${2:-30}" "$1" >&2
    printf -- '---\n' >&2
  fi
}

# lock: take $LOCK_FILE on fd 9 (one run of the script at a time), wait up to $LOCK_WAIT s
lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>>"$LOCK_FILE"
  flock -w "$LOCK_WAIT" 9 || die "another scripts/$MV_LOG_PREFIX run holds $LOCK_FILE"
}

# ---------------------------------------------------------------------------
# Processes

# read_pid PIDFILE -> the pid it holds (first line, digits only)
read_pid() {
  local pid=""
  [ -r "$1" ] || return 1
  read -r pid <"$1" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  printf '%s' "$pid"
}

# proc_stat PID -> the fields of /proc/PID/stat after "(comm)", from the state on
proc_stat() {
  local line=""
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  printf '%s' "${line##*) }"
}

# is_alive PID: the process exists and is not a zombie
is_alive() {
  local rest
  rest=$(proc_stat "$1") || return 1
  [ "${rest%% *}" != Z ]
}

# start_time PID -> its start time in clock ticks since boot (with the pid, identifies a process)
start_time() {
  local rest
  rest=$(proc_stat "$1") || return 1
  # shellcheck disable=SC2086  # split into the stat fields (numbers and a state letter)
  set -- $rest
  printf '%s' "${20}"
}

# proc_matches PID TOKEN...: its command line or executable contains one of the tokens
proc_matches() {
  local pid=$1 cmdline exe token
  shift
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  for token in "$@"; do
    [[ $cmdline == *"$token"* || $exe == *"$token"* ]] && return 0
  done
  return 1
}

# record_start PIDFILE [PID]: note PID's (default: the pid file's) start time in PIDFILE.starttime
record_start() {
  local pid=${2:-} st
  [ -n "$pid" ] || pid=$(read_pid "$1") || return 1
  st=$(start_time "$pid") || st=gone
  printf '%s %s\n' "$pid" "$st" >"$1.starttime"
}

# same_start PIDFILE PID: PID is the process recorded in PIDFILE.starttime (true without a record)
same_start() {
  local rpid="" rst=""
  [ -e "$1.starttime" ] || return 0
  read -r rpid rst <"$1.starttime" || true
  [ "$rpid" = "$2" ] && [ "$rst" = "$(start_time "$2" || true)" ]
}

# forget_pid PIDFILE: remove the pid file and its start-time record
forget_pid() { rm -f "$1" "$1.starttime"; }

# running_pid PIDFILE TOKEN... -> pid of the live process it names: same start
# time as recorded, and its command line or executable has one of the tokens
running_pid() {
  local pidfile=$1 pid
  shift
  pid=$(read_pid "$pidfile") || return 1
  is_alive "$pid" || return 1
  proc_matches "$pid" "$@" || return 1
  same_start "$pidfile" "$pid" || return 1
  printf '%s' "$pid"
}

# descendants PID -> "pid:starttime" of all its descendants
descendants() {
  local parent=$1 f rest pid ppid
  for f in /proc/[0-9]*/stat; do
    rest=""
    { read -r rest <"$f"; } 2>/dev/null || continue
    read -r _ ppid _ <<<"${rest##*) }"
    if [ "$ppid" = "$parent" ]; then
      pid=${f#/proc/}
      pid=${pid%/stat}
      printf '%s:%s\n' "$pid" "$(start_time "$pid" || true)"
      descendants "$pid"
    fi
  done
}

# group_members PGID -> "pid:starttime" of the processes in that process group, but its leader
group_members() {
  local f rest pid pgrp
  for f in /proc/[0-9]*/stat; do
    rest=""
    { read -r rest <"$f"; } 2>/dev/null || continue
    read -r _ _ pgrp _ <<<"${rest##*) }"
    pid=${f#/proc/}
    pid=${pid%/stat}
    if [ "$pgrp" = "$1" ] && [ "$pid" != "$1" ]; then
      printf '%s:%s\n' "$pid" "$(start_time "$pid" || true)"
    fi
  done
}

# ours PID [ENTRY...] -> the entries, PID's descendants and its process group, once each
ours() {
  local pid=$1
  shift
  { [ "$#" -eq 0 ] || printf '%s\n' "$@"; descendants "$pid"; group_members "$pid"; } | sort -u
}

# wait_gone PID SECONDS: wait until the process is gone; false on timeout
wait_gone() {
  local deadline=$((SECONDS + $2))
  while is_alive "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# wait_until SECONDS COMMAND...: retry COMMAND until it succeeds; false on timeout
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# still_same ENTRY: the "pid:starttime" entry is a live process with that start time
still_same() { is_alive "${1%%:*}" && [ "$(start_time "${1%%:*}" || true)" = "${1#*:}" ]; }

# kill_leftovers ENTRY...: SIGKILL the "pid:starttime" entries that are still the same process
kill_leftovers() {
  local entry
  for entry in "$@"; do
    if still_same "$entry"; then
      warn "killing leftover process ${entry%%:*}"
      kill -KILL "${entry%%:*}" 2>/dev/null || true
    fi
  done
}

# wait_leftovers SECONDS ENTRY...: wait until no "pid:starttime" entry is still the same process
wait_leftovers() {
  local deadline=$((SECONDS + $1)) entry
  shift
  for entry in "$@"; do
    while still_same "$entry"; do
      [ "$SECONDS" -lt "$deadline" ] || return 1
      sleep 0.1
    done
  done
}

# stop_process NAME PIDFILE SIGNAL SECONDS TOKEN...: signal the process, wait,
# then SIGKILL it; its descendants and process group that outlive it are killed
stop_process() {
  local name=$1 pidfile=$2 sig=$3 secs=$4 pid kids
  shift 4
  if ! pid=$(running_pid "$pidfile" "$@"); then
    forget_pid "$pidfile"
    say "$name: not running"
    return 0
  fi
  mapfile -t kids < <(ours "$pid")
  kill "-$sig" "$pid" 2>/dev/null || true
  if wait_gone "$pid" "$secs"; then
    # Children normally end with their parent; give stragglers a moment.
    wait_leftovers 5 "${kids[@]}" || kill_leftovers "${kids[@]}"
  else
    warn "$name (pid $pid) did not stop within ${secs}s; sending SIGKILL"
    mapfile -t kids < <(ours "$pid" "${kids[@]}")
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || warn "$name (pid $pid) is still there"
    # Orphaned children (workers) would keep running: end them too.
    kill_leftovers "${kids[@]}"
  fi
  # Whatever joined its process group meanwhile ends with it.
  mapfile -t kids < <(group_members "$pid")
  kill_leftovers "${kids[@]}"
  forget_pid "$pidfile"
  say "$name: stopped (pid $pid)"
}

# start_bg LOGFILE PIDFILE COMMAND...: start a daemon in its own session (its
# pid is its process group), detached from the terminal and from our lock
# (fd 9); write its pid and start time
start_bg() {
  local log=$1 pidfile=$2
  shift 2
  setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  printf '%s\n' "$!" >"$pidfile"
  record_start "$pidfile" "$!"
}

# port_open PORT: something accepts connections on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------
# Secrets

# rand_hex BYTES -> that many random bytes as hex
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# secret_get KEY -> the last value of KEY in $SECRETS
secret_get() { sed -n "s/^$1 *= *\\([0-9a-f]*\\)\$/\\1/p" "$SECRETS" 2>/dev/null | tail -n 1; }

# ensure_secrets: create what $SECRETS lacks; set DB_PASSWORD and SECRET_KEY
ensure_secrets() {
  [ -e "$SECRETS" ] ||
    printf '# Secrets of this %s (generated by scripts/%s); keep private.\n' "$MV_LOG_PREFIX" "$MV_LOG_PREFIX" >"$SECRETS"
  chmod 600 "$SECRETS"
  DB_PASSWORD=$(secret_get db_password)
  if [ "${#DB_PASSWORD}" -lt 32 ]; then
    DB_PASSWORD=$(rand_hex 24)
    printf 'db_password = %s\n' "$DB_PASSWORD" >>"$SECRETS"
  fi
  SECRET_KEY=$(secret_get secret_key)
  if [ "${#SECRET_KEY}" -ne 64 ]; then
    SECRET_KEY=$(rand_hex 32)
    printf 'secret_key = %s\n' "$SECRET_KEY" >>"$SECRETS"
  fi
}

# ---------------------------------------------------------------------------
# Legal pages of a local stack

# legal_demo OUT-DIR: the shipped legal pages ($ROOT/html/pages/*.html) with their "[…]" placeholders
# replaced by the demo values of $ROOT/html/demo-legal.tsv ("placeholder<TAB>value" lines), written to
# OUT-DIR for the app's legal_dir. The app runs in production mode, so a placeholder left over (a new one
# in a page without a demo value) stops the start with a log line naming it.
legal_demo() {
  local out=$1 f text key value
  mkdir -p "$out"
  for f in "$ROOT"/html/pages/*.html; do
    text=$(<"$f")
    while IFS=$'\t' read -r key value; do
      case $key in '' | '#'*) continue ;; esac
      text=${text//"$key"/"$value"}
    done <"$ROOT/html/demo-legal.tsv"
    printf '%s\n' "$text" >"$out/${f##*/}.tmp"
    mv -f "$out/${f##*/}.tmp" "$out/${f##*/}"
  done
}
