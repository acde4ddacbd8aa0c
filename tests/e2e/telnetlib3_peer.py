"""A telnetlib3 client (asyncio, so it runs in its own process) for the MCCP2 test.

``python -m tests.e2e.telnetlib3_peer PORT NAME``: asks for MCCP2, creates the character,
looks, and prints one JSON line: whether MCCP2 was active and the text it read.
"""

from __future__ import annotations

import asyncio
import json
import sys

import telnetlib3


async def read_until(reader, marker: str, timeout: float = 10.0) -> str:
    text = ""
    deadline = asyncio.get_running_loop().time() + timeout
    while marker not in text:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError(f"no {marker!r} in {text[-300:]!r}")
        chunk = await asyncio.wait_for(reader.read(4096), left)
        if not chunk:
            break
        text += chunk
    return text


async def main(port: int, name: str) -> None:
    reader, writer = await telnetlib3.open_connection(
        "127.0.0.1", port, cols=100, rows=30, term="xterm-256color", compression=True,
        connect_minwait=0.5, connect_maxwait=3.0)
    text = await read_until(reader, "What name do you go by?")
    writer.write(f"create {name} secret1\r\n")
    text += await read_until(reader, "[Exits:")
    writer.write("look\r\n")
    text += await read_until(reader, "[Exits:")
    print(json.dumps({"mccp2": bool(getattr(writer, "mccp2_active", False)), "text": text}),
          flush=True)
    writer.write("quit\r\n")
    await read_until(reader, "Farewell")
    writer.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
