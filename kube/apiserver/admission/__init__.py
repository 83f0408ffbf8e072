"""Admission that spans kinds (Kubernetes' validating admission plugins): Pod Security.

What is special to one kind lives in its strategy; a plugin here reads several kinds
(pods and every workload's pod template, their namespace's labels) and is called once
from the write path (`storage/write_path.py`) after defaults and validation.
"""
