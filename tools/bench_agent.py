#!/usr/bin/env python3
"""How much the unlock agent saves: p50 of `note open` through the CLI with a fresh unlock
(init's default key derivation, moderate) against the same command run by the agent, beside
the floor of starting the process at all (`--version`). Usage:
    python3 tools/bench_agent.py [BINARY]     (default .build/release/confidant)
It makes a throwaway vault in a temporary folder and prints one line of ratios."""

import os
import statistics
import subprocess
import sys
import tempfile
import time


def p50(binary, args, env, runs=20):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        r = subprocess.run([binary, *args], capture_output=True, env=env)
        times.append((time.perf_counter() - start) * 1000)
        assert r.returncode == 0, r.stderr
    return statistics.median(times)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/confidant")
    with tempfile.TemporaryDirectory(prefix="cab-", dir="/tmp") as d:
        env = dict(os.environ, CONFIDANT_CONFIG="/dev/null", XDG_STATE_HOME=d + "/state", XDG_RUNTIME_DIR=d)
        pf = d + "/pass"
        fd = os.open(pf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, b"a bench passphrase\n")
        os.close(fd)
        vault = d + "/v"
        auth = ["--vault", vault, "--as", "admin"]
        subprocess.run([binary, "init", "--vault", vault, "--practice", "Bench", "--admin", "admin", "--roles", "admin,therapist",
                        "--recovery-out", d + "/rk", "--passphrase-file", pf], check=True, capture_output=True, env=env)
        client = subprocess.run([binary, "client", "add", "--name", "X", *auth, "--passphrase-file", pf], check=True,
                                capture_output=True, env=env, text=True).stdout.strip()
        note = subprocess.run([binary, "note", "add", client, *auth, "--passphrase-file", pf], input=b"hello", check=True,
                              capture_output=True, env=env).stdout.decode().strip()
        fresh = p50(binary, ["note", "open", note, *auth, "--passphrase-file", pf], env)
        subprocess.run([binary, "unlock", *auth, "--passphrase-file", pf], check=True, capture_output=True, env=env)
        agent = p50(binary, ["note", "open", note, *auth], env)
        floor = p50(binary, ["--version"], env)
        subprocess.run([binary, "lock", *auth], capture_output=True, env=env)
    print(f"note open p50: fresh unlock {fresh:.1f} ms, through the agent {agent:.1f} ms "
          f"({fresh / agent:.1f}x faster), process start {floor:.1f} ms (agent = {agent / floor:.1f}x the floor)")


if __name__ == "__main__":
    main()
