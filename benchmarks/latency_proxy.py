"""A loopback TCP proxy that makes a local registry answer like a distant one.

Every chunk is forwarded `delay` seconds after it arrived, in each direction (a delay line: latency without
throttling, order kept). TLS passes through untouched, so the registry's certificate is what clients see.
"""

from __future__ import annotations

import asyncio
import threading


class LatencyProxy:
    def __init__(self, upstream_port: int, delay: float, host: str = "127.0.0.1"):
        self.delay = delay
        self.upstream = (host, upstream_port)
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="latency-proxy")
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await asyncio.sleep(self.delay)  # the SYN travels too: connecting costs a round trip
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.sleep(self.delay)  # and the SYN-ACK comes back
        await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        pending: list[asyncio.Future[None]] = []
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                due = loop.time() + self.delay
                done: asyncio.Future[None] = loop.create_future()
                loop.call_at(due, self._deliver, writer, chunk, done)
                pending.append(done)
                pending = [p for p in pending if not p.done()]
        except (ConnectionError, OSError):
            pass
        finally:
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            await asyncio.sleep(self.delay)
            try:
                writer.write_eof()
            except (OSError, RuntimeError):
                writer.close()

    @staticmethod
    def _deliver(writer: asyncio.StreamWriter, chunk: bytes, done: asyncio.Future[None]) -> None:
        try:
            if not writer.is_closing():
                writer.write(chunk)
        finally:
            if not done.done():
                done.set_result(None)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
