"""`kube images build`: make the local images (see kube/node/images.py) and push them into
the loopback registry when one answers (hack/registry.sh, started by `make up`)."""

from __future__ import annotations

import argparse
import os

from kube.component.errors import UsageError


def run(args: argparse.Namespace) -> int:
    from kube.node.images import ImageBuildError, build_images, push_images, registry_answers

    try:
        for image in build_images(force=args.force):
            print(f"{image.name} {'built' if image.created else 'present'}")
        if not args.registry:
            return 0
        if not registry_answers(args.registry):
            print(f"no registry answers at {args.registry}: nothing pushed (bash hack/registry.sh start)")
            return 0
        for name in push_images(args.registry):
            print(f"{name} pushed")
    except ImageBuildError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("images", help="build the local images (kube.local/pause:1, kube.local/busybox:1)")
    verbs = p.add_subparsers(dest="images_verb", metavar="VERB", required=True)
    b = verbs.add_parser("build", help="docker import the images from Debian's busybox-static; push them")
    b.add_argument("--force", action="store_true", help="rebuild even when present")
    b.add_argument("--registry", default=os.environ.get("KUBE_REGISTRY", "127.0.0.1:5000"),
                   help="loopback registry to push into, as their own names and as library/busybox:latest "
                        "(default $KUBE_REGISTRY or 127.0.0.1:5000; '' skips)")
    b.set_defaults(func=run)
