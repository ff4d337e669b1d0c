#!/usr/bin/env python3
"""An asyncio TCP echo server and N concurrent clients in one process.

    echo_load.py HOST CLIENTS ROUNDS

The server listens on HOST (port chosen by the kernel, or the sandbox's
netstack); CLIENTS connections are opened at once, each sends ROUNDS lines
and checks every echo; the program prints one line with the counts and
exits 0 only when every client got every line back.
"""
import asyncio
import resource
import sys


async def echo(reader, writer):
    try:
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()


async def client(host, port, n, rounds):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for r in range(rounds):
            msg = f"client {n} round {r}\n".encode()
            writer.write(msg)
            await writer.drain()
            if await reader.readline() != msg:
                return False
        return True
    finally:
        writer.close()
        await writer.wait_closed()


async def main(host, clients, rounds):
    server = await asyncio.start_server(echo, host, 0, backlog=clients)
    port = server.sockets[0].getsockname()[1]
    results = await asyncio.wait_for(
        asyncio.gather(*(client(host, port, n, rounds) for n in range(clients)),
                       return_exceptions=True),
        timeout=120)
    server.close()
    await server.wait_closed()
    good = sum(1 for r in results if r is True)
    errors = [r for r in results if isinstance(r, BaseException)]
    print(f"clients {clients} complete {good} errors {len(errors)}")
    for e in errors[:3]:
        print(f"  error: {e!r}")
    return good == clients


if __name__ == "__main__":
    host, clients, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # Two descriptors per client (both ends live in this process).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * clients + 64), hard))
    sys.exit(0 if asyncio.run(main(host, clients, rounds)) else 1)
