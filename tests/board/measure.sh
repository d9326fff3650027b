# Shared by the board suite and the board bench (busybox sh, sourced).

# rss_of <pid>: "idle_rss_kb=N peak_rss_kb=N idle_anon_kb=N" from /proc/<pid>/status (VmRSS, VmHWM, RssAnon), or
# nothing when the process is gone.
rss_of() {
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2> /dev/null)
  hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2> /dev/null)
  anon=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2> /dev/null)
  [ -n "$rss" ] && echo "idle_rss_kb=$rss peak_rss_kb=$hwm idle_anon_kb=$anon"
}

# Seconds since boot, to the hundredth.
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# ms_between <t0> <t1>: whole milliseconds between two uptime_s readings.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
