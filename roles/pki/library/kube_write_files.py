#!/usr/bin/python
"""Write several files in one module call, each only when its content or mode differs.

ansible.builtin.copy costs a round trip per file; a master's certificates and keys are
about twenty files, on every run. This compares each, writes only what differs (atomically:
a daemon never reads half a key) and reports which, so a caller's handler restarts only
on a real change. In check mode it writes nothing and reports what it would write."""

from __future__ import annotations

import base64
import os

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: kube_write_files
short_description: Write several files at once, only those that differ
description: The writing half of moving a host's certificates from the CA host to it.
options:
  files: {description: "Each {dest, content (base64), mode (octal string)}.", type: list, elements: dict, required: true}
"""


def differs(dest: str, data: bytes, mode: int) -> bool:
    try:
        with open(dest, "rb") as f:
            same = f.read() == data
        return not same or os.stat(dest).st_mode & 0o7777 != mode
    except FileNotFoundError:
        return True


def write(dest: str, data: bytes, mode: int) -> None:
    tmp = f"{dest}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, dest)


def main() -> None:
    module = AnsibleModule(argument_spec={"files": {"type": "list", "elements": "dict", "required": True}},
                           supports_check_mode=True)
    written = []
    for entry in module.params["files"]:
        try:
            dest, data, mode = entry["dest"], base64.b64decode(entry["content"]), int(str(entry["mode"]), 8)
        except (KeyError, ValueError, TypeError) as e:
            module.fail_json(msg=f"a file entry needs dest, base64 content and an octal mode: {e}")
        try:
            if differs(dest, data, mode):
                written.append(dest)
                if not module.check_mode:
                    write(dest, data, mode)
        except OSError as e:
            module.fail_json(msg=f"{dest}: {e.strerror}")
    module.exit_json(changed=bool(written), written=written)


if __name__ == "__main__":
    main()
