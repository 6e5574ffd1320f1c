"""wrk over a list of request paths that must not repeat (uncached thumbnails, signed requests whose nonce is
accepted once): each wrk thread takes every n-th path from its own offset, so no path is sent twice until the
list wraps (reported as wrapped), and every answer must be a non-empty 200. Also the parser of the figures
the benches' wrk scripts print."""

import os
import re
import subprocess

REPLAY_SCRIPT = r"""
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  stride = tonumber(args[2])
  wrk.method = args[3]
  if args[3] ~= "GET" then wrk.headers["Content-Length"] = "0" end
  index = id + 1 - stride
  bad = 0
  wrapped = 0
end
function request()
  index = index + stride
  if index > #paths then
    index = id % #paths + 1
    wrapped = 1
  end
  return wrk.format(nil, paths[index])
end
function response(status, headers, body)
  if status ~= 200 or #body == 0 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total, wrapped_any = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    wrapped_any = math.max(wrapped_any, thread:get("wrapped"))
  end
  io.write(string.format("BAD %d\nWRAPPED %d\nCOUNT %d\nP50 %d\nP99 %d\n", bad_total, wrapped_any,
                         summary.requests, latency:percentile(50), latency:percentile(99)))
end
"""


def figures(out, what):
    """Requests per second, p50 and p99 in ms from wrk's output and a script's BAD/P50/P99 lines; any bad
    answer fails the bench, as `what` says."""
    bad = int(re.search(r"BAD (\d+)", out).group(1))
    if bad:
        raise RuntimeError("%d answers were not %s:\n%s" % (bad, what, out))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = int(re.search(r"P50 (\d+)", out).group(1)) / 1000.0
    p99 = int(re.search(r"P99 (\d+)", out).group(1)) / 1000.0
    return rate, p50, p99


def replay(work, base_url, paths, method, connections, seconds):
    """Returns (per second, p50 ms, p99 ms, requests made, wrapped)."""
    paths_file = os.path.join(work, "replay-paths.txt")
    with open(paths_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    script = os.path.join(work, "replay.lua")
    with open(script, "w") as f:
        f.write(REPLAY_SCRIPT)
    threads = min(connections, 2)
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds, "--timeout", "60s",
                          "-s", script, base_url, "--", paths_file, str(threads), method],
                         capture_output=True, text=True, check=True).stdout
    rate, p50, p99 = figures(out, "a non-empty 200")
    count = int(re.search(r"COUNT (\d+)", out).group(1))
    return rate, p50, p99, count, bool(int(re.search(r"WRAPPED (\d+)", out).group(1)))



def cpu_seconds(pids):
    """User + system CPU of the processes, their reaped children included (PostgreSQL's exited backends)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Fields after the command: utime, stime, cutime, cstime are the 12th to 15th.
        total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")
