"""Limits for reading files other people made: zip archives, XML and YAML.

Every .docx, .xlsx, .qdpx and codebook a researcher is sent is untrusted input, and the
cheap attacks on them cost memory, not cleverness: a 1 MB .docx whose ``document.xml``
inflates to 300 MB (python-docx then needs gigabytes), a YAML "billion laughs" whose
aliases expand exponentially, a YAML nested 400 levels deep that overflows Python's
stack. The limits live here, in one place, so every reader applies the same ones:

* :func:`check_zip` inflates an archive once, in chunks, counting real bytes (the sizes a
  zip declares can lie) against a per-member and a total cap, and turns every way a zip
  breaks (bad CRC, bad deflate stream, truncation) into one line naming the member;
* :class:`BoundedSafeLoader` is PyYAML's safe loader that refuses more than
  ``YAML_MAX_DEPTH`` levels of nesting or a document whose aliases would expand to more
  than ``YAML_MAX_NODES`` nodes;
* XML is parsed by lxml without ``huge_tree`` (depth ≤ 256, text nodes ≤ 10 MB) and with
  entities and DTDs off (see ``interop/refi_safety.py``).

The limits are generous for real material (a 2,000-page interview's ``document.xml`` is
~20 MB) and fatal to bombs. This module is a leaf: it imports only ``errors``.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import yaml

from qualcode.errors import QualcodeError

MB = 1024 * 1024
#: An office document's XML parts (Word builds its whole tree in memory: ~12x the XML).
OFFICE_MAX_MEMBER_BYTES = 128 * MB
#: All parts of one office document together (images included).
OFFICE_MAX_TOTAL_BYTES = 512 * MB
#: Members of one office document.
OFFICE_MAX_FILES = 10_000
#: YAML: nesting levels (a codebook five codes deep needs ~20).
YAML_MAX_DEPTH = 100
#: YAML: nodes after expanding every alias (a large codebook has a few thousand).
YAML_MAX_NODES = 1_000_000
_CHUNK = 1 << 16


def check_zip(source: str | Path | bytes, where: str, error: type[QualcodeError], *,
              max_member_bytes: int = OFFICE_MAX_MEMBER_BYTES, max_total_bytes: int = OFFICE_MAX_TOTAL_BYTES,
              max_files: int = OFFICE_MAX_FILES, what: str = "file", fix: str = "save it again") -> None:
    """Raise ``error`` unless ``source`` is a readable zip within the limits.

    Every member is inflated once and thrown away, so a lying size, a bad CRC or a
    broken deflate stream is found here, before a library builds anything from it.
    ``where`` names the file in the message; ``fix`` says what the user can do.
    """
    handle: IO[bytes] | str
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        archive = zipfile.ZipFile(handle)
    except FileNotFoundError:
        raise error(f"{where}: file not found") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise error(f"{where}: not a readable {what} (the zip container is damaged: {exc}); {fix}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_files:
            raise error(f"{where}: holds {len(infos)} parts, more than the limit of {max_files}; refusing it as unsafe")
        total = 0
        for info in infos:
            size = 0
            try:
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > max_member_bytes:
                            raise error(
                                f"{where}: part {info.filename!r} inflates to more than {max_member_bytes // MB} MB; "
                                "refusing it as a possible zip bomb (split the file if it is real)"
                            )
                        if total > max_total_bytes:
                            raise error(
                                f"{where}: inflates to more than {max_total_bytes // MB} MB; "
                                "refusing it as a possible zip bomb (split the file if it is real)"
                            )
            except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
                    NotImplementedError, RuntimeError) as exc:
                raise error(f"{where}: part {info.filename!r} cannot be read ({type(exc).__name__}: {exc}); "
                            f"the {what} is damaged; {fix}") from None


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with a nesting limit and a limit on alias expansion.

    Aliases are legal YAML and a codebook may reuse a block with ``*name``; what is
    refused is a document whose aliases multiply it past ``YAML_MAX_NODES`` nodes
    (each alias counts the whole subtree it stands for), and nesting deeper than
    ``YAML_MAX_DEPTH``, checked while composing, before Python's stack runs out.
    Errors are ``yaml.YAMLError`` with a mark, so callers report them with the line.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}
        self._expanded = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        self._depth += 1
        try:
            if self._depth > YAML_MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {YAML_MAX_DEPTH} levels deep; refusing it", mark)
            aliased = self.check_event(yaml.AliasEvent)
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            size = self._size(node)
            if aliased:
                self._expanded += size
                if self._expanded > YAML_MAX_NODES:
                    raise yaml.composer.ComposerError(
                        None, None, f"aliases expand to more than {YAML_MAX_NODES:,} nodes; refusing a possible "
                        "alias bomb", mark)
            return node
        finally:
            self._depth -= 1

    def _size(self, node: Any) -> int:
        """Nodes in ``node`` with every alias expanded (memoised: a shared subtree once)."""
        key = id(node)
        if key in self._sizes:
            return self._sizes[key]
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        else:
            size = 1
        self._sizes[key] = size
        return size
