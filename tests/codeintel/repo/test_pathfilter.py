"""PathFilter: the walk's verdict for one path at a time (what a file watcher or a re-index of
named files needs), checked against walk() itself on the same tree."""

from __future__ import annotations

import os

from codeintel import repo


def write(root, rel: str, text: str = "x = 1\n") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_path_filter_agrees_with_the_walk(tmp_path):
    root = tmp_path / "root"
    write(root, ".gitignore", "*.log\nbuild-out/\n/top_only.py\n")
    write(root, "app.py")
    write(root, "top_only.py")
    write(root, "pkg/top_only.py")
    write(root, "pkg/.gitignore", "secret.py\n")
    write(root, "pkg/secret.py")
    write(root, "pkg/ok.py")
    write(root, "build-out/gen.py")
    write(root, "node_modules/dep/index.js")
    write(root, "env/pyvenv.cfg", "home = /usr\n")
    write(root, "env/lib/site.py")
    write(root, "vendor/v.py")
    write(root, "docs/a.md")
    os.symlink(tmp_path, root / "up")
    include, exclude = ["*.py", "*.js"], ["vendor/"]
    walked = repo.walk(str(root), root=str(root), include=include, exclude=exclude)
    listed = {e.display for e in walked.entries}
    filt = repo.PathFilter(str(root), include=include, exclude=exclude)
    candidates = [
        "app.py",
        "top_only.py",
        "pkg/top_only.py",
        "pkg/secret.py",
        "pkg/ok.py",
        "build-out/gen.py",
        "node_modules/dep/index.js",
        "env/lib/site.py",
        "vendor/v.py",
        "docs/a.md",
        "up/root/app.py",
    ]
    verdicts = {p: filt.check(p) for p in candidates}
    assert {p for p, v in verdicts.items() if v is None} == listed
    assert verdicts["top_only.py"] == repo.Skip("top_only.py", repo.IGNORED)
    assert verdicts["pkg/secret.py"] == repo.Skip("pkg/secret.py", repo.IGNORED)
    assert verdicts["build-out/gen.py"] == repo.Skip("build-out/", repo.IGNORED)
    assert verdicts["node_modules/dep/index.js"] == repo.Skip("node_modules/", repo.EXCLUDED, "default exclude")
    assert verdicts["env/lib/site.py"] == repo.Skip("env/", repo.EXCLUDED, "default exclude")
    assert verdicts["vendor/v.py"] == repo.Skip("vendor/", repo.EXCLUDED, "exclude pattern")
    assert verdicts["docs/a.md"] == repo.Skip("docs/a.md", repo.OUT_OF_SCOPE)
    assert verdicts["up/root/app.py"] == repo.Skip("up/", repo.SYMLINK, "it points to a directory")
    assert filt.check("../outside.py") is not None and filt.check("") is not None


def test_forget_rereads_changed_gitignore_files(tmp_path):
    write(tmp_path, "a.py")
    filt = repo.PathFilter(str(tmp_path))
    assert filt.check("a.py") is None
    write(tmp_path, ".gitignore", "a.py\n")
    assert filt.check("a.py") is None  # read once and kept
    filt.forget()
    assert filt.check("a.py") == repo.Skip("a.py", repo.IGNORED)


def test_gitignore_files_above_the_root_apply_up_to_the_stop(tmp_path):
    write(tmp_path, ".gitignore", "*.gen.py\n")
    write(tmp_path, "root/x.gen.py")
    assert repo.PathFilter(str(tmp_path / "root")).check("x.gen.py") is None
    assert repo.PathFilter(str(tmp_path / "root"), gitignore_stop=str(tmp_path)).check("x.gen.py") is not None
