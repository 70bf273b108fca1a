#!/usr/bin/env python3
"""Start-up time, idle CPU and peak memory of the app beside a bare Bevy + bevy_egui window.

Both are measured the same way, in the same run, under one Xvfb:
  start-up  from spawning the process to its "frame 3 drawn" line (median of --runs),
  idle CPU  user+system ticks over --idle seconds, starting 3 s after that line,
  peak RSS  VmHWM from /proc at the end.

Usage: python3 benches/gui_startup.py [--runs 7] [--idle 10] [--profile debug|release]
Builds nothing: run `cargo build --all-targets` (or `--release`) first.
"""

import argparse
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def start_xvfb():
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1280x720x24"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    display = xvfb.stdout.readline().strip()
    if not display:
        sys.exit("Xvfb did not start (Debian packages xvfb and mesa-vulkan-drivers)")
    return xvfb, ":" + display


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_run(cmd, env, idle_seconds):
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=ROOT)
    ready = None
    deadline = started + 120
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.5)
        if r:
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("frame 3 drawn"):
                ready = time.monotonic() - started
                break
    if ready is None:
        proc.kill()
        sys.exit(f"{cmd[0]} never reported its third frame")
    idle = None
    if idle_seconds:
        time.sleep(3)
        before = cpu_ticks(proc.pid)
        time.sleep(idle_seconds)
        after = cpu_ticks(proc.pid)
        idle = (after - before) / TICKS / idle_seconds * 100
    rss = peak_rss_mb(proc.pid)
    proc.kill()
    proc.wait()
    return ready, idle, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--idle", type=int, default=10, help="seconds of idle CPU measurement")
    ap.add_argument("--profile", default="debug", choices=["debug", "release"])
    args = ap.parse_args()
    target = os.path.join(ROOT, "target", args.profile)
    app = os.path.join(target, "complaint-trainer")
    bare = os.path.join(target, "examples", "bare_window")
    for path in (app, bare):
        if not os.path.exists(path):
            sys.exit(f"{path} is missing: build with `cargo build --all-targets"
                     f"{' --release' if args.profile == 'release' else ''}` first")
    data = tempfile.mkdtemp(prefix="ct-bench-")
    xvfb, display = start_xvfb()
    env = dict(os.environ, DISPLAY=display, COMPLAINT_TRAINER_REPORT_FRAMES="1")
    env.pop("WAYLAND_DISPLAY", None)
    subjects = {
        "bare window": [bare],
        "app": [app, "--data-dir", data, "gui", "--no-watch"],
    }
    results = {name: [] for name in subjects}
    try:
        for i in range(args.runs):
            # Alternate, so that a slow moment of the machine hits both alike.
            for name, cmd in subjects.items():
                results[name].append(one_run(cmd, env, args.idle if i == 0 else 0))
    finally:
        xvfb.kill()
        shutil.rmtree(data, ignore_errors=True)
    print(f"{args.profile} build, {args.runs} runs each, Xvfb 1280x720, "
          f"binary sizes: app {os.path.getsize(app) / 1e6:.0f} MB, "
          f"bare {os.path.getsize(bare) / 1e6:.0f} MB")
    print(f"{'':12} {'start-up median':>16} {'min':>8} {'max':>8} {'idle CPU':>10} {'peak RSS':>10}")
    medians = {}
    for name, runs in results.items():
        times = [r[0] for r in runs]
        medians[name] = statistics.median(times)
        idle = runs[0][1]
        rss = max(r[2] for r in runs)
        print(f"{name:12} {medians[name] * 1000:>13.0f} ms {min(times) * 1000:>5.0f} ms "
              f"{max(times) * 1000:>5.0f} ms {idle:>8.1f} % {rss:>7.0f} MB")
    ratio = medians["app"] / medians["bare window"]
    print(f"start-up ratio app / bare: {ratio:.2f} (target at most 1.5)")


if __name__ == "__main__":
    main()
