"""Inputs too big or too awkward to keep in git, built by name (`generate = "name"`)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MINI_CASE = FIXTURES / "mini" / "cases" / "MC-2026-0001.yaml"


def ten_megabytes() -> bytes:
    """The mini case padded to 10 MB with comment lines: read, checked, no hang."""
    pad = b"# " + b"x" * 97 + b"\n"
    return MINI_CASE.read_bytes() + pad * (10 * 1024 * 1024 // len(pad))


def deep_nesting() -> bytes:
    """100,000 nested flow lists as the value of a key."""
    return MINI_CASE.read_bytes() + b"extra: " + b"[" * 100_000 + b"]" * 100_000 + b"\n"


def deep_block_nesting() -> bytes:
    """2,000 nested block mappings."""
    lines = [f"{'  ' * i}k{i}:" for i in range(2000)]
    return ("\n".join(lines) + " end\n").encode()


def huge_integer() -> bytes:
    """A 5,000-digit integer (Python's int() refuses more than 4,300 digits)."""
    return MINI_CASE.read_bytes().replace(b"service: Planning", b"service: " + b"9" * 5000)


def huge_minutes() -> bytes:
    """A 5,000-digit call length in a record."""
    return MINI_CASE.read_bytes().replace(
        b"summary: Called about the complaint}", b"summary: Called, minutes: " + b"9" * 5000 + b"}"
    )


def csv_huge_minutes() -> bytes:
    return (
        b"date,channel,to,summary,minutes\n2026-04-01T10:00,email,mgr-basil,A question,"
        + b"9" * 5000
        + b"\n"
    )


def nul_byte() -> bytes:
    return MINI_CASE.read_bytes().replace(b"service: Planning", b"service: Plan\x00ning")


def billion_laughs_bom() -> bytes:
    """Anchors and aliases each after a byte-order mark at the start of a line (980 bytes)."""
    bom = "\ufeff"
    lines = ["a0:", bom + "&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        lines.append(f"a{i}:")
        lines.append(bom + f"&a{i} [")
        lines += [bom + f"*a{i - 1}," for _ in range(8)] + [bom + f"*a{i - 1}]"]
    return ("\n".join(lines) + "\n").encode()
