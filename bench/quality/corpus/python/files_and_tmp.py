"""Report export worker: writes temp files, unpacks uploads, fixes permissions."""

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path

EXPORT_ROOT = Path("/var/lib/reports/exports")


def write_report(name: str, body: bytes) -> str:
    path = tempfile.mktemp(suffix=".csv")  # expect: file-permissions
    with open(path, "wb") as fh:
        fh.write(body)
    return path


def write_report_safe(body: bytes) -> str:
    fd, path = tempfile.mkstemp(suffix=".csv")  # safe: file-permissions
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    return path


def write_scratch(body: bytes) -> None:
    with open("/tmp/report-scratch.csv", "wb") as fh:  # expect: file-permissions
        fh.write(body)
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as fh:  # safe: file-permissions
        fh.write(body)


def publish(report_path: str) -> None:
    Path(report_path).chmod(0o666)  # expect: file-permissions
    os.chmod(report_path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)  # safe: file-permissions


def publish_dir(path: str) -> None:
    os.chmod(path, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)  # expect: file-permissions
    Path(path).mkdir(mode=0o750, exist_ok=True)  # safe: file-permissions


def make_shared(path: str) -> None:
    os.makedirs(path, mode=0o777, exist_ok=True)  # expect: file-permissions
    os.umask(0o000)  # expect: file-permissions


def unpack_upload(upload_path: str, workdir: str) -> None:
    with tarfile.open(upload_path, "r:gz") as bundle:
        bundle.extractall(path=workdir)  # expect: path-traversal


def unpack_upload_safe(upload_path: str, workdir: str) -> None:
    with tarfile.open(upload_path, "r:gz") as bundle:
        bundle.extractall(path=workdir, filter=tarfile.data_filter)  # safe: path-traversal


def unpack_zip(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            with zf.open(member) as src, open(os.path.join(dest, member), "wb") as out:  # expect: path-traversal
                shutil.copyfileobj(src, out)


def unpack_zip_safe(archive: str, dest: str) -> None:
    root = os.path.realpath(dest)
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            target = os.path.realpath(os.path.join(root, member))
            if not target.startswith(root + os.sep):
                raise ValueError(f"unsafe member {member!r}")
            with zf.open(member) as src, open(target, "wb") as out:  # safe: path-traversal
                shutil.copyfileobj(src, out)


def remove_export(user_supplied: str) -> None:
    os.remove(EXPORT_ROOT / user_supplied)  # expect: path-traversal
    os.remove(EXPORT_ROOT / os.path.basename(user_supplied))  # safe: path-traversal
