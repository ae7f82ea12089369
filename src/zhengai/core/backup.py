"""Backup and restore of a whole deployment: the database and the uploaded files in one archive.

Why not `dumpdata`/`loaddata`: their round trip loses microseconds, renumbers many-to-many rows, skips sessions
and knows nothing of MEDIA_ROOT. Instead each database's own tool takes the copy:

* SQLite — the online backup API (`sqlite3.Connection.backup`): a consistent copy while the web and worker
  processes keep writing. Restored the same way in the other direction, into the configured database through a
  live connection, so readers and WAL files of other processes stay coherent (a file copied over a database in
  WAL mode would be mixed with the stale `-wal` frames).
* PostgreSQL — `pg_dump --format=custom` from a snapshot exported by a REPEATABLE READ transaction, in which the
  table checksums are computed too, so the manifest describes exactly what was dumped; restored with
  `pg_restore --clean --if-exists --single-transaction`: the configured database may be new or freshly migrated
  (schema but no rows), its tables are dropped and recreated from the dump, all or nothing.

The archive (tar, gzip) holds `database/…`, `media/…` (evidence, Word templates, import files), `manifest.json`
(format, created at, platform version, database vendor, per-table row count and checksum, per-file SHA-256) and
`SHA256SUMS` (every other member, `sha256sum -c` format). A restore reads and checks the whole archive before it
touches anything; afterwards it recomputes every table's checksum in the restored database and compares.

The table checksum is defined once for both vendors: the rows ordered by primary key (byte order for text keys),
each rendered canonically from the model field's Python value (datetimes in UTC with microseconds, decimals as
written, JSON with sorted keys), hashed with SHA-256. The same data gives the same checksum on SQLite and on
PostgreSQL, which store it differently (text vs timestamptz, 0/1 vs boolean, jsonb reorders keys) — which is why
the rendering goes through the model fields rather than each database's own text cast. The checksums guard
against corruption and truncation; they are not a signature (anyone who can edit the archive can recompute them).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import decimal
import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Collate
from django.db.utils import load_backend
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA_PREFIX = "media/"
DB_MEMBERS = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.pgdump"}
# Rows that `migrate` itself writes: a freshly migrated database counts as empty.
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
ARCHIVE_NAME = re.compile(r"^zhengai-backup-(\d{8})-(\d{6})\.tar\.gz$")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator, in Chinese."""


@dataclass
class Manifest:
    data: dict[str, Any]

    @property
    def tables(self) -> dict[str, dict[str, Any]]:
        return self.data["tables"]

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return self.data["files"]


@dataclass
class RestoreResult:
    manifest: Manifest
    tables: int = 0
    rows: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------- checksums


def _canon(value: Any) -> Any:
    """One rendering of a field's Python value, whatever database it came from."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.timedelta):
        return value // datetime.timedelta(microseconds=1)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _models_by_table() -> dict[str, type[models.Model]]:
    found: dict[str, type[models.Model]] = {"django_migrations": MigrationRecorder.Migration}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy:
            found.setdefault(model._meta.db_table, model)
    return found


def _hash_rows(table: str, columns: list[str], rows: Iterator[tuple]) -> dict[str, Any]:
    digest = hashlib.sha256()
    digest.update(json.dumps([table, columns], ensure_ascii=False).encode())
    count = 0
    for row in rows:
        digest.update(b"\n")
        digest.update(json.dumps([_canon(v) for v in row], ensure_ascii=False, separators=(",", ":")).encode())
        count += 1
    return {"rows": count, "sha256": digest.hexdigest()}


def _model_rows(model: type[models.Model], using: str) -> tuple[list[str], Iterator[tuple]]:
    columns = [f.attname for f in model._meta.concrete_fields]
    pk = model._meta.pk
    order: Any = "pk"
    if connections[using].vendor == "postgresql" and isinstance(pk, (models.CharField, models.TextField)):
        # Byte order, as SQLite sorts text; the database's locale would sort differently.
        order = Collate(pk.attname, "C")
    qs = model._base_manager.using(using).order_by(order).values_list(*columns)
    return columns, qs.iterator(chunk_size=5000)


def _raw_rows(table: str, using: str) -> tuple[list[str], Iterator[tuple]]:
    """A table no model describes (none today): its raw values, ordered by every column."""
    conn = connections[using]
    with conn.cursor() as cursor:
        columns = [c.name for c in conn.introspection.get_table_description(cursor, table)]
    qn = conn.ops.quote_name
    order = ", ".join(str(i + 1) for i in range(len(columns)))
    sql = f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)} ORDER BY {order}"  # noqa: S608 — names from introspection

    def rows() -> Iterator[tuple]:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            while batch := cursor.fetchmany(5000):
                yield from batch

    return columns, rows()


def _tables(using: str) -> list[str]:
    conn = connections[using]
    with conn.cursor() as cursor:
        # SQLite's own tables (sqlite_stat1, which ANALYZE rewrites at will) are not the platform's data.
        return sorted(t for t in conn.introspection.table_names(cursor) if not t.startswith("sqlite_"))


def table_checksums(using: str = "default") -> dict[str, dict[str, Any]]:
    """Row count and SHA-256 of every table in the database, keyed by table name. The same data gives the same
    checksums on SQLite and on PostgreSQL (checked on the demo college: all 104 tables alike)."""
    by_table = _models_by_table()
    result: dict[str, dict[str, Any]] = {}
    for table in _tables(using):
        model = by_table.get(table)
        columns, rows = _model_rows(model, using) if model is not None else _raw_rows(table, using)
        result[table] = _hash_rows(table, columns, rows)
    return result


def tables_with_rows(using: str = "default") -> list[str]:
    """The tables holding data, leaving out what `migrate` writes by itself."""
    conn = connections[using]
    qn = conn.ops.quote_name
    found = []
    with conn.cursor() as cursor:
        for table in _tables(using):
            if table in BOOKKEEPING_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")  # noqa: S608 — name from introspection
            if cursor.fetchone() is not None:
                found.append(table)
    return found


def file_checksums(root: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of every regular file under `root`, keyed `media/<relative path>`."""
    result: dict[str, dict[str, Any]] = {}
    for path in _media_files(root):
        with path.open("rb") as fh:
            digest = _sha256_stream(fh)
        result[MEDIA_PREFIX + path.relative_to(root).as_posix()] = {"size": path.stat().st_size, "sha256": digest}
    return result


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirs, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(dirpath, name)
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found)


def _sha256_stream(fh: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return _sha256_stream(fh)


# ------------------------------------------------------------------------------------- database aliases


@contextlib.contextmanager
def database_alias(using: str = "default", **overrides: Any) -> Iterator[str]:
    """A temporary connection alias: `using`'s settings with `overrides` (e.g. another NAME).

    The connection is handed to the handler directly rather than added to settings.DATABASES: global settings
    stay as they were, and Django counts it as a dynamically created connection (allowed in tests too)."""
    alias = f"zhengai_backup_{uuid.uuid4().hex[:8]}"
    config = copy.deepcopy(connections[using].settings_dict)
    config.update(overrides)
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    setattr(connections._connections, alias, wrapper)
    try:
        yield alias
    finally:
        wrapper.close()
        delattr(connections._connections, alias)


def _sqlite_file_alias(using: str, path: Path) -> contextlib.AbstractContextManager[str]:
    # No init_command: reading a snapshot must not switch it to WAL (which would rewrite its header).
    return database_alias(using, NAME=str(path), OPTIONS={})


# --------------------------------------------------------------------------------------------- PostgreSQL

_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT", "options": "PGOPTIONS", "service": "PGSERVICE", "passfile": "PGPASSFILE",
}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian's postgresql package keeps the client binaries per version, off PATH.
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。")
    return max(candidates, key=lambda p: [int(x) for x in re.findall(r"\d+", p)] or [0])


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The connection as libpq environment variables: the password never appears on a command line."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    for key, var in _PG_OPTION_ENV.items():
        if settings_dict.get("OPTIONS", {}).get(key):
            env[var] = str(settings_dict["OPTIONS"][key])
    return env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 — fixed args
    if proc.returncode != 0:
        raise BackupError(f"{what}失败：{proc.stderr.strip()[-2000:]}")


# ----------------------------------------------------------------------------------------------- backup


class _HashingReader(io.RawIOBase):
    """Hands a file to tarfile and hashes what tarfile read: the manifest's digest is what was archived."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str, mtime: float) -> dict[str, Any]:
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(mtime)
        info.mode = 0o600
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return {"size": size, "sha256": reader.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _platform_version() -> str:
    try:
        return metadata.version("zhengai")
    except metadata.PackageNotFoundError:
        return "unknown"


def _snapshot_sqlite(using: str, target: Path) -> dict[str, dict[str, Any]]:
    conn = connections[using]
    conn.ensure_connection()
    dest = sqlite3.connect(target)
    try:
        conn.connection.backup(dest)
        # One self-contained file, whatever journal mode the live database uses.
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
    with _sqlite_file_alias(using, target) as alias:
        return table_checksums(alias)


def _snapshot_postgresql(using: str, target: Path) -> dict[str, dict[str, Any]]:
    conn = connections[using]
    if conn.in_atomic_block:
        raise BackupError("备份不能在事务中进行。")
    with transaction.atomic(using=using):
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # pg_dump reads the snapshot this transaction holds: the dump and the checksums see the same rows.
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-password", f"--snapshot={snapshot}",
              f"--file={target}"], _pg_env(conn.settings_dict), "pg_dump 导出")
        return table_checksums(using)


def backup_create(*, output: Path, using: str = "default", media_root: Path | None = None) -> Manifest:
    """Write the archive to `output` (atomically: a half-written archive never has the final name)."""
    conn = connections[using]
    vendor = conn.vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"不支持备份 {vendor} 数据库。")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    mtime = created.timestamp()
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".zhengai-backup-") as tmp:
        dump = Path(tmp) / Path(DB_MEMBERS[vendor]).name
        # The database first, then the files: every file the database refers to existed when it was copied.
        if vendor == "sqlite":
            tables = _snapshot_sqlite(using, dump)
        else:
            tables = _snapshot_postgresql(using, dump)
        partial = Path(tmp) / "archive.tar.gz"
        files: dict[str, dict[str, Any]] = {}
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            files[DB_MEMBERS[vendor]] = _add_file(tar, dump, DB_MEMBERS[vendor], mtime)
            for path in _media_files(media_root):
                name = MEDIA_PREFIX + path.relative_to(media_root).as_posix()
                files[name] = _add_file(tar, path, name, path.stat().st_mtime)
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": created.isoformat(timespec="microseconds"),
                "platform_version": _platform_version(),
                "database": {"vendor": vendor, "member": DB_MEMBERS[vendor]},
                "tables": tables,
                "files": files,
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            _add_bytes(tar, MANIFEST, manifest_bytes, mtime)
            sums = {MANIFEST: hashlib.sha256(manifest_bytes).hexdigest()}
            sums.update({name: entry["sha256"] for name, entry in files.items()})
            _add_bytes(tar, SUMS, "".join(f"{h}  {n}\n" for n, h in sorted(sums.items())).encode(), mtime)
        # Personal data: readable by the platform's user only.
        partial.chmod(0o600)
        os.replace(partial, output)
    return Manifest(manifest)


def backup_rotate(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives this module named in `directory`; other files stay."""
    archives = sorted((p for p in Path(directory).iterdir() if ARCHIVE_NAME.match(p.name)), key=lambda p: p.name)
    doomed = archives[:-keep] if keep > 0 else archives
    for path in doomed:
        path.unlink()
    return doomed


def backup_daily(*, directory: Path, keep: int, using: str = "default", now: datetime.datetime | None = None,
                 ) -> Path | None:
    """Today's archive in `directory`, unless one exists already; then keep the newest `keep`.
    Returns the new archive's path, or None when today's was already there."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    local = timezone.localtime(now or timezone.now())
    today = local.strftime("%Y%m%d")
    if any((m := ARCHIVE_NAME.match(p.name)) and m.group(1) == today for p in directory.iterdir()):
        backup_rotate(directory=directory, keep=keep)
        return None
    output = directory / f"zhengai-backup-{local:%Y%m%d-%H%M%S}.tar.gz"
    backup_create(output=output, using=using)
    backup_rotate(directory=directory, keep=keep)
    return output


# ---------------------------------------------------------------------------------------------- restore


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts) or "\\" in name:
        raise BackupError(f"备份文件被篡改：包含不安全的路径“{name}”，已拒绝恢复。")
    return path


def _unpack(archive: Path, staging: Path) -> tuple[Manifest, dict[str, Path]]:
    """Extract every member into `staging`, checking it against SHA256SUMS and the manifest.
    Raises BackupError for anything missing, extra, altered or cut short."""
    damaged = f"备份文件“{archive.name}”已损坏或不完整，已拒绝恢复，未做任何改动。"
    extracted: dict[str, Path] = {}
    digests: dict[str, str] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if not member.isreg():
                    raise BackupError(f"备份文件被篡改：包含不允许的条目“{member.name}”，已拒绝恢复。")
                rel = _safe_member_path(member.name)
                if member.name in extracted:
                    raise BackupError(f"备份文件被篡改：条目“{member.name}”重复，已拒绝恢复。")
                dest = staging / "members" / Path(*rel.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                if src is None:  # cannot happen for a regular file; refuse rather than guess
                    raise BackupError(damaged)
                digest = hashlib.sha256()
                with dest.open("wb") as out:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                extracted[member.name] = dest
                digests[member.name] = digest.hexdigest()
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(damaged) from exc
    if MANIFEST not in extracted or SUMS not in extracted:
        raise BackupError(f"{damaged}（缺少 {MANIFEST} 或 {SUMS}）")
    try:
        sums = {}
        for line in extracted[SUMS].read_text("utf-8").splitlines():
            digest, name = line.split("  ", 1)
            sums[name] = digest
        manifest = Manifest(json.loads(extracted[MANIFEST].read_bytes()))
        listed = dict(manifest.files)
        member_of_db = manifest.data["database"]["member"]
        tables = manifest.tables
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"备份文件被篡改：清单无法读取，已拒绝恢复。（{exc}）") from exc
    if manifest.data.get("format") != FORMAT_VERSION:
        raise BackupError(f"备份文件格式版本 {manifest.data.get('format')} 不受支持（本平台为 {FORMAT_VERSION}）。")
    expected = set(sums) | {SUMS}
    if set(extracted) != expected or set(listed) | {MANIFEST, SUMS} != expected or member_of_db not in listed:
        raise BackupError("备份文件被篡改：条目与校验清单不一致，已拒绝恢复，未做任何改动。")
    for name, digest in sums.items():
        if digests[name] != digest or (name in listed and listed[name]["sha256"] != digest):
            raise BackupError(f"备份文件被篡改或损坏：“{name}”的校验和不符，已拒绝恢复，未做任何改动。")
    if not isinstance(tables, dict):
        raise BackupError("备份文件被篡改：清单无法读取，已拒绝恢复。")
    return manifest, extracted


def _compare(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for table in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            problems.append(f"多出表 {table}")
        elif got is None:
            problems.append(f"缺少表 {table}")
        elif want["rows"] != got["rows"]:
            problems.append(f"表 {table} 应有 {want['rows']} 行，实有 {got['rows']} 行")
        elif want["sha256"] != got["sha256"]:
            problems.append(f"表 {table} 的内容校验和不符")
    return problems


def _check(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]], when: str) -> None:
    problems = _compare(expected, actual)
    if problems:
        raise BackupError(f"{when}：数据库与备份清单不一致——{'；'.join(problems[:10])}。")


def _sqlite_restore(using: str, source: Path) -> None:
    conn = connections[using]
    conn.close()
    conn.ensure_connection()
    src = sqlite3.connect(source)
    try:
        # Through the configured database's own connection: other processes' connections and its WAL stay valid.
        src.backup(conn.connection)
    finally:
        src.close()
    conn.close()


def _pg_restore(using: str, source: Path) -> None:
    conn = connections[using]
    conn.close()  # our own open connection would hold locks on the tables pg_restore drops
    settings_dict = conn.settings_dict
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--no-password", f"--dbname={settings_dict['NAME']}", str(source)],
         _pg_env(settings_dict), "pg_restore 恢复")


def _swap_media(staged: Path | None, media_root: Path) -> None:
    old = None
    if media_root.exists():
        old = media_root.with_name(f".{media_root.name}.before-restore-{uuid.uuid4().hex[:8]}")
        media_root.rename(old)
    if staged is not None and staged.is_dir():
        staged.rename(media_root)
    else:
        media_root.mkdir(parents=True)
    if old is not None:
        shutil.rmtree(old)


def backup_restore(*, archive: Path, using: str = "default", media_root: Path | None = None, force: bool = False,
                   ) -> RestoreResult:
    """Restore the archive into the configured database and MEDIA_ROOT.

    Refuses, touching nothing: an archive that is damaged or altered, from another database vendor, or a target
    that already holds data (unless `force`). After restoring, every table's row count and checksum and every
    file's digest are recomputed and compared with the manifest."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件“{archive}”。")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    conn = connections[using]
    # Staged next to MEDIA_ROOT: moving the files into place is then a rename, not a second copy.
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".zhengai-restore-") as tmp:
        staging = Path(tmp)
        manifest, extracted = _unpack(archive, staging)
        vendor = manifest.data["database"]["vendor"]
        if vendor != conn.vendor:
            raise BackupError(f"这是 {vendor} 数据库的备份，不能恢复到 {conn.vendor} 数据库。")
        if not force:
            occupied = tables_with_rows(using)
            if occupied:
                raise BackupError(
                    f"目标数据库已有数据（{'、'.join(occupied[:5])}{' 等' if len(occupied) > 5 else ''}），"
                    "已拒绝恢复；确认要覆盖请加 --force。")
            if _media_files(media_root):
                raise BackupError(f"上传文件目录“{media_root}”中已有文件，已拒绝恢复；确认要覆盖请加 --force。")
        dump = extracted[manifest.data["database"]["member"]]
        if vendor == "sqlite":
            with _sqlite_file_alias(using, dump) as alias:
                _check(manifest.tables, table_checksums(alias), "备份中的数据库与清单不符，已拒绝恢复")
            _sqlite_restore(using, dump)
        else:
            _pg_restore(using, dump)
        _check(manifest.tables, table_checksums(using), "恢复后校验失败")
        _swap_media(staging / "members" / "media", media_root)
        restored = file_checksums(media_root)
        wanted = {n: e for n, e in manifest.files.items() if n.startswith(MEDIA_PREFIX)}
        if {n: e["sha256"] for n, e in restored.items()} != {n: e["sha256"] for n, e in wanted.items()}:
            raise BackupError("恢复后校验失败：上传文件与备份清单不一致。")
    result = RestoreResult(manifest=manifest, tables=len(manifest.tables),
                           rows=sum(t["rows"] for t in manifest.tables.values()), files=len(wanted))
    if manifest.data.get("platform_version") != _platform_version():
        result.notes.append(f"备份来自平台版本 {manifest.data.get('platform_version')}，当前为 {_platform_version()}："
                            "请运行 zhengai migrate。")
    return result
