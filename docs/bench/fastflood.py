#!/usr/bin/env python3
"""A reconnect loop as fast as one process can make it, without forks:
connect from SRC, send three 70 KB lines (over --max-line), read the
answer, close, again.

Usage: fastflood.py PORT [SRC=127.0.0.2] [SECONDS=10]
Prints the number of connections made.
"""
import socket
import sys
import time

port = int(sys.argv[1])
src = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.2"
secs = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
line = b"x" * 70000 + b"\n"
end = time.time() + secs
n = 0
while time.time() < end:
    s = socket.socket()
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(line * 3)
        s.recv(4096)
    except OSError:
        pass
    finally:
        s.close()
    n += 1
print("connections", n)
