#!/usr/bin/python
"""Read several files in one module call (base64), for the hosts' certificates and keys.

ansible.builtin.slurp reads one file per call: a host's dozen files on the CA host cost a
dozen round trips, for every host, on every run. Read-only: it never reports a change."""

from __future__ import annotations

import base64

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: kube_read_files
short_description: Read several files at once (base64)
description: The read-only half of moving a host's certificates from the CA host to it.
options:
  paths: {description: The files to read., type: list, elements: path, required: true}
"""


def main() -> None:
    module = AnsibleModule(argument_spec={"paths": {"type": "list", "elements": "path", "required": True}},
                           supports_check_mode=True)
    files, missing = [], []
    for path in module.params["paths"]:
        try:
            with open(path, "rb") as f:
                files.append({"path": path, "content": base64.b64encode(f.read()).decode()})
        except OSError as e:
            missing.append(f"{path} ({e.strerror})")
    if missing:
        module.fail_json(msg=f"cannot read: {', '.join(missing)}")
    module.exit_json(changed=False, files=files)


if __name__ == "__main__":
    main()
