#!/usr/bin/env python3
"""A real SMTP server on loopback for the tests (aiosmtpd): every message it accepts is stored
as DIR/NNNN.eml, written whole before it appears. Prints its port on the first line of stdout
once it is listening, then serves until killed.

Usage: smtp_sink.py DIR [PORT]    (without PORT: a free one)
"""

import pathlib
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory: pathlib.Path):
        self.directory = directory
        self.count = len(list(directory.glob("*.eml")))
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        partial = self.directory / f".{number:04}.partial"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.directory / f"{number:04}.eml")
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    directory = pathlib.Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    port = int(sys.argv[2]) if len(sys.argv) > 2 else free_port()
    controller = Controller(Store(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
