"""The held-objects kernel's one number, shared by its two engines (held_json_layout.pxi is made from it)."""

MAX_LEN = 64  # longer string values (certificates, annotations, last-applied) are rarely shared
