"""Where photo bytes live: a small interface, a local directory by default.

Production points a service's blob-store setting (``FAEMBAN_REGISTRY_BLOB_STORE``,
``FAEMBAN_ASSISTANCE_LOG_BLOB_STORE``) at an S3-compatible bucket (``s3://bucket/prefix``;
endpoint from ``FAEMBAN_S3_ENDPOINT_URL``, keys from the usual AWS variables; needs
boto3, the service's ``s3`` extra). The database
row of a photo is written after its bytes, so a crash between leaves an
unreferenced blob, never a row without bytes.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes: ...
    async def delete(self, key: str) -> None: ...


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"blob key escapes the store: {key}")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, data)

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)


class S3BlobStore:
    """Any S3-compatible store (AWS, MinIO, Ceph) through boto3."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3  # the service's optional "s3" extra

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes:
        response = await asyncio.to_thread(self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        return await asyncio.to_thread(response["Body"].read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))


def blob_store(
    setting: str | None, default_dir: Path, s3_endpoint_url: str | None = None, name: str = "blob store"
) -> BlobStore:
    """``None`` → ``default_dir``; ``file:///dir``; ``s3://bucket/prefix``."""
    if not setting:
        return LocalBlobStore(default_dir)
    url = urlparse(setting)
    if url.scheme == "file":
        return LocalBlobStore(Path(url.path))
    if url.scheme == "s3":
        return S3BlobStore(url.netloc, url.path, s3_endpoint_url or None)
    raise ValueError(f"{name} must be file:///dir or s3://bucket/prefix, not {setting!r}")
