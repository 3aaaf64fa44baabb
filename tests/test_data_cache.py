"""The disk cache of what the package builds from its own data files
(:mod:`her2resist.common.cached`): a warm cache gives the same objects as a fresh read, and a
corrupt, stale or unwritable cache only means the files are read again."""

import os
import subprocess
import sys

import pytest

from her2resist.common import cached
from her2resist.knowledge import catalogue as cat_module
from her2resist.knowledge import kb as kb_module
from her2resist.knowledge.catalogue import data_dir, read_catalogue
from her2resist.knowledge.kb import read_knowledge_base
from her2resist.model import parse


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("HER2RESIST_CACHE_DIR", str(folder))
    monkeypatch.delenv("HER2RESIST_NO_CACHE", raising=False)
    for func in (cat_module.load_catalogue, kb_module.load_knowledge_base, parse._load_cached):
        func.cache_clear()
    yield folder
    for func in (cat_module.load_catalogue, kb_module.load_knowledge_base, parse._load_cached):
        func.cache_clear()


def _fresh() -> tuple:
    cat = read_catalogue(data_dir())
    kb = read_knowledge_base(data_dir())
    net = parse.read_model_yaml(parse.default_model_path())
    return cat, kb, net


def _loaded() -> tuple:
    for func in (cat_module.load_catalogue, kb_module.load_knowledge_base, parse._load_cached):
        func.cache_clear()
    return cat_module.load_catalogue(), kb_module.load_knowledge_base(), parse.load_model()


def _same(a: tuple, b: tuple) -> None:
    (cat_a, kb_a, net_a), (cat_b, kb_b, net_b) = a, b
    assert cat_module.catalogue_parts(cat_a) == cat_module.catalogue_parts(cat_b)
    assert dict(kb_a.mechanisms) == dict(kb_b.mechanisms)
    assert dict(kb_a.evidence) == dict(kb_b.evidence)
    assert dict(net_a.nodes) == dict(net_b.nodes) and net_a.hash == net_b.hash
    assert [n.expr for n in net_a.nodes.values()] == [n.expr for n in net_b.nodes.values()]
    assert (net_a.name, net_a.version, net_a.source) == (net_b.name, net_b.version, net_b.source)


def test_warm_cache_gives_what_a_fresh_read_gives(cache_dir) -> None:
    fresh = _fresh()
    cold = _loaded()
    assert sorted(p.name.split("-")[0] for p in cache_dir.glob("*.pickle")) == [
        "catalogue", "knowledge", "model"]
    _same(fresh, cold)
    _same(fresh, _loaded())


def test_corrupt_entries_are_rebuilt(cache_dir) -> None:
    _loaded()
    for entry in cache_dir.glob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    _same(_fresh(), _loaded())
    assert all(e.read_bytes() != b"not a pickle" for e in cache_dir.glob("*.pickle"))


def test_unwritable_cache_is_no_cache(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("HER2RESIST_CACHE_DIR", str(blocker / "cache"))
    _same(_fresh(), _loaded())


def test_key_follows_data_and_code(tmp_path) -> None:
    data = tmp_path / "a.yaml"
    data.write_text("x: 1\n")
    key = cached.cache_key("k", [data], [cached.__name__])
    data.write_text("x: 2\n")
    assert cached.cache_key("k", [data], [cached.__name__]) != key
    assert cached.cache_key("k", [data], ["her2resist.knowledge.schema"]) != \
        cached.cache_key("k", [data], [cached.__name__])


def test_no_cache_switch(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "HER2RESIST_NO_CACHE": "1",
           "HER2RESIST_CACHE_DIR": str(tmp_path / "cache")}
    code = "from her2resist.knowledge.catalogue import load_catalogue; load_catalogue()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert not (tmp_path / "cache").exists()


def test_compiled_code_is_cached_by_its_source(cache_dir) -> None:
    source = "def f(x):\n    return 3 * x\n"
    first = cached.compile_cached(source, "<test>")
    entries = list(cache_dir.glob("code-*.marshal"))
    assert len(entries) == 1
    again = cached.compile_cached(source, "<test>")
    assert again == first and again is not first  # read back from the file
    namespace: dict = {}
    exec(again, namespace)
    assert namespace["f"](14) == 42
    # Another text is another entry; a corrupt entry is compiled again.
    other = cached.compile_cached(source.replace("3", "4"), "<test>")
    assert other != first and len(list(cache_dir.glob("code-*.marshal"))) == 2
    entries[0].write_bytes(b"not marshal")
    namespace = {}
    exec(cached.compile_cached(source, "<test>"), namespace)
    assert namespace["f"](1) == 3


def test_graded_engine_code_from_the_cache_gives_the_same_answer(cache_dir) -> None:
    from her2resist.engines.graded import GradedEngine
    from her2resist.model import load_model

    net = load_model()
    levels = {"PIK3CA_mut": 1.0, "trastuzumab": 0.8}
    first = GradedEngine().simulate(net, levels).values.tolist()
    assert list(cache_dir.glob("graded-*.marshal"))
    second = GradedEngine().simulate(net, levels).values.tolist()  # a new engine: from disk
    assert first == second


def test_compiled_rules_from_the_cache_evaluate_as_built(cache_dir) -> None:
    """The Boolean engines' compiled rules, loaded from the cache, give every node's Kleene
    value on random three-valued states exactly as freshly compiled rules and the rule trees."""
    import random

    from her2resist.engines import reduce
    from her2resist.model import load_model
    from her2resist.model.rules import evaluate

    net = load_model()
    reduce._COMPILED.pop(net.hash, None)
    built = reduce.compile_network(net)
    assert list(cache_dir.glob("rules-*.marshal"))
    reduce._COMPILED.pop(net.hash, None)
    loaded = reduce.compile_network(net)  # from disk
    assert loaded is not built
    rng = random.Random(7)
    for _ in range(200):
        state = [rng.choice((0, 0.5, 1)) for _ in built.names]
        boolean = [rng.choice((0, 1)) for _ in built.names]
        for i in built.regulated:
            assert loaded.evaluators[i](state) == built.evaluators[i](state)
            named = dict(zip(built.names, boolean, strict=True))
            assert loaded.evaluators[i](boolean) == int(evaluate(built.exprs[i], named))


def test_generated_values_are_kept_by_identity_and_code(cache_dir) -> None:
    calls = []

    def build(tag: str) -> tuple:
        calls.append(tag)
        return ("made", tag)

    assert cached.load_marshalled("gen", ["a"], [__name__], lambda: build("a")) == ("made", "a")
    assert cached.load_marshalled("gen", ["a"], [__name__], lambda: build("x")) == ("made", "a")
    assert cached.load_marshalled("gen", ["b"], [__name__], lambda: build("b")) == ("made", "b")
    # another module's source is another key
    assert cached.load_marshalled("gen", ["a"], ["her2resist.common.cached"],
                                  lambda: build("c")) == ("made", "c")
    assert calls == ["a", "b", "c"]
    import marshal

    for entry in cache_dir.glob("gen-*.marshal"):  # damaged entries are rebuilt
        entry.write_bytes(marshal.dumps(None))
    assert cached.load_marshalled("gen", ["a"], [__name__], lambda: build("d")) == ("made", "d")
    for entry in cache_dir.glob("gen-*.marshal"):
        entry.write_bytes(b"\xff\x00")
    assert cached.load_marshalled("gen", ["b"], [__name__], lambda: build("e")) == ("made", "e")


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX owner and mode bits")
def test_a_folder_others_may_write_is_not_used(cache_dir) -> None:
    # Entries are code once loaded (pickle, marshal): a planted entry in a folder that any
    # account may write to must never run. Such a folder means no cache at all.
    source = "def f(x):\n    return 3 * x\n"
    cached.compile_cached(source, "<test>")
    (entry,) = cache_dir.glob("code-*.marshal")
    import marshal

    planted = marshal.dumps(compile("def f(x):\n    return -1\n", "<test>", "exec"))
    entry.write_bytes(planted)
    cache_dir.chmod(0o777)
    try:
        assert cached.cache_dir() is None
        namespace: dict = {}
        exec(cached.compile_cached(source, "<test>"), namespace)
        assert namespace["f"](2) == 6
        assert entry.read_bytes() == planted  # nothing written there either
    finally:
        cache_dir.chmod(0o755)
    assert cached.cache_dir() == cache_dir


def test_cache_digest_is_hashlibs() -> None:
    """Keys and model hashes use CPython's own SHA-256 (no OpenSSL import): hashlib's digests."""
    import hashlib

    from her2resist.common.cached import sha256

    for data in (b"", b"her2resist", bytes(range(256)) * 100):
        digest = sha256(data)
        digest.update(b"\0more")
        expected = hashlib.sha256(data)
        expected.update(b"\0more")
        assert (digest.hexdigest(), digest.digest()) == (expected.hexdigest(), expected.digest())
