from coordinator.cache import LRUCache, cache_key


def test_key_depends_on_every_part():
    base = cache_key("parse", "v1", "a.py", "python", b"opts", b"content")
    assert base == cache_key("parse", "v1", "a.py", "python", b"opts", b"content")
    variants = [
        cache_key("scan", "v1", "a.py", "python", b"opts", b"content"),
        cache_key("parse", "v2", "a.py", "python", b"opts", b"content"),
        cache_key("parse", "v1", "b.py", "python", b"opts", b"content"),
        cache_key("parse", "v1", "a.py", "", b"opts", b"content"),
        cache_key("parse", "v1", "a.py", "python", b"other", b"content"),
        cache_key("parse", "v1", "a.py", "python", b"opts", b"content2"),
        # length-prefixing: moving bytes between parts must change the key
        cache_key("parse", "v1", "a.p", "ypython", b"opts", b"content"),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_lru_is_bounded_in_bytes_and_evicts_least_recent():
    c = LRUCache(max_bytes=3 * (100 + LRUCache.OVERHEAD + 1))
    for k in (b"a", b"b", b"c"):
        c.put(k, b"x" * 100)
    assert len(c) == 3
    assert c.get(b"a") is not None  # a is now most recent
    c.put(b"d", b"x" * 100)
    assert c.get(b"b") is None  # b was least recent
    assert c.get(b"a") is not None and c.get(b"d") is not None
    assert c.bytes <= c.max_bytes
    assert c.counters.evictions == 1


def test_lru_replace_and_oversized():
    c = LRUCache(max_bytes=1000)
    c.put(b"k", b"1" * 10)
    c.put(b"k", b"2" * 20)
    assert c.get(b"k") == b"2" * 20
    assert c.bytes == 20 + 1 + LRUCache.OVERHEAD
    c.put(b"big", b"x" * 5000)
    assert c.get(b"big") is None and c.get(b"k") is not None
