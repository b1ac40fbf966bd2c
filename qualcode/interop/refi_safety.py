"""Opening exchange archives and XML from strangers without getting hurt.

A ``.qdpx`` is a zip made by someone else's software, possibly by someone hostile. The
reader never extracts it to disk: members are read into memory through
:class:`SafeArchive`, which refuses, before reading anything,

* more than ``max_files`` members or more than ``max_total_bytes`` declared uncompressed
  size (zip bombs), and enforces both limits again on the bytes actually inflated, since
  the declared sizes can lie;
* member names that are absolute, carry a drive letter, climb with ``..``, contain NUL,
  are symbolic links or appear twice (zip-slip and ambiguity);
* encrypted members.

XML goes through :func:`parse_xml`: lxml with entity resolution, DTD loading and network
access off, and any document type declaration rejected outright (REFI-QDA files never
need one), which closes XXE and entity-expansion ("billion laughs") attacks.

Every refusal is an :class:`~qualcode.errors.ImportFormatError` with a one-line message
naming the archive and the member.
"""
from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

from lxml import etree

from qualcode.errors import ImportFormatError

_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on what an archive may hold; generous for real projects, fatal to bombs."""

    max_files: int = 10_000
    max_total_bytes: int = 2 * 1024**3
    max_member_bytes: int = 1024**3


def check_member_name(name: str, archive: str) -> None:
    """Raise when a member name could escape an extraction folder (zip-slip)."""
    if "\x00" in name:
        raise ImportFormatError(f"{archive}: member name {name!r} contains a NUL character; the archive is damaged or unsafe")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        raise ImportFormatError(f"{archive}: member {name!r} has an absolute path; refusing an archive that writes outside its folder")
    if any(part == ".." for part in PurePosixPath(unified).parts):
        raise ImportFormatError(f"{archive}: member {name!r} climbs out of the archive with '..'; refusing a zip-slip archive")


class SafeArchive:
    """Read-only view of a zip with size and count limits and safe member names.

    Member lookup is case-insensitive because tools disagree (``Project.qde`` from
    ATLAS.ti, ``project.qde`` from QualCoder; ``Sources/`` vs ``sources/``).
    """

    def __init__(self, path: str | Path, limits: ArchiveLimits | None = None) -> None:
        self.path = Path(path)
        self.label = self.path.name
        self.limits = limits or ArchiveLimits()
        self._read_total = 0
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise ImportFormatError(f"{self.path}: file not found") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ImportFormatError(f"{self.label}: not a readable zip archive ({exc}); export the project again as .qdpx") from None
        try:
            self._index = self._check_members()
        except ImportFormatError:
            self._zip.close()
            raise

    def _check_members(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_files:
            raise ImportFormatError(
                f"{self.label}: archive holds {len(infos)} files, more than the limit of {self.limits.max_files}; refusing it as unsafe"
            )
        declared = sum(info.file_size for info in infos)
        if declared > self.limits.max_total_bytes:
            raise ImportFormatError(
                f"{self.label}: archive would unpack to {declared} bytes, more than the limit of "
                f"{self.limits.max_total_bytes}; refusing it as a possible zip bomb"
            )
        index: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            check_member_name(info.filename, self.label)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ImportFormatError(f"{self.label}: member {info.filename!r} is a symbolic link; refusing the archive")
            if info.flag_bits & 0x1:
                raise ImportFormatError(f"{self.label}: member {info.filename!r} is encrypted; export the project without a password")
            if info.file_size > self.limits.max_member_bytes:
                raise ImportFormatError(
                    f"{self.label}: member {info.filename!r} would unpack to {info.file_size} bytes, more than the "
                    f"limit of {self.limits.max_member_bytes}"
                )
            key = info.filename.replace("\\", "/").lower()
            if key in index:
                raise ImportFormatError(f"{self.label}: member {info.filename!r} appears twice; the archive is ambiguous: export the project again")
            index[key] = info
        return index

    # ----- lookup and reading ---------------------------------------------------------
    def names(self) -> list[str]:
        return [info.filename for info in self._index.values() if not info.is_dir()]

    def find(self, name: str) -> str | None:
        """The member's real name for a case-insensitive ``name`` (``/`` separated)."""
        info = self._index.get(name.replace("\\", "/").lower())
        return None if info is None or info.is_dir() else info.filename

    def read(self, name: str) -> bytes:
        """Inflate one member, enforcing the per-member and total limits on real bytes."""
        info = self._index.get(name.replace("\\", "/").lower())
        if info is None or info.is_dir():
            raise ImportFormatError(
                f"{self.label}: member {name!r} is missing from the archive; export the project again with its sources"
            )
        cap = min(self.limits.max_member_bytes, self.limits.max_total_bytes - self._read_total)
        parts: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    if size > cap:
                        raise ImportFormatError(
                            f"{self.label}: member {info.filename!r} inflates past the size limit "
                            f"({cap} bytes); refusing it as a possible zip bomb"
                        )
                    parts.append(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            raise ImportFormatError(
                f"{self.label}: member {info.filename!r} cannot be read ({exc}); the archive is damaged: "
                "export the project again from the tool that made it"
            ) from None
        self._read_total += size
        return b"".join(parts)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


#: lxml parser options for untrusted XML (also passed to ``etree.iterparse``).
SAFE_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(**SAFE_PARSER_OPTIONS)


def check_no_doctype(data: bytes, where: str) -> None:
    """Quick refusal of DOCTYPE/ENTITY declarations before parsing (the docinfo check
    after parsing is authoritative)."""
    if _DOCTYPE.search(data[:65536]):
        raise ImportFormatError(f"{where}: XML with a DOCTYPE or ENTITY declaration is not accepted (REFI-QDA files have none)")


def check_no_dtd(tree: etree._ElementTree, where: str) -> None:
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ImportFormatError(f"{where}: XML with a DOCTYPE declaration is not accepted (REFI-QDA files have none)")


def parse_xml(data: bytes, where: str) -> etree._ElementTree:
    """Parse untrusted XML bytes; ``where`` names the file for error messages."""
    check_no_doctype(data, where)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_safe_parser()))
    except etree.XMLSyntaxError as exc:
        raise ImportFormatError(f"{where}: bad XML at line {exc.lineno}: {exc.msg}") from None
    check_no_dtd(tree, where)
    return tree
