"""`kube images build`: make the local images (see kube/node/images.py)."""

from __future__ import annotations

import argparse

from kube.component.errors import UsageError


def run(args: argparse.Namespace) -> int:
    from kube.node.images import ImageBuildError, build_images

    try:
        for image in build_images(force=args.force):
            print(f"{image.name} {'built' if image.created else 'present'}")
    except ImageBuildError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("images", help="build the local images (kube.local/pause:1, kube.local/busybox:1)")
    verbs = p.add_subparsers(dest="images_verb", metavar="VERB", required=True)
    b = verbs.add_parser("build", help="docker import the images from Debian's busybox-static")
    b.add_argument("--force", action="store_true", help="rebuild even when present")
    b.set_defaults(func=run)
