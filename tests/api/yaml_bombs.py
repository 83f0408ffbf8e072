"""Hostile YAML bodies shared by the decoder tests and the API server's hostile-input tests."""

from __future__ import annotations


def billion_laughs() -> str:
    """Nine levels of ten aliases: a billion strings from under 400 bytes (the classic)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def ten_thousand() -> str:
    """A ConfigMap-shaped body whose aliases expand to 10,000 strings (four levels of ten)."""
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: laughs}\n"
            'x: &a ["l","l","l","l","l","l","l","l","l","l"]\n'
            "y: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "z: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "data: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n")


def nested(levels: int, opening: str = "[", closing: str = "]") -> str:
    return opening * levels + closing * levels
