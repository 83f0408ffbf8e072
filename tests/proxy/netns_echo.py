"""A backend for the netns tests, run inside the "pod" namespace: on each address given,
TCP and UDP on one port, answering `<address it was reached on> <client's address>`
(so a test sees which backend answered and whether the client was masqueraded)."""

from __future__ import annotations

import socket
import sys
import threading


def serve_tcp(ip: str, port: int) -> None:
    listener = socket.create_server((ip, port), reuse_port=False)
    while True:
        conn, peer = listener.accept()
        with conn:
            conn.sendall(f"{ip} {peer[0]}\n".encode())


def serve_udp(ip: str, port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ip, port))
    while True:
        _, peer = sock.recvfrom(512)
        sock.sendto(f"{ip} {peer[0]}\n".encode(), peer)


if __name__ == "__main__":
    port, ips = int(sys.argv[1]), sys.argv[2:]
    for address in ips:
        for serve in (serve_tcp, serve_udp):
            threading.Thread(target=serve, args=(address, port), daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()  # until the test closes our stdin
