"""Worker targets for the pool tests (importable by spawned workers via sys.path)."""

import os
import time


def echo(x):
    return x * 2


def sleep_then_echo(seconds, x):
    time.sleep(seconds)
    return x


def fail(message):
    raise ValueError(message)


def crash(code):
    os._exit(code)
