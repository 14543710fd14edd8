# Shared by the tool scripts (sourced): one lock per tool in the tools cache, and install-by-rename, so several processes
# starting at once never race each other and a failed or half-finished download is never taken for a complete one.
#
#   . scripts/cache-lock.sh
#   cl_is_complete "$DIR" && { echo "$DIR"; exit 0; }       # fast path, no lock
#   cl_lock kafka                                            # waits for whoever is installing; held until this shell exits
#   cl_is_complete "$DIR" && { echo "$DIR"; exit 0; }       # someone else finished it while we waited
#   tmp=$(cl_tmpdir "$DIR")                                  # a fresh folder beside DIR (same filesystem)
#   ... download or build into "$tmp" ...
#   cl_publish "$tmp" "$DIR"                                 # marker written into tmp, then one rename: DIR appears complete
#
# The lock is an flock(1) on $CL_CACHE/.locks/<name>.lock. The kernel drops it when the holder exits, however it exits
# (kill -9 included), so a crashed install never blocks the next one; the next holder removes the crashed one's temp folders.
# Take the lock in a subshell `( cl_lock x; ... )` when sourcing into an interactive shell (setup.sh does).

CL_CACHE="${CLUSTERLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusterlink}"
CL_COMPLETE_MARKER=".complete"

# cl_is_complete DIR: the folder was published by cl_publish (its marker is the last thing written into it).
cl_is_complete() { [ -f "$1/$CL_COMPLETE_MARKER" ]; }

# cl_lock NAME: takes the exclusive lock NAME, waiting up to CLUSTERLINK_LOCK_TIMEOUT_S seconds (default 3600) and saying
# once on stderr that it waits. Child processes inherit the descriptor; start nothing that outlives the script while held.
cl_lock() {
  command -v flock >/dev/null || { echo "cache-lock: flock is missing (Debian: apt-get install util-linux)" >&2; return 1; }
  mkdir -p "$CL_CACHE/.locks" || return 1
  local file="$CL_CACHE/.locks/$1.lock"
  exec {CL_LOCK_FD}>>"$file" || return 1
  if ! flock -n "$CL_LOCK_FD"; then
    echo "cache-lock: another process is installing $1; waiting for it ($file)" >&2
    flock -w "${CLUSTERLINK_LOCK_TIMEOUT_S:-3600}" "$CL_LOCK_FD" || { echo "cache-lock: gave up waiting for $file" >&2; return 1; }
  fi
}

# cl_unlock: releases the lock taken by cl_lock before the shell exits.
cl_unlock() { [ -n "${CL_LOCK_FD:-}" ] && exec {CL_LOCK_FD}>&- ; CL_LOCK_FD=; }

# cl_tmpdir FINAL: removes temp folders left by crashed installs of FINAL (safe: call it holding FINAL's lock), then makes
# a new one beside FINAL, so that the final rename stays on one filesystem and is atomic.
cl_tmpdir() {
  local final="$1"
  mkdir -p "$(dirname "$final")" || return 1
  rm -rf "$final".tmp.* 2>/dev/null
  mktemp -d "$final.tmp.XXXXXX"
}

# cl_publish TMP FINAL: writes the completion marker into TMP last, then replaces FINAL (an old incomplete one is removed)
# with TMP in one rename. Call it holding FINAL's lock.
cl_publish() {
  local tmp="$1" final="$2"
  date -u +%FT%TZ >"$tmp/$CL_COMPLETE_MARKER" || return 1
  [ -e "$final" ] && { rm -rf "$final" || return 1; }
  mv -T "$tmp" "$final"
}
