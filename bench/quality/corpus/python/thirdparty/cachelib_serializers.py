# Third-party code (not written by this team), used as benchmark input only.
# Package: cachelib 0.13.0 (PyPI wheel cachelib-0.13.0-py3-none-any.whl)
# Original path: cachelib/serializers.py
# License: BSD-3-Clause, Copyright 2018 Pallets
# Trimmed to BaseSerializer; the code is otherwise unchanged, only the end-of-line label comments
# are ours. Every cache backend unpickles what it reads back from its store (a file, Redis,
# memcached, ...): whoever can write to the store runs code in the application.
import logging
import pickle
import typing as _t


class BaseSerializer:
    """This is the base interface for all default serializers.

    BaseSerializer.load and BaseSerializer.dump will
    default to pickle.load and pickle.dump. This is currently
    used only by FileSystemCache which dumps/loads to/from a file stream.
    """

    def _warn(self, e: pickle.PickleError) -> None:
        logging.warning(
            f"An exception has been raised during a pickling operation: {e}"
        )

    def dump(
        self, value: int, f: _t.IO, protocol: int = pickle.HIGHEST_PROTOCOL
    ) -> None:
        try:
            pickle.dump(value, f, protocol)  # safe: deserialization
        except (pickle.PickleError, pickle.PicklingError) as e:
            self._warn(e)

    def load(self, f: _t.BinaryIO) -> _t.Any:
        try:
            data = pickle.load(f)  # expect: deserialization
        except pickle.PickleError as e:
            self._warn(e)
            return None
        else:
            return data

    """BaseSerializer.loads and BaseSerializer.dumps
    work on top of pickle.loads and pickle.dumps. Dumping/loading
    strings and byte strings is the default for most cache types.
    """

    def dumps(self, value: _t.Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes:
        try:
            serialized = pickle.dumps(value, protocol)  # safe: deserialization
        except (pickle.PickleError, pickle.PicklingError) as e:
            self._warn(e)
        return serialized

    def loads(self, bvalue: bytes) -> _t.Any:
        try:
            data = pickle.loads(bvalue)  # expect: deserialization
        except pickle.PickleError as e:
            self._warn(e)
            return None
        else:
            return data
