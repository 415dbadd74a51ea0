"""EFS: file systems with their encryption at rest."""

from __future__ import annotations

from posture.live.base import Context, display_name, tags_of
from posture.resources import ResourceView
from posture.rules import tokens as tok

TYPES = (tok.EFS_FILE_SYSTEM,)


def collect(ctx: Context) -> list[ResourceView]:
    views = []
    for fs in ctx.items("efs", "describe_file_systems", "FileSystems", types=TYPES):
        arn = fs.get("FileSystemArn") or ctx.arn("elasticfilesystem", f"file-system/{fs['FileSystemId']}")
        tags = tags_of(fs.get("Tags"))
        views.append(ctx.view(tok.EFS_FILE_SYSTEM, arn, display_name(tags, fs.get("Name"), fs["FileSystemId"]), {
            "id": fs["FileSystemId"], "arn": arn, "encrypted": bool(fs.get("Encrypted")), "kmsKeyId": fs.get("KmsKeyId"),
            "creationToken": fs.get("CreationToken"), "tags": tags}))
    return views
